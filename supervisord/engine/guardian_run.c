/*
 * The guardian process itself (see guardian.c): our executable run under
 * the name supervisord-guardian, the pipe on descriptor 3.  It ignores
 * the signals of a terminal and of a careless pkill, keeps the set of
 * process groups the daemon sends, and at end of file kills each of them
 * with SIGKILL, says so in the daemon's log, and exits.
 */
#include <sys/types.h>

#include <linux/close_range.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pidset.h"
#include "engine.h"

#define GUARDIAN_FD	3
#define REPORT_MAX	16	/* groups named in the report */

static const int ignored_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE, SIGTSTP,
	SIGTTIN, SIGTTOU,
};

/* The signals it ignores: blocked when it is started (guardian.c), so
   that none kills it before it ignores them. */
void
guardian_ignored_set(sigset_t *set)
{
	size_t	i;

	sigemptyset(set);
	for (i = 0; i < sizeof(ignored_signals) / sizeof(ignored_signals[0]);
	    i++)
		sigaddset(set, ignored_signals[i]);
}

/* Read records until end of file; a partial record waits for the rest. */
static void
guardian_read(int fd, struct pidset *groups)
{
	unsigned char	 buf[4096 + sizeof(int32_t)];
	size_t		 have = 0, off;
	ssize_t		 n;
	int32_t		 rec;

	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* end of file, or a broken pipe */
		have += (size_t)n;
		for (off = 0; have - off >= sizeof(rec); off += sizeof(rec)) {
			memcpy(&rec, buf + off, sizeof(rec));
			if (rec > 1)
				(void)pidset_add(groups, (pid_t)rec);
			else if (rec < -1)
				(void)pidset_del(groups, (pid_t)-rec);
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
}

/* Where the daemon logged, the report goes: its file, else stderr. */
static void
guardian_report(const char *daemon_pid, const char *logfile,
    const pid_t *killed, size_t n)
{
	char	 list[REPORT_MAX * 12 + 32];
	size_t	 i, off = 0;
	int	 fd;

	if (strcmp(logfile, "-") != 0 && strcmp(logfile, "syslog") != 0 &&
	    (fd = open(logfile, O_WRONLY | O_APPEND | O_NOCTTY |
	    O_CLOEXEC)) != -1) {
		(void)dup2(fd, STDERR_FILENO);
		close(fd);
	}
	for (i = 0; i < n && i < REPORT_MAX; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%d",
		    i > 0 ? ", " : "", (int)killed[i]);
	if (n > REPORT_MAX)
		snprintf(list + off, sizeof(list) - off, " and %zu more",
		    n - REPORT_MAX);
	log_warnx("guardian: supervisord (pid %s) is gone: killed what was "
	    "left of %zu process group%s (%s)", daemon_pid, n,
	    n == 1 ? "" : "s", list);
}

int
guardian_main(int argc, char **argv)
{
	struct pidset	 groups = { 0 };
	sigset_t	 blocked;
	pid_t		 pgid, killed[REPORT_MAX];
	size_t		 i, nkilled = 0;

	if (argc != 3) {
		fprintf(stderr, "%s: run by supervisord only\n", argv[0]);
		return 2;
	}
	log_init("supervisord", LOG_LEVEL_INFO);
	for (i = 0; i < sizeof(ignored_signals) / sizeof(ignored_signals[0]);
	    i++)
		(void)signal(ignored_signals[i], SIG_IGN);
	/* Those that came meanwhile are dropped now. */
	guardian_ignored_set(&blocked);
	(void)sigprocmask(SIG_UNBLOCK, &blocked, NULL);
	/* Nothing of the daemon's is kept open here: no socket, no lock. */
	if (close_range(GUARDIAN_FD + 1, ~0U, 0) == -1)
		for (i = GUARDIAN_FD + 1; i < 1024; i++)
			(void)close((int)i);
	guardian_read(GUARDIAN_FD, &groups);
	i = 0;
	while (pidset_next(&groups, &i, &pgid)) {
		if (kill(-pgid, SIGKILL) == -1)
			continue;	/* ESRCH: nothing left of it */
		if (nkilled < REPORT_MAX)
			killed[nkilled] = pgid;
		nkilled++;
	}
	if (nkilled > 0)
		guardian_report(argv[1], argv[2], killed, nkilled);
	pidset_free(&groups);
	return 0;
}

/*
 * The daemon's own log: a rotating file ([supervisord] logfile), syslog
 * (logfile=syslog), or a standard stream (unset: stderr), through the
 * line destinations of logsink.c.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "engine.h"
#include "output.h"
#include "logsink.h"

/*
 * The daemon's own log: a rotating file ([supervisord] logfile), syslog
 * (logfile=syslog), or a standard stream (unset: stderr).  Under systemd
 * (stderr is the journal's stream) every line also goes to stderr with
 * a "<N>" priority prefix and no timestamp of ours, which the journal
 * reads; otherwise, in the foreground (nodaemon) and not silent, lines
 * are echoed to stdout as Supervisor does.
 */
static struct {
	struct logfile	*file;
	int		 std;		/* 1, 2, or 0 */
	bool		 syslog;
	int		 echo;		/* also to this fd (1 or 2), or 0 */
	bool		 journal;	/* stderr is systemd's journal */
} dlog;

/* Whether stderr is the journal's stream (systemd sets JOURNAL_STREAM
   to its "device:inode"). */
static bool
logsink_under_journal(void)
{
	struct stat	 st;
	const char	*js;
	unsigned long	 dev, ino;

	if ((js = getenv("JOURNAL_STREAM")) == NULL ||
	    sscanf(js, "%lu:%lu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return false;
	return (unsigned long)st.st_dev == dev &&
	    (unsigned long)st.st_ino == ino;
}

/* A line for the journal: "<prio>message", without our timestamp and
   level (the journal keeps its own). */
static void
logsink_journal_write(enum log_level level, const char *line, size_t len)
{
	static const int prio[] = { 2, 3, 4, 6, 7, 7, 7 };
	const char	*sp;
	char		 buf[8192 + 8];
	int		 n;

	if (len > 24 && line[23] == ' ' &&
	    (sp = memchr(line + 24, ' ', len - 24)) != NULL) {
		len -= (size_t)(sp + 1 - line);
		line = sp + 1;
	}
	if (len > 8192)
		len = 8192;
	n = snprintf(buf, sizeof(buf), "<%d>",
	    prio[(size_t)level < sizeof(prio) / sizeof(prio[0]) ? level : 3]);
	memcpy(buf + n, line, len);
	logsink_std_write(STDERR_FILENO, buf, (size_t)n + len, true);
}

/* The daemon log file's own failures cannot be logged through it. */
static void
logsink_daemon_file_report(struct logfile *lf)
{
	char	msg[PATH_MAX + 256];
	int	n;

	if (lf->failing == lf->reported)
		return;
	if (lf->failing)
		n = snprintf(msg, sizeof(msg), "supervisord: cannot %s '%s': "
		    "%s; dropping the daemon's log until it can be written",
		    lf->failed_op, lf->path, strerror(lf->error));
	else
		n = snprintf(msg, sizeof(msg), "supervisord: writing to '%s' "
		    "again after dropping %llu bytes", lf->path,
		    (unsigned long long)lf->episode_dropped);
	lf->reported = lf->failing;
	if (!lf->failing)
		lf->episode_dropped = 0;
	if (n > 0)
		logsink_std_write(STDERR_FILENO, msg, (size_t)n, true);
}

static void
logsink_daemon_sink(enum log_level level, const char *line, size_t len,
    void *arg)
{
	char	buf[8192 + 1];
	const char *msg;

	if (dlog.file != NULL) {
		if (len > sizeof(buf) - 1)
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\n';
		logfile_write(dlog.file, buf, len + 1);
		logsink_daemon_file_report(dlog.file);
	} else if (dlog.syslog) {
		/* syslog stamps its own time: skip ours ("date time,ms "). */
		msg = line;
		if (len > 24 && line[23] == ' ') {
			msg = line + 24;
			len -= 24;
		}
		logsink_syslog("supervisord", getpid(),
		    level <= LOG_LEVEL_WARN, msg, len);
	} else if (dlog.journal && dlog.std == STDERR_FILENO) {
		logsink_journal_write(level, line, len);
		return;
	} else
		logsink_std_write(dlog.std, line, len, true);
	if (dlog.journal)
		logsink_journal_write(level, line, len);
	else if (dlog.echo != 0)
		logsink_std_write(dlog.echo, line, len, true);
}

/* At exit, before the standard streams are flushed: the daemon's log
   goes back to stderr and its file is closed. */
void
logsink_daemon_close(void)
{
	log_set_sink(NULL, NULL);
	logfile_free(dlog.file);
	dlog.file = NULL;
}

int
logsink_daemon_open(const struct supervisord_config *sd, char *cause,
    size_t len)
{
	const char	*path = sd->logfile;
	struct logfile	*lf;

	if (path != NULL && strcmp(path, "/dev/stdout") != 0 &&
	    strcmp(path, "/dev/stderr") != 0 && strcmp(path, "syslog") != 0) {
		if (dlog.file != NULL && strcmp(dlog.file->path, path) == 0)
			lf = dlog.file;
		else {
			lf = logfile_open(path, sd->logfile_maxbytes,
			    sd->logfile_backups);
			if (lf->fd == -1) {
				snprintf(cause, len, "cannot open '%s': %s",
				    path, strerror(lf->error));
				logfile_free(lf);
				return -1;
			}
		}
		logfile_set_limits(lf, sd->logfile_maxbytes,
		    sd->logfile_backups);
	} else
		lf = NULL;
	if (dlog.file != NULL && dlog.file != lf)
		logfile_free(dlog.file);
	dlog.file = lf;
	dlog.syslog = path != NULL && strcmp(path, "syslog") == 0;
	dlog.std = path != NULL && strcmp(path, "/dev/stdout") == 0 ?
	    STDOUT_FILENO : STDERR_FILENO;
	dlog.journal = logsink_under_journal();
	dlog.echo = 0;
	if (sd->nodaemon && !sd->silent && path != NULL &&
	    strcmp(path, "/dev/stdout") != 0)
		dlog.echo = STDOUT_FILENO;
	logsink_atexit();
	log_set_sink(logsink_daemon_sink, NULL);
	return 0;
}

struct logfile *
logsink_daemon_file(void)
{
	return dlog.file;
}

void
logsink_daemon_reopen(void)
{
	if (dlog.file != NULL) {
		logfile_reopen(dlog.file);
		logsink_daemon_file_report(dlog.file);
	}
}

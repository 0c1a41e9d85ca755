/*
 * The guardian: a small process that outlives the daemon only long
 * enough to kill what the daemon leaves.  Each program's leader dies
 * with the daemon (PR_SET_PDEATHSIG), but what it forked does not ask
 * for that: nginx's workers stay in the master's process group, lose
 * their parent, and keep its port.  The guardian, started at start-up
 * in a session of its own, is told every process group the daemon is
 * responsible for, over a pipe, and blocks in read(); at end of file
 * (the daemon died, however it died, or exited) it sends SIGKILL to
 * every group it knows and exits.
 *
 * The daemon's side never waits: each new or finished group is four
 * bytes added to a queue, written once per turn of the loop (a burst of
 * a thousand spawns is one write), without blocking; a guardian that
 * does not read while the queue passes its bound is killed and replaced.
 * A guardian that dies is started again and told every group again.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pidset.h"
#include "xmalloc.h"
#include "engine.h"

extern char	**environ;

#define GUARDIAN_FD	3		/* the pipe's read end, in the guardian */
#define QUEUE_MAX	(256 * 1024)	/* bytes the guardian may lag behind */
#define RESPAWN_DELAY	1.0		/* after a guardian that lived less */
#define EXIT_WAIT_MS	2000		/* at exit, for the guardian to end */

struct guardian {
	struct daemon	*d;
	pid_t		 pid;		/* 0: none running */
	int		 fd;		/* the pipe's write end, or -1 */
	struct pidset	 groups;	/* what the guardian must know */
	struct pidset	 lingering;	/* groups nothing else watches */
	char		*queue;		/* records not written yet: */
	size_t		 qoff, qlen, qcap;	/* at the turn's end (turn.c) */
	ev_io		 writable;	/* the pipe was full */
	ev_timer	 respawn;	/* a guardian that died quickly */
	ev_tstamp	 started;
	bool		 exiting;
};

static void	guardian_spawn(struct guardian *);

/* Append one record: a group to kill (pgid > 0) or to forget (< 0). */
static void
queue_record(struct guardian *g, int32_t rec)
{
	if (g->fd == -1)
		return;		/* a new guardian gets the whole set */
	if (g->qlen - g->qoff > QUEUE_MAX) {
		log_warnx("the guardian (pid %d) is not reading: killing it "
		    "to start another", (int)g->pid);
		(void)kill(g->pid, SIGKILL);
		ev_io_stop(g->d->loop, &g->writable);
		close(g->fd);
		g->fd = -1;
		g->qoff = g->qlen = 0;
		return;
	}
	if (g->qoff > 0 && g->qoff == g->qlen)
		g->qoff = g->qlen = 0;
	if (g->qlen + sizeof(rec) > g->qcap) {
		g->qcap = g->qcap == 0 ? 256 : 2 * g->qcap;
		g->queue = xrealloc(g->queue, g->qcap);
	}
	memcpy(g->queue + g->qlen, &rec, sizeof(rec));
	g->qlen += sizeof(rec);
}

/* Write what the pipe takes; the rest when it is writable again. */
static void
queue_write(struct guardian *g)
{
	ssize_t	n;

	while (g->fd != -1 && g->qoff < g->qlen) {
		n = write(g->fd, g->queue + g->qoff, g->qlen - g->qoff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			ev_io_start(g->d->loop, &g->writable);
			return;
		}
		if (n == -1) {
			/* EPIPE: it died; its reaping starts another. */
			if (errno != EPIPE)
				log_warn("cannot write to the guardian");
			close(g->fd);
			g->fd = -1;
			break;
		}
		g->qoff += (size_t)n;
	}
	ev_io_stop(g->d->loop, &g->writable);
	g->qoff = g->qlen = 0;
}

static void
writable_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	queue_write(container_of(w, struct guardian, writable));
}

static void
respawn_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	guardian_spawn(container_of(w, struct guardian, respawn));
}

/* The guardian's arguments: its name, our pid, where to report. */
static void
guardian_argv(struct guardian *g, char *pidbuf, size_t len, char *argv[4])
{
	const char	*logfile = g->d->config->sd.logfile;

	snprintf(pidbuf, len, "%d", (int)getpid());
	argv[0] = (char *)GUARDIAN_ARGV0;
	argv[1] = pidbuf;
	argv[2] = (char *)(logfile != NULL ? logfile : "-");
	argv[3] = NULL;
}

/*
 * Start it as posix_spawn() does (no copy of our memory), running our own
 * executable under the guardian's name; where /proc/self/exe cannot be
 * run, a plain fork() runs the same code.
 */
static pid_t
guardian_exec(struct guardian *g, int rfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t	 attr;
	sigset_t		 all, none;	/* none: blocked at start */
	char			 pidbuf[16], *argv[4];
	pid_t			 pid;
	int			 rc;

	guardian_argv(g, pidbuf, sizeof(pidbuf), argv);
	sigfillset(&all);
	/* What it ignores stays blocked until it does: no early death. */
	guardian_ignored_set(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, rfd, GUARDIAN_FD);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	rc = posix_spawn(&pid, "/proc/self/exe", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == 0)
		return pid;
	log_debug("cannot run /proc/self/exe as the guardian (%s): forking",
	    strerror(rc));
	sigprocmask(SIG_BLOCK, &none, &all);
	if ((pid = fork()) != 0) {
		sigprocmask(SIG_SETMASK, &all, NULL);
		return pid;
	}
	(void)setsid();
	if (dup2(rfd, GUARDIAN_FD) == -1)
		_exit(1);
	_exit(guardian_main(3, argv));
}

/* Start a guardian and tell it every group. */
static void
guardian_spawn(struct guardian *g)
{
	int	 p[2], fd;
	pid_t	 pid, pgid;
	size_t	 i = 0;

	ev_timer_stop(g->d->loop, &g->respawn);
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("cannot start the guardian: pipe");
		goto retry;
	}
	/* dup2() onto itself would keep close-on-exec. */
	if (p[0] == GUARDIAN_FD) {
		fd = fcntl(p[0], F_DUPFD_CLOEXEC, GUARDIAN_FD + 1);
		close(p[0]);
		p[0] = fd;
		if (fd == -1) {
			log_warn("cannot start the guardian: fcntl");
			close(p[1]);
			goto retry;
		}
	}
	pid = guardian_exec(g, p[0]);
	close(p[0]);
	if (pid == -1) {
		log_warn("cannot start the guardian");
		close(p[1]);
		goto retry;
	}
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) == -1)
		log_warn("cannot make the guardian's pipe non-blocking");
	g->pid = pid;
	g->fd = p[1];
	g->started = ev_time();
	g->qoff = g->qlen = 0;
	while (pidset_next(&g->groups, &i, &pgid))
		queue_record(g, (int32_t)pgid);
	log_debug("guardian started with pid %d (%zu process groups)",
	    (int)pid, g->groups.count);
	pidfile_record_write(g->d);
	return;
retry:
	ev_timer_set(&g->respawn, RESPAWN_DELAY, 0);
	ev_timer_start(g->d->loop, &g->respawn);
}

/* The set of groups, kept from the first spawn on, with no process yet
   (the state between two guardians). */
void
guardian_init(struct daemon *d)
{
	struct guardian	*g = xcalloc(1, sizeof(*g));

	g->d = d;
	g->fd = -1;
	ev_init(&g->writable, writable_cb);
	ev_timer_init(&g->respawn, respawn_cb, RESPAWN_DELAY, 0);
	d->guardian = g;
}

/*
 * The process, told every group at once.  Started after the autostart
 * spawns, before the turn's end writes their groups anywhere: the
 * guardian is our executable run again, whose dynamic loading (a few
 * milliseconds of CPU) would otherwise compete with the spawns for the
 * CPU, and a daemon that died before the turn's end left it nothing to
 * kill either way.
 */
void
guardian_start(struct daemon *d)
{
	struct guardian	*g = d->guardian;

	if (g != NULL && g->pid == 0 && !ev_is_active(&g->respawn))
		guardian_spawn(g);
}

/* The turn's end (turn.c): what the pipe takes, unless it is full. */
void
guardian_flush(struct daemon *d)
{
	struct guardian	*g = d->guardian;

	if (g != NULL && g->qlen > g->qoff && !ev_is_active(&g->writable))
		queue_write(g);
}

pid_t
guardian_pid(const struct daemon *d)
{
	return d->guardian != NULL ? d->guardian->pid : 0;
}

void
guardian_watch(struct daemon *d, pid_t pgid)
{
	struct guardian	*g = d->guardian;

	if (g == NULL || pgid <= 1 || !pidset_add(&g->groups, pgid))
		return;
	queue_record(g, (int32_t)pgid);
}

void
guardian_forget(struct daemon *d, pid_t pgid)
{
	struct guardian	*g = d->guardian;

	if (g == NULL || pgid <= 1)
		return;
	(void)pidset_del(&g->lingering, pgid);
	if (pidset_del(&g->groups, pgid))
		queue_record(g, -(int32_t)pgid);
}

/* A group outlives its leader and nothing probes it: its last member
   is most likely reaped by us (a subreaper), so look then. */
void
guardian_linger(struct daemon *d, pid_t pgid)
{
	if (d->guardian != NULL && pidset_has(&d->guardian->groups, pgid))
		(void)pidset_add(&d->guardian->lingering, pgid);
}

void
guardian_recheck(struct daemon *d)
{
	struct guardian	*g = d->guardian;
	size_t		 i = 0;
	pid_t		 pgid;

	if (g == NULL || g->lingering.count == 0)
		return;
	while (pidset_next(&g->lingering, &i, &pgid)) {
		if (kill(-pgid, 0) == 0 || errno != ESRCH)
			continue;
		guardian_forget(d, pgid);
		i = 0;		/* the table moved: look again */
	}
}

/* A child was reaped: if it was the guardian, start another. */
bool
guardian_reaped(struct daemon *d, pid_t pid, int wstatus)
{
	struct guardian		*g = d->guardian;
	struct exit_info	 e = { .valid = true };
	char			 how[128];

	if (g == NULL || pid != g->pid || pid == 0)
		return false;
	g->pid = 0;
	if (g->fd != -1) {
		ev_io_stop(d->loop, &g->writable);
		close(g->fd);
		g->fd = -1;
	}
	g->qoff = g->qlen = 0;
	if (g->exiting)
		return true;
	e.signaled = WIFSIGNALED(wstatus);
	e.code = e.signaled ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
	exit_describe(&e, how, sizeof(how));
	log_warnx("the guardian (pid %d) ended (%s): starting another",
	    (int)pid, how);
	if (ev_time() - g->started < RESPAWN_DELAY) {
		ev_timer_set(&g->respawn, RESPAWN_DELAY, 0);
		ev_timer_start(d->loop, &g->respawn);
	} else
		guardian_spawn(g);
	return true;
}

/* Wait up to ms for pid (a child) to end, then reap it; SIGKILL first
   if it did not. */
static void
reap_within(pid_t pid, int ms)
{
	struct pollfd	 pfd = { .events = POLLIN };
	int		 status;

	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd.fd != -1) {
		while (poll(&pfd, 1, ms) == -1 && errno == EINTR)
			;
		close(pfd.fd);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		log_warnx("the guardian (pid %d) did not end: killing it",
		    (int)pid);
		(void)kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

/*
 * The daemon exits: closing the pipe has the guardian kill what is left
 * of the groups it knows (none, after a shutdown that waited for every
 * group), then exit; reap it so nothing of ours is left behind.
 */
void
guardian_stop(struct daemon *d)
{
	struct guardian	*g = d->guardian;

	if (g == NULL)
		return;
	g->exiting = true;
	ev_io_stop(d->loop, &g->writable);
	ev_timer_stop(d->loop, &g->respawn);
	if (g->fd != -1)
		queue_write(g);		/* best effort: it may lag */
	if (g->fd != -1)
		close(g->fd);
	if (g->pid > 0)
		reap_within(g->pid, EXIT_WAIT_MS);
	pidset_free(&g->groups);
	pidset_free(&g->lingering);
	free(g->queue);
	free(g);
	d->guardian = NULL;
}

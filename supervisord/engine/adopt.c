/*
 * Processes a program left behind by daemonizing.  nginx without
 * "daemon off;" forks its master into a session of its own and exits 0;
 * as a subreaper, we become that master's parent.  Supervisor never
 * says so and restarts the program, which then fails to bind the port
 * the escaped master holds, and leaves it running when it exits.  Here,
 * after each exit of a program's leader (and once its group is empty,
 * for a child that left the group late), our children are looked at:
 * one that is not a program's, is in a session other than ours (it
 * called setsid()) and started since the program did was left behind by
 * it.  It is logged, described in the program's status, given to the
 * guardian, and stopped with the program's stopsignal (SIGKILL after its
 * stopwaitsecs) at shutdown, before the daemon exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "procstat.h"
#include "xmalloc.h"
#include "engine.h"

#define PROBE_FIRST	0.01	/* seconds: its group, once it was reaped */
#define PROBE_MAX	0.25

struct adopted {
	struct daemon	*d;
	struct proc	*p;		/* NULL once the program is freed */
	char		 name[128];	/* the program's, for the log */
	char		 cmd[72];	/* its command line, cut */
	pid_t		 pid;		/* 0 once reaped */
	pid_t		 pgid;		/* its group, what is stopped */
	int		 stopsignal;
	int		 stopwaitsecs;
	bool		 stopping;
	ev_timer	 deadline;	/* SIGKILL after stopwaitsecs */
	ev_timer	 probe;		/* is its group empty yet? */
	ev_tstamp	 probe_ival;
	struct adopted	*next;
};

static struct adopted *
adopt_find(const struct daemon *d, pid_t pid)
{
	struct adopted	*a;

	for (a = d->adopted; a != NULL; a = a->next)
		if (a->pid == pid)
			return a;
	return NULL;
}

/* Its group (never ours, init's or everyone's), else itself. */
static int
adopt_kill(const struct adopted *a, int sig)
{
	if (a->pgid > 1 && a->pgid != getpgrp())
		return kill(-a->pgid, sig);
	if (a->pid > 1)
		return kill(a->pid, sig);
	errno = ESRCH;
	return -1;
}

static bool
adopt_gone(const struct adopted *a)
{
	return adopt_kill(a, 0) == -1 && errno == ESRCH;
}

static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct adopted	*a = container_of(w, struct adopted, deadline);

	log_warnx("killing pid %d that %s left behind with SIGKILL to its "
	    "process group %d", (int)(a->pid != 0 ? a->pid : a->pgid),
	    a->name, (int)a->pgid);
	if (adopt_kill(a, SIGKILL) == -1 && errno != ESRCH)
		log_warn("cannot kill process group %d", (int)a->pgid);
	ev_timer_set(w, a->stopwaitsecs > 0 ? a->stopwaitsecs : 1, 0);
	ev_timer_start(loop, w);
}

static void
stop_one(struct adopted *a)
{
	if (a->stopping)
		return;
	a->stopping = true;
	log_info("stopping: pid %d that %s left behind with SIG%s to its "
	    "process group %d", (int)(a->pid != 0 ? a->pid : a->pgid),
	    a->name, signal_name(a->stopsignal) != NULL ?
	    signal_name(a->stopsignal) : "?", (int)a->pgid);
	if (adopt_kill(a, a->stopsignal) == -1 && errno != ESRCH)
		log_warn("cannot signal process group %d", (int)a->pgid);
	ev_timer_set(&a->deadline, a->stopwaitsecs, 0);
	ev_timer_start(a->d->loop, &a->deadline);
}

/* Nothing is left of it: let it go, and tell shutdown. */
static void
adopt_drop(struct adopted *a)
{
	struct daemon	*d = a->d;
	struct adopted	**ap, *b;
	bool		 shared = false;

	for (ap = &d->adopted; *ap != a; ap = &(*ap)->next)
		;
	*ap = a->next;
	for (b = d->adopted; b != NULL; b = b->next)
		shared |= b->pgid == a->pgid;
	if (!shared)
		guardian_forget(d, a->pgid);
	ev_timer_stop(d->loop, &a->deadline);
	ev_timer_stop(d->loop, &a->probe);
	free(a);
	if (d->shutting_down && d->shutdown_continue != NULL)
		d->shutdown_continue(d);
}

static void
probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct adopted	*a = container_of(w, struct adopted, probe);

	if (adopt_gone(a)) {
		adopt_drop(a);
		return;
	}
	a->probe_ival *= 2;
	if (a->probe_ival > PROBE_MAX)
		a->probe_ival = PROBE_MAX;
	ev_timer_set(w, a->probe_ival, 0);
	ev_timer_start(loop, w);
}

static void
adopt_add(struct proc *p, pid_t pid, const struct procstat *st)
{
	struct daemon	*d = p->daemon;
	struct adopted	*a = xcalloc(1, sizeof(*a));

	a->d = d;
	a->p = p;
	proc_fullname(p, a->name, sizeof(a->name));
	procstat_cmdline(pid, a->cmd, sizeof(a->cmd));
	if (a->cmd[0] == '\0')
		snprintf(a->cmd, sizeof(a->cmd), "?");
	a->pid = pid;
	a->pgid = st->pgrp;
	a->stopsignal = p->cfg->stopsignal;
	a->stopwaitsecs = p->cfg->stopwaitsecs;
	ev_timer_init(&a->deadline, deadline_cb, 0, 0);
	ev_timer_init(&a->probe, probe_cb, 0, 0);
	a->next = d->adopted;
	d->adopted = a;
	guardian_watch(d, a->pgid);
	log_warnx("%s left pid %d (%s) behind: it has daemonized; run it in "
	    "the foreground", a->name, (int)pid, a->cmd);
	if (d->shutting_down)
		stop_one(a);
}

void
adopt_scan(struct proc *p)
{
	static bool	 warned;
	struct daemon	*d = p->daemon;
	struct procstat	 st;
	pid_t		*kids, self = getpid(), sid = getsid(0);
	ssize_t		 i, n;

	if ((n = procstat_children(self, &kids)) == -1) {
		if (!warned)
			log_warn("cannot see what programs leave behind: "
			    "/proc/%d/task/%d/children", (int)self, (int)self);
		warned = true;
		return;
	}
	for (i = 0; i < n; i++) {
		if (reap_find(d, kids[i]) != NULL ||
		    kids[i] == guardian_pid(d) ||
		    adopt_find(d, kids[i]) != NULL ||
		    procstat_read(kids[i], &st) == -1 || st.state == 'Z')
			continue;
		/* Still in our session: a leftover of some group, not a
		   daemon; older than this run: not this program's. */
		if (st.session == sid || st.starttime < p->start_ticks)
			continue;
		adopt_add(p, kids[i], &st);
	}
	free(kids);
}

bool
adopt_reaped(struct daemon *d, pid_t pid, int wstatus)
{
	struct adopted		*a;
	struct exit_info	 e = { .valid = true };
	char			 how[128];

	if ((a = adopt_find(d, pid)) == NULL)
		return false;
	e.signaled = WIFSIGNALED(wstatus);
	e.code = e.signaled ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
	exit_describe(&e, how, sizeof(how));
	log_info("reaped pid %d (%s) that %s left behind", (int)pid, how,
	    a->name);
	a->pid = 0;
	if (adopt_gone(a)) {
		adopt_drop(a);
		return true;
	}
	a->probe_ival = PROBE_FIRST;
	ev_timer_set(&a->probe, a->probe_ival, 0);
	ev_timer_start(d->loop, &a->probe);
	return true;
}

bool
adopt_live(const struct daemon *d, const struct proc *p)
{
	const struct adopted	*a;

	for (a = d->adopted; a != NULL; a = a->next)
		if (a->p == p)
			return true;
	return false;
}

bool
adopt_orphans_live(const struct daemon *d)
{
	return adopt_live(d, NULL);
}

void
adopt_stop(struct daemon *d, const struct proc *p)
{
	struct adopted	*a;

	for (a = d->adopted; a != NULL; a = a->next)
		if (a->p == p)
			stop_one(a);
}

/* The status reads the command line again: a daemon retitles itself
   ("nginx: master process ...") after it was first seen. */
size_t
adopt_describe(const struct proc *p, char *buf, size_t len)
{
	struct adopted	*a, *first = NULL;
	size_t		 n = 0;
	char		 cmd[sizeof(first->cmd)];
	int		 w;

	if (len == 0)
		return 0;
	for (a = p->daemon->adopted; a != NULL; a = a->next) {
		if (a->p != p)
			continue;
		if (first == NULL || (first->pid == 0 && a->pid != 0))
			first = a;
		n++;
	}
	buf[0] = '\0';
	if (first == NULL)
		return 0;
	if (first->pid != 0) {
		procstat_cmdline(first->pid, cmd, sizeof(cmd));
		if (cmd[0] != '\0')
			memcpy(first->cmd, cmd, sizeof(cmd));
		w = snprintf(buf, len, "daemonized: left pid %d (%s) running",
		    (int)first->pid, first->cmd);
	}
	else
		w = snprintf(buf, len, "daemonized: left process group %d "
		    "running", (int)first->pgid);
	if (w >= 0 && (size_t)w < len && n > 1)
		w += snprintf(buf + w, len - (size_t)w, " and %zu more", n - 1);
	if (w >= 0 && (size_t)w < len)
		w += snprintf(buf + w, len - (size_t)w, "; ");
	return w < 0 ? 0 : (size_t)w >= len ? len - 1 : (size_t)w;
}

void
adopt_forget(struct proc *p)
{
	struct adopted	*a;

	for (a = p->daemon->adopted; a != NULL; a = a->next)
		if (a->p == p)
			a->p = NULL;
}

void
adopt_free(struct daemon *d)
{
	struct adopted	*a, *next;

	for (a = d->adopted; a != NULL; a = next) {
		next = a->next;
		ev_timer_stop(d->loop, &a->deadline);
		ev_timer_stop(d->loop, &a->probe);
		free(a);
	}
	d->adopted = NULL;
}

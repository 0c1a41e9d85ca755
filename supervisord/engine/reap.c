/*
 * Reaping: one ev_child watcher for pid 0 sees every child libev reaps
 * (ours, and orphans reparented to us as subreaper or PID 1); a pid hash
 * finds the process, so thousands of programs cost nothing per exit.
 * A group whose leader is gone is probed on a short timer until empty.
 * The guardian is told when a group is empty (or is left unwatched), and
 * after a leader's exit the children it may have left by daemonizing
 * are looked for (adopt.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"
#include "xmalloc.h"
#include "engine.h"

#define PROBE_FIRST	0.01	/* seconds: first look at a leaderless group */
#define PROBE_MAX	0.25	/* the probe interval doubles up to this */

static size_t
pid_hash(pid_t pid, size_t size)
{
	return ((uint32_t)pid * 2654435761u) & (size - 1);
}

static void
pidtab_grow(struct daemon *d)
{
	struct proc	**old = d->pidtab, *p, *next;
	size_t		  oldsize = d->pidtab_size, i, h;

	d->pidtab_size = oldsize == 0 ? 64 : oldsize * 2;
	d->pidtab = xcalloc(d->pidtab_size, sizeof(*d->pidtab));
	for (i = 0; i < oldsize; i++) {
		for (p = old[i]; p != NULL; p = next) {
			next = p->pid_next;
			h = pid_hash(p->pid, d->pidtab_size);
			p->pid_next = d->pidtab[h];
			d->pidtab[h] = p;
		}
	}
	free(old);
}

void
reap_track(struct daemon *d, struct proc *p)
{
	size_t	h;

	if (d->pidtab_count + 1 > d->pidtab_size)
		pidtab_grow(d);
	h = pid_hash(p->pid, d->pidtab_size);
	p->pid_next = d->pidtab[h];
	d->pidtab[h] = p;
	d->pidtab_count++;
}

void
reap_untrack(struct daemon *d, struct proc *p)
{
	struct proc	**pp;

	if (d->pidtab_size == 0)
		return;
	for (pp = &d->pidtab[pid_hash(p->pid, d->pidtab_size)]; *pp != NULL;
	    pp = &(*pp)->pid_next) {
		if (*pp == p) {
			*pp = p->pid_next;
			p->pid_next = NULL;
			d->pidtab_count--;
			return;
		}
	}
}

struct proc *
reap_find(struct daemon *d, pid_t pid)
{
	struct proc	*p;

	if (d->pidtab_size == 0)
		return NULL;
	for (p = d->pidtab[pid_hash(pid, d->pidtab_size)]; p != NULL;
	    p = p->pid_next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* Does anything of this group live on (zombies included)? */
static bool
group_alive(pid_t pgid)
{
	if (pgid <= 1)
		return false;
	return kill(-pgid, 0) == 0 || errno != ESRCH;
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct daemon		*d = ev_userdata(loop);
	struct proc		*p;
	struct exit_info	 e = { .valid = true };
	char			 how[128];
	bool			 group_alive_now, group_left;

	if (guardian_reaped(d, w->rpid, w->rstatus))
		return;
	if ((p = reap_find(d, w->rpid)) == NULL) {
		if (adopt_reaped(d, w->rpid, w->rstatus)) {
			guardian_recheck(d);
			return;
		}
		/* An orphan reparented to us, or a member of some group. */
		if (WIFSIGNALED(w->rstatus)) {
			e.signaled = true;
			e.code = WTERMSIG(w->rstatus);
			e.core = WCOREDUMP(w->rstatus);
		} else
			e.code = WEXITSTATUS(w->rstatus);
		exit_describe(&e, how, sizeof(how));
		log_info("reaped pid %d (%s), not a program of ours",
		    (int)w->rpid, how);
		guardian_recheck(d);
		return;
	}
	reap_untrack(d, p);
	pidfile_proc_remove(p);
	spawn_exec_drain(p);
	group_alive_now = group_alive(p->pgid);
	group_left = (p->cfg->stopasgroup || p->cfg->killasgroup) &&
	    group_alive_now;
	/* The guardian keeps a group that outlives its leader. */
	if (!group_alive_now)
		guardian_forget(d, p->pgid);
	else if (!group_left)
		guardian_linger(d, p->pgid);
	guardian_recheck(d);
	adopt_scan(p);
	proc_exited(p, w->rstatus, group_left);
}

/* A probe of a group whose leader left, allocated while it runs: most
   processes never need one, and a thousand would carry 56 idle bytes. */
struct group_probe {
	ev_timer	 timer;
	ev_tstamp	 interval;	/* the probe's current interval */
	struct proc	*proc;
};

static void
group_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct group_probe	*gp = container_of(w, struct group_probe, timer);
	struct proc		*p = gp->proc;

	if (!group_alive(p->pgid)) {
		reap_stop_watch(p);
		guardian_forget(p->daemon, p->pgid);
		adopt_scan(p);	/* one that left the group since */
		proc_group_empty(p);
		return;
	}
	gp->interval *= 2;
	if (gp->interval > PROBE_MAX)
		gp->interval = PROBE_MAX;
	ev_timer_set(w, gp->interval, 0);
	ev_timer_start(loop, w);
}

/* The watch_group effect: no sleeping, a timer that backs off a little. */
void
reap_watch_group(struct proc *p)
{
	struct group_probe	*gp = p->group_probe;

	if (gp == NULL) {
		gp = p->group_probe = xmalloc(sizeof(*gp));
		gp->proc = p;
	} else
		ev_timer_stop(p->daemon->loop, &gp->timer);
	gp->interval = PROBE_FIRST;
	ev_timer_init(&gp->timer, group_cb, gp->interval, 0);
	ev_timer_start(p->daemon->loop, &gp->timer);
}

void
reap_stop_watch(struct proc *p)
{
	if (p->group_probe == NULL)
		return;
	ev_timer_stop(p->daemon->loop, &p->group_probe->timer);
	free(p->group_probe);
	p->group_probe = NULL;
}

void
reap_init(struct daemon *d)
{
	ev_child_init(&d->child_watcher, child_cb, 0, 0);
	ev_child_start(d->loop, &d->child_watcher);
}

void
reap_free(struct daemon *d)
{
	ev_child_stop(d->loop, &d->child_watcher);
	free(d->pidtab);
	d->pidtab = NULL;
	d->pidtab_size = d->pidtab_count = 0;
}

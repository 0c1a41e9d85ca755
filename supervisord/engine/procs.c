/*
 * The daemon's processes: the real effects the state machine asks for
 * (kill, timers, the clock; spawn.c forks), the process list in start
 * order, lookups by name, and each process's creation and release.
 * Reload and the control requests go through these, not through host/.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"

static int	 fx_kill(struct proc *, int, bool);
static void	 fx_timer(struct proc *, ev_tstamp);
static ev_tstamp fx_now(struct proc *);

const struct proc_effects daemon_effects = {
	.spawn = spawn_proc,
	.kill = fx_kill,
	.timer = fx_timer,
	.watch_group = reap_watch_group,
	.now = fx_now,
};


/* Never signal pid 0 or 1 (ourselves, everyone, init) by accident. */
static int
fx_kill(struct proc *p, int sig, bool group)
{
	pid_t	target = group ? p->pgid : p->pid;

	if (target <= 1)
		return ESRCH;
	if (kill(group ? -target : target, sig) == -1)
		return errno;
	return 0;
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	proc_timer_fired(container_of(w, struct proc, timer));
}

/* Arm from the current time, not the loop's cached one: to the ms. */
static void
fx_timer(struct proc *p, ev_tstamp secs)
{
	struct ev_loop	*loop = p->daemon->loop;

	ev_timer_stop(loop, &p->timer);
	if (secs < 0)
		return;
	ev_now_update(loop);
	ev_timer_set(&p->timer, secs, 0);
	ev_timer_start(loop, &p->timer);
}

static ev_tstamp
fx_now(struct proc *p)
{
	return ev_time();
}

/* "group:name", or "name" (a full name, else a unique process name). */
struct proc *
daemon_find_proc(struct daemon *d, const char *name)
{
	struct proc	*found = NULL;
	char		 full[512];
	size_t		 i, n = 0;

	for (i = 0; i < d->nprocs; i++) {
		proc_fullname(d->procs[i], full, sizeof(full));
		if (strcmp(full, name) == 0)
			return d->procs[i];
	}
	for (i = 0; i < d->nprocs; i++) {
		if (strcmp(d->procs[i]->cfg->name, name) == 0) {
			found = d->procs[i];
			n++;
		}
	}
	return n == 1 ? found : NULL;
}

size_t
daemon_find_group(struct daemon *d, const char *name, struct proc ***out)
{
	size_t	 i, n = 0, len = strlen(name);

	if (len >= 2 && strcmp(name + len - 2, ":*") == 0)
		len -= 2;
	*out = NULL;
	for (i = 0; i < d->nprocs; i++) {
		if (strncmp(d->procs[i]->cfg->group, name, len) != 0 ||
		    d->procs[i]->cfg->group[len] != '\0')
			continue;
		*out = xreallocarray(*out, n + 1, sizeof(**out));
		(*out)[n++] = d->procs[i];
	}
	return n;
}

int
proc_priority_cmp(const struct proc *a, const struct proc *b)
{
	if (a->priority[0] != b->priority[0])
		return a->priority[0] < b->priority[0] ? -1 : 1;
	if (a->priority[1] != b->priority[1])
		return a->priority[1] < b->priority[1] ? -1 : 1;
	return 0;
}

struct proc *
daemon_proc_new(struct daemon *d, const struct group_config *g,
    struct proc_config *pc)
{
	struct proc	*p;

	p = xmalloc(sizeof(*p));
	proc_init(p, d, pc);
	p->priority[0] = g->priority;
	p->priority[1] = pc->priority;
	ev_timer_init(&p->timer, timer_cb, 0, 0);
	return p;
}

/* Start order: group priority, then process priority (a stable sort). */
void
daemon_procs_sort(struct daemon *d)
{
	struct proc	*t;
	size_t		 i, j;

	/* Insertion sort: stable, and the input is nearly sorted. */
	for (i = 1; i < d->nprocs; i++) {
		t = d->procs[i];
		for (j = i; j > 0 && proc_priority_cmp(d->procs[j - 1], t) > 0; j--)
			d->procs[j] = d->procs[j - 1];
		d->procs[j] = t;
	}
}

void
daemon_procs_create(struct daemon *d)
{
	struct config	*cfg = d->config;
	size_t		 g, i;

	d->procs = xcalloc(config_nprocs(cfg) + 1, sizeof(*d->procs));
	for (g = 0; g < cfg->ngroups; g++)
		for (i = 0; i < cfg->groups[g]->nprocs; i++)
			d->procs[d->nprocs++] = daemon_proc_new(d,
			    cfg->groups[g], cfg->groups[g]->procs[i]);
	daemon_procs_sort(d);
}

/* Let go of a process's watchers, descriptors and logs, and free it. */
void
daemon_proc_free(struct daemon *d, struct proc *p)
{
	ev_timer_stop(d->loop, &p->timer);
	reap_stop_watch(p);
	if (p->exec_fd != -1) {
		ev_io_stop(d->loop, &p->exec_watcher);
		close(p->exec_fd);
	}
	ev_clear_pending(d->loop, &p->exec_watcher);	/* a fed exec */
	if (p->pid != 0)
		reap_untrack(d, p);
	logcap_release(p);
	adopt_forget(p);
	event_proc_gone(d, p);
	procin_release(p);
	if (d->listener_io != NULL)
		d->listener_io->release(p);
	depend_forget(p);
	pidfile_proc_forget(p);
	proc_free_texts(p);
	free(p);
}

void
daemon_procs_free(struct daemon *d)
{
	size_t	i;

	for (i = 0; i < d->nprocs; i++)
		daemon_proc_free(d, d->procs[i]);
	free(d->procs);
	d->procs = NULL;
	d->nprocs = 0;
}


void
daemon_request_shutdown(struct daemon *d, int status)
{
	d->shutdown(d, status);
}

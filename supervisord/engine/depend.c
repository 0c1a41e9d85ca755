/*
 * depends_on= at run time: which processes a process waits for before
 * its fork, and which must be down before it stops.  The links are built
 * from the configuration (program names, checked by the loader: no cycle,
 * no unknown name); an event subscriber turns the transitions that matter
 * into the state machine's PEV_DEPS.  Nothing here forks or signals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "xmalloc.h"
#include "engine.h"

static void
push(struct proc ***v, size_t *n, struct proc *p)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == p)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = p;
}

void
depend_forget(struct proc *p)
{
	free(p->deps);
	free(p->dependents);
	p->deps = p->dependents = NULL;
	p->ndeps = p->ndependents = 0;
}

/*
 * Every process of a named program is a dependency.  Dependents come in
 * d->procs order, the start order, so that those a dependency releases
 * at once are forked by priority.
 */
void
depend_link(struct daemon *d)
{
	struct proc	*p, *q;
	size_t		 i, j, k;

	for (i = 0; i < d->nprocs; i++)
		depend_forget(d->procs[i]);
	for (i = 0; i < d->nprocs; i++) {
		p = d->procs[i];
		for (k = 0; k < p->cfg->ndepends_on; k++) {
			for (j = 0; j < d->nprocs; j++) {
				q = d->procs[j];
				if (q == p || strcmp(q->cfg->program,
				    p->cfg->depends_on[k]) != 0)
					continue;
				push(&p->deps, &p->ndeps, q);
			}
		}
	}
	for (i = 0; i < d->nprocs; i++) {
		p = d->procs[i];
		for (k = 0; k < p->ndeps; k++)
			push(&p->deps[k]->dependents,
			    &p->deps[k]->ndependents, p);
	}
	/* A reload may have dropped what one was waiting for. */
	for (i = 0; i < d->nprocs; i++) {
		p = d->procs[i];
		if (p->state == PROC_STARTING && p->waiting &&
		    depend_ready(p))
			proc_deps_changed(p);
	}
}

void
depend_free(struct daemon *d)
{
	size_t	i;

	for (i = 0; i < d->nprocs; i++)
		depend_forget(d->procs[i]);
}

bool
depend_ready(const struct proc *p)
{
	size_t	i;

	for (i = 0; i < p->ndeps; i++)
		if (p->deps[i]->state != PROC_RUNNING)
			return false;
	return true;
}

bool
depend_hold_stop(const struct proc *p)
{
	const struct proc	*q;
	size_t			 i;

	for (i = 0; i < p->ndependents; i++) {
		q = p->dependents[i];
		if (!q->want_up && !proc_is_down(q))
			return true;
	}
	return false;
}

bool
depend_has_live_dependents(const struct proc *p)
{
	size_t	i;

	for (i = 0; i < p->ndependents; i++)
		if (!proc_is_down(p->dependents[i]))
			return true;
	return false;
}

/*
 * A start pulls in what the process needs, as a dependency's own start
 * would (autostart=false dependencies included): those not up at all.
 * The loader refused cycles, so this ends.
 */
void
depend_start(struct proc *p)
{
	struct proc	*q;
	char		 cause[128];
	size_t		 i;

	for (i = 0; i < p->ndeps; i++) {
		q = p->deps[i];
		if (q->state != PROC_STOPPED && q->state != PROC_EXITED &&
		    q->state != PROC_FATAL)
			continue;
		log_info("%s: starting %s, which it depends on", p->cfg->name,
		    q->cfg->name);
		(void)proc_start(q, cause, sizeof(cause));
	}
}

/* "stopping after web (STOPPING)": the dependents a held stop waits for. */
static void
describe_held(const struct proc *p, char *buf, size_t len)
{
	const struct proc	*q;
	size_t			 i, off, start;

	off = start = (size_t)snprintf(buf, len, "stopping after");
	for (i = 0; i < p->ndependents && off < len; i++) {
		q = p->dependents[i];
		if (proc_is_down(q))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s %s (%s)",
		    off > start ? "," : "", q->cfg->name,
		    proc_state_name(q->state));
	}
	if (off == start)
		snprintf(buf, len, "stopping");
}

/* One entry per program: its first process that is not RUNNING. */
void
depend_describe(const struct proc *p, char *buf, size_t len)
{
	const struct proc	*q;
	size_t			 i, j, off;
	bool			 seen;

	if (p->state == PROC_STOPPING) {
		describe_held(p, buf, len);
		return;
	}
	off = (size_t)snprintf(buf, len, "waiting for");
	for (i = 0; i < p->ndeps && off < len; i++) {
		q = p->deps[i];
		if (q->state == PROC_RUNNING)
			continue;
		for (seen = false, j = 0; j < i && !seen; j++)
			seen = p->deps[j]->state != PROC_RUNNING &&
			    strcmp(p->deps[j]->cfg->program,
			    q->cfg->program) == 0;
		if (seen)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s %s (%s)",
		    off > strlen("waiting for") ? "," : "", q->cfg->program,
		    proc_state_name(q->state));
	}
	if (off == strlen("waiting for"))
		snprintf(buf, len, "waiting to start");
}

/* At the end of the loop's turn (turn.c); unit tests call it. */
void
depend_settle_soon(struct daemon *d)
{
	d->settle_due = true;
}

/*
 * The stops of one request are all issued: a held stop whose dependents
 * all stay wanted goes on now (stopping db alone leaves web running); one
 * with a dependent being stopped waits for it to be down.
 */
void
depend_settle(struct daemon *d)
{
	struct proc	*p;
	size_t		 i;

	d->settle_due = false;
	for (i = 0; i < d->nprocs; i++) {
		p = d->procs[i];
		if (p->stop_reason != STOP_HELD)
			continue;
		if (depend_hold_stop(p))
			log_info("stopping: %s once its dependents are down",
			    p->cfg->name);
		else
			proc_deps_changed(p);
	}
}

/*
 * A process that became RUNNING may release its dependents; one that is
 * down may release the held stops of its dependencies.  The event says
 * what happened; the machine checks again what is (the process may have
 * moved on since: EXITED, then restarted in the same input).
 */
static void
depend_event(const struct event *e, void *arg)
{
	struct proc	*p = e->proc, *q;
	size_t		 i;

	if (e->to == PROC_RUNNING) {
		for (i = 0; i < p->ndependents; i++) {
			q = p->dependents[i];
			if (q->state == PROC_STARTING && q->waiting)
				proc_deps_changed(q);
		}
	}
	if (e->to == PROC_STOPPED || e->to == PROC_EXITED ||
	    e->to == PROC_FATAL) {
		for (i = 0; i < p->ndeps; i++) {
			q = p->deps[i];
			if (q->stop_reason == STOP_HELD)
				proc_deps_changed(q);
		}
	}
}

void
depend_init(struct daemon *d)
{
	depend_link(d);
	event_subscribe(d, EVENT_MASK(EVENT_PROCESS_STATE), EVENT_AFTER_INPUT,
	    depend_event, d);
}

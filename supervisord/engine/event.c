/*
 * The event queue and its subscribers (see event.h).  A transition is
 * queued where it happens and delivered once the machine's input is
 * handled: no subscriber ever runs in the middle of a transition, and a
 * subscriber that acts on the machine only appends to the queue.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "jsonw.h"
#include "proto.h"
#include "xmalloc.h"

struct event_sub {
	unsigned		 mask;
	enum event_delivery	 delivery;
	event_fn		 fn;		/* NULL: removed meanwhile */
	void			*arg;
	uint64_t		 since;		/* END_OF_TURN: later ones */
};

/* A queued event: the names are copies once the process is freed. */
struct event_bus {
	struct event_sub	*subs;
	size_t			 nsubs;
	unsigned		 delivering;	/* calls in progress */
	unsigned		 nturn;		/* END_OF_TURN subscribers */
	struct event		*q;
	size_t			 n, cap;
	size_t			 next;		/* first not delivered yet to
						   the AFTER_INPUT callbacks */
	unsigned		 depth;		/* machine inputs running */
	bool			 draining;
	uint64_t		 serial;
	uint64_t		 published[EVENT_TYPE_COUNT];	/* metrics */
	struct proto_buf	 line;		/* event_line()'s cache */
	uint64_t		 line_serial;
};

/* Events of a queue kept once delivered, and the bytes of a queue given
   back that are worth a malloc_trim() (queue_clear()). */
#define EVENT_QUEUE_KEEP	64
#define EVENT_QUEUE_TRIM	(64 * 1024)

static struct event_bus *
bus_get(struct daemon *d)
{
	if (d->events == NULL)
		d->events = xcalloc(1, sizeof(*d->events));
	return d->events;
}

void
event_subscribe(struct daemon *d, unsigned mask, enum event_delivery when,
    event_fn fn, void *arg)
{
	struct event_bus	*b = bus_get(d);
	struct event_sub	*s;

	b->subs = xreallocarray(b->subs, b->nsubs + 1, sizeof(*b->subs));
	s = &b->subs[b->nsubs++];
	s->mask = mask;
	s->delivery = when;
	s->fn = fn;
	s->arg = arg;
	s->since = b->serial;
	if (when == EVENT_END_OF_TURN)
		b->nturn++;
}

/* Drop the holes left by removals made during a delivery. */
static void
subs_compact(struct event_bus *b)
{
	size_t	i, j = 0;

	for (i = 0; i < b->nsubs; i++)
		if (b->subs[i].fn != NULL)
			b->subs[j++] = b->subs[i];
	b->nsubs = j;
}

void
event_unsubscribe(struct daemon *d, event_fn fn, void *arg)
{
	struct event_bus	*b = d->events;
	size_t			 i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nsubs; i++) {
		if (b->subs[i].fn != fn || b->subs[i].arg != arg)
			continue;
		b->subs[i].fn = NULL;
		if (b->subs[i].delivery == EVENT_END_OF_TURN)
			b->nturn--;
		break;
	}
	if (b->delivering == 0)
		subs_compact(b);
}

/* Does anyone want events of this type? */
static bool
wanted(const struct event_bus *b, enum event_type type)
{
	size_t	i;

	for (i = 0; i < b->nsubs; i++)
		if (b->subs[i].fn != NULL &&
		    (b->subs[i].mask & EVENT_MASK(type)))
			return true;
	return false;
}

static void
event_release(struct event *e)
{
	free((char *)e->spawnerr);
	if (e->proc == NULL) {
		free((char *)e->name);
		free((char *)e->group);
	}
}

/* Delivered, emptied: a queue a burst grew (a thousand programs
   starting at once: 1024 events of 112 bytes) is given back rather than
   kept at its peak for the daemon's life; a small one stays for the next.
   A big one leaves a hole in the heap that glibc keeps resident until
   malloc_trim() hands its pages back. */
static void
queue_clear(struct event_bus *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		event_release(&b->q[i]);
	b->n = b->next = 0;
	if (b->cap <= EVENT_QUEUE_KEEP)
		return;
	free(b->q);
	b->q = NULL;
	if (b->cap * sizeof(*b->q) >= EVENT_QUEUE_TRIM)
		malloc_trim(0);
	b->cap = 0;
}

static struct event *
queue_add(struct event_bus *b)
{
	struct event	*e;

	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 16 : 2 * b->cap;
		b->q = xreallocarray(b->q, b->cap, sizeof(*b->q));
	}
	e = &b->q[b->n++];
	memset(e, 0, sizeof(*e));
	e->serial = ++b->serial;
	return e;
}

void
event_process_state(struct proc *p, enum proc_state from,
    enum proc_state to)
{
	struct event_bus	*b = bus_get(p->daemon);
	struct event		*e;

	b->published[EVENT_PROCESS_STATE]++;
	if (!wanted(b, EVENT_PROCESS_STATE))
		return;
	e = queue_add(b);
	e->type = EVENT_PROCESS_STATE;
	e->time = p->daemon->effects->now(p);
	e->proc = p;
	e->from = from;
	e->to = to;
	e->stop_reason = to == PROC_STOPPING ? p->stop_reason : STOP_NONE;
	e->pid = p->pid != 0 ? p->pid : p->last_pid;
	e->want_up = p->want_up;
	e->tries = p->retries;
	e->exit = p->last_exit;
	if (proc_error(p)[0] != '\0')
		e->spawnerr = xstrdup(proc_error(p));
}

/* A daemon-wide event, as one input of its own. */
static struct event *
daemon_event(struct daemon *d, enum event_type type, const char *group)
{
	struct event_bus	*b = bus_get(d);
	struct event		*e;

	b->published[type]++;
	if (!wanted(b, type))
		return NULL;
	e = queue_add(b);
	e->type = type;
	e->time = ev_time();
	e->name = xstrdup("");
	e->group = xstrdup(group != NULL ? group : "");
	return e;
}

void
event_process_group(struct daemon *d, const char *group, bool added)
{
	struct event	*e;

	event_input_begin(d);
	if ((e = daemon_event(d, EVENT_PROCESS_GROUP, group)) != NULL)
		e->added = added;
	event_input_end(d);
}

void
event_tick(struct daemon *d, int period, long long when)
{
	struct event	*e;

	event_input_begin(d);
	if ((e = daemon_event(d, EVENT_TICK, NULL)) != NULL) {
		e->period = period;
		e->when = when;
	}
	event_input_end(d);
}

void
event_process_removed(struct proc *p)
{
	struct daemon		*d = p->daemon;
	struct event_bus	*b = bus_get(d);
	struct event		*e;

	event_input_begin(d);
	b->published[EVENT_PROCESS_REMOVED]++;
	if (wanted(b, EVENT_PROCESS_REMOVED)) {
		e = queue_add(b);
		e->type = EVENT_PROCESS_REMOVED;
		e->time = d->effects->now(p);
		e->proc = p;
		e->from = e->to = p->state;
		e->pid = p->pid;
		e->want_up = p->want_up;
	}
	event_input_end(d);
}

void
event_daemon_state(struct daemon *d, enum daemon_state state)
{
	struct event_bus	*b = bus_get(d);
	struct event		*e;

	event_input_begin(d);
	b->published[EVENT_SUPERVISOR_STATE]++;
	if (wanted(b, EVENT_SUPERVISOR_STATE)) {
		e = queue_add(b);
		e->type = EVENT_SUPERVISOR_STATE;
		e->time = ev_time();
		e->daemon_state = state;
	}
	event_input_end(d);
}

/* The queued event i as a subscriber sees it: names filled in. */
static void
event_view(const struct event_bus *b, size_t i, struct event *out)
{
	*out = b->q[i];
	if (out->type == EVENT_SUPERVISOR_STATE)
		out->name = out->group = "";
	else if (out->proc != NULL) {
		out->name = out->proc->cfg->name;
		out->group = out->proc->cfg->group;
	}
}

/* Event i to every subscriber of this delivery there was before it. */
static void
deliver(struct event_bus *b, size_t i, enum event_delivery when)
{
	struct event_sub	*s;
	struct event		 e;
	size_t			 k, nsubs = b->nsubs;

	b->delivering++;
	for (k = 0; k < nsubs; k++) {
		s = &b->subs[k];	/* the array may move during a call */
		if (s->fn == NULL || s->delivery != when ||
		    (s->mask & EVENT_MASK(b->q[i].type)) == 0)
			continue;
		if (when == EVENT_END_OF_TURN && b->q[i].serial <= s->since)
			continue;
		event_view(b, i, &e);
		s->fn(&e, s->arg);
	}
	if (--b->delivering == 0)
		subs_compact(b);
}

/* The pid of a new process: the fork follows the transition to STARTING
   in the same input, so it is known once the input is handled. */
static void
resolve_pid(struct event *e)
{
	if (e->pid == 0 && e->proc != NULL && e->to == PROC_STARTING)
		e->pid = e->proc->pid;
}

void
event_input_begin(struct daemon *d)
{
	bus_get(d)->depth++;
}

/* The outermost input is over: the callbacks, in order, until none is
   left (theirs included).  A nested one leaves them to the outer. */
void
event_input_end(struct daemon *d)
{
	struct event_bus	*b = d->events;
	size_t			 i;

	if (--b->depth > 0 || b->draining)
		return;
	b->draining = true;
	while (b->next < b->n) {
		i = b->next++;
		resolve_pid(&b->q[i]);
		deliver(b, i, EVENT_AFTER_INPUT);
	}
	b->draining = false;
	if (b->nturn == 0)
		queue_clear(b);
}

uint64_t
event_serial(const struct daemon *d)
{
	return d->events != NULL ? d->events->serial : 0;
}

uint64_t
event_published(const struct daemon *d, enum event_type type)
{
	if (d->events == NULL || (unsigned)type >= EVENT_TYPE_COUNT)
		return 0;
	return d->events->published[type];
}

bool
event_flush_due(const struct daemon *d)
{
	return d->events != NULL && d->events->n > 0;
}

void
event_flush(struct daemon *d)
{
	struct event_bus	*b = d->events;
	size_t			 i;

	if (b == NULL)
		return;
	/* A subscriber may act: what it causes is delivered too. */
	for (i = 0; i < b->n; i++)
		deliver(b, i, EVENT_END_OF_TURN);
	queue_clear(b);
	proto_buf_release(&b->line);
	b->line_serial = 0;
}

void
event_proc_gone(struct daemon *d, struct proc *p)
{
	struct event_bus	*b = d->events;
	struct event		*e;
	size_t			 i;

	for (i = 0; b != NULL && i < b->n; i++) {
		e = &b->q[i];
		if (e->proc != p)
			continue;
		resolve_pid(e);
		e->name = xstrdup(p->cfg->name);
		e->group = xstrdup(p->cfg->group);
		e->proc = NULL;
	}
}

void
event_free(struct daemon *d)
{
	struct event_bus	*b = d->events;

	if (b == NULL)
		return;
	queue_clear(b);
	free(b->q);
	free(b->subs);
	proto_buf_release(&b->line);
	free(b);
	d->events = NULL;
}

/* Written once for all the subscribers of an event (a stream each). */
const char *
event_line(struct daemon *d, const struct event *e, size_t *len)
{
	struct event_bus	*b = bus_get(d);
	struct jsonw		 w;

	if (b->line_serial != e->serial || proto_buf_used(&b->line) == 0) {
		proto_buf_release(&b->line);
		b->line_serial = e->serial;
		jsonw_init(&w, &b->line);
		jsonw_object(&w, NULL);
		jsonw_bool(&w, "ok", true);
		jsonw_string(&w, "stream", "event");
		event_write(&w, e);
		jsonw_object_end(&w);
		jsonw_newline(&w);
	}
	*len = proto_buf_used(&b->line);
	return b->line.data + b->line.off;
}

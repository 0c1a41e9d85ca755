/*
 * The pools of [eventlistener:x] sections (see listener.h): one per
 * pool group of the configuration, each with its bounded queue, fed by
 * the engine's events at the end of each turn and drained into its
 * READY listeners.  Serial numbers follow Supervisor's: serial counts
 * the events some pool accepted (from 0), poolserial a pool's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "listener.h"
#include "log.h"
#include "xmalloc.h"

struct pool {
	char		*name;		/* the group's */
	uint64_t	 events;	/* EVT_BIT()s it receives */
	size_t		 buffer_size;
	uint64_t	 nserial;	/* poolserials given */
	uint64_t	 dropped;	/* events lost to overflows */
	uint64_t	 quiet;		/* output events dropped unlogged */
	struct pools	*pools;
	struct pevent	**q;		/* oldest first, buffer_size max */
	size_t		 n;
};

/* TICK_5, TICK_60, TICK_3600: a timer each, only while a pool wants it. */
static const struct {
	int		 period;
	enum evtype	 type;
} ticks[] = {
	{ 5, EVT_TICK_5 }, { 60, EVT_TICK_60 }, { 3600, EVT_TICK_3600 },
};
#define NTICKS	(sizeof(ticks) / sizeof(ticks[0]))

struct pools {
	struct daemon	*daemon;
	struct pool	**v;
	size_t		 n;
	unsigned	 mask;		/* the engine's types subscribed to */
	ev_periodic	 tick[NTICKS];
	uint64_t	 nserial;	/* serials given */
	uint64_t	 bus_serial;	/* the engine event last accepted ... */
	uint64_t	 serial;	/* ... and the serial it got */
	bool		 reloading;	/* a reload's RELOADING seen, not
					   yet its RUNNING */
	ev_timer	 quiet;		/* runs while output drops are
					   counted, not logged one by one */
};

static void	pools_event(const struct event *, void *);
static void	quiet_cb(struct ev_loop *, ev_timer *, int);
static const struct output_hooks pools_output_hooks;
static void	pools_listener_event(const struct event *, void *);

static struct pool *
pool_find(struct daemon *d, const char *name)
{
	size_t	i;

	for (i = 0; d->pools != NULL && i < d->pools->n; i++)
		if (strcmp(d->pools->v[i]->name, name) == 0)
			return d->pools->v[i];
	return NULL;
}

/* Say how many output events were dropped since the last line. */
static void
pool_quiet_flush(struct pool *pl)
{
	if (pl->quiet == 0)
		return;
	log_warnx("pool %s event buffer overflowed, discarded %llu more "
	    "output events (%llu events discarded in all)", pl->name,
	    (unsigned long long)pl->quiet, (unsigned long long)pl->dropped);
	pl->quiet = 0;
}

static void
pool_free(struct pool *pl)
{
	size_t	i;

	pool_quiet_flush(pl);
	for (i = 0; i < pl->n; i++)
		pevent_free(pl->q[i]);
	free(pl->q);
	free(pl->name);
	free(pl);
}

/* Take a pool's settings from its group (a new one, or a reload's). */
static void
pool_configure(struct pool *pl, const struct group_config *g)
{
	size_t	i, drop;

	pl->events = g->listener->events;
	pl->buffer_size = (size_t)g->listener->buffer_size;
	if (pl->n <= pl->buffer_size)
		return;
	drop = pl->n - pl->buffer_size;
	for (i = 0; i < drop; i++) {
		log_warnx("pool %s event buffer overflowed, discarding event "
		    "%llu", pl->name, (unsigned long long)pl->q[i]->serial);
		pevent_free(pl->q[i]);
	}
	memmove(pl->q, pl->q + drop, pl->buffer_size * sizeof(*pl->q));
	pl->n = pl->buffer_size;
	pl->dropped += drop;
}

/* The engine's types the pools need: their own processes' states
   always (a listener that dies gives its event back), the daemon's
   state always (a reload's RUNNING is told apart from the start's). */
static unsigned
bus_mask(uint64_t events)
{
	unsigned	mask = EVENT_MASK(EVENT_PROCESS_STATE) |
			    EVENT_MASK(EVENT_SUPERVISOR_STATE);

	if (events & evtype_subscription(EVT_PROCESS_GROUP))
		mask |= EVENT_MASK(EVENT_PROCESS_GROUP);
	if (events & evtype_subscription(EVT_TICK))
		mask |= EVENT_MASK(EVENT_TICK);
	return mask;
}

/* Supervisor's when: the start of the period, a multiple of it. */
static void
tick_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	struct pools	*ps = w->data;
	int		 period = (int)w->interval;
	long long	 now = (long long)(ev_now(loop) + 0.5);

	event_tick(ps->daemon, period, now - now % period);
}

/* Subscribe to what the pools want now, and run the ticks they want. */
static void
pools_subscribe(struct daemon *d, uint64_t events)
{
	struct pools	*ps = d->pools;
	unsigned	 mask = bus_mask(events);
	size_t		 i;
	bool		 want;

	d->output_events = events & (evtype_subscription(EVT_PROCESS_LOG) |
	    evtype_subscription(EVT_PROCESS_COMMUNICATION)) ?
	    &pools_output_hooks : NULL;
	if (mask != ps->mask) {
		event_unsubscribe(d, pools_event, d);
		event_subscribe(d, mask, EVENT_END_OF_TURN, pools_event, d);
		ps->mask = mask;
	}
	for (i = 0; i < NTICKS; i++) {
		want = (events & EVT_BIT(ticks[i].type)) != 0;
		if (want && !ev_is_active(&ps->tick[i]))
			ev_periodic_start(d->loop, &ps->tick[i]);
		else if (!want && ev_is_active(&ps->tick[i]))
			ev_periodic_stop(d->loop, &ps->tick[i]);
	}
}

void
pools_reconfigure(struct daemon *d)
{
	uint64_t	 events = 0;
	struct pools		*ps = d->pools;
	struct group_config	*g;
	struct pool		*pl;
	size_t			 i, j;

	for (i = 0, j = 0; i < ps->n; i++) {
		g = config_find_group(d->config, ps->v[i]->name);
		if (g == NULL || g->listener == NULL)
			pool_free(ps->v[i]);
		else
			ps->v[j++] = ps->v[i];
	}
	ps->n = j;
	for (i = 0; i < d->config->ngroups; i++) {
		g = d->config->groups[i];
		if (g->listener == NULL)
			continue;
		if ((pl = pool_find(d, g->name)) == NULL) {
			pl = xcalloc(1, sizeof(*pl));
			pl->name = xstrdup(g->name);
			pl->pools = ps;
			ps->v = xreallocarray(ps->v, ps->n + 1,
			    sizeof(*ps->v));
			ps->v[ps->n++] = pl;
		}
		pool_configure(pl, g);
		pl->q = xreallocarray(pl->q, pl->buffer_size,
		    sizeof(*pl->q));
		events |= pl->events;
	}
	pools_subscribe(d, events);
}

void
pools_init(struct daemon *d)
{
	struct pools	*ps;
	size_t		 i;

	ps = d->pools = xcalloc(1, sizeof(*d->pools));
	ps->daemon = d;
	/* Kept after pools_free: the processes are freed after it. */
	d->listener_io = &listener_stdout;
	ev_timer_init(&ps->quiet, quiet_cb, 1., 0.);
	for (i = 0; i < NTICKS; i++) {
		ev_periodic_init(&ps->tick[i], tick_cb, 0,
		    (ev_tstamp)ticks[i].period, NULL);
		ps->tick[i].data = ps;
	}
	event_subscribe(d, EVENT_MASK(EVENT_PROCESS_STATE), EVENT_AFTER_INPUT,
	    pools_listener_event, d);
	pools_reconfigure(d);
}

void
pools_free(struct daemon *d)
{
	size_t	i;

	if (d->pools == NULL)
		return;
	for (i = 0; i < NTICKS; i++)
		ev_periodic_stop(d->loop, &d->pools->tick[i]);
	d->output_events = NULL;
	ev_timer_stop(d->loop, &d->pools->quiet);
	event_unsubscribe(d, pools_event, d);
	event_unsubscribe(d, pools_listener_event, d);
	for (i = 0; i < d->pools->n; i++)
		pool_free(d->pools->v[i]);
	free(d->pools->v);
	free(d->pools);
	d->pools = NULL;
}

/* Whether an event is a program's output: the one kind that comes in
   floods (a chunk per read), whose drops are logged once a second. */
static bool
is_output(enum evtype t)
{
	return evtype_is(t, EVT_PROCESS_LOG) ||
	    evtype_is(t, EVT_PROCESS_COMMUNICATION);
}

/* Count an event dropped, logged with its serial as Supervisor does; a
   flood of output events is logged once a second with its count. */
static void
pool_discard(struct pool *pl, enum evtype t, uint64_t serial)
{
	struct pools	*ps = pl->pools;

	pl->dropped++;
	if (is_output(t) && ev_is_active(&ps->quiet))
		pl->quiet++;
	else {
		log_warnx("pool %s event buffer overflowed, discarding event "
		    "%llu", pl->name, (unsigned long long)serial);
		if (is_output(t)) {
			ev_timer_set(&ps->quiet, 1., 0.);
			ev_timer_start(ps->daemon->loop, &ps->quiet);
		}
	}
}

/* Drop the oldest event to make room. */
static void
pool_drop_oldest(struct pool *pl)
{
	struct pevent	*pe = pl->q[0];

	pool_discard(pl, pe->type, pe->serial);
	pevent_free(pe);
	memmove(pl->q, pl->q + 1, (pl->n - 1) * sizeof(*pl->q));
	pl->n--;
}

/*
 * Whether a pool refuses a new PROCESS_LOG event of a process's channel:
 * its queue is full and its oldest event is that channel's own.  Where
 * Supervisor drops the oldest, the new one goes: the same loss to the
 * listener (a read's worth of the same output), but the daemon need not
 * even read the bytes of an event it drops (capture.c splices them).
 */
static bool
pool_refuses(const struct pool *pl, enum evtype t, pid_t pid)
{
	return evtype_is(t, EVT_PROCESS_LOG) && pl->n > 0 &&
	    pl->n >= pl->buffer_size && pl->q[0]->type == t &&
	    pl->q[0]->pid == pid;
}

/* A second of output drops is over: their counts, and another second
   if there were any (the timer stops once a second had none). */
static void
quiet_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pools	*ps = container_of(w, struct pools, quiet);
	bool		 any = false;
	size_t		 i;

	for (i = 0; i < ps->n; i++) {
		any |= ps->v[i]->quiet > 0;
		pool_quiet_flush(ps->v[i]);
	}
	if (any) {
		ev_timer_set(w, 1., 0.);
		ev_timer_start(loop, w);
	}
}

/* Into the queue, at its head or its tail; the oldest makes room. */
static void
pool_put(struct pool *pl, struct pevent *pe, bool head)
{
	if (pl->n >= pl->buffer_size)
		pool_drop_oldest(pl);
	if (head) {
		memmove(pl->q + 1, pl->q, pl->n * sizeof(*pl->q));
		pl->q[0] = pe;
	} else
		pl->q[pl->n] = pe;
	pl->n++;
}

void
pool_requeue(struct daemon *d, const char *group, struct pevent *pe)
{
	struct pool	*pl = pool_find(d, group);

	if (pl == NULL) {	/* the pool was removed by a reload */
		pevent_free(pe);
		return;
	}
	log_debug("pool %s: event %llu back in the queue", pl->name,
	    (unsigned long long)pe->serial);
	pool_put(pl, pe, true);
}

/* The oldest events to the pool's READY listeners, while there are. */
static void
dispatch(struct daemon *d, struct pool *pl)
{
	struct proc	*p;
	size_t		 i;

	for (i = 0; i < d->nprocs && pl->n > 0; i++) {
		p = d->procs[i];
		if (!p->cfg->listener || strcmp(p->cfg->group, pl->name) != 0 ||
		    p->state != PROC_RUNNING || lsn_state(p) != LSN_READY)
			continue;
		if (lsn_send(p, pl->q[0]) == -1)
			continue;
		memmove(pl->q, pl->q + 1, (pl->n - 1) * sizeof(*pl->q));
		pl->n--;
	}
}

void
pool_dispatch(struct daemon *d, const char *group)
{
	struct pool	*pl = pool_find(d, group);

	if (pl != NULL)
		dispatch(d, pl);
}

int
pool_header(struct daemon *d, const char *group, const struct pevent *pe,
    char *buf, size_t len)
{
	return snprintf(buf, len, "ver:3.0 server:%s serial:%llu pool:%s "
	    "poolserial:%llu eventname:%s len:%zu\n",
	    d->config->sd.identifier != NULL ? d->config->sd.identifier :
	    "supervisor", (unsigned long long)pe->serial, group,
	    (unsigned long long)pe->poolserial, evtype_name(pe->type),
	    pe->chars);
}

/* Whether some pool takes events of this type. */
static bool
pools_want(const struct pools *ps, enum evtype t)
{
	size_t	i;

	for (i = 0; i < ps->n; i++)
		if (ps->v[i]->events & EVT_BIT(t))
			return true;
	return false;
}

/* A made event into each pool that wants it, with the same serial for
   all of them, a new one (fresh) or the engine event's: a copy each but
   the last that keeps it, which takes the payload (made->payload is
   then NULL); a pool that refuses it counts it dropped. */
static void
pools_offer(struct pools *ps, struct pevent *made, bool fresh)
{
	struct pevent	*pe;
	struct pool	*pl, *last = NULL;
	size_t		 i;
	bool		 any = false;

	for (i = 0; i < ps->n; i++) {
		if ((ps->v[i]->events & EVT_BIT(made->type)) == 0)
			continue;
		any = true;
		if (!pool_refuses(ps->v[i], made->type, made->pid))
			last = ps->v[i];
	}
	if (!any)
		return;
	if (fresh)
		ps->serial = ps->nserial++;
	for (i = 0; i < ps->n; i++) {
		pl = ps->v[i];
		if ((pl->events & EVT_BIT(made->type)) == 0)
			continue;
		if (pool_refuses(pl, made->type, made->pid)) {
			pl->nserial++;
			pool_discard(pl, made->type, ps->serial);
			continue;
		}
		pe = xmalloc(sizeof(*pe));
		*pe = *made;
		if (pl == last)
			made->payload = NULL;
		else {
			pe->payload = xmalloc(made->len + 1);
			memcpy(pe->payload, made->payload, made->len + 1);
		}
		pe->serial = ps->serial;
		pe->poolserial = pl->nserial++;
		pool_put(pl, pe, false);
	}
}

/* An engine event for the pools that want it. */
static void
pools_accept(struct daemon *d, const struct event *e)
{
	struct pools	*ps = d->pools;
	struct pevent	 made;
	bool		 reloaded, fresh;

	/* Supervisor's reload is an update: its listeners hear neither
	   the RELOADING nor the RUNNING that ends it. */
	if (e->type == EVENT_SUPERVISOR_STATE) {
		reloaded = ps->reloading;
		ps->reloading = e->daemon_state == DAEMON_RELOADING;
		if (reloaded && e->daemon_state == DAEMON_RUNNING)
			return;
	}
	/* Without a pool, no payload: the bus is subscribed all the same
	   (the reload above is followed), but each state change would
	   build text nobody reads, a third of an event's cost. */
	if (ps->n == 0) {
		ps->bus_serial = e->serial;
		return;
	}
	if (payload_make(e, &made) == -1)
		return;
	fresh = ps->bus_serial != e->serial;
	ps->bus_serial = e->serial;
	pools_offer(ps, &made, fresh);
	free(made.payload);
}

/* A made event now, outside the engine's: the pools drain at once. */
static void
pools_now(struct daemon *d, struct pevent *made)
{
	size_t	i;

	if (pools_want(d->pools, made->type)) {
		pools_offer(d->pools, made, true);
		for (i = 0; i < d->pools->n; i++)
			dispatch(d, d->pools->v[i]);
	}
	free(made->payload);
}

/* The output hook (d->output_events): PROCESS_LOG_* and
   PROCESS_COMMUNICATION_*, when some pool wants them. */
static void
pools_output(struct proc *p, enum evtype t, pid_t pid, const char *data,
    size_t len)
{
	struct daemon	*d = p->daemon;
	struct pevent	 made;

	if (d->pools == NULL || !pools_want(d->pools, t))
		return;
	payload_output(p, t, pid, data, len, &made);
	pools_now(d, &made);
}

/* Whether some pool would keep a new output event of this channel. */
static bool
pools_output_wanted(struct proc *p, enum evtype t, pid_t pid)
{
	struct pools	*ps = p->daemon->pools;
	size_t		 i;

	for (i = 0; ps != NULL && i < ps->n; i++)
		if ((ps->v[i]->events & EVT_BIT(t)) &&
		    !pool_refuses(ps->v[i], t, pid))
			return true;
	return false;
}

/* Output events every pool that wants them refused, not made: their
   serials given and their drops counted, as pools_offer would. */
static void
pools_output_skipped(struct proc *p, enum evtype t, pid_t pid,
    size_t events)
{
	struct pools	*ps = p->daemon->pools;
	size_t		 i;

	if (ps == NULL || !pools_want(ps, t))
		return;
	for (; events > 0; events--) {
		ps->serial = ps->nserial++;
		for (i = 0; i < ps->n; i++)
			if (ps->v[i]->events & EVT_BIT(t)) {
				ps->v[i]->nserial++;
				pool_discard(ps->v[i], t, ps->serial);
			}
	}
}

static const struct output_hooks pools_output_hooks = {
	pools_output, pools_output_wanted, pools_output_skipped,
};

void
pools_remote_comm(struct daemon *d, const char *type, const char *data,
    size_t len)
{
	struct pevent	made;

	if (d->pools == NULL || !pools_want(d->pools, EVT_REMOTE_COMMUNICATION))
		return;
	payload_remote(type, data, len, &made);
	pools_now(d, &made);
}

/* The end of a turn: the turn's events, then whatever can go out. */
static void
pools_event(const struct event *e, void *arg)
{
	struct daemon	*d = arg;
	size_t		 i;

	pools_accept(d, e);
	for (i = 0; i < d->pools->n; i++)
		dispatch(d, d->pools->v[i]);
}

/* A listener that went down gives its event back at once. */
static void
pools_listener_event(const struct event *e, void *arg)
{
	if (e->proc != NULL && e->proc->cfg->listener && e->proc->pid == 0)
		lsn_down(e->proc);
}

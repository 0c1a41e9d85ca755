/*
 * The engine's events: what happened, in order, for whoever subscribes.
 * The engine publishes; control (jobs, `supctl events`), depend,
 * reload, shutdown_on, sdnotify and the daemon's shutdown subscribe, and
 * so will XML-RPC, [eventlistener] pools, a web page's stream and
 * metrics.  Nothing here knows who they are.
 *
 * Two ways to receive them, each with a filter (a mask of types):
 *
 * - EVENT_AFTER_INPUT: a callback, called once the state machine has
 *   handled the input that caused the event (proc_start(), an exit, a
 *   timer...) and before the engine returns to its caller.  The
 *   transition is finished: the callback may start, stop or signal any
 *   process.  The events such a call causes are delivered after the
 *   current ones, to everyone, in order (a queue, never a nested call).
 *   For the engine's own company: depend, shutdown, shutdown_on, reload.
 *
 * - EVENT_END_OF_TURN: a queue, delivered by event_flush() once per loop
 *   turn, after the turn's files are written (see host/turn.c): the
 *   events since the subscription, in order.  For everything that talks
 *   to the outside (a reply, a stream line, a listener's payload).
 *
 * A callback gets a copy of the event: it must not keep its pointers
 * past its return.  Subscribers added while events are being delivered
 * see the next event, not the current one; removal takes effect at once.
 *
 * An event carries what Supervisor's payloads need (PROCESS_STATE_*:
 * processname, groupname, from_state, tries, expected, pid;
 * SUPERVISOR_STATE_CHANGE_*; PROCESS_GROUP_*: groupname; TICK_*: when),
 * a serial number and the time; event_write() is its JSON (jsonw, as
 * every reply).  A new type is a line in enum event_type, its fields
 * below, a publishing function, and its case in event_json.c.
 *
 * Supervisor's PROCESS_LOG_*, PROCESS_COMMUNICATION_* and
 * REMOTE_COMMUNICATION do not pass here: a program's output goes from
 * output/ straight to the listener pools through d->output_events (set
 * only while a pool subscribes, so a flood costs no queue here), and
 * XML-RPC's sendRemoteCommEvent calls pools_remote_comm(); the
 * `supctl events` stream does not carry them.
 */
#ifndef EVENT_H
#define EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct jsonw;

/* What happened; one bit each in a subscriber's mask. */
enum event_type {
	EVENT_PROCESS_STATE,	/* a process changed state (from, to) */
	EVENT_PROCESS_REMOVED,	/* a process left the configuration (a
				   reload); it is freed once it is down */
	EVENT_SUPERVISOR_STATE,	/* the daemon's own state (daemon_state) */
	EVENT_PROCESS_GROUP,	/* a group was added or removed (added) */
	EVENT_TICK,		/* a period of 5, 60 or 3600 s began */
	EVENT_TYPE_COUNT
};

/* The daemon's state: Supervisor's SUPERVISOR_STATE_CHANGE_RUNNING and
   _STOPPING, and our reload (RUNNING again once it is applied). */
enum daemon_state {
	DAEMON_RUNNING,		/* started (autostart launched), reloaded */
	DAEMON_RELOADING,	/* reading the configuration again */
	DAEMON_STOPPING,	/* shutting down */
};

#define EVENT_MASK(type)	(1U << (type))
#define EVENT_MASK_ALL		((1U << EVENT_TYPE_COUNT) - 1)

enum event_delivery {
	EVENT_AFTER_INPUT,	/* a callback, after the machine's input */
	EVENT_END_OF_TURN,	/* a queue, at the end of the loop's turn */
};

struct event {
	enum event_type	 type;
	uint64_t	 serial;	/* 1, 2, ... in publication order */
	ev_tstamp	 time;		/* when it happened (the engine's clock) */
	struct proc	*proc;		/* NULL once freed (a reload) */
	const char	*name;		/* its program name and group: valid */
	const char	*group;		/*   while the event is delivered */

	/* EVENT_SUPERVISOR_STATE */
	enum daemon_state daemon_state;

	/* EVENT_PROCESS_STATE (and the process of EVENT_PROCESS_REMOVED) */
	enum proc_state	 from, to;
	enum stop_reason stop_reason;	/* to STOPPING: why; else NONE */
	pid_t		 pid;		/* its pid, or the last it had, or 0 */
	bool		 want_up;	/* the operator wants it up (runit) */
	unsigned	 tries;		/* failed starts in this start attempt */
	struct exit_info exit;		/* how its last run ended (if valid) */
	const char	*spawnerr;	/* why the start failed, or NULL */

	/* EVENT_PROCESS_GROUP (group, no proc) */
	bool		 added;		/* PROCESS_GROUP: added (else gone) */
	/* EVENT_TICK */
	int		 period;	/* 5, 60, 3600 */
	long long	 when;		/* the period's start, epoch seconds */
};

typedef void (*event_fn)(const struct event *, void *arg);

/* Receive the events of the types in mask; (fn, arg) names it. */
void	 event_subscribe(struct daemon *, unsigned mask, enum event_delivery,
	    event_fn, void *arg);
void	 event_unsubscribe(struct daemon *, event_fn, void *arg);

/*
 * The engine's side.  event_input_begin() and event_input_end() bracket
 * each input of the state machine (nested calls count); the outermost
 * end delivers the AFTER_INPUT callbacks.  event_process_state() is
 * proc_set_state()'s: it queues the transition.
 */
void	 event_input_begin(struct daemon *);
void	 event_input_end(struct daemon *);
void	 event_process_state(struct proc *, enum proc_state from,
	    enum proc_state to);
/*
 * The others' side, delivered at once (the AFTER_INPUT callbacks, as an
 * input of their own): a process leaves the configuration (reload.c,
 * before it stops), the daemon's state changes (daemon.c, reload.c), a
 * group is added or removed (daemon.c, reload.c), a tick (listener/).
 */
void	 event_process_removed(struct proc *);
void	 event_daemon_state(struct daemon *, enum daemon_state);
void	 event_process_group(struct daemon *, const char *group, bool added);
void	 event_tick(struct daemon *, int period, long long when);

/* The serial number of the last event published (0: none yet); a
   subscriber's own later actions have greater ones. */
uint64_t event_serial(const struct daemon *);
/* The events of this type that happened since the start, whether
   anyone subscribed or not (metrics). */
uint64_t event_published(const struct daemon *, enum event_type);

/* The end of the loop's turn: deliver the queues (host/turn.c). */
void	 event_flush(struct daemon *);
/* Whether event_flush() has anything to do. */
bool	 event_flush_due(const struct daemon *);
/* A process is about to be freed: queued events keep its names. */
void	 event_proc_gone(struct daemon *, struct proc *);
/* At exit: every subscription and queued event. */
void	 event_free(struct daemon *);

/* event_json.c: the JSON of events and of what they carry. */
const char *event_type_name(enum event_type);
const char *daemon_state_name(enum daemon_state);
/* The members of an event into an open object. */
void	 event_write(struct jsonw *, const struct event *);
/* An events stream line: {"ok":true,"stream":"event",...}\n, cached
   for the subscribers of the same event; valid until the next call. */
const char *event_line(struct daemon *, const struct event *,
	    size_t *len);
/* "exit": how a run ended (null when it did not), as status shows it. */
void	 event_exit_write(struct jsonw *, const char *key,
	    const struct exit_info *);

#endif

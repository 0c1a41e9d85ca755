/*
 * Supervisor's event types: the names an [eventlistener:x] events= line
 * uses and a listener's header carries, and their parents (a parent
 * subscribes to its children; EVENT to everything).  One table, shared
 * by the loader (which checks events=) and the daemon (which sends).
 */
#ifndef EVTYPE_H
#define EVTYPE_H

#include <stdbool.h>
#include <stdint.h>

enum evtype {
	EVT_EVENT,
	EVT_PROCESS_STATE,
	EVT_PROCESS_STATE_STOPPED,
	EVT_PROCESS_STATE_EXITED,
	EVT_PROCESS_STATE_STARTING,
	EVT_PROCESS_STATE_STOPPING,
	EVT_PROCESS_STATE_BACKOFF,
	EVT_PROCESS_STATE_FATAL,
	EVT_PROCESS_STATE_RUNNING,
	EVT_PROCESS_STATE_UNKNOWN,
	EVT_PROCESS_COMMUNICATION,
	EVT_PROCESS_COMMUNICATION_STDOUT,
	EVT_PROCESS_COMMUNICATION_STDERR,
	EVT_PROCESS_LOG,
	EVT_PROCESS_LOG_STDOUT,
	EVT_PROCESS_LOG_STDERR,
	EVT_REMOTE_COMMUNICATION,
	EVT_SUPERVISOR_STATE_CHANGE,
	EVT_SUPERVISOR_STATE_CHANGE_RUNNING,
	EVT_SUPERVISOR_STATE_CHANGE_STOPPING,
	EVT_TICK,
	EVT_TICK_5,
	EVT_TICK_60,
	EVT_TICK_3600,
	EVT_PROCESS_GROUP,
	EVT_PROCESS_GROUP_ADDED,
	EVT_PROCESS_GROUP_REMOVED,
	EVT_COUNT
};

#define EVT_BIT(t)	((uint64_t)1 << (t))

/* "PROCESS_STATE_RUNNING". */
const char *evtype_name(enum evtype);
/* A name, any case, as Supervisor reads events=: 0, or -1 if unknown. */
int	 evtype_parse(const char *, enum evtype *);
/* Whether t is ancestor or one of its descendants. */
bool	 evtype_is(enum evtype t, enum evtype ancestor);
/* The bits of t and of every type under it: what subscribing to t
   subscribes to. */
uint64_t evtype_subscription(enum evtype);

#endif

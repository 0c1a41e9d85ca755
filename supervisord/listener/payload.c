/*
 * Supervisor's payloads (supervisor/events.py), byte for byte, for the
 * engine's events: PROCESS_STATE_* carry processname, groupname,
 * from_state, and tries (STARTING, BACKOFF), expected and pid (EXITED),
 * pid (RUNNING, STOPPING, STOPPED), nothing more for FATAL and UNKNOWN;
 * SUPERVISOR_STATE_CHANGE_* carry nothing, PROCESS_GROUP_* the group's
 * name and a newline, TICK_* when its period began.
 */
#include <stdio.h>
#include <stdlib.h>

#include "event.h"
#include "listener.h"
#include "xmalloc.h"

static enum evtype
state_type(enum proc_state s)
{
	switch (s) {
	case PROC_STOPPED:	return EVT_PROCESS_STATE_STOPPED;
	case PROC_STARTING:	return EVT_PROCESS_STATE_STARTING;
	case PROC_RUNNING:	return EVT_PROCESS_STATE_RUNNING;
	case PROC_BACKOFF:	return EVT_PROCESS_STATE_BACKOFF;
	case PROC_STOPPING:	return EVT_PROCESS_STATE_STOPPING;
	case PROC_EXITED:	return EVT_PROCESS_STATE_EXITED;
	case PROC_FATAL:	return EVT_PROCESS_STATE_FATAL;
	case PROC_UNKNOWN:	return EVT_PROCESS_STATE_UNKNOWN;
	}
	return EVT_PROCESS_STATE_UNKNOWN;
}

static int
process_state_payload(const struct event *e, struct pevent *pe)
{
	char	*s;
	int	 n;

	pe->type = state_type(e->to);
	switch (pe->type) {
	case EVT_PROCESS_STATE_STARTING:
	case EVT_PROCESS_STATE_BACKOFF:
		n = xasprintf(&s, "processname:%s groupname:%s from_state:%s "
		    "tries:%u", e->name, e->group, proc_state_name(e->from),
		    e->tries);
		break;
	case EVT_PROCESS_STATE_EXITED:
		n = xasprintf(&s, "processname:%s groupname:%s from_state:%s "
		    "expected:%d pid:%d", e->name, e->group,
		    proc_state_name(e->from), e->exit.expected ? 1 : 0,
		    (int)e->pid);
		break;
	case EVT_PROCESS_STATE_RUNNING:
	case EVT_PROCESS_STATE_STOPPING:
	case EVT_PROCESS_STATE_STOPPED:
		n = xasprintf(&s, "processname:%s groupname:%s from_state:%s "
		    "pid:%d", e->name, e->group, proc_state_name(e->from),
		    (int)e->pid);
		break;
	default:
		n = xasprintf(&s, "processname:%s groupname:%s from_state:%s",
		    e->name, e->group, proc_state_name(e->from));
		break;
	}
	pe->payload = s;
	pe->len = (size_t)n;
	return 0;
}

static enum evtype
tick_type(int period)
{
	return period == 5 ? EVT_TICK_5 : period == 60 ? EVT_TICK_60 :
	    EVT_TICK_3600;
}

int
payload_make(const struct event *e, struct pevent *pe)
{
	int	n;

	pe->payload = NULL;
	pe->len = 0;
	switch (e->type) {
	case EVENT_PROCESS_STATE:
		return process_state_payload(e, pe);
	case EVENT_SUPERVISOR_STATE:
		/* A reload is Supervisor's update (reloadConfig and the
		   groups added or removed): no state change of its own. */
		if (e->daemon_state == DAEMON_RELOADING)
			return -1;
		pe->type = e->daemon_state == DAEMON_STOPPING ?
		    EVT_SUPERVISOR_STATE_CHANGE_STOPPING :
		    EVT_SUPERVISOR_STATE_CHANGE_RUNNING;
		n = xasprintf(&pe->payload, "%s", "");
		break;
	case EVENT_PROCESS_GROUP:
		pe->type = e->added ? EVT_PROCESS_GROUP_ADDED :
		    EVT_PROCESS_GROUP_REMOVED;
		n = xasprintf(&pe->payload, "groupname:%s\n", e->group);
		break;
	case EVENT_TICK:
		pe->type = tick_type(e->period);
		n = xasprintf(&pe->payload, "when:%lld", e->when);
		break;
	default:
		return -1;
	}
	pe->len = (size_t)n;
	return 0;
}

void
pevent_free(struct pevent *pe)
{
	if (pe == NULL)
		return;
	free(pe->payload);
	free(pe);
}

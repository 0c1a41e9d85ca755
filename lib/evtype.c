/*
 * The table of Supervisor's event types (supervisor/events.py's
 * EventTypes and their classes' parents).
 */
#include <stddef.h>
#include <strings.h>

#include "evtype.h"

static const struct {
	const char	*name;
	enum evtype	 parent;	/* EVT_EVENT's own: itself */
} types[EVT_COUNT] = {
	[EVT_EVENT] = { "EVENT", EVT_EVENT },
	[EVT_PROCESS_STATE] = { "PROCESS_STATE", EVT_EVENT },
	[EVT_PROCESS_STATE_STOPPED] =
	    { "PROCESS_STATE_STOPPED", EVT_PROCESS_STATE },
	[EVT_PROCESS_STATE_EXITED] =
	    { "PROCESS_STATE_EXITED", EVT_PROCESS_STATE },
	[EVT_PROCESS_STATE_STARTING] =
	    { "PROCESS_STATE_STARTING", EVT_PROCESS_STATE },
	[EVT_PROCESS_STATE_STOPPING] =
	    { "PROCESS_STATE_STOPPING", EVT_PROCESS_STATE },
	[EVT_PROCESS_STATE_BACKOFF] =
	    { "PROCESS_STATE_BACKOFF", EVT_PROCESS_STATE },
	[EVT_PROCESS_STATE_FATAL] =
	    { "PROCESS_STATE_FATAL", EVT_PROCESS_STATE },
	[EVT_PROCESS_STATE_RUNNING] =
	    { "PROCESS_STATE_RUNNING", EVT_PROCESS_STATE },
	[EVT_PROCESS_STATE_UNKNOWN] =
	    { "PROCESS_STATE_UNKNOWN", EVT_PROCESS_STATE },
	[EVT_PROCESS_COMMUNICATION] = { "PROCESS_COMMUNICATION", EVT_EVENT },
	[EVT_PROCESS_COMMUNICATION_STDOUT] =
	    { "PROCESS_COMMUNICATION_STDOUT", EVT_PROCESS_COMMUNICATION },
	[EVT_PROCESS_COMMUNICATION_STDERR] =
	    { "PROCESS_COMMUNICATION_STDERR", EVT_PROCESS_COMMUNICATION },
	[EVT_PROCESS_LOG] = { "PROCESS_LOG", EVT_EVENT },
	[EVT_PROCESS_LOG_STDOUT] = { "PROCESS_LOG_STDOUT", EVT_PROCESS_LOG },
	[EVT_PROCESS_LOG_STDERR] = { "PROCESS_LOG_STDERR", EVT_PROCESS_LOG },
	[EVT_REMOTE_COMMUNICATION] = { "REMOTE_COMMUNICATION", EVT_EVENT },
	[EVT_SUPERVISOR_STATE_CHANGE] =
	    { "SUPERVISOR_STATE_CHANGE", EVT_EVENT },
	[EVT_SUPERVISOR_STATE_CHANGE_RUNNING] =
	    { "SUPERVISOR_STATE_CHANGE_RUNNING", EVT_SUPERVISOR_STATE_CHANGE },
	[EVT_SUPERVISOR_STATE_CHANGE_STOPPING] =
	    { "SUPERVISOR_STATE_CHANGE_STOPPING", EVT_SUPERVISOR_STATE_CHANGE },
	[EVT_TICK] = { "TICK", EVT_EVENT },
	[EVT_TICK_5] = { "TICK_5", EVT_TICK },
	[EVT_TICK_60] = { "TICK_60", EVT_TICK },
	[EVT_TICK_3600] = { "TICK_3600", EVT_TICK },
	[EVT_PROCESS_GROUP] = { "PROCESS_GROUP", EVT_EVENT },
	[EVT_PROCESS_GROUP_ADDED] = { "PROCESS_GROUP_ADDED", EVT_PROCESS_GROUP },
	[EVT_PROCESS_GROUP_REMOVED] =
	    { "PROCESS_GROUP_REMOVED", EVT_PROCESS_GROUP },
};

const char *
evtype_name(enum evtype t)
{
	return (unsigned)t < EVT_COUNT ? types[t].name : "?";
}

int
evtype_parse(const char *s, enum evtype *out)
{
	size_t	i;

	for (i = 0; i < EVT_COUNT; i++) {
		if (strcasecmp(s, types[i].name) == 0) {
			*out = (enum evtype)i;
			return 0;
		}
	}
	return -1;
}

bool
evtype_is(enum evtype t, enum evtype ancestor)
{
	for (;;) {
		if (t == ancestor)
			return true;
		if (types[t].parent == t)
			return false;
		t = types[t].parent;
	}
}

uint64_t
evtype_subscription(enum evtype t)
{
	uint64_t	mask = 0;
	size_t		i;

	for (i = 0; i < EVT_COUNT; i++)
		if (evtype_is((enum evtype)i, t))
			mask |= EVT_BIT(i);
	return mask;
}

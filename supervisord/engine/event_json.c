/*
 * Events as JSON, written with jsonw as every reply is: the members of
 * an event (the events stream's lines, and next XML-RPC's and the web
 * page's payloads), and the exit object status entries share with them.
 */
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "jsonw.h"
#include "proto.h"

/* Supervisor's event names, the prefix of a process state's. */
const char *
event_type_name(enum event_type type)
{
	switch (type) {
	case EVENT_PROCESS_STATE:
		return "PROCESS_STATE";
	case EVENT_PROCESS_REMOVED:
		return "PROCESS_REMOVED";
	case EVENT_SUPERVISOR_STATE:
		return "SUPERVISOR_STATE_CHANGE";
	case EVENT_PROCESS_GROUP:
		return "PROCESS_GROUP";
	case EVENT_TICK:
		return "TICK";
	default:
		return "UNKNOWN";
	}
}

const char *
daemon_state_name(enum daemon_state state)
{
	switch (state) {
	case DAEMON_RUNNING:
		return "RUNNING";
	case DAEMON_RELOADING:
		return "RELOADING";
	case DAEMON_STOPPING:
		return "STOPPING";
	default:
		return "UNKNOWN";
	}
}

void
event_exit_write(struct jsonw *w, const char *key, const struct exit_info *e)
{
	const char	*name;
	char		 desc[128];

	if (!e->valid) {
		jsonw_null(w, key);
		return;
	}
	jsonw_object(w, key);
	if (e->signaled) {
		jsonw_null(w, "code");
		if ((name = signal_name(e->code)) != NULL)
			jsonw_string(w, "signal", name);
		else
			jsonw_int(w, "signal", e->code);
	} else {
		jsonw_int(w, "code", e->code);
		jsonw_null(w, "signal");
	}
	jsonw_bool(w, "core", e->core);
	jsonw_bool(w, "expected", e->expected);
	exit_describe(e, desc, sizeof(desc));
	jsonw_string(w, "description", desc);
	jsonw_object_end(w);
}

/* "group:name", or "name" when the group has the program's name. */
static void
write_names(struct jsonw *w, const struct event *e)
{
	char	full[2 * PROTO_NAME_MAX + 2];

	jsonw_string(w, "program", e->name);
	jsonw_string(w, "group", e->group);
	if (strcmp(e->group, e->name) == 0)
		snprintf(full, sizeof(full), "%s", e->name);
	else
		snprintf(full, sizeof(full), "%s:%s", e->group, e->name);
	jsonw_string(w, "fullname", full);
}

/*
 * A process's transition: where it was and is, when, how its run ended
 * (once it is down), why its start failed, its pid, then the serial
 * number, Supervisor's name of the event, the failed starts ("tries")
 * and, to STOPPING, why it is stopping.
 */
static void
write_process_state(struct jsonw *w, const struct event *e)
{
	char	type[64];

	write_names(w, e);
	jsonw_string(w, "from", proc_state_name(e->from));
	jsonw_string(w, "to", proc_state_name(e->to));
	jsonw_seconds(w, "time", e->time);
	if ((e->to == PROC_EXITED || e->to == PROC_BACKOFF ||
	    e->to == PROC_FATAL || e->to == PROC_STOPPED) && e->exit.valid)
		event_exit_write(w, "exit", &e->exit);
	if (e->spawnerr != NULL)
		jsonw_string(w, "spawnerr", e->spawnerr);
	jsonw_int(w, "pid", e->pid);
	jsonw_number(w, "serial", (double)e->serial);
	snprintf(type, sizeof(type), "%s_%s", event_type_name(e->type),
	    proc_state_name(e->to));
	jsonw_string(w, "type", type);
	jsonw_int(w, "tries", e->tries);
	if (e->stop_reason != STOP_NONE)
		jsonw_string(w, "stop_reason", stop_reason_name(e->stop_reason));
	else
		jsonw_null(w, "stop_reason");
}

/* The other types: the process (removed) or the daemon's state. */
void
event_write(struct jsonw *w, const struct event *e)
{
	char	type[64];

	switch (e->type) {
	case EVENT_PROCESS_STATE:
		write_process_state(w, e);
		return;
	case EVENT_PROCESS_REMOVED:
		write_names(w, e);
		jsonw_string(w, "state", proc_state_name(e->to));
		jsonw_int(w, "pid", e->pid);
		snprintf(type, sizeof(type), "%s", event_type_name(e->type));
		break;
	case EVENT_SUPERVISOR_STATE:
		jsonw_string(w, "state", daemon_state_name(e->daemon_state));
		snprintf(type, sizeof(type), "%s_%s", event_type_name(e->type),
		    daemon_state_name(e->daemon_state));
		break;
	case EVENT_PROCESS_GROUP:
		jsonw_string(w, "group", e->group);
		snprintf(type, sizeof(type), "%s_%s", event_type_name(e->type),
		    e->added ? "ADDED" : "REMOVED");
		break;
	case EVENT_TICK:
		jsonw_int(w, "period", e->period);
		jsonw_number(w, "when", (double)e->when);
		snprintf(type, sizeof(type), "%s_%d", event_type_name(e->type),
		    e->period);
		break;
	default:
		return;
	}
	jsonw_seconds(w, "time", e->time);
	jsonw_number(w, "serial", (double)e->serial);
	jsonw_string(w, "type", type);
}

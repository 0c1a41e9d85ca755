/*
 * The requests that only read the processes: status (every field of a
 * status entry, or those asked for, written with jsonw straight into the
 * reply) and pid.
 */
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "event.h"
#include "jsonw.h"

/*
 * One status entry: everything an operator asks about a process, or the
 * fields asked for.  Written straight into the reply (see jsonw.c): built
 * as a cJSON tree, a status of 1000 programs cost the daemon 7 ms.
 */
void
cmd_proc_write(struct jsonw *w, struct proc *p, ev_tstamp now,
    unsigned fields)
{
	const char	*path;
	char		 buf[2 * PROTO_NAME_MAX + 2];
	bool		 up = p->pid != 0 && p->started_at > 0;

#define F(f)	PROTO_FIELD(fields, PROTO_F_##f)
	if (F(NAME))
		jsonw_string(w, "name", p->cfg->name);
	if (F(GROUP))
		jsonw_string(w, "group", p->cfg->group);
	if (F(FULLNAME)) {
		proc_fullname(p, buf, sizeof(buf));
		jsonw_string(w, "fullname", buf);
	}
	if (F(STATE))
		jsonw_string(w, "state", proc_state_name(p->state));
	if (F(STATECODE))
		jsonw_int(w, "statecode", p->state);
	if (F(DESCRIPTION)) {
		proc_describe(p, buf, sizeof(buf));
		jsonw_string(w, "description", buf);
	}
	if (F(PID))
		jsonw_int(w, "pid", p->pid);
	if (F(START))
		jsonw_seconds(w, "start", p->started_at);
	if (F(UPTIME))
		jsonw_seconds(w, "uptime", up && now > p->started_at ?
		    now - p->started_at : 0);
	if (F(SINCE))
		jsonw_seconds(w, "since", p->state_since);
	if (F(NOW))
		jsonw_seconds(w, "now", now);
	if (F(RESTARTS))
		jsonw_int(w, "restarts", p->restarts);
	if (F(EXITSTATUS)) {
		if (p->last_exit.valid && !p->last_exit.signaled)
			jsonw_int(w, "exitstatus", p->last_exit.code);
		else
			jsonw_null(w, "exitstatus");
	}
	if (F(EXIT))
		event_exit_write(w, "exit", &p->last_exit);
	if (F(SPAWNERR))
		jsonw_string(w, "spawnerr", proc_error(p));
	if (F(LOG_DROPPED_BYTES))
		jsonw_number(w, "log_dropped_bytes", (double)p->dropped_bytes);
	if (F(STDOUT_LOGFILE)) {
		path = logcap_path(p, false);
		jsonw_string(w, "stdout_logfile", path ? path : "");
	}
	if (F(STDERR_LOGFILE)) {
		path = p->cfg->redirect_stderr ? NULL : logcap_path(p, true);
		jsonw_string(w, "stderr_logfile", path ? path : "");
	}
	notify_status_write(p, w, fields);
	if (F(STOP_REASON)) {
		if (p->state == PROC_STOPPING &&
		    p->stop_reason != STOP_NONE)
			jsonw_string(w, "stop_reason",
			    stop_reason_name(p->stop_reason));
		else
			jsonw_null(w, "stop_reason");
	}
#undef F
}

enum cmd_retval
cmd_status(struct ctl_client *c, const struct proto_request *req)
{
	struct proc	**procs;
	struct proto_buf  b = { 0 };
	struct jsonw	  w;
	size_t		  n, i;
	unsigned	  fields = proto_get_fields(req);
	ev_tstamp	  now = ev_time();

	if (cmd_targets(c, req, true, &procs, &n) == -1)
		return CMD_DONE;
	jsonw_init(&w, &b);
	proto_reply_open(&w, req->id, PROTO_OK, NULL);
	jsonw_array(&w, "processes");
	for (i = 0; i < n; i++) {
		jsonw_object(&w, NULL);
		cmd_proc_write(&w, procs[i], now, fields);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	proto_reply_close(&w);
	free(procs);
	client_send_buf(c, &b);
	return CMD_DONE;
}

/* Without names the daemon's pid; with names each process's (0: none). */
enum cmd_retval
cmd_pid(struct ctl_client *c, const struct proto_request *req)
{
	struct proc	**procs;
	struct proto_buf  b = { 0 };
	struct jsonw	  w;
	size_t		  n, i;
	const cJSON	 *names = proto_get(req, "names");
	char		  full[2 * PROTO_NAME_MAX + 2];

	jsonw_init(&w, &b);
	if (names == NULL || cJSON_GetArraySize(names) == 0) {
		proto_reply_open(&w, req->id, PROTO_OK, NULL);
		jsonw_int(&w, "pid", getpid());
		/* The daemon's start and the time now: its uptime. */
		jsonw_seconds(&w, "start", c->daemon->started_at);
		jsonw_seconds(&w, "now", ev_time());
		proto_reply_close(&w);
		client_send_buf(c, &b);
		return CMD_DONE;
	}
	if (cmd_targets(c, req, false, &procs, &n) == -1)
		return CMD_DONE;
	proto_reply_open(&w, req->id, PROTO_OK, NULL);
	jsonw_array(&w, "processes");
	for (i = 0; i < n; i++) {
		jsonw_object(&w, NULL);
		proc_fullname(procs[i], full, sizeof(full));
		jsonw_string(&w, "name", procs[i]->cfg->name);
		jsonw_string(&w, "group", procs[i]->cfg->group);
		jsonw_string(&w, "fullname", full);
		jsonw_int(&w, "pid", procs[i]->pid);
		jsonw_string(&w, "state", proc_state_name(procs[i]->state));
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	proto_reply_close(&w);
	free(procs);
	client_send_buf(c, &b);
	return CMD_DONE;
}

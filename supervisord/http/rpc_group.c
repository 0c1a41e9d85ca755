/*
 * The methods on the configuration file's groups, stdin and log
 * clearing: reloadConfig, addProcessGroup, removeProcessGroup,
 * sendProcessStdin, clearProcessLogs, clearAllProcessLogs, clearLog and
 * sendRemoteCommEvent (straight to the listener pools),
 * each running the daemon's request of the same purpose (cmd_group.c,
 * the stdin and clear requests) and turning its reply into Supervisor's
 * value or fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"
#include "rpc.h"
#include "xmalloc.h"

/* The name a call was about, for its fault texts. */
struct rpc_named {
	char	name[2 * PROTO_NAME_MAX + 2];
};

static bool
cjson_has(const cJSON *arr, const char *s)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, arr)
		if (strcmp(cJSON_GetStringValue(e), s) == 0)
			return true;
	return false;
}

static cJSON *
request(const char *cmd)
{
	cJSON	*req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "cmd", cmd);
	return req;
}

static void
one_name(cJSON *req, const char *key, const char *name)
{
	cJSON	*names;

	if (key != NULL) {
		cJSON_AddStringToObject(req, key, name);
		return;
	}
	names = cJSON_AddArrayToObject(req, "names");
	cJSON_AddItemToArray(names, cJSON_CreateString(name));
}

static enum rpc_status
run_named(struct rpc_req *r, cJSON *req, const char *name, rpc_cont_fn cont)
{
	struct rpc_named	*n = xcalloc(1, sizeof(*n));

	snprintf(n->name, sizeof(n->name), "%s", name);
	r->cont_arg = n;
	return rpc_command(r, req, cont);
}

/* A refusal of the daemon's as Supervisor's fault, else True. */
static void
true_or_fault(struct rpc_req *r, const struct proto_reply *reply)
{
	static const struct {
		const char	*code;
		int		 fault;
	} map[] = {
		{ "bad_name", RPC_BAD_NAME },
		{ "no_such_process", RPC_BAD_NAME },
		{ "already_added", RPC_ALREADY_ADDED },
		{ "still_running", RPC_STILL_RUNNING },
		{ "not_running", RPC_NOT_RUNNING },
		{ "no_file", RPC_NO_FILE },
		{ "bad_config", RPC_CANT_REREAD },
		{ "shutting_down", RPC_SHUTDOWN_STATE },
	};
	const struct rpc_named	*n = r->cont_arg;
	size_t			 i;

	if (reply->ok) {
		xw_bool(&r->value, true);
		return;
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (reply->code != NULL && strcmp(reply->code, map[i].code) == 0)
			break;
	if (i == sizeof(map) / sizeof(map[0]))
		rpc_fault(r, RPC_FAILED, "%s", reply->message ? reply->message :
		    n->name);
	else if (map[i].fault == RPC_CANT_REREAD)
		rpc_fault(r, RPC_CANT_REREAD, "%s", reply->message ?
		    reply->message : "");
	else if (n->name[0] == '\0')
		rpc_fault(r, map[i].fault, NULL);
	else
		rpc_fault(r, map[i].fault, "%s", n->name);
}

static void
apply_live_done(struct rpc_req *r, const struct proto_reply *reply)
{
	if (!reply->ok)
		log_warnx("http: reloadConfig: keys not applied in place: %s",
		    reply->message ? reply->message : "refused");
}

/*
 * The groups whose every change applies in place (reread's "updated"
 * processes, in no list of groups): reloadConfig applies them now, since
 * supervisorctl's update acts on changed groups alone and would leave
 * them out.  The update request runs at once (no process restarts).
 */
static void
apply_live(struct rpc_req *r, const cJSON *result, const cJSON *groups)
{
	const cJSON	*e, *lists[3];
	cJSON		*req, *names;
	char		 group[2 * PROTO_NAME_MAX + 2], *colon;
	size_t		 i;
	bool		 listed;

	lists[0] = cJSON_GetObjectItem(groups, "added");
	lists[1] = cJSON_GetObjectItem(groups, "changed");
	lists[2] = cJSON_GetObjectItem(groups, "removed");
	req = request("update");
	names = cJSON_AddArrayToObject(req, "names");
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(result, "updated")) {
		snprintf(group, sizeof(group), "%s", cJSON_GetStringValue(e));
		if ((colon = strchr(group, ':')) != NULL)
			*colon = '\0';
		listed = false;
		for (i = 0; i < 3; i++)
			listed = listed || cjson_has(lists[i], group);
		if (!listed && !cjson_has(names, group))
			cJSON_AddItemToArray(names, cJSON_CreateString(group));
	}
	if (cJSON_GetArraySize(names) == 0) {
		cJSON_Delete(req);
		return;
	}
	if (rpc_command(r, req, apply_live_done) == RPC_WAIT)
		log_warnx("http: reloadConfig: an update did not answer at "
		    "once");
}

/* reread's groups as [[added, changed, removed]]. */
static void
reread_done(struct rpc_req *r, const struct proto_reply *reply)
{
	static const char *const keys[] = { "added", "changed", "removed" };
	const cJSON		*groups, *e;
	size_t			 i;

	if (!reply->ok) {
		rpc_fault(r, RPC_CANT_REREAD, "%s", reply->message ?
		    reply->message : "");
		return;
	}
	rpc_config_reread(r->daemon);
	groups = cJSON_GetObjectItem(reply->result, "groups");
	xw_array_open(&r->value);
	xw_array_open(&r->value);
	for (i = 0; i < 3; i++) {
		xw_array_open(&r->value);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(groups, keys[i]))
			xw_string(&r->value, cJSON_GetStringValue(e));
		xw_array_close(&r->value);
	}
	xw_array_close(&r->value);
	xw_array_close(&r->value);
	apply_live(r, reply->result, groups);
}

enum rpc_status
rpc_reload_config(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return rpc_command(r, request("reread"), reread_done);
}

/* A request on one group (or process) by name: true, or a fault. */
static enum rpc_status
run_on_one(struct rpc_req *r, const char *cmd, const char *name,
    const char *asked)
{
	cJSON	*req = request(cmd);

	one_name(req, NULL, name);
	return run_named(r, req, asked, true_or_fault);
}

enum rpc_status
rpc_add_process_group(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	return run_on_one(r, "add", argv[0]->s, argv[0]->s);
}

enum rpc_status
rpc_remove_process_group(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	return run_on_one(r, "remove", argv[0]->s, argv[0]->s);
}

enum rpc_status
rpc_send_process_stdin(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	struct proc	*p;
	cJSON		*req;
	char		 full[2 * PROTO_NAME_MAX + 2];

	if ((p = rpc_find_proc(r, argv[0]->s)) == NULL)
		return RPC_DONE;
	if (p->pid == 0 || p->state == PROC_STOPPING) {
		rpc_fault(r, RPC_NOT_RUNNING, "%s", argv[0]->s);
		return RPC_DONE;
	}
	if (argv[1]->len == 0) {	/* nothing to write */
		xw_bool(&r->value, true);
		return RPC_DONE;
	}
	proc_fullname(p, full, sizeof(full));
	req = request("sendstdin");
	cJSON_AddStringToObject(req, "name", full);
	cJSON_AddStringToObject(req, "data", argv[1]->s);
	return run_named(r, req, argv[0]->s, true_or_fault);
}

/* REMOTE_COMMUNICATION to the pools that subscribe (none: nothing). */
enum rpc_status
rpc_send_remote_comm_event(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	pools_remote_comm(r->daemon, argv[0]->s, argv[1]->s, argv[1]->len);
	xw_bool(&r->value, true);
	return RPC_DONE;
}

enum rpc_status
rpc_clear_process_logs(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	struct proc	*p;
	char		 full[2 * PROTO_NAME_MAX + 2];

	if ((p = rpc_find_proc(r, argv[0]->s)) == NULL)
		return RPC_DONE;
	proc_fullname(p, full, sizeof(full));
	return run_on_one(r, "clear", full, argv[0]->s);
}

/* Each process's result struct, as Supervisor's clearall() lists them. */
static void
clear_all_done(struct rpc_req *r, const struct proto_reply *reply)
{
	const cJSON	*procs, *p;
	const char	*msg;
	bool		 ok;

	procs = reply->result ? cJSON_GetObjectItem(reply->result,
	    "processes") : NULL;
	if (!cJSON_IsArray(procs)) {
		rpc_fault(r, RPC_FAILED, "%s", reply->message ?
		    reply->message : "");
		return;
	}
	xw_array_open(&r->value);
	cJSON_ArrayForEach(p, procs) {
		ok = cJSON_IsTrue(cJSON_GetObjectItem(p, "ok"));
		msg = cJSON_GetStringValue(cJSON_GetObjectItem(p, "message"));
		snprintf(r->fault_text, sizeof(r->fault_text), "FAILED: %s",
		    msg ? msg : "");
		xw_struct_open(&r->value);
		xw_member_string(&r->value, "name", cJSON_GetStringValue(
		    cJSON_GetObjectItem(p, "name")));
		xw_member_string(&r->value, "group", cJSON_GetStringValue(
		    cJSON_GetObjectItem(p, "group")));
		xw_member_int(&r->value, "status", ok ? RPC_SUCCESS :
		    RPC_FAILED);
		xw_member_string(&r->value, "description", ok ? "OK" :
		    r->fault_text);
		xw_struct_close(&r->value);
	}
	r->fault_text[0] = '\0';
	xw_array_close(&r->value);
}

enum rpc_status
rpc_clear_all_process_logs(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	cJSON	*req;

	if (r->daemon->nprocs == 0) {
		xw_array_open(&r->value);
		xw_array_close(&r->value);
		return RPC_DONE;
	}
	req = request("clear");
	one_name(req, NULL, "all");
	return rpc_command(r, req, clear_all_done);
}

enum rpc_status
rpc_clear_log(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return run_named(r, request("clearlog"), "", true_or_fault);
}

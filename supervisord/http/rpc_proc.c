/*
 * The process methods: getProcessInfo's struct as Supervisor builds it,
 * and start, stop and signal of one process, a group or all, run through
 * the daemon's start, stop and signal requests (cmd_action.c) and their
 * replies turned into Supervisor's values and faults.
 */
#include <ctype.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "rpc.h"
#include "xmalloc.h"

/* The processes a group call acts on, and how their results read. */
struct rpc_targets {
	bool		 group;		/* a list of results, else one */
	char		 name[2 * PROTO_NAME_MAX + 2];	/* as asked */
	struct proto_buf early;		/* results known before the run */
};

static bool
state_running(enum proc_state s)	/* Supervisor's RUNNING_STATES */
{
	return s == PROC_RUNNING || s == PROC_BACKOFF || s == PROC_STARTING;
}

static bool
state_signallable(enum proc_state s)
{
	return s == PROC_RUNNING || s == PROC_STARTING || s == PROC_STOPPING;
}

/*
 * Supervisor's namespec: "group:name", "group:*" or "group:" (the whole
 * group: *proc NULL), "name" (the group and program of that name).  -1
 * with BAD_NAME when nothing matches.  *members is allocated.
 */
static int
rpc_lookup(struct rpc_req *r, const char *spec, struct proc ***members,
    size_t *n, struct proc **proc)
{
	const char	*colon = strchr(spec, ':'), *pname;
	char		*gname;
	size_t		 i;

	*proc = NULL;
	gname = colon ? xstrndup(spec, (size_t)(colon - spec)) :
	    xstrdup(spec);
	pname = colon ? colon + 1 : spec;
	*n = gname[0] != '\0' ? daemon_find_group(r->daemon, gname,
	    members) : 0;
	free(gname);
	if (*n == 0) {
		*members = NULL;
		rpc_fault(r, RPC_BAD_NAME, "%s", spec);
		return -1;
	}
	if (colon != NULL && (*pname == '\0' || strcmp(pname, "*") == 0))
		return 0;
	for (i = 0; i < *n; i++)
		if (strcmp((*members)[i]->cfg->name, pname) == 0)
			*proc = (*members)[i];
	if (*proc == NULL) {
		free(*members);
		*members = NULL;
		rpc_fault(r, RPC_BAD_NAME, "%s", spec);
		return -1;
	}
	return 0;
}

/*
 * Supervisor's test before a start: a command that does not exist or
 * cannot run is refused (NO_FILE, NOT_EXECUTABLE) and nothing spawns.
 * A bare name is looked up in the program's PATH, else the daemon's.
 */
static int
exec_check(const struct proc *p, char *text, size_t len)
{
	const char	*cmd = p->cfg->argv ? p->cfg->argv[0] : NULL;
	const char	*path = NULL, *dir, *end;
	char		 file[4096];
	struct stat	 st;

	if (cmd == NULL)
		return 0;
	if (strchr(cmd, '/') != NULL) {
		if (stat(cmd, &st) == -1) {
			snprintf(text, len, "can't find command '%s'", cmd);
			return RPC_NO_FILE;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(text, len, "command at '%s' is a directory",
			    cmd);
			return RPC_NOT_EXECUTABLE;
		}
		if (access(cmd, X_OK) == -1) {
			snprintf(text, len, "command at '%s' is not executable",
			    cmd);
			return RPC_NOT_EXECUTABLE;
		}
		return 0;
	}
	path = env_get(&p->cfg->environment, "PATH");
	if (path == NULL && (path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (dir = path; *dir != '\0'; dir = *end ? end + 1 : end) {
		end = strchr(dir, ':');
		if (end == NULL)
			end = dir + strlen(dir);
		snprintf(file, sizeof(file), "%.*s/%s", (int)(end - dir), dir,
		    cmd);
		if (stat(file, &st) == 0 && !S_ISDIR(st.st_mode))
			return 0;
	}
	snprintf(text, len, "can't find command '%s'", cmd);
	return RPC_NO_FILE;
}

struct proc *
rpc_find_proc(struct rpc_req *r, const char *spec)
{
	struct proc	**members, *p;
	size_t		  n;

	if (rpc_lookup(r, spec, &members, &n, &p) == -1)
		return NULL;
	free(members);
	if (p == NULL)
		rpc_fault(r, RPC_BAD_NAME, "%s", spec);
	return p;
}

/* getProcessInfo's struct, its members in Supervisor's order. */
static void
write_info(struct proto_buf *b, struct proc *p, time_t now)
{
	const char	*out, *err;
	char		 desc[2 * PROTO_NAME_MAX + 64];
	long long	 exitstatus = 0;

	if (p->last_exit.valid)
		exitstatus = p->last_exit.signaled ? -1 : p->last_exit.code;
	out = logcap_path(p, false);
	err = p->cfg->redirect_stderr ? NULL : logcap_path(p, true);
	proc_describe(p, desc, sizeof(desc));
	if (p->state == PROC_STARTING || p->state == PROC_STOPPING)
		desc[0] = '\0';
	xw_struct_open(b);
	xw_member_string(b, "name", p->cfg->name);
	xw_member_string(b, "group", p->cfg->group);
	xw_member_int(b, "start", p->ever_started ?
	    (long long)floor(p->started_at) : 0);
	xw_member_int(b, "stop", (long long)floor(p->stopped_at));
	xw_member_int(b, "now", (long long)now);
	xw_member_int(b, "state", p->state);
	xw_member_string(b, "statename", proc_state_name(p->state));
	xw_member_string(b, "spawnerr", proc_error(p));
	xw_member_int(b, "exitstatus", exitstatus);
	xw_member_string(b, "logfile", out ? out : "");
	xw_member_string(b, "stdout_logfile", out ? out : "");
	xw_member_string(b, "stderr_logfile", err ? err : "");
	xw_member_int(b, "pid", p->pid);
	xw_member_string(b, "description", desc);
	xw_struct_close(b);
}

enum rpc_status
rpc_get_process_info(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	struct proc	*p;

	if ((p = rpc_find_proc(r, argv[0]->s)) != NULL)
		write_info(&r->value, p, time(NULL));
	return RPC_DONE;
}

enum rpc_status
rpc_get_all_process_info(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	/* Bytes per process of the last answer (at first, about those of
	   a running process with its log files): this one is sized from
	   it, with a little to spare, not grown by copies. */
	static size_t	  per_proc = 1024;
	struct daemon	 *d = r->daemon;
	struct proc	**v;
	size_t		  i, before;
	time_t		  now = time(NULL);

	v = xreallocarray(NULL, d->nprocs + 1, sizeof(*v));
	memcpy(v, d->procs, d->nprocs * sizeof(*v));
	qsort(v, d->nprocs, sizeof(*v), proc_lexical_cmp);
	rpc_value_reserve(r, d->nprocs * (per_proc + per_proc / 16) + 64);
	before = proto_buf_used(&r->value);
	xw_array_open(&r->value);
	for (i = 0; i < d->nprocs; i++)
		write_info(&r->value, v[i], now);
	xw_array_close(&r->value);
	if (d->nprocs > 0)
		per_proc = (proto_buf_used(&r->value) - before) / d->nprocs;
	free(v);
	return RPC_DONE;
}

/* A failed target of the command table as Supervisor's fault code. */
static int
fault_of(const char *code, const char *message)
{
	static const struct {
		const char	*code;
		int		 fault;
	} map[] = {
		{ "already_started", RPC_ALREADY_STARTED },
		{ "not_running", RPC_NOT_RUNNING },
		{ "spawn_error", RPC_SPAWN_ERROR },
		{ "abnormal_termination", RPC_ABNORMAL_TERMINATION },
		{ "shutting_down", RPC_SHUTDOWN_STATE },
		{ "no_such_process", RPC_BAD_NAME },
		{ "bad_signal", RPC_BAD_SIGNAL },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (code != NULL && strcmp(map[i].code, code) == 0)
			return map[i].fault;
	return RPC_FAILED;
}

/* One result struct of a group call, or the single call's value. */
static void
action_result(struct rpc_req *r, const struct rpc_targets *t,
    const cJSON *proc)
{
	const cJSON	*err = cJSON_GetObjectItem(proc, "error");
	const char	*name, *group, *full, *code = NULL, *msg = NULL;
	const char	*spawnerr;
	int		 fault = 0;

	name = cJSON_GetStringValue(cJSON_GetObjectItem(proc, "name"));
	group = cJSON_GetStringValue(cJSON_GetObjectItem(proc, "group"));
	full = cJSON_GetStringValue(cJSON_GetObjectItem(proc, "fullname"));
	if (err != NULL) {
		code = cJSON_GetStringValue(cJSON_GetObjectItem(err, "code"));
		msg = cJSON_GetStringValue(cJSON_GetObjectItem(err,
		    "message"));
		fault = fault_of(code, msg);
		spawnerr = cJSON_GetStringValue(cJSON_GetObjectItem(proc,
		    "spawnerr"));
		/* Supervisor looks at the spawn error first ("Exited too
		   quickly" included), then at the state. */
		if (fault == RPC_ABNORMAL_TERMINATION && spawnerr != NULL &&
		    spawnerr[0] != '\0')
			fault = RPC_SPAWN_ERROR;
	}
	if (!t->group) {
		if (fault == RPC_FAILED)
			rpc_fault(r, fault, "%s", msg ? msg : "failed");
		else if (fault != 0)
			rpc_fault(r, fault, "%s", t->name);
		else
			xw_bool(&r->value, true);
		return;
	}
	xw_struct_open(&r->value);
	xw_member_string(&r->value, "name", name ? name : "");
	xw_member_string(&r->value, "group", group ? group : "");
	xw_member_int(&r->value, "status", fault ? fault : RPC_SUCCESS);
	if (fault == RPC_FAILED)
		snprintf(r->fault_text, sizeof(r->fault_text), "FAILED: %s",
		    msg ? msg : "failed");
	else if (fault != 0)
		snprintf(r->fault_text, sizeof(r->fault_text), "%s: %s",
		    rpc_fault_name(fault), full ? full : "");
	xw_member_string(&r->value, "description", fault ? r->fault_text :
	    "OK");
	r->fault_text[0] = '\0';
	xw_struct_close(&r->value);
}

/* The reply of a start, stop or signal request. */
static void
action_done(struct rpc_req *r, const struct proto_reply *reply)
{
	const struct rpc_targets	*t = r->cont_arg;
	const cJSON			*procs, *p;

	procs = reply->result ? cJSON_GetObjectItem(reply->result,
	    "processes") : NULL;
	if (!cJSON_IsArray(procs)) {
		rpc_fault(r, fault_of(reply->code, reply->message), "%s",
		    reply->message ? reply->message : t->name);
		return;
	}
	if (t->group) {
		xw_array_open(&r->value);
		proto_buf_add(&r->value, t->early.data + t->early.off,
		    proto_buf_used(&t->early));
	}
	cJSON_ArrayForEach(p, procs) {
		action_result(r, t, p);
		if (!t->group)
			break;
	}
	if (t->group)
		xw_array_close(&r->value);
}

/* A result struct of a group call written before the run. */
static void
early_result(struct proto_buf *b, const struct proc *p, int fault,
    const char *text)
{
	char	desc[512];

	snprintf(desc, sizeof(desc), "%s: %s", rpc_fault_name(fault), text);
	xw_struct_open(b);
	xw_member_string(b, "name", p->cfg->name);
	xw_member_string(b, "group", p->cfg->group);
	xw_member_int(b, "status", fault);
	xw_member_string(b, "description", desc);
	xw_struct_close(b);
}

static void
targets_free(struct rpc_targets *t)
{
	proto_buf_release(&t->early);
	free(t);
}

/*
 * Run cmd ("start", "stop", "signal") over the processes of v that pass
 * keep (Supervisor skips those already in the wanted state).  A start's
 * command is checked first, as Supervisor does.
 */
static enum rpc_status
rpc_action(struct rpc_req *r, const char *cmd, struct proc **v, size_t n,
    bool (*keep)(enum proc_state), bool keep_if, bool group, bool wait,
    int sig, const char *name)
{
	struct rpc_targets	*t = xcalloc(1, sizeof(*t));
	cJSON			*req, *names;
	char			 full[2 * PROTO_NAME_MAX + 2], text[384];
	size_t			 i, count = 0;
	int			 fault;

	t->group = group;
	snprintf(t->name, sizeof(t->name), "%s", name);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cmd);
	names = cJSON_AddArrayToObject(req, "names");
	for (i = 0; i < n; i++) {
		if (keep(v[i]->state) != keep_if)
			continue;
		if (strcmp(cmd, "start") == 0 &&
		    (fault = exec_check(v[i], text, sizeof(text))) != 0) {
			if (!group) {
				rpc_fault(r, fault, "%s", text);
				goto done;
			}
			early_result(&t->early, v[i], fault, text);
			continue;
		}
		proc_fullname(v[i], full, sizeof(full));
		cJSON_AddItemToArray(names, cJSON_CreateString(full));
		count++;
	}
	if (count == 0) {	/* nothing to run: the list as it is */
		xw_array_open(&r->value);
		proto_buf_add(&r->value, t->early.data + t->early.off,
		    proto_buf_used(&t->early));
		xw_array_close(&r->value);
		goto done;
	}
	if (strcmp(cmd, "signal") == 0)
		cJSON_AddNumberToObject(req, "signal", sig);
	else
		cJSON_AddBoolToObject(req, "wait", wait);
	r->cont_arg = t;
	r->cont_free = (void (*)(void *))targets_free;
	return rpc_command(r, req, action_done);
done:
	cJSON_Delete(req);
	targets_free(t);
	return RPC_DONE;
}

/* Start, stop or signal: one process, its group, or all. */
enum rpc_kind { KIND_START, KIND_STOP, KIND_SIGNAL };

static enum rpc_status
rpc_act_on(struct rpc_req *r, enum rpc_kind kind, const char *spec,
    bool whole_group, bool wait, int sig)
{
	static const char *const cmds[] = { "start", "stop", "signal" };
	struct proc		**v, *p;
	size_t			  n;
	enum rpc_status		  rc;
	bool			(*keep)(enum proc_state) = kind == KIND_SIGNAL ?
				    state_signallable : state_running;
	bool			  keep_if = kind != KIND_START;

	if (spec == NULL) {	/* all, in priority order */
		return rpc_action(r, cmds[kind], r->daemon->procs,
		    r->daemon->nprocs, keep, keep_if, true, wait, sig, "all");
	}
	if (whole_group && strchr(spec, ':') == NULL) {
		n = daemon_find_group(r->daemon, spec, &v);
		p = NULL;
		if (n == 0) {
			rpc_fault(r, RPC_BAD_NAME, "%s", spec);
			return RPC_DONE;
		}
	} else if (whole_group) {
		rpc_fault(r, RPC_BAD_NAME, "%s", spec);
		return RPC_DONE;
	} else if (rpc_lookup(r, spec, &v, &n, &p) == -1)
		return RPC_DONE;
	if (p == NULL) {
		rc = rpc_action(r, cmds[kind], v, n, keep, keep_if, true, wait,
		    sig, spec);
		free(v);
		return rc;
	}
	free(v);
	if (keep(p->state) != keep_if) {
		rpc_fault(r, kind == KIND_START ? RPC_ALREADY_STARTED :
		    RPC_NOT_RUNNING, "%s", spec);
		return RPC_DONE;
	}
	return rpc_action(r, cmds[kind], &p, 1, keep, keep_if, false, wait,
	    sig, spec);
}

enum rpc_status
rpc_start_process(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return rpc_act_on(r, KIND_START, argv[0]->s, false,
	    rpc_arg_bool(argv, argc, 1, true), 0);
}

enum rpc_status
rpc_start_process_group(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	return rpc_act_on(r, KIND_START, argv[0]->s, true,
	    rpc_arg_bool(argv, argc, 1, true), 0);
}

enum rpc_status
rpc_start_all_processes(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	return rpc_act_on(r, KIND_START, NULL, true,
	    rpc_arg_bool(argv, argc, 0, true), 0);
}

enum rpc_status
rpc_stop_process(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return rpc_act_on(r, KIND_STOP, argv[0]->s, false,
	    rpc_arg_bool(argv, argc, 1, true), 0);
}

enum rpc_status
rpc_stop_process_group(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	return rpc_act_on(r, KIND_STOP, argv[0]->s, true,
	    rpc_arg_bool(argv, argc, 1, true), 0);
}

enum rpc_status
rpc_stop_all_processes(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	return rpc_act_on(r, KIND_STOP, NULL, true,
	    rpc_arg_bool(argv, argc, 0, true), 0);
}

/* Supervisor's signal_number(): a number, or a name with or without
   "SIG", any case.  -1 when it names no signal. */
static int
rpc_signal_number(const struct xr_value *v)
{
	char	name[PROTO_SIGNAL_MAX + 1], *end;
	long	n;
	size_t	i;
	int	sig;

	if (v->type == XR_INT)
		return v->i >= 1 && v->i < NSIG ? (int)v->i : -1;
	n = strtol(v->s, &end, 10);
	if (v->s[0] != '\0' && *end == '\0')
		return n >= 1 && n < NSIG ? (int)n : -1;
	snprintf(name, sizeof(name), "%s", v->s);
	for (i = 0; name[i] != '\0'; i++)
		name[i] = (char)toupper((unsigned char)name[i]);
	if (signal_parse(strncmp(name, "SIG", 3) == 0 ? name + 3 : name,
	    &sig) == -1)
		return -1;
	return sig;
}

static enum rpc_status
rpc_signal(struct rpc_req *r, const char *spec, bool whole_group,
    const struct xr_value *sigv)
{
	char	text[64];
	int	sig = rpc_signal_number(sigv);

	if (sig == -1) {
		if (sigv->type == XR_INT)
			snprintf(text, sizeof(text), "%lld", sigv->i);
		else
			snprintf(text, sizeof(text), "%s", sigv->s);
		rpc_fault(r, RPC_BAD_SIGNAL, "%s", text);
		return RPC_DONE;
	}
	return rpc_act_on(r, KIND_SIGNAL, spec, whole_group, false, sig);
}

enum rpc_status
rpc_signal_process(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	return rpc_signal(r, argv[0]->s, false, argv[1]);
}

enum rpc_status
rpc_signal_process_group(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	return rpc_signal(r, argv[0]->s, true, argv[1]);
}

enum rpc_status
rpc_signal_all_processes(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	return rpc_signal(r, NULL, true, argv[0]);
}

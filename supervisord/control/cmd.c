/*
 * The daemon's request table, in the tmux style: one entry per request
 * with its flags and handler; the names a request gives resolved to
 * processes; and the small requests (reload, shutdown, version, events).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "event.h"
#include "log.h"
#include "xmalloc.h"

static enum cmd_retval	cmd_reload(struct ctl_client *,
			    const struct proto_request *);
static enum cmd_retval	cmd_shutdown(struct ctl_client *,
			    const struct proto_request *);
static enum cmd_retval	cmd_version(struct ctl_client *,
			    const struct proto_request *);

/* mutates: logged with the peer's credentials (who did what). */
static const struct cmd_entry cmd_table[] = {
	{ PROTO_CMD_STATUS,	false,	cmd_status },
	{ PROTO_CMD_START,	true,	cmd_start },
	{ PROTO_CMD_STOP,	true,	cmd_stop },
	{ PROTO_CMD_RESTART,	true,	cmd_restart },
	{ PROTO_CMD_SIGNAL,	true,	cmd_signal },
	{ PROTO_CMD_PID,	false,	cmd_pid },
	{ PROTO_CMD_RELOAD,	true,	cmd_reload },
	{ PROTO_CMD_SHUTDOWN,	true,	cmd_shutdown },
	{ PROTO_CMD_VERSION,	false,	cmd_version },
	{ PROTO_CMD_TAIL,	false,	cmd_tail },
	{ PROTO_CMD_MAINTAIL,	false,	cmd_maintail },
	{ PROTO_CMD_EVENTS,	false,	cmd_events },
	{ PROTO_CMD_SENDSTDIN,	false,	cmd_sendstdin },
	{ PROTO_CMD_CLEAR,	true,	cmd_clear },
	{ PROTO_CMD_CLEARLOG,	true,	cmd_clearlog },
	{ PROTO_CMD_REREAD,	false,	cmd_reread },
	{ PROTO_CMD_AVAIL,	false,	cmd_avail },
	{ PROTO_CMD_UPDATE,	true,	cmd_update },
	{ PROTO_CMD_ADD,	true,	cmd_add },
	{ PROTO_CMD_REMOVE,	true,	cmd_remove },
};

/* Log a mutating request with who asked and for what. */
static void
cmd_log(struct ctl_client *c, const struct proto_request *req)
{
	const char	**names;
	char		  buf[256];
	size_t		  n, i, off = 0;

	buf[0] = '\0';
	n = proto_get_names(req, "names", &names);
	for (i = 0; i < n && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, " %s", names[i]);
	free(names);
	log_info("control: uid %ld pid %ld: %s%s", (long)c->uid, (long)c->pid,
	    req->spec->name, buf);
}

enum cmd_retval
cmd_dispatch(struct ctl_client *c, const struct proto_request *req)
{
	const struct cmd_entry	*e = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (cmd_table[i].cmd == req->spec->cmd)
			e = &cmd_table[i];
	if (e == NULL) {
		client_reply_error(c, req->id, PROTO_NOT_IMPLEMENTED,
		    "request not implemented", NULL);
		return CMD_DONE;
	}
	if (e->mutates)
		cmd_log(c, req);
	return e->exec(c, req);
}

bool
cmd_state_stopped(enum proc_state s)
{
	return s == PROC_STOPPED || s == PROC_EXITED || s == PROC_FATAL ||
	    s == PROC_UNKNOWN;
}

bool
cmd_state_running(enum proc_state s)
{
	return s == PROC_STARTING || s == PROC_RUNNING || s == PROC_BACKOFF;
}

static void
add_proc(struct proc ***out, size_t *n, struct proc *p)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		if ((*out)[i] == p)
			return;
	*out = xreallocarray(*out, *n + 1, sizeof(**out));
	(*out)[(*n)++] = p;
}

/*
 * Whether the processes are in lexical order already: the daemon keeps
 * them by priority, then group name, so with one priority they are, and
 * sorting 1000 of them for each status cost more than checking.
 */
static bool
procs_sorted(struct proc *const *v, size_t n)
{
	size_t	i;

	for (i = 1; i < n; i++)
		if (proc_lexical_cmp(&v[i - 1], &v[i]) > 0)
			return false;
	return true;
}

/*
 * Names to processes, each once, in the order named: "all", "group:*"
 * (or "group:"), "group:name", "name", or a bare group name.  -1 when a
 * name matches nothing; those names are added to unknown (an array).
 */
int
cmd_resolve(struct daemon *d, const char *const *names, size_t n,
    struct proc ***out, size_t *nout, cJSON *unknown)
{
	struct proc	**group, *p;
	size_t		  i, j, ng;
	char		 *tmp;
	int		  rc = 0;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "all") == 0) {
			for (j = 0; j < d->nprocs; j++)
				add_proc(out, nout, d->procs[j]);
			continue;
		}
		if ((p = daemon_find_proc(d, names[i])) != NULL) {
			add_proc(out, nout, p);
			continue;
		}
		tmp = xstrdup(names[i]);
		if (tmp[0] != '\0' && tmp[strlen(tmp) - 1] == ':')
			tmp[strlen(tmp) - 1] = '\0';
		group = NULL;
		ng = daemon_find_group(d, tmp, &group);
		free(tmp);
		for (j = 0; j < ng; j++)
			add_proc(out, nout, group[j]);
		free(group);
		if (ng > 0)
			continue;
		rc = -1;
		if (unknown != NULL)
			cJSON_AddItemToArray(unknown,
			    cJSON_CreateString(names[i]));
	}
	if (rc == -1) {
		free(*out);
		*out = NULL;
		*nout = 0;
	}
	return rc;
}

void
cmd_fill_names(cJSON *obj, const struct proc *p)
{
	char	full[2 * PROTO_NAME_MAX + 2];

	proc_fullname(p, full, sizeof(full));
	cJSON_AddStringToObject(obj, "name", p->cfg->name);
	cJSON_AddStringToObject(obj, "group", p->cfg->group);
	cJSON_AddStringToObject(obj, "fullname", full);
}

/* The processes a request names, or an error reply and -1. */
int
cmd_targets(struct ctl_client *c, const struct proto_request *req,
    bool all_by_default, struct proc ***out, size_t *nout)
{
	struct daemon	 *d = c->daemon;
	const char	**names;
	char		  msg[1024];
	size_t		  n, off;
	cJSON		 *res, *unknown, *e;
	int		  rc;

	n = proto_get_names(req, "names", &names);
	if (n == 0 && all_by_default) {
		*out = xreallocarray(NULL, d->nprocs + 1, sizeof(**out));
		memcpy(*out, d->procs, d->nprocs * sizeof(**out));
		*nout = d->nprocs;
		if (!procs_sorted(*out, *nout))
			qsort(*out, *nout, sizeof(**out), proc_lexical_cmp);
		return 0;
	}
	res = cJSON_CreateObject();
	unknown = cJSON_AddArrayToObject(res, "unknown");
	rc = cmd_resolve(d, names, n, out, nout, unknown);
	free(names);
	if (rc == 0) {
		cJSON_Delete(res);
		return 0;
	}
	off = snprintf(msg, sizeof(msg), "no such process:");
	cJSON_ArrayForEach(e, unknown) {
		if (off < sizeof(msg))
			off += snprintf(msg + off, sizeof(msg) - off, " %s",
			    e->valuestring);
	}
	client_reply_error(c, req->id, PROTO_NO_SUCH_PROCESS, msg, res);
	return -1;
}

/* Answered once the new configuration is in force (see reload.c). */
static enum cmd_retval
cmd_reload(struct ctl_client *c, const struct proto_request *req)
{
	cJSON	*res;
	char	 cause[1024];
	int	 code;

	if (reload_run(c->daemon, proto_get_bool(req, "dry_run", false), &res,
	    &code, cause, sizeof(cause)) == -1)
		client_reply_error(c, req->id, (enum proto_code)code, cause,
		    res);
	else
		client_reply_ok(c, req->id, res);
	return CMD_DONE;
}

/*
 * Answer first: the reply must leave before the daemon does.  The
 * connection is then held until the daemon exits: its EOF tells a client
 * that cannot see our pid (another PID namespace) that we are gone.
 */
static enum cmd_retval
cmd_shutdown(struct ctl_client *c, const struct proto_request *req)
{
	struct daemon	*d = c->daemon;
	cJSON		*res = cJSON_CreateObject();

	cJSON_AddNumberToObject(res, "pid", getpid());
	cJSON_AddBoolToObject(res, "already", d->shutting_down);
	c->flags |= CLIENT_HOLD;
	client_reply_ok(c, req->id, res);
	if (!d->shutting_down) {
		log_info("control: shutdown asked by uid %ld pid %ld",
		    (long)c->uid, (long)c->pid);
		daemon_request_shutdown(d, 0);
	}
	return CMD_DONE;
}

static enum cmd_retval
cmd_version(struct ctl_client *c, const struct proto_request *req)
{
	cJSON	*res = cJSON_CreateObject();

	cJSON_AddNumberToObject(res, "protocol", PROTO_VERSION);
	cJSON_AddStringToObject(res, "version", SUPERVISORD_VERSION);
	cJSON_AddStringToObject(res, "daemon", "supervisord");
	client_reply_ok(c, req->id, res);
	return CMD_DONE;
}

enum cmd_retval
cmd_events(struct ctl_client *c, const struct proto_request *req)
{
	cJSON	*res = cJSON_CreateObject();

	cJSON_AddBoolToObject(res, "subscribed", true);
	log_debug("control: client %u (uid %ld, pid %ld) subscribed to events",
	    c->id, (long)c->uid, (long)c->pid);
	client_reply_ok(c, req->id, res);
	client_subscribe_events(c);
	return CMD_STREAM;
}


/* A transition for an events client: the line, shared by all of them. */
void
cmd_event_send(const struct event *e, void *arg)
{
	struct ctl_client	*c = arg;
	const char		*line;
	size_t			 len;

	line = event_line(c->daemon, e, &len);
	client_send(c, xstrndup(line, len), len);
}

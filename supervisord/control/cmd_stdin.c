/*
 * sendstdin: bytes to a running program's stdin (procin.c), as
 * Supervisor's sendProcessStdin; supctl fg sends each line it reads.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"

/* The protocol's code for a refused send. */
enum proto_code
cmd_stdin_code(enum procin_error e)
{
	switch (e) {
	case PROCIN_OK:
		return PROTO_OK;
	case PROCIN_NOT_RUNNING:
		return PROTO_NOT_RUNNING;
	case PROCIN_NO_FILE:
		return PROTO_NO_FILE;
	case PROCIN_FULL:
		break;
	}
	return PROTO_FAILED;
}

enum cmd_retval
cmd_sendstdin(struct ctl_client *c, const struct proto_request *req)
{
	const char		*name = proto_get_string(req, "name", "");
	const char		*data = proto_get_string(req, "data", "");
	struct proc		*p;
	enum procin_error	 e;
	char			 msg[1024], full[2 * PROTO_NAME_MAX + 2];
	cJSON			*res;
	size_t			 len = strlen(data);

	if ((p = daemon_find_proc(c->daemon, name)) == NULL) {
		snprintf(msg, sizeof(msg), "no such process: %s", name);
		res = cJSON_CreateObject();
		cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "unknown"),
		    cJSON_CreateString(name));
		client_reply_error(c, req->id, PROTO_NO_SUCH_PROCESS, msg,
		    res);
		return CMD_DONE;
	}
	proc_fullname(p, full, sizeof(full));
	if ((e = procin_send(p, data, len)) != PROCIN_OK) {
		snprintf(msg, sizeof(msg), "%s: %s", full,
		    procin_error_text(e));
		log_debug("control: client %u: sendstdin %s", c->id, msg);
		client_reply_error(c, req->id, cmd_stdin_code(e), msg, NULL);
		return CMD_DONE;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "fullname", full);
	cJSON_AddNumberToObject(res, "bytes", (double)len);
	cJSON_AddNumberToObject(res, "queued", (double)procin_queued(p));
	client_reply_ok(c, req->id, res);
	return CMD_DONE;
}

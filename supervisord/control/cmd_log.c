/*
 * clear and clearlog: empty programs' log files (Supervisor's
 * clearProcessLogs, clearAllProcessLogs) and the daemon's own
 * (clearLog).  Each process gets its own result, as supervisorctl
 * clear prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"

enum cmd_retval
cmd_clear(struct ctl_client *c, const struct proto_request *req)
{
	struct proc	**procs;
	const char	 *paths[3], *failed = NULL;
	char		  cause[1024], msg[1600];
	char		  full[2 * PROTO_NAME_MAX + 2];
	size_t		  n, i, j, nfailed = 0;
	cJSON		 *res, *arr, *obj, *files;

	if (cmd_targets(c, req, false, &procs, &n) == -1)
		return CMD_DONE;
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, "processes");
	for (i = 0; i < n; i++) {
		obj = cJSON_CreateObject();
		cmd_fill_names(obj, procs[i]);
		cause[0] = '\0';
		if (logclear_proc(procs[i], paths, cause, sizeof(cause)) == -1) {
			cJSON_AddBoolToObject(obj, "ok", false);
			cJSON_AddStringToObject(obj, "message", cause);
			if (nfailed++ == 0) {
				proc_fullname(procs[i], full, sizeof(full));
				snprintf(msg, sizeof(msg), "%s: %s", full,
				    cause);
				failed = msg;
			}
		} else
			cJSON_AddBoolToObject(obj, "ok", true);
		files = cJSON_AddArrayToObject(obj, "cleared");
		for (j = 0; paths[j] != NULL; j++)
			cJSON_AddItemToArray(files,
			    cJSON_CreateString(paths[j]));
		cJSON_AddItemToArray(arr, obj);
	}
	free(procs);
	if (failed != NULL) {
		if (nfailed > 1)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			    " (and more)");
		client_reply_error(c, req->id, PROTO_FAILED, failed, res);
	} else
		client_reply_ok(c, req->id, res);
	return CMD_DONE;
}

enum cmd_retval
cmd_clearlog(struct ctl_client *c, const struct proto_request *req)
{
	char	 cause[1024];
	cJSON	*res;

	if (logclear_daemon_path() == NULL) {
		client_reply_error(c, req->id, PROTO_NO_FILE,
		    "the daemon logs to stderr, syslog or the journal, not "
		    "to a file", NULL);
		return CMD_DONE;
	}
	if (logclear_daemon(cause, sizeof(cause)) == -1) {
		client_reply_error(c, req->id, PROTO_FAILED, cause, NULL);
		return CMD_DONE;
	}
	log_info("control: the daemon's log was emptied by uid %ld pid %ld",
	    (long)c->uid, (long)c->pid);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "cleared", logclear_daemon_path());
	client_reply_ok(c, req->id, res);
	return CMD_DONE;
}

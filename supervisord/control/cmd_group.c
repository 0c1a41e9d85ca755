/*
 * reread, avail, update, add and remove: supervisorctl's commands on the
 * configuration file's groups (reload_select.c, reload_avail.c).  The
 * file is read for each request; one that does not load changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "reload_select.h"

static enum cmd_retval
reply(struct ctl_client *c, const struct proto_request *req, int rc,
    cJSON *res, int code, const char *cause)
{
	if (rc == -1)
		client_reply_error(c, req->id, (enum proto_code)code, cause,
		    res);
	else
		client_reply_ok(c, req->id, res);
	return CMD_DONE;
}

/* What the file would change, by group; nothing is applied. */
enum cmd_retval
cmd_reread(struct ctl_client *c, const struct proto_request *req)
{
	cJSON	*res;
	char	 cause[1024];
	int	 code, rc;

	rc = reload_run(c->daemon, true, &res, &code, cause, sizeof(cause));
	return reply(c, req, rc, res, code, cause);
}

enum cmd_retval
cmd_avail(struct ctl_client *c, const struct proto_request *req)
{
	cJSON	*res;
	char	 cause[1024];
	int	 code, rc;

	rc = reload_avail(c->daemon, &res, &code, cause, sizeof(cause));
	return reply(c, req, rc, res, code, cause);
}

/* update, add, remove: the named groups; update without names (or with
   "all") is a whole reload. */
static enum cmd_retval
cmd_select(struct ctl_client *c, const struct proto_request *req,
    enum reload_select_op op)
{
	struct reload_select	  sel = { .op = op };
	const char		**names;
	cJSON			 *res;
	char			  cause[1024];
	size_t			  n, i;
	int			  code, rc;
	bool			  all = false;

	n = proto_get_names(req, "names", &names);
	for (i = 0; i < n && op == RELOAD_SELECT_UPDATE; i++)
		all = all || strcmp(names[i], "all") == 0;
	sel.names = names;
	sel.nnames = n;
	rc = reload_run_select(c->daemon, proto_get_bool(req, "dry_run",
	    false), n == 0 || all ? NULL : &sel, &res, &code, cause,
	    sizeof(cause));
	free(names);
	return reply(c, req, rc, res, code, cause);
}

enum cmd_retval
cmd_update(struct ctl_client *c, const struct proto_request *req)
{
	return cmd_select(c, req, RELOAD_SELECT_UPDATE);
}

enum cmd_retval
cmd_add(struct ctl_client *c, const struct proto_request *req)
{
	return cmd_select(c, req, RELOAD_SELECT_ADD);
}

enum cmd_retval
cmd_remove(struct ctl_client *c, const struct proto_request *req)
{
	return cmd_select(c, req, RELOAD_SELECT_REMOVE);
}

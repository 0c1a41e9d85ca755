/*
 * supctl clear and clearlog: empty programs' log files ("web: cleared",
 * as supervisorctl clear prints it) and the daemon's own log.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "supctl.h"

static const char *
str_field(const cJSON *obj, const char *key)
{
	const char	*s = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(obj, key));

	return s != NULL ? s : "";
}

/* clear NAME...|all */
int
cmd_clear(struct ctx *ctx, const struct ctl_cmd *self, int argc, char **argv)
{
	struct proto_reply	 r;
	const cJSON		*p;
	int			 rc;

	if (conn_open(&ctx->conn, ctx->socket, ctx->deadline) == -1)
		return EXIT_UNREACHABLE;
	if ((rc = conn_call(&ctx->conn, request_new("clear", argc, argv),
	    &r)) != 0)
		return rc;
	if (!r.ok && strcmp(r.code, "no_such_process") == 0) {
		rc = render_unknown(ctx, &r);
		proto_reply_release(&r);
		return rc;
	}
	rc = r.ok ? EXIT_OK : EXIT_FAILED;
	if (ctx->json)
		r.ok ? render_json(r.result) : render_reply_json(&r);
	else
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(
		    r.result, "processes")) {
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p,
			    "ok")))
				printf("%s: cleared\n", str_field(p,
				    "fullname"));
			else
				printf("%s: %sERROR%s (%s)\n", str_field(p,
				    "fullname"), render_color(ctx, "ERROR"),
				    render_reset(ctx), str_field(p, "message"));
		}
	if (!r.ok && r.result == NULL)
		rc = render_error(ctx, &r);
	proto_reply_release(&r);
	fflush(stdout);
	return rc;
}

/* clearlog: the daemon's own log file. */
int
cmd_clearlog(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	struct proto_reply	 r;
	int			 rc;

	if (conn_open(&ctx->conn, ctx->socket, ctx->deadline) == -1)
		return EXIT_UNREACHABLE;
	if ((rc = conn_call(&ctx->conn, request_new("clearlog", 0, NULL),
	    &r)) != 0)
		return rc;
	if (!r.ok)
		rc = render_error(ctx, &r);
	else if (ctx->json)
		render_json(r.result);
	else
		printf("%s: cleared\n", str_field(r.result, "cleared"));
	proto_reply_release(&r);
	fflush(stdout);
	return rc;
}

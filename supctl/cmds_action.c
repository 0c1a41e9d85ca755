/*
 * supctl's actions: start, stop, restart and signal, one line per program
 * as supervisorctl prints them ("web: started", "web: ERROR (spawn
 * error: ...)"), and an exit status that says whether any of them failed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "supctl.h"
#include "unctrl.h"

static const char *
str_field(const cJSON *obj, const char *key)
{
	const char	*s = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(obj, key));

	return s != NULL ? s : "";
}

/*
 * One line per program, and whether the action failed for any: being
 * already started (start) or not running (stop) is no failure, as in
 * supervisorctl.
 */
static int
render_results(struct ctx *ctx, const char *cmd, const struct proto_reply *r)
{
	const cJSON	*procs, *p, *err;
	const char	*name, *code;
	int		 rc = EXIT_OK;

	procs = cJSON_GetObjectItemCaseSensitive(r->result, "processes");
	if (ctx->json) {
		if (r->ok)
			render_json(r->result);
		else
			render_reply_json(r);
	}
	cJSON_ArrayForEach(p, procs) {
		name = str_field(p, "fullname");
		err = cJSON_GetObjectItemCaseSensitive(p, "error");
		if (!cJSON_IsObject(err)) {
			if (ctx->json)
				continue;
			/* A restart that waited says both halves. */
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p,
			    "stopped")) && strcmp(str_field(p, "result"),
			    "restarting") != 0)
				unctrl_printf(stdout, "%s: stopped\n", name);
			unctrl_printf(stdout, "%s: %s\n", name,
			    str_field(p, "result"));
			continue;
		}
		code = str_field(err, "code");
		if (!((strcmp(cmd, "start") == 0 &&
		    strcmp(code, "already_started") == 0) ||
		    (strcmp(cmd, "stop") == 0 &&
		    strcmp(code, "not_running") == 0)))
			rc = EXIT_FAILED;
		if (ctx->json)
			continue;
		unctrl_printf(stdout, "%s: ", name);
		printf("%sERROR%s", render_color(ctx, "ERROR"),
		    render_reset(ctx));
		unctrl_printf(stdout, " (%s)\n", str_field(err, "message"));
	}
	fflush(stdout);
	return rc;
}

/* Send an action request and render its reply. */
static int
action_call(struct ctx *ctx, const char *cmd, cJSON *req)
{
	struct proto_reply	r;
	int			rc;

	if (conn_open(&ctx->conn, ctx->socket, ctx->deadline) == -1) {
		cJSON_Delete(req);
		return EXIT_UNREACHABLE;
	}
	if ((rc = conn_call(&ctx->conn, req, &r)) != 0)
		return rc;
	if (!r.ok && strcmp(r.code, "no_such_process") == 0)
		rc = render_unknown(ctx, &r);
	else if (!r.ok && strcmp(r.code, "bad_signal") == 0) {
		unctrl_printf(stderr, "supctl: %s\n", r.message);
		rc = EXIT_USAGE;
	} else if (r.result == NULL ||
	    cJSON_GetObjectItemCaseSensitive(r.result, "processes") == NULL)
		rc = r.ok ? EXIT_OK : render_error(ctx, &r);
	else
		rc = render_results(ctx, cmd, &r);
	proto_reply_release(&r);
	return rc;
}

/* start, stop, restart: [--no-wait] NAME...|all */
int
cmd_action(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	cJSON	*req;
	char	**names;
	int	  i, n = 0, rc;
	bool	  wait = true;

	names = calloc(argc + 1, sizeof(*names));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--no-wait") == 0)
			wait = false;
		else if (strcmp(argv[i], "--wait") == 0)
			wait = true;
		else if (argv[i][0] == '-') {
			free(names);
			return usage_error("%s: unknown option '%s'",
			    self->name, argv[i]);
		} else
			names[n++] = argv[i];
	}
	if (n == 0) {
		free(names);
		return usage_error("%s needs a program name (or all)",
		    self->name);
	}
	req = request_new(self->name, n, names);
	free(names);
	cJSON_AddBoolToObject(req, "wait", wait);
	rc = action_call(ctx, self->name, req);
	conn_close(&ctx->conn);
	return rc;
}

/*
 * signal [--group] SIG NAME...|all: a name ("HUP", "SIGHUP") or a number,
 * to each program's main process, or with --group to its process group.
 */
int
cmd_signal(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	const char	*sig;
	cJSON		*req;
	size_t		 i;
	int		 rc;
	bool		 group = false;

	if (argc > 0 && strcmp(argv[0], "--group") == 0) {
		group = true;
		argc--;
		argv++;
	}
	if (argc < 2)
		return usage_error("usage: supctl %s %s", self->name,
		    self->args);
	sig = argv[0];
	for (i = 0; sig[i] != '\0' && isdigit((unsigned char)sig[i]); i++)
		;
	req = request_new("signal", argc - 1, argv + 1);
	if (sig[0] != '\0' && sig[i] == '\0') {
		if (atoi(sig) < 1 || atoi(sig) > 64) {
			cJSON_Delete(req);
			return usage_error("bad signal number '%s'", sig);
		}
		cJSON_AddNumberToObject(req, "signal", atoi(sig));
	} else
		cJSON_AddStringToObject(req, "signal", sig);
	if (group)
		cJSON_AddBoolToObject(req, "group", true);
	rc = action_call(ctx, "signal", req);
	conn_close(&ctx->conn);
	return rc;
}

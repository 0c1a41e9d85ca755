/*
 * supctl reload (and its supervisorctl aliases reread and update): ask
 * the daemon to read its configuration again and say what it did, one
 * line per program, or with --dry-run what it would do.  A file that
 * does not load is printed error by error (file:line), and exits 1.
 */
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

static size_t
list_size(const cJSON *res, const char *key)
{
	return (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	    res, key));
}

/* ", " between the strings of an array, to stdout. */
static void
print_list(const cJSON *arr)
{
	const cJSON	*e;
	const char	*sep = "";

	cJSON_ArrayForEach(e, arr) {
		unctrl_printf(stdout, "%s%s", sep,
		    cJSON_GetStringValue(e) != NULL ? cJSON_GetStringValue(e) :
		    "");
		sep = ", ";
	}
}

/* "web: changed (command)", or "web: would be changed (command)". */
static void
print_names(const cJSON *res, const char *list, const char *done,
    const char *planned, bool dry_run)
{
	const cJSON	*e, *keys;
	const char	*name;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, list)) {
		if ((name = cJSON_GetStringValue(e)) == NULL)
			continue;
		unctrl_printf(stdout, "%s: %s", name, dry_run ? planned : done);
		keys = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(res, "keys"), name);
		if (cJSON_GetArraySize(keys) > 0) {
			unctrl_printf(stdout, " (");
			print_list(keys);
			unctrl_printf(stdout, ")");
		}
		unctrl_printf(stdout, "\n");
	}
}

/* Warnings and errors of the file, file:line first, on stderr. */
void
render_diags(const cJSON *res, const char *list, const char *prefix)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, list))
		unctrl_printf(stderr, "%s%s\n", prefix, str_field(e, "text"));
}

static void
render_reload(const cJSON *res)
{
	const cJSON	*e;
	bool		 dry_run;

	dry_run = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res,
	    "dry_run"));
	render_diags(res, "warnings", "supctl: warning: ");
	print_names(res, "added", "added", "would be added", dry_run);
	print_names(res, "changed", "changed, restarted",
	    "would be changed and restarted", dry_run);
	print_names(res, "removed", "removed", "would be removed", dry_run);
	print_names(res, "updated", "updated without a restart",
	    "would be updated without a restart", dry_run);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res,
	    "applied"))
		unctrl_printf(stdout, "%s: %s\n", cJSON_GetStringValue(e),
		    dry_run ? "would be applied" : "applied");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res,
	    "restart_needed"))
		unctrl_printf(stdout, "%s: changed, %s a restart of the "
		    "daemon\n", cJSON_GetStringValue(e), dry_run ?
		    "would need" : "needs");
	unctrl_printf(stdout, "%s %s: %zu added, %zu changed, %zu removed, "
	    "%.0f unchanged\n",
	    dry_run ? "dry run, nothing done:" : "reloaded",
	    str_field(res, "config"), list_size(res, "added"),
	    list_size(res, "changed"), list_size(res, "removed"),
	    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(res,
	    "unchanged")));
	if (list_size(res, "in_transition") > 0) {
		unctrl_printf(stdout, "still starting or stopping: ");
		print_list(cJSON_GetObjectItemCaseSensitive(res,
		    "in_transition"));
		unctrl_printf(stdout, "\n");
	}
	fflush(stdout);
}

int
cmd_reload(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	struct proto_reply	 r;
	cJSON			*req;
	bool			 dry_run = false;
	int			 rc;

	if (argc == 1 && (strcmp(argv[0], "--dry-run") == 0 ||
	    strcmp(argv[0], "-n") == 0))
		dry_run = true;
	else if (argc > 0)
		return usage_error("usage: supctl %s %s", self->name,
		    self->args);
	if ((rc = conn_open(&ctx->conn, ctx->socket, ctx->deadline)) == -1)
		return EXIT_UNREACHABLE;
	req = request_new("reload", 0, NULL);
	if (dry_run)
		cJSON_AddBoolToObject(req, "dry_run", true);
	if ((rc = conn_call(&ctx->conn, req, &r)) != 0)
		return rc;
	if (!r.ok) {
		rc = render_error(ctx, &r);
		if (!ctx->json) {
			render_diags(r.result, "errors", "");
			render_diags(r.result, "warnings", "warning: ");
		}
	} else if (ctx->json)
		render_json(r.result);
	else
		render_reload(r.result);
	proto_reply_release(&r);
	return rc;
}

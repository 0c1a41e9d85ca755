/*
 * supctl reread, avail, update, add and remove, worded as supervisorctl
 * words them ("web: changed", "new: added process group", "ERROR: no
 * such process/group: x").  add and remove send one request per name,
 * so that each name stands alone, as in supervisorctl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "supctl.h"

static const cJSON *
field(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* One request (consumed), its reply in r: 0 or an exit code. */
static int
call(struct ctx *ctx, cJSON *req, struct proto_reply *r)
{
	conn_close(&ctx->conn);
	if (conn_open(&ctx->conn, ctx->socket, ctx->deadline) == -1) {
		cJSON_Delete(req);
		return EXIT_UNREACHABLE;
	}
	return conn_call(&ctx->conn, req, r);
}

/* A reply that failed for the file: the message and every error. */
static int
file_error(struct ctx *ctx, const struct proto_reply *r)
{
	int	rc = render_error(ctx, r);

	if (!ctx->json) {
		render_diags(r->result, "errors", "");
		render_diags(r->result, "warnings", "warning: ");
	}
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "name: available", "name: changed", "name: disappeared", sorted. */
static void
render_reread(const cJSON *res)
{
	static const char *const lists[3][2] = {
		{ "added", "available" }, { "changed", "changed" },
		{ "removed", "disappeared" },
	};
	const cJSON	*groups = field(res, "groups"), *e;
	char		**lines = NULL, **grown;
	size_t		  n = 0, i;

	for (i = 0; i < 3; i++)
		cJSON_ArrayForEach(e, field(groups, lists[i][0])) {
			grown = realloc(lines, (n + 1) * sizeof(*lines));
			if (grown == NULL)
				break;
			lines = grown;
			if (asprintf(&lines[n], "%s: %s",
			    cJSON_GetStringValue(e), lists[i][1]) != -1)
				n++;
		}
	if (n > 0)
		qsort(lines, n, sizeof(*lines), name_cmp);
	for (i = 0; i < n; i++) {
		printf("%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	if (n == 0)
		printf("No config updates to processes\n");
}

/* "name: added process group", ... in supervisorctl update's order. */
static void
render_update(const cJSON *res)
{
	static const char *const lists[3][3] = {
		{ "removed", "removed process group", "would be removed" },
		{ "changed", "updated process group", "would be updated" },
		{ "added", "added process group", "would be added" },
	};
	const cJSON	*groups = field(res, "groups"), *e;
	bool		 dry_run = cJSON_IsTrue(field(res, "dry_run"));
	size_t		 i;

	for (i = 0; i < 3; i++)
		cJSON_ArrayForEach(e, field(groups, lists[i][0]))
			printf("%s: %s\n", cJSON_GetStringValue(e),
			    lists[i][dry_run ? 2 : 1]);
}

/* reread, avail: one request, the file's view. */
int
cmd_reread(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	struct proto_reply	 r;
	const cJSON		*p;
	int			 rc;

	if ((rc = call(ctx, request_new(self->name, 0, NULL), &r)) != 0)
		return rc;
	if (!r.ok)
		rc = file_error(ctx, &r);
	else if (ctx->json)
		render_json(r.result);
	else if (strcmp(self->name, "reread") == 0)
		render_reread(r.result);
	else
		cJSON_ArrayForEach(p, field(r.result, "processes"))
			printf("%-32s %-9s %-9s %.0f:%.0f\n",
			    cJSON_GetStringValue(field(p, "fullname")),
			    cJSON_IsTrue(field(p, "in_use")) ? "in use" :
			    "avail", cJSON_IsTrue(field(p, "autostart")) ?
			    "auto" : "manual", cJSON_GetNumberValue(field(p,
			    "group_priority")), cJSON_GetNumberValue(field(p,
			    "priority")));
	proto_reply_release(&r);
	fflush(stdout);
	return rc;
}

/* update [--dry-run] [GROUP...|all] */
int
cmd_update(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	struct proto_reply	 r;
	const cJSON		*e;
	cJSON			*req;
	bool			 dry_run = false;
	int			 rc;

	if (argc > 0 && (strcmp(argv[0], "--dry-run") == 0 ||
	    strcmp(argv[0], "-n") == 0)) {
		dry_run = true;
		argc--;
		argv++;
	}
	req = request_new("update", argc, argv);
	if (dry_run)
		cJSON_AddBoolToObject(req, "dry_run", true);
	if ((rc = call(ctx, req, &r)) != 0)
		return rc;
	if (!r.ok && strcmp(r.code, "bad_name") == 0) {
		if (ctx->json)
			render_reply_json(&r);
		else
			cJSON_ArrayForEach(e, field(r.result, "refused"))
				printf("ERROR: %s\n", cJSON_GetStringValue(
				    field(e, "message")));
		rc = EXIT_FAILED;
	} else if (!r.ok)
		rc = file_error(ctx, &r);
	else if (ctx->json)
		render_json(r.result);
	else
		render_update(r.result);
	proto_reply_release(&r);
	fflush(stdout);
	return rc;
}

/* One add or remove: its line, and whether it failed. */
static int
add_remove_one(struct ctx *ctx, const char *cmd, char *name)
{
	struct proto_reply	 r;
	bool			 add = strcmp(cmd, "add") == 0;
	int			 rc;

	if ((rc = call(ctx, request_new(cmd, 1, &name), &r)) != 0)
		return rc;
	if (ctx->json)
		r.ok ? render_json(r.result) : render_reply_json(&r);
	if (r.ok) {
		if (!ctx->json)
			printf("%s: %s process group\n", name,
			    add ? "added" : "removed");
	} else if (strcmp(r.code, "already_added") == 0) {
		if (!ctx->json)
			printf("ERROR: process group already active\n");
	} else if (strcmp(r.code, "bad_name") == 0) {
		if (!ctx->json)
			printf("ERROR: no such process/group: %s\n", name);
		rc = EXIT_FAILED;
	} else if (strcmp(r.code, "still_running") == 0) {
		if (!ctx->json)
			printf("ERROR: process/group still running: %s\n",
			    name);
		rc = EXIT_FAILED;
	} else
		rc = file_error(ctx, &r);
	proto_reply_release(&r);
	fflush(stdout);
	return rc;
}

/* add GROUP..., remove GROUP...: one request each, as supervisorctl;
   the exit status is the first failure's. */
int
cmd_add_remove(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	int	i, rc, first = EXIT_OK;

	for (i = 0; i < argc; i++) {
		rc = add_remove_one(ctx, self->name, argv[i]);
		if (rc == EXIT_UNREACHABLE)
			return rc;
		if (first == EXIT_OK)
			first = rc;
	}
	return first;
}

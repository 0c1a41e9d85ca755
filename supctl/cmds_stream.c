/*
 * supctl's streams: tail and maintail (the end of a log, then with -f
 * what is appended, across rotations) and events (every transition).
 * They run until the user stops them, the daemon goes, or --timeout.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "supctl.h"
#include "unctrl.h"

/*
 * Read stream lines until the end; each one goes to fn.  The time limit
 * ends a stream without error: it is how a script follows for a while.
 */
static int
stream_run(struct ctx *ctx, int (*fn)(struct ctx *, struct proto_reply *))
{
	struct proto_reply	r;
	int			rc;

	for (;;) {
		if (conn_recv(&ctx->conn, &r) == -1) {
			if (errno == ETIMEDOUT)
				return EXIT_OK;
			return conn_failed(&ctx->conn);
		}
		if (ctx->json) {
			cJSON_DeleteItemFromObjectCaseSensitive(r.doc, "id");
			render_json_line(r.doc);
		}
		rc = fn(ctx, &r);
		proto_reply_release(&r);
		if (rc != EXIT_OK)
			return rc;
	}
}

static int
tail_line(struct ctx *ctx, struct proto_reply *r)
{
	const cJSON	*err;

	if (r->stream == NULL || strcmp(r->stream, "tail") != 0)
		return EXIT_OK;
	err = cJSON_GetObjectItemCaseSensitive(r->doc, "error");
	if (cJSON_IsObject(err)) {
		unctrl_printf(stderr, "supctl: %s\n", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(err, "message")));
		return EXIT_FAILED;
	}
	if (!ctx->json)
		render_data(cJSON_GetObjectItemCaseSensitive(r->doc, "data"));
	return EXIT_OK;
}

/* What tail and maintail were asked. */
struct tail_args {
	const char	*pos[2];	/* NAME, stream */
	bool		 follow;
	long		 lines;		/* -1: not given */
	long		 bytes;
};

/* Parse argv into a: 0, or the usage error's exit status. */
static int
tail_parse(const struct ctl_cmd *self, int argc, char **argv,
    struct tail_args *a)
{
	bool	 main = self->name[0] == 'm';
	char	*end;
	int	 i, npos = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 ||
		    strcmp(argv[i], "--follow") == 0)
			a->follow = true;
		else if (strncmp(argv[i], "-n", 2) == 0) {
			const char *v = argv[i][2] != '\0' ? argv[i] + 2 :
			    i + 1 < argc ? argv[++i] : NULL;

			if (v == NULL)
				return usage_error("-n needs a number");
			errno = 0;
			a->lines = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || errno != 0 ||
			    a->lines < 0 || a->lines > PROTO_LINES_MAX)
				return usage_error("-n: bad number of lines "
				    "'%s' (0 to %d)", v, PROTO_LINES_MAX);
		} else if (argv[i][0] == '-' && argv[i][1] >= '0' &&
		    argv[i][1] <= '9') {
			/* supervisorctl's -1600: the last 1600 bytes */
			errno = 0;
			a->bytes = strtol(argv[i] + 1, &end, 10);
			if (*end != '\0' || errno != 0 ||
			    a->bytes > PROTO_TAIL_MAX)
				return usage_error("%s: bad number of bytes "
				    "'%s' (0 to %d)", self->name, argv[i] + 1,
				    PROTO_TAIL_MAX);
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error("%s: unknown option '%s'",
			    self->name, argv[i]);
		else if (npos < (main ? 0 : 2))
			a->pos[npos++] = argv[i];
		else
			return usage_error("usage: supctl %s %s", self->name,
			    self->args);
	}
	if (!main && npos == 0)
		return usage_error("tail needs a program name");
	if (a->pos[1] != NULL && strcmp(a->pos[1], "stdout") != 0 &&
	    strcmp(a->pos[1], "stderr") != 0)
		return usage_error("tail: the stream is stdout or stderr, not "
		    "'%s'", a->pos[1]);
	return EXIT_OK;
}

/* tail [-f] [-n N | -BYTES] NAME [stdout|stderr], maintail [-f] [-n N] */
int
cmd_tail(struct ctx *ctx, const struct ctl_cmd *self, int argc, char **argv)
{
	struct tail_args	 a = { .lines = -1, .bytes = -1 };
	struct proto_reply	 r;
	const char		**pos = a.pos;
	cJSON			*req;
	bool			 follow, main = self->name[0] == 'm';
	long			 lines, bytes;
	int			 rc;

	if ((rc = tail_parse(self, argc, argv, &a)) != EXIT_OK)
		return rc;
	follow = a.follow;
	lines = a.lines;
	bytes = a.bytes;
	req = request_new(self->name, 0, NULL);
	if (!main) {
		cJSON_AddStringToObject(req, "name", pos[0]);
		if (pos[1] != NULL)
			cJSON_AddStringToObject(req, "stream", pos[1]);
	}
	if (lines >= 0)
		cJSON_AddNumberToObject(req, "lines", lines);
	if (bytes >= 0)
		cJSON_AddNumberToObject(req, "bytes", bytes);
	if (follow)
		cJSON_AddBoolToObject(req, "follow", true);

	if (conn_open(&ctx->conn, ctx->socket, ctx->deadline) == -1) {
		cJSON_Delete(req);
		return EXIT_UNREACHABLE;
	}
	if ((rc = conn_call(&ctx->conn, req, &r)) != 0)
		return rc;
	if (!r.ok) {
		if (strcmp(r.code, "no_such_process") == 0)
			rc = render_unknown(ctx, &r);
		else
			rc = render_error(ctx, &r);
		proto_reply_release(&r);
		return rc;
	}
	if (ctx->json) {
		if (follow)
			render_json_line(r.result);
		else
			render_json(r.result);
	} else
		render_data(cJSON_GetObjectItemCaseSensitive(r.result, "data"));
	proto_reply_release(&r);
	fflush(stdout);
	if (!follow)
		return EXIT_OK;
	return stream_run(ctx, tail_line);
}

static int
event_line(struct ctx *ctx, struct proto_reply *r)
{
	if (r->stream != NULL && strcmp(r->stream, "event") == 0 && !ctx->json)
		render_event(ctx, r->doc);
	return EXIT_OK;
}

int
cmd_events(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	struct proto_reply	r;
	int			rc;

	if (conn_open(&ctx->conn, ctx->socket, ctx->deadline) == -1)
		return EXIT_UNREACHABLE;
	if ((rc = conn_call(&ctx->conn, request_new("events", 0, NULL),
	    &r)) != 0)
		return rc;
	if (!r.ok) {
		rc = render_error(ctx, &r);
		proto_reply_release(&r);
		return rc;
	}
	proto_reply_release(&r);
	return stream_run(ctx, event_line);
}

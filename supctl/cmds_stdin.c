/*
 * supctl sendstdin and fg: bytes to a program's stdin, and supervisorctl's
 * fg: the program's stdout and stderr as they are written, each line
 * typed sent to its stdin, until end of input, Ctrl-C, or the program
 * stops running.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "supctl.h"

/* Send data to name's stdin over a connection of its own: 0, or the
   exit code after saying why. */
static int
send_stdin(struct ctx *ctx, const char *name, const char *data, size_t len)
{
	struct proto_reply	 r;
	struct conn		 c;
	cJSON			*req;
	char			*text;
	int			 rc;

	if (conn_open(&c, ctx->socket, ctx->deadline) == -1)
		return EXIT_UNREACHABLE;
	text = strndup(data, len);
	if (text == NULL) {
		conn_close(&c);
		fprintf(stderr, "supctl: out of memory\n");
		return EXIT_FAILED;
	}
	req = request_new("sendstdin", 0, NULL);
	cJSON_AddStringToObject(req, "name", name);
	cJSON_AddStringToObject(req, "data", text);
	free(text);
	if ((rc = conn_call(&c, req, &r)) != 0) {
		conn_close(&c);
		return rc;
	}
	if (!r.ok && strcmp(r.code, "no_such_process") == 0)
		rc = render_unknown(ctx, &r);
	else if (!r.ok)
		rc = render_error(ctx, &r);
	else if (ctx->json)
		render_json(r.result);
	proto_reply_release(&r);
	conn_close(&c);
	return rc;
}

/* sendstdin [-n] NAME DATA: DATA and a newline (none with -n). */
int
cmd_sendstdin(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	bool	 newline = true;
	char	*data;
	size_t	 len;
	int	 rc;

	if (argc > 0 && strcmp(argv[0], "-n") == 0) {
		newline = false;
		argc--;
		argv++;
	}
	if (argc != 2)
		return usage_error("usage: supctl %s %s", self->name,
		    self->args);
	len = strlen(argv[1]);
	if (len + newline == 0)
		return usage_error("sendstdin: nothing to send");
	if (len + newline > PROTO_STDIN_MAX)
		return usage_error("sendstdin: DATA over %d bytes",
		    PROTO_STDIN_MAX);
	if ((data = malloc(len + 2)) == NULL) {
		fprintf(stderr, "supctl: out of memory\n");
		return EXIT_FAILED;
	}
	memcpy(data, argv[1], len);
	if (newline)
		data[len++] = '\n';
	rc = send_stdin(ctx, argv[0], data, len);
	free(data);
	return rc;
}

/* fg's connections: the two tails and the events stream. */
struct fg {
	struct ctx	*ctx;
	char		 name[2 * PROTO_NAME_MAX + 2];
	struct conn	 tail[2];	/* stdout, stderr; fd -1 if no log */
	struct conn	 events;
	char		 in[PROTO_STDIN_MAX];
	size_t		 inlen;
};

/* The program's state, or an exit code when it cannot be had. */
static int
fg_state(struct fg *fg, const char *name, char *state, size_t len)
{
	struct proto_reply	 r;
	const cJSON		*procs, *p;
	cJSON			*req, *fields;
	int			 rc;

	conn_close(&fg->ctx->conn);	/* the first call's */
	if (conn_open(&fg->ctx->conn, fg->ctx->socket, fg->ctx->deadline)
	    == -1)
		return EXIT_UNREACHABLE;
	req = request_new("status", 1, (char **)&name);
	fields = cJSON_AddArrayToObject(req, "fields");
	cJSON_AddItemToArray(fields, cJSON_CreateString("fullname"));
	cJSON_AddItemToArray(fields, cJSON_CreateString("state"));
	if ((rc = conn_call(&fg->ctx->conn, req, &r)) != 0)
		return rc;
	if (!r.ok) {
		rc = strcmp(r.code, "no_such_process") == 0 ?
		    render_unknown(fg->ctx, &r) : render_error(fg->ctx, &r);
		proto_reply_release(&r);
		return rc;
	}
	procs = cJSON_GetObjectItemCaseSensitive(r.result, "processes");
	if (cJSON_GetArraySize(procs) != 1) {
		proto_reply_release(&r);
		return usage_error("fg: '%s' names more than one process",
		    name);
	}
	p = cJSON_GetArrayItem(procs, 0);
	snprintf(fg->name, sizeof(fg->name), "%s", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(p, "fullname")));
	snprintf(state, len, "%s", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(p, "state")));
	proto_reply_release(&r);
	return EXIT_OK;
}

/* Open a stream: its first reply's data printed; fd -1 on no_log. */
static int
fg_open(struct fg *fg, struct conn *c, cJSON *req)
{
	struct proto_reply	r;
	int			rc;

	if (conn_open(c, fg->ctx->socket, 0) == -1) {
		cJSON_Delete(req);
		return EXIT_UNREACHABLE;
	}
	if ((rc = conn_call(c, req, &r)) != 0)
		return rc;
	if (!r.ok && strcmp(r.code, "no_log") == 0) {
		conn_close(c);
		rc = EXIT_OK;
	} else if (!r.ok)
		rc = render_error(fg->ctx, &r);
	else
		render_data(cJSON_GetObjectItemCaseSensitive(r.result, "data"));
	proto_reply_release(&r);
	return rc;
}

static bool
conn_has_line(const struct conn *c)
{
	return proto_buf_used(&c->in) > 0 && memchr(c->in.data + c->in.off,
	    '\n', proto_buf_used(&c->in)) != NULL;
}

/*
 * The lines a stream has for us: tail data printed; from events, -1 when
 * the program left RUNNING.  -2 when the daemon went.
 */
static int
fg_stream(struct fg *fg, struct conn *c)
{
	struct proto_reply	 r;
	const char		*name, *to;
	int			 rc = 0;

	do {
		if (conn_recv(c, &r) == -1)
			return -2;
		if (r.stream != NULL && strcmp(r.stream, "tail") == 0)
			render_data(cJSON_GetObjectItemCaseSensitive(r.doc,
			    "data"));
		if (r.stream != NULL && strcmp(r.stream, "event") == 0) {
			name = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(r.doc, "fullname"));
			to = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(r.doc, "to"));
			if (name != NULL && to != NULL &&
			    strcmp(name, fg->name) == 0 &&
			    strcmp(to, "RUNNING") != 0) {
				fprintf(stderr, "supctl: fg: %s is no longer "
				    "running (%s)\n", name, to);
				rc = -1;
			}
		}
		proto_reply_release(&r);
	} while (rc == 0 && conn_has_line(c));
	return rc;
}

/* Send each whole line typed (at EOF, the rest): 0, 1 at EOF, or -1. */
static int
fg_input(struct fg *fg)
{
	ssize_t	 n;
	char	*nl;
	size_t	 len;
	bool	 eof;

	n = read(STDIN_FILENO, fg->in + fg->inlen, sizeof(fg->in) - fg->inlen);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	eof = n <= 0;
	if (n > 0)
		fg->inlen += (size_t)n;
	while (fg->inlen > 0) {
		nl = memchr(fg->in, '\n', fg->inlen);
		len = nl != NULL ? (size_t)(nl - fg->in) + 1 :
		    eof || fg->inlen == sizeof(fg->in) ? fg->inlen : 0;
		if (len == 0)
			break;
		if (send_stdin(fg->ctx, fg->name, fg->in, len) != EXIT_OK)
			return -1;
		memmove(fg->in, fg->in + len, fg->inlen - len);
		fg->inlen -= len;
	}
	return eof ? 1 : 0;
}

/* Milliseconds to the command's deadline for poll(2), -1 for none. */
static int
fg_wait_ms(const struct ctx *ctx)
{
	double	left;

	if (ctx->deadline == 0)
		return -1;
	left = ctx->deadline - now_mono();
	return left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)(left * 1000);
}

static int
fg_loop(struct fg *fg)
{
	struct pollfd	 pfd[4];
	struct conn	*conns[4] = { NULL, &fg->tail[0], &fg->tail[1],
			    &fg->events };
	int		 i, n, rc;

	for (;;) {
		pfd[0].fd = STDIN_FILENO;
		for (i = 1; i < 4; i++)
			pfd[i].fd = conns[i]->fd;
		for (i = 0; i < 4; i++)
			pfd[i].events = POLLIN;
		n = poll(pfd, 4, fg_wait_ms(fg->ctx));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? EXIT_OK : EXIT_FAILED;
		for (i = 1; i < 4; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if ((rc = fg_stream(fg, conns[i])) == -1)
				return EXIT_NOT_RUNNING;
			if (rc == -2)
				return conn_failed(conns[i]);
		}
		if (pfd[0].revents != 0 && (rc = fg_input(fg)) != 0)
			return rc == 1 ? EXIT_OK : EXIT_FAILED;
	}
}

static cJSON *
tail_request(const char *name, const char *stream)
{
	cJSON	*req = request_new("tail", 0, NULL);

	cJSON_AddStringToObject(req, "name", name);
	cJSON_AddStringToObject(req, "stream", stream);
	cJSON_AddBoolToObject(req, "follow", true);
	return req;
}

/* fg NAME */
int
cmd_fg(struct ctx *ctx, const struct ctl_cmd *self, int argc, char **argv)
{
	struct fg	*fg;
	char		 state[32];
	int		 rc, i;

	if ((fg = calloc(1, sizeof(*fg))) == NULL) {
		fprintf(stderr, "supctl: out of memory\n");
		return EXIT_FAILED;
	}
	fg->ctx = ctx;
	fg->tail[0].fd = fg->tail[1].fd = fg->events.fd = -1;
	if ((rc = fg_state(fg, argv[0], state, sizeof(state))) != EXIT_OK)
		goto out;
	if (strcmp(state, "RUNNING") != 0) {
		fprintf(stderr, "supctl: fg: %s is not running (%s)\n",
		    fg->name, state);
		rc = EXIT_NOT_RUNNING;
		goto out;
	}
	/* Events first: a stop between the tails and the loop is seen. */
	if ((rc = fg_open(fg, &fg->events, request_new("events", 0,
	    NULL))) != EXIT_OK ||
	    (rc = fg_open(fg, &fg->tail[0], tail_request(fg->name,
	    "stdout"))) != EXIT_OK ||
	    (rc = fg_open(fg, &fg->tail[1], tail_request(fg->name,
	    "stderr"))) != EXIT_OK)
		goto out;
	if ((rc = fg_state(fg, fg->name, state, sizeof(state))) != EXIT_OK)
		goto out;
	if (strcmp(state, "RUNNING") != 0) {
		fprintf(stderr, "supctl: fg: %s is no longer running (%s)\n",
		    fg->name, state);
		rc = EXIT_NOT_RUNNING;
		goto out;
	}
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "==> Press Ctrl-C to exit <==\n");
	rc = fg_loop(fg);
out:
	for (i = 0; i < 2; i++)
		conn_close(&fg->tail[i]);
	conn_close(&fg->events);
	free(fg);
	return rc;
}

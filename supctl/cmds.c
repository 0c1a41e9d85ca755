/*
 * supctl's command table, in the tmux style: name, usage, arity, and the
 * handler that builds the request and renders the reply; help comes from
 * the table.  The queries live here, actions and streams in their files.
 */
#include <sys/syscall.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "supctl.h"
#include "unctrl.h"

static const struct ctl_cmd cmd_table[] = {
	{ "status", NULL, "[NAME...]",
	  "show the state of all or the named programs", 0, -1, cmd_status },
	{ "start", NULL, "[--no-wait] NAME...|all",
	  "start programs, waiting until RUNNING or failed", 1, -1,
	  cmd_action },
	{ "stop", NULL, "[--no-wait] NAME...|all",
	  "stop programs, waiting until they are down", 1, -1, cmd_action },
	{ "restart", NULL, "[--no-wait] NAME...|all",
	  "stop then start programs", 1, -1, cmd_action },
	{ "signal", NULL, "[--group] SIG NAME...|all",
	  "send a signal to programs (--group: their process groups)", 2, -1,
	  cmd_signal },
	{ "pid", NULL, "[NAME...|all]",
	  "the daemon's pid, or the named programs' pids", 0, -1, cmd_pid },
	{ "reload", NULL, "[--dry-run]",
	  "reread the configuration and apply what changed", 0, 1,
	  cmd_reload },
	{ "reread", NULL, "",
	  "say which groups the configuration file adds, changes, removes",
	  0, 0, cmd_reread },
	{ "avail", NULL, "",
	  "every program of the configuration file, in use or not", 0, 0,
	  cmd_reread },
	{ "update", NULL, "[--dry-run] [GROUP...|all]",
	  "apply the configuration file to all or the named groups", 0, -1,
	  cmd_update },
	{ "add", NULL, "GROUP...",
	  "start using groups of the configuration file", 1, -1,
	  cmd_add_remove },
	{ "remove", NULL, "GROUP...",
	  "stop using stopped groups", 1, -1, cmd_add_remove },
	{ "shutdown", NULL, "",
	  "stop every program and the daemon, wait until it exited", 0, 0,
	  cmd_shutdown },
	{ "tail", NULL, "[-f] [-n N | -BYTES] NAME [stdout|stderr]",
	  "show the end of a program's log; -f follows it", 1, -1, cmd_tail },
	{ "maintail", NULL, "[-f] [-n N | -BYTES]",
	  "show the end of the daemon's log; -f follows it", 0, -1, cmd_tail },
	{ "clear", NULL, "NAME...|all",
	  "empty programs' log files (their backups stay)", 1, -1,
	  cmd_clear },
	{ "clearlog", NULL, "",
	  "empty the daemon's own log file", 0, 0, cmd_clearlog },
	{ "sendstdin", NULL, "[-n] NAME DATA",
	  "write DATA and a newline (none with -n) to a program's stdin", 2,
	  3, cmd_sendstdin },
	{ "fg", NULL, "NAME",
	  "follow a program's output, send it the lines typed", 1, 1,
	  cmd_fg },
	{ "events", NULL, "",
	  "follow every state change as it happens", 0, 0, cmd_events },
	{ "version", NULL, "",
	  "the daemon's and supctl's versions and protocol", 0, 0,
	  cmd_version },
	{ "help", NULL, "[COMMAND]", "this help, or a command's", 0, 1,
	  cmd_help },
};

const struct ctl_cmd *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

void
cmd_usage(FILE *f)
{
	size_t	i;
	char	buf[128];

	fprintf(f, "usage: supctl [-c FILE | -s SOCKET] [--json] "
	    "[--timeout SEC] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++) {
		snprintf(buf, sizeof(buf), "%s %s", cmd_table[i].name,
		    cmd_table[i].args);
		fprintf(f, "  %-40s %s\n", buf, cmd_table[i].help);
	}
	fprintf(f, "\nexit status: 0 ok, 1 an action failed, 2 usage, "
	    "3 a program not running,\n4 no such program, "
	    "5 the daemon cannot be reached; see supctl(1)\n");
}

int
cmd_help(struct ctx *ctx, const struct ctl_cmd *self, int argc, char **argv)
{
	const struct ctl_cmd	*c;

	if (argc == 0) {
		cmd_usage(stdout);
		return EXIT_OK;
	}
	if ((c = cmd_find(argv[0])) == NULL)
		return usage_error("unknown command '%s'", argv[0]);
	printf("usage: supctl %s %s\n  %s\n", c->name, c->args, c->help);
	return EXIT_OK;
}

/* Open the connection of this command run. */
static int
connect_ctx(struct ctx *ctx)
{
	return conn_open(&ctx->conn, ctx->socket, ctx->deadline) == -1 ?
	    EXIT_UNREACHABLE : EXIT_OK;
}

/* A request object with names from argv, when there are any. */
cJSON *
request_new(const char *cmd, int argc, char **argv)
{
	cJSON	*req = cJSON_CreateObject(), *names;
	int	 i;

	cJSON_AddStringToObject(req, "cmd", cmd);
	if (argc > 0) {
		names = cJSON_AddArrayToObject(req, "names");
		for (i = 0; i < argc; i++)
			cJSON_AddItemToArray(names, cJSON_CreateString(argv[i]));
	}
	return req;
}

/* "NAME: ERROR (no such process)" for each name the daemon did not know. */
int
render_unknown(struct ctx *ctx, const struct proto_reply *r)
{
	const cJSON	*unknown, *e;

	unknown = cJSON_GetObjectItemCaseSensitive(r->result, "unknown");
	if (ctx->json)
		render_reply_json(r);
	else if (!cJSON_IsArray(unknown) || cJSON_GetArraySize(unknown) == 0)
		unctrl_printf(stdout, "%s\n", r->message);
	cJSON_ArrayForEach(e, unknown) {
		if (ctx->json || !cJSON_IsString(e))
			continue;
		unctrl_printf(stdout, "%s: ", e->valuestring);
		printf("%sERROR%s (no such process)\n",
		    render_color(ctx, "ERROR"), render_reset(ctx));
	}
	fflush(stdout);
	return EXIT_NO_SUCH;
}

/* Is name in the reply's list of unknown names? */
static bool
is_unknown(const struct proto_reply *r, const char *name)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->result,
	    "unknown"))
		if (cJSON_IsString(e) && strcmp(e->valuestring, name) == 0)
			return true;
	return false;
}

/*
 * A status request and its reply.  The table needs 4 of the 21 fields of
 * each process: asking for those alone makes the reply of 1000 programs
 * 100 KB instead of 500 KB, and supctl parsed the rest for nothing.
 * --json asks for everything.  A daemon older than "fields" refuses it:
 * then ask again without.
 */
static int
status_call(struct ctx *ctx, int argc, char **argv, struct proto_reply *r)
{
	static const char *const table[] = {
		"fullname", "state", "description", "status_text",
	};
	cJSON	*req, *f;
	size_t	 i;
	int	 rc;

	req = request_new("status", argc, argv);
	if (ctx->json)
		return conn_call(&ctx->conn, req, r);
	f = cJSON_AddArrayToObject(req, "fields");
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		cJSON_AddItemToArray(f, cJSON_CreateString(table[i]));
	if ((rc = conn_call(&ctx->conn, req, r)) != 0)
		return rc;
	if (r->ok || strcmp(r->code, "bad_request") != 0 ||
	    strstr(r->message, "'fields'") == NULL)
		return 0;
	proto_reply_release(r);
	return conn_call(&ctx->conn, request_new("status", argc, argv), r);
}

/* Is name "all", or among the names? */
static bool
names_have_all(int argc, char **argv)
{
	int	i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "all") == 0)
			return true;
	return false;
}

/*
 * status's exit code.  For all programs, supervisorctl 4.2's rule: 3 when
 * any is STOPPED, EXITED, FATAL or UNKNOWN (one STARTING, BACKOFF or
 * STOPPING is not down).  For named ones: 3 when any is not RUNNING.
 */
static int
status_exit(const cJSON *procs, int argc, char **argv)
{
	static const char *const down[] = {
		"STOPPED", "EXITED", "FATAL", "UNKNOWN",
	};
	const cJSON	*p;
	const char	*state;
	bool		 every = argc == 0 || names_have_all(argc, argv);
	size_t		 i;

	cJSON_ArrayForEach(p, procs) {
		state = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(p, "state"));
		if (state == NULL)
			return EXIT_NOT_RUNNING;
		if (!every && strcmp(state, "RUNNING") != 0)
			return EXIT_NOT_RUNNING;
		for (i = 0; every && i < sizeof(down) / sizeof(down[0]); i++)
			if (strcmp(state, down[i]) == 0)
				return EXIT_NOT_RUNNING;
	}
	return EXIT_OK;
}

int
cmd_status(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	struct proto_reply	 r, bad;
	const cJSON		*procs;
	char			**known;
	int			 rc, i, n = 0;
	bool			 missing = false;

	if ((rc = connect_ctx(ctx)) != 0)
		return rc;
	if ((rc = status_call(ctx, argc, argv, &r)) != 0)
		return rc;
	if (!r.ok && strcmp(r.code, "no_such_process") == 0) {
		/* Show the known ones anyway, as supervisorctl does. */
		bad = r;
		missing = true;
		known = calloc(argc + 1, sizeof(*known));
		for (i = 0; i < argc; i++)
			if (!is_unknown(&bad, argv[i]))
				known[n++] = argv[i];
		if (n > 0 && (rc = status_call(ctx, n, known, &r)) != 0) {
			free(known);
			proto_reply_release(&bad);
			return rc;
		}
		free(known);
		if (n == 0 || ctx->json) {
			if (n > 0)
				proto_reply_release(&r);
			rc = render_unknown(ctx, &bad);
			proto_reply_release(&bad);
			return rc;
		}
	}
	if (!r.ok) {
		rc = render_error(ctx, &r);
		proto_reply_release(&r);
		return rc;
	}
	procs = cJSON_GetObjectItemCaseSensitive(r.result, "processes");
	if (ctx->json)
		render_json(r.result);
	else
		render_status(ctx, procs);
	rc = status_exit(procs, argc, argv);
	proto_reply_release(&r);
	if (missing) {
		rc = render_unknown(ctx, &bad);
		proto_reply_release(&bad);
	}
	return rc;
}

/*
 * The daemon's pid as it can be used here: the kernel's number for it in
 * our PID namespace, which differs from the one it reports when it runs
 * in another (1 as a container's init).  When it is not visible from
 * here, no number is printed (a kill of it would hit another process):
 * said on stderr, exit 1.
 */
static int
daemon_pid_print(struct ctx *ctx, double own)
{
	pid_t	here = conn_peer_pid(&ctx->conn);

	if (here == 0) {
		fprintf(stderr, "supctl: the daemon runs in another PID "
		    "namespace (pid %.0f there) and is not visible from here\n",
		    own);
		return EXIT_FAILED;
	}
	if (!ctx->json)
		printf("%.0f\n", here > 0 ? (double)here : own);
	return EXIT_OK;
}

int
cmd_pid(struct ctx *ctx, const struct ctl_cmd *self, int argc, char **argv)
{
	struct proto_reply	 r;
	const cJSON		*p, *pid;
	int			 rc;

	if ((rc = connect_ctx(ctx)) != 0)
		return rc;
	if ((rc = conn_call(&ctx->conn, request_new("pid", argc, argv),
	    &r)) != 0)
		return rc;
	if (!r.ok) {
		rc = strcmp(r.code, "no_such_process") == 0 ?
		    render_unknown(ctx, &r) : render_error(ctx, &r);
		proto_reply_release(&r);
		return rc;
	}
	if (ctx->json)
		render_json(r.result);
	if (argc == 0)
		rc = daemon_pid_print(ctx, cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(r.result, "pid")));
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r.result,
	    "processes")) {
		pid = cJSON_GetObjectItemCaseSensitive(p, "pid");
		if (!ctx->json)
			printf("%.0f\n", cJSON_GetNumberValue(pid));
		if (cJSON_GetNumberValue(pid) == 0)
			rc = EXIT_NOT_RUNNING;
	}
	proto_reply_release(&r);
	return rc;
}

/* The daemon did not go within --timeout. */
static int
exit_late(pid_t pid)
{
	if (pid > 0)
		fprintf(stderr, "supctl: the daemon (pid %d) did not exit in "
		    "time (--timeout)\n", (int)pid);
	else
		fprintf(stderr, "supctl: the daemon did not exit in time "
		    "(--timeout)\n");
	return EXIT_FAILED;
}

/* Has pid exited?  A zombie has: only its parent's wait is left. */
static bool
pid_gone(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*f;
	bool	 gone = true;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return true;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && p[1] == ' ')
		gone = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	return gone;
}

/* Wait for the daemon to exit: its pidfd, or /proc where there is none. */
static int
wait_exit(struct ctx *ctx, pid_t pid, int pidfd)
{
	struct pollfd	pfd = { .fd = pidfd, .events = POLLIN };
	double		left;
	int		n;

	for (;;) {
		left = ctx->deadline == 0 ? 1.0 : ctx->deadline - now_mono();
		if (left <= 0)
			return exit_late(pid);
		if (pidfd == -1) {
			if (pid_gone(pid))
				return EXIT_OK;
			usleep(20000);
			continue;
		}
		n = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (n > 0)
			return EXIT_OK;
		if (n == -1 && errno != EINTR) {
			fprintf(stderr, "supctl: poll: %s\n", strerror(errno));
			return EXIT_FAILED;
		}
	}
}

/*
 * Ask for the shutdown, then wait until the daemon has really gone.  Its
 * pid is the one the kernel gives for it here (SO_PEERCRED): the number
 * it reports is that of its own PID namespace (1 in a container).  Where
 * it is not visible at all (supctl in a container, the daemon outside),
 * the daemon holds the connection open until it exits: wait for EOF.
 */
int
cmd_shutdown(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	struct proto_reply	 r;
	pid_t			 pid;
	int			 rc, pidfd = -1;

	if ((rc = connect_ctx(ctx)) != 0)
		return rc;
	/* Hold the process before asking, so its pid cannot be reused. */
	if ((pid = conn_peer_pid(&ctx->conn)) > 0 &&
	    (pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1 &&
	    errno == ESRCH)
		pid = 0;
	if ((rc = conn_call(&ctx->conn, request_new("shutdown", 0, NULL),
	    &r)) != 0) {
		if (pidfd >= 0)
			close(pidfd);
		return rc;
	}
	if (!r.ok) {
		rc = render_error(ctx, &r);
		proto_reply_release(&r);
		if (pidfd >= 0)
			close(pidfd);
		return rc;
	}
	if (ctx->json)
		render_json(r.result);
	proto_reply_release(&r);
	if (pid > 0) {
		conn_close(&ctx->conn);
		rc = wait_exit(ctx, pid, pidfd);
	} else if (conn_wait_eof(&ctx->conn) == 0)
		rc = EXIT_OK;
	else if (errno == ETIMEDOUT)
		rc = exit_late(0);
	else
		rc = EXIT_OK;	/* a reset: it is gone too */
	if (pidfd >= 0)
		close(pidfd);
	if (rc == EXIT_OK && !ctx->json)
		printf("Shut down\n");
	return rc;
}

int
cmd_version(struct ctx *ctx, const struct ctl_cmd *self, int argc,
    char **argv)
{
	struct proto_reply	 r;
	int			 rc;

	if ((rc = connect_ctx(ctx)) == 0)
		rc = conn_call(&ctx->conn, request_new("version", 0, NULL), &r);
	if (rc != 0) {
		if (!ctx->json)
			printf("supctl %s (protocol %d)\n", SUPCTL_VERSION,
			    PROTO_VERSION);
		return rc;
	}
	if (!r.ok)
		rc = render_error(ctx, &r);
	else if (ctx->json)
		render_json(r.result);
	else {
		unctrl_printf(stdout, "supervisord %s (protocol %.0f)\n",
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    r.result, "version")),
		    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
		    r.result, "protocol")));
		printf("supctl %s (protocol %d)\n", SUPCTL_VERSION,
		    PROTO_VERSION);
	}
	proto_reply_release(&r);
	return rc;
}

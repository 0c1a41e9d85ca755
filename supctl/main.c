/*
 * supctl: drive supervisord over its control socket.  Options, which
 * socket to use, then the command from the table in cmds.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "log.h"
#include "supctl.h"
#include "unctrl.h"
#include "xmalloc.h"

/* Where supervisord looks for its file without -c, in order. */
static const char *const default_configs[] = {
	"supervisord.conf",
	"etc/supervisord.conf",
	"/etc/supervisord.conf",
	"/etc/supervisor/supervisord.conf",
};

int
usage_error(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	/* The user's arguments, shown back: escaped for the terminal. */
	unctrl_printf(stderr, "supctl: %s\n", msg != NULL ? msg :
	    "out of memory");
	fprintf(stderr, "see 'supctl help'\n");
	free(msg);
	return EXIT_USAGE;
}

/* What a client-only file holds, read when config_load() refuses it. */
struct ctl_ini {
	char	*serverurl;
	char	*file;
};

static int
ctl_ini_handler(void *arg, const char *section, const char *key,
    const char *value)
{
	struct ctl_ini	*ci = arg;
	char		**slot = NULL;

	if (strcmp(section, "supervisorctl") == 0 &&
	    strcmp(key, "serverurl") == 0)
		slot = &ci->serverurl;
	else if (strcmp(section, "unix_http_server") == 0 &&
	    strcmp(key, "file") == 0)
		slot = &ci->file;
	/* Expansions need the whole configuration: not for a fallback. */
	if (slot != NULL && strstr(value, "%(") == NULL) {
		free(*slot);
		*slot = xstrdup(value);
	}
	return 1;
}

/*
 * The socket a configuration names: [supervisorctl] serverurl when it is
 * unix://, else [unix_http_server] file.  A file supervisord would refuse
 * (a client's, without [supervisord]) is read for these two keys alone.
 * NULL when the file names no socket; loud about it only when the user
 * named the file.
 */
static char *
socket_from_config(const char *path, bool loud)
{
	struct diags	 diags = { 0 };
	struct config	*cfg;
	struct ctl_ini	 ci = { NULL, NULL };
	char		*sock = NULL;

	if ((cfg = config_load_client(path, &diags)) != NULL) {
		if (cfg->ctl_serverurl != NULL &&
		    strncmp(cfg->ctl_serverurl, "unix://", 7) == 0)
			sock = xstrdup(cfg->ctl_serverurl + 7);
		else if (cfg->unix_server.file != NULL)
			sock = xstrdup(cfg->unix_server.file);
		config_free(cfg);
	} else if (ini_parse(path, ctl_ini_handler, &ci) == 0) {
		if (ci.serverurl != NULL &&
		    strncmp(ci.serverurl, "unix://", 7) == 0)
			sock = xstrdup(ci.serverurl + 7);
		else if (ci.file != NULL)
			sock = xstrdup(ci.file);
	}
	free(ci.serverurl);
	free(ci.file);
	if (sock == NULL && loud) {
		diags_print(&diags, STDERR_FILENO);
		unctrl_printf(stderr, "supctl: no socket from '%s'; trying "
		    "$SUPCTL_SOCKET and the default socket\n", path);
	}
	diags_release(&diags);
	return sock;
}

/* The socket when nothing names one, as supervisord defaults it. */
static char *
default_socket(void)
{
	const char	*xdg = getenv("XDG_RUNTIME_DIR");
	char		*path;

	if (geteuid() == 0)
		return xstrdup("/run/supervisord.sock");
	if (xdg != NULL && xdg[0] == '/') {
		xasprintf(&path, "%s/supervisord.sock", xdg);
		return path;
	}
	xasprintf(&path, "/tmp/supervisord-%u.sock", (unsigned)geteuid());
	return path;
}

/* -s, -c's file, $SUPCTL_SOCKET, a default file's, the default. */
static char *
find_socket(const char *opt_socket, const char *opt_config)
{
	const char	*env = getenv("SUPCTL_SOCKET");
	char		*sock;
	size_t		 i;

	if (opt_socket != NULL)
		return xstrdup(opt_socket);
	if (opt_config != NULL &&
	    (sock = socket_from_config(opt_config, true)) != NULL)
		return sock;
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if (opt_config == NULL) {
		for (i = 0; i < sizeof(default_configs) /
		    sizeof(default_configs[0]); i++) {
			if (access(default_configs[i], R_OK) == 0 &&
			    (sock = socket_from_config(default_configs[i],
			    false)) != NULL)
				return sock;
		}
	}
	return default_socket();
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "configuration", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ctl_cmd	*cmd;
	const char		*opt_config = NULL, *opt_socket = NULL;
	const char		*no_color = getenv("NO_COLOR");
	struct ctx		 ctx;
	char			*end, *sock;
	int			 ch, rc;

	log_init("supctl", LOG_LEVEL_WARN);
	memset(&ctx, 0, sizeof(ctx));
	ctx.conn.fd = -1;
	while ((ch = getopt_long(argc, argv, "+c:s:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			opt_config = optarg;
			break;
		case 's':
			opt_socket = optarg;
			break;
		case 'j':
			ctx.json = true;
			break;
		case 't':
			errno = 0;
			ctx.timeout = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    !(ctx.timeout >= 0) || ctx.timeout > 1e9)
				return usage_error("--timeout: bad number of "
				    "seconds '%s'", optarg);
			break;
		case 'h':
			cmd_usage(stdout);
			return EXIT_OK;
		default:
			cmd_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (opt_config != NULL && opt_socket != NULL)
		return usage_error("-c and -s exclude each other");
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		cmd_usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = cmd_find(argv[0])) == NULL)
		return usage_error("unknown command '%s'", argv[0]);
	if (argc - 1 < cmd->minargs ||
	    (cmd->maxargs >= 0 && argc - 1 > cmd->maxargs))
		return usage_error("usage: supctl %s %s", cmd->name,
		    cmd->args);
	if (cmd->run == cmd_help)
		return cmd_help(&ctx, cmd, argc - 1, argv + 1);

	ctx.color = !ctx.json && isatty(STDOUT_FILENO) &&
	    (no_color == NULL || *no_color == '\0');
	if (ctx.timeout > 0)
		ctx.deadline = now_mono() + ctx.timeout;
	sock = find_socket(opt_socket, opt_config);
	ctx.socket = sock;
	rc = cmd->run(&ctx, cmd, argc - 1, argv + 1);
	conn_close(&ctx.conn);
	free(sock);
	return rc;
}

/*
 * supervisord: command line, configuration, then the daemon's loop.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "log.h"
#include "supervisord.h"
#include "unctrl.h"

/* Where Supervisor looks for its file when -c is not given, in order. */
static const char *const default_paths[] = {
	"supervisord.conf",
	"etc/supervisord.conf",
	"/etc/supervisord.conf",
	"/etc/supervisor/supervisord.conf",
};

static void __attribute__((noreturn))
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f,
"usage: supervisord [-c FILE] [-t | --print-config] [-n] [-d] [-v] [-h]\n"
"  -c, --configuration FILE  the configuration file (default: the first of\n"
"                            ./supervisord.conf, ./etc/supervisord.conf,\n"
"                            /etc/supervisord.conf,\n"
"                            /etc/supervisor/supervisord.conf)\n"
"  -t, --check-config        validate the configuration fully and exit\n"
"      --print-config        print the resolved configuration as JSON\n"
"  -n, --nodaemon            run in the foreground (the default)\n"
"  -d, --daemonize           detach; exit 0 once the daemon is ready\n"
"  -v, --version             print the version and exit\n"
"  -h, --help                print this help and exit\n");
	exit(status);
}

static const char *
find_default_config(void)
{
	size_t	i;

	for (i = 0; i < sizeof(default_paths) / sizeof(default_paths[0]); i++)
		if (access(default_paths[i], F_OK) == 0)
			return default_paths[i];
	return NULL;
}

/* -t: load, then check what start-up would check.  Exit 0 or 1. */
static int
check_config(const char *path)
{
	struct diags	 diags = { 0 };
	struct config	*cfg;
	size_t		 nerrors;
	int		 status;

	cfg = config_load(path, &diags);
	if (cfg != NULL)
		config_check(cfg, &diags);
	diags_print(&diags, STDERR_FILENO);
	nerrors = diags.nerrors;
	if (cfg != NULL && nerrors == 0) {
		unctrl_printf(stdout, "%s: configuration OK (%zu groups, %zu "
		    "processes)\n", path, cfg->ngroups, config_nprocs(cfg));
		status = 0;
	} else {
		unctrl_printf(stderr, "%s: %zu error%s\n", path, nerrors,
		    nerrors == 1 ? "" : "s");
		status = 1;
	}
	config_free(cfg);
	diags_release(&diags);
	return status;
}

/* --print-config: parse and expand only; the JSON is a contract. */
static int
print_config(const char *path)
{
	struct diags	 diags = { 0 };
	struct config	*cfg;
	cJSON		*doc;
	char		*text;

	cfg = config_load(path, &diags);
	diags_print(&diags, STDERR_FILENO);
	diags_release(&diags);
	if (cfg == NULL)
		return 1;
	doc = config_to_json(cfg);
	if ((text = cJSON_Print(doc)) == NULL)
		fatalx("cannot render the configuration as JSON");
	printf("%s\n", text);
	free(text);
	cJSON_Delete(doc);
	config_free(cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "configuration", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "nodaemon", no_argument, NULL, 'n' },
		{ "daemonize", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts	 opts = { 0 };
	const char		*path = NULL;
	const char		*base;
	int			 ch, mode = 0;

	/* The daemon runs itself under this name as its guardian. */
	base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	base = base != NULL ? base + 1 : argc > 0 ? argv[0] : "";
	if (strcmp(base, GUARDIAN_ARGV0) == 0)
		return guardian_main(argc, argv);
	log_init("supervisord", LOG_LEVEL_INFO);
	while ((ch = getopt_long(argc, argv, "c:tndvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
		case 'P':
			mode = ch;
			break;
		case 'n':
			opts.foreground = true;
			break;
		case 'd':
			opts.daemonize = true;
			break;
		case 'v':
			printf("supervisord %s\n", SUPERVISORD_VERSION);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (opts.daemonize && opts.foreground) {
		fprintf(stderr, "supervisord: -d and -n cannot be used "
		    "together\n");
		return 2;
	}
	if (path == NULL && (path = find_default_config()) == NULL) {
		fprintf(stderr, "supervisord: no configuration file found "
		    "(tried ./supervisord.conf, ./etc/supervisord.conf, "
		    "/etc/supervisord.conf, /etc/supervisor/supervisord.conf); "
		    "use -c FILE\n");
		return 2;
	}
	if (mode == 't')
		return check_config(path);
	if (mode == 'P')
		return print_config(path);
	return daemon_main(path, &opts);
}

/*
 * The option tables: one row per key of each section, in --print-config
 * order.  Adding a plain key is one row here plus its documentation in
 * supervisord.conf(5) and conf/supervisord.conf (test_config_table checks
 * both).  Keys with real logic name their parser (and printer); a key
 * marked OPT_OWN is read by its section's code, in an order or with a
 * default that depends on other keys.
 */
#include <limits.h>
#include <stddef.h>

#include "config_priv.h"

#define NUMPROCS_MAX	100000
#define SECONDS_MAX	(INT_MAX / 1000)	/* fits in milliseconds */

const char *const autorestart_choices[] = { "false", "unexpected", "true",
	NULL };
const char *const backoff_growth_choices[] = { "linear", "exponential",
	NULL };
const char *const ready_choices[] = { "startsecs", "notify", NULL };
const char *const shutdown_on_choices[] = { "never", "fatal", "exit", NULL };
static const char *const auto_word[] = { "AUTO", NULL };

#define SD(f)	offsetof(struct supervisord_config, f)
#define US(f)	offsetof(struct unix_server_config, f)
#define IS(f)	offsetof(struct inet_server_config, f)
#define PC(f)	offsetof(struct proc_config, f)

static const struct config_option supervisord_options[] = {
	{ "logfile", OPT_STRING, NULL, 0, 0, SD(logfile), OPT_LIVE, NULL,
	    opt_parse_daemon_log, NULL, "the daemon's log file; unset: "
	    "standard error" },
	{ "logfile_maxbytes", OPT_BYTES, "50MB", 0, 0, SD(logfile_maxbytes),
	    OPT_LIVE, NULL, NULL, NULL, "rotate the daemon's log at this "
	    "size; 0: never" },
	{ "logfile_backups", OPT_INT, "10", 0, INT_MAX, SD(logfile_backups),
	    OPT_LIVE, NULL, NULL, NULL, "rotated daemon logs kept" },
	{ "loglevel", OPT_SPECIAL, "info", 0, 0, SD(loglevel), OPT_LIVE, NULL,
	    opt_parse_loglevel, opt_json_loglevel, "critical, error, warn, "
	    "info, debug, trace or blather" },
	{ "pidfile", OPT_PATH, "supervisord.pid", 0, 0, SD(pidfile), 0, NULL,
	    NULL, NULL, "the daemon's pidfile" },
	{ "nodaemon", OPT_BOOL, "false", 0, 0, SD(nodaemon), 0, NULL, NULL,
	    NULL, "run in the foreground, copying the log to stdout" },
	{ "silent", OPT_BOOL, "false", 0, 0, SD(silent), 0, NULL, NULL, NULL,
	    "with nodaemon, no copy of the log on stdout" },
	{ "minfds", OPT_INT, "1024", 0, INT_MAX, SD(minfds), 0, NULL, NULL,
	    NULL, "raise the soft limit on open files to at least this" },
	{ "minprocs", OPT_INT, "200", 0, INT_MAX, SD(minprocs), 0, NULL, NULL,
	    NULL, "raise the soft limit on processes to at least this" },
	{ "umask", OPT_UMASK, "022", 0, 0, SD(umask), 0, NULL, NULL, NULL,
	    "the daemon's umask" },
	{ "user", OPT_STRING, NULL, 0, 0, SD(user), 0, NULL, NULL, NULL,
	    "switch to this user at start-up" },
	{ "directory", OPT_STRING, NULL, 0, 0, SD(directory), 0, NULL,
	    opt_parse_expanduser, NULL, "change to this folder at start-up" },
	{ "childlogdir", OPT_STRING, NULL, 0, 0, SD(childlogdir),
	    OPT_COMPUTED, NULL, opt_parse_expanduser, NULL, "where AUTO logs "
	    "go; unset: $TMPDIR or /tmp" },
	{ "identifier", OPT_STRING, "supervisor", 0, 0, SD(identifier), 0,
	    NULL, NULL, NULL, "part of AUTO log names" },
	{ "environment", OPT_SPECIAL, NULL, 0, 0, SD(environment),
	    OPT_LIVE | OPT_OWN, NULL, NULL, opt_json_env, "variables for "
	    "every program" },
	{ "nocleanup", OPT_BOOL, "false", 0, 0, SD(nocleanup), 0, NULL, NULL,
	    NULL, "keep the AUTO logs of a previous run" },
	{ "strip_ansi", OPT_BOOL, "false", 0, 0, SD(strip_ansi), 0, NULL,
	    NULL, NULL, "remove ANSI escape sequences from program output" },
	{ "rundir", OPT_PATH, NULL, 0, 0, SD(rundir),
	    OPT_OURS | OPT_OWN | OPT_COMPUTED, NULL, NULL, NULL, "the folder "
	    "of per-process pidfiles; unset: the socket's path, .d for .sock" },
	{ "environment_file", OPT_LIST, NULL, 0, 0, SD(environment_files),
	    OPT_OURS | OPT_LIVE, NULL, opt_parse_envfiles, NULL, "files of "
	    "NAME=value lines for every program" },
};

static const struct config_option unix_options[] = {
	{ "file", OPT_PATH, NULL, 0, 0, US(file), OPT_OWN | OPT_COMPUTED, NULL,
	    NULL, NULL, "the control socket's path" },
	{ "chmod", OPT_MODE, "0700", 0, 0, US(chmod), OPT_NO_HERE, NULL,
	    NULL, NULL, "the socket's mode" },
	{ "chown", OPT_STRING, NULL, 0, 0, US(chown), OPT_NO_HERE, NULL, NULL,
	    NULL, "the socket's owner, user or user:group" },
	{ "access_group", OPT_STRING, NULL, 0, 0, US(access_group),
	    OPT_NO_HERE | OPT_OURS, NULL, NULL, NULL, "members of this group "
	    "may use the socket" },
	{ "username", OPT_STRING, NULL, 0, 0, US(username),
	    OPT_NO_HERE | OPT_OWN, NULL, NULL, NULL, "HTTP Basic user on the "
	    "socket" },
	{ "password", OPT_STRING, NULL, 0, 0, US(password),
	    OPT_NO_HERE | OPT_OWN, NULL, NULL, NULL, "its password, plain or "
	    "{SHA} and a hex digest" },
};

static const struct config_option inet_options[] = {
	{ "port", OPT_SPECIAL, NULL, 0, 0, IS(port), OPT_NO_HERE | OPT_OWN,
	    NULL, NULL, opt_json_inet_port, "HOST:PORT, or PORT for every "
	    "interface; required" },
	{ "username", OPT_STRING, NULL, 0, 0, IS(username),
	    OPT_NO_HERE | OPT_OWN, NULL, NULL, NULL, "HTTP Basic user" },
	{ "password", OPT_STRING, NULL, 0, 0, IS(password),
	    OPT_NO_HERE | OPT_OWN, NULL, NULL, NULL, "its password, plain or "
	    "{SHA} and a hex digest" },
};

static const struct config_option ctl_options[] = {
	{ "serverurl", OPT_STRING, NULL, 0, 0,
	    offsetof(struct config, ctl_serverurl), 0, NULL,
	    opt_parse_serverurl, NULL, "where supctl finds the socket: "
	    "unix://PATH" },
	{ "username", OPT_STRING, NULL, 0, 0, 0, OPT_UNUSED, NULL, NULL, NULL,
	    "accepted, not used" },
	{ "password", OPT_STRING, NULL, 0, 0, 0, OPT_UNUSED, NULL, NULL, NULL,
	    "accepted, not used" },
	{ "prompt", OPT_STRING, NULL, 0, 0, 0, OPT_UNUSED, NULL, NULL, NULL,
	    "accepted, not used" },
	{ "history_file", OPT_STRING, NULL, 0, 0, 0, OPT_UNUSED, NULL, NULL,
	    NULL, "accepted, not used" },
};

static const struct config_option include_options[] = {
	{ "files", OPT_SPECIAL, NULL, 0, 0, 0, OPT_OWN, NULL, NULL, NULL,
	    "globs of more files to read" },
};

static const struct config_option group_options[] = {
	{ "programs", OPT_SPECIAL, NULL, 0, 0, 0, OPT_OWN, NULL, NULL, NULL,
	    "its [program:x] names" },
	{ "priority", OPT_INT, "999", INT_MIN, INT_MAX,
	    offsetof(struct group_config, priority), 0, NULL, NULL, NULL,
	    "lower starts first and stops last" },
};

/* The six keys of one output stream, per process or per program. */
#define STREAM_OPTIONS(chan, st)					\
	{ chan "_logfile", OPT_SPECIAL, "AUTO", 0, 0, PC(st), OPT_PROCESS,	\
	    NULL, opt_parse_logfile, opt_json_logfile, "a path, AUTO or "	\
	    "NONE" },							\
	{ chan "_logfile_maxbytes", OPT_BYTES, "50MB", 0, 0,		\
	    PC(st.logfile_maxbytes), OPT_PROCESS, NULL, NULL, NULL,	\
	    "rotate the log at this size; 0: never" },			\
	{ chan "_logfile_backups", OPT_INT, "10", 0, INT_MAX,		\
	    PC(st.logfile_backups), OPT_PROCESS, NULL, NULL, NULL,	\
	    "rotated logs kept" },					\
	{ chan "_capture_maxbytes", OPT_BYTES, "0", 0, 0,		\
	    PC(st.capture_maxbytes), 0, NULL, NULL, NULL,		\
	    "bytes kept in capture mode (events)" },			\
	{ chan "_events_enabled", OPT_BOOL, "false", 0, 0,		\
	    PC(st.events_enabled), 0, NULL, NULL, NULL,			\
	    "an event for each write" },				\
	{ chan "_syslog", OPT_BOOL, "false", 0, 0, PC(st.syslog),	\
	    OPT_PROCESS, NULL, NULL, NULL, "also send lines to syslog" }

static const struct config_option program_options[] = {
	{ "process_name", OPT_SPECIAL, "%(program_name)s", 0, 0, PC(name),
	    OPT_PROCESS | OPT_OWN, NULL, NULL, opt_json_process_name,
	    "the process name; with numprocs > 1 it holds %(process_num)" },
	{ "command", OPT_SPECIAL, NULL, 0, 0, PC(command), OPT_PROCESS, NULL,
	    opt_parse_command, opt_json_command, "the command line; "
	    "required" },
	{ "numprocs", OPT_INT, "1", 0, NUMPROCS_MAX, PC(numprocs), OPT_LIVE,
	    NULL, NULL, NULL, "how many processes; 0 disables the program" },
	{ "numprocs_start", OPT_INT, "0", -1000000000, 1000000000,
	    PC(numprocs_start), OPT_LIVE, NULL, NULL, NULL,
	    "the first process_num" },
	{ "priority", OPT_INT, "999", INT_MIN, INT_MAX, PC(priority),
	    OPT_LIVE, NULL, NULL, NULL, "lower starts first and stops last" },
	{ "autostart", OPT_BOOL, "true", 0, 0, PC(autostart), OPT_LIVE, NULL,
	    NULL, NULL, "start it when the daemon starts" },
	{ "startsecs", OPT_INT, "1", 0, INT_MAX, PC(startsecs), OPT_LIVE,
	    NULL, NULL, NULL, "seconds it must stay up to be RUNNING" },
	{ "startretries", OPT_INT, "3", 0, INT_MAX, PC(startretries),
	    OPT_LIVE, NULL, NULL, NULL, "failed starts before FATAL" },
	{ "autorestart", OPT_CHOICE, "unexpected", 0, 0, PC(autorestart),
	    OPT_LIVE, autorestart_choices, opt_parse_autorestart, NULL,
	    "true, false, or unexpected (an exit status not in exitcodes)" },
	{ "exitcodes", OPT_SPECIAL, "0", 0, 0, PC(exitcodes), OPT_LIVE, NULL,
	    opt_parse_exitcodes, opt_json_exitcodes, "the expected exit "
	    "statuses" },
	{ "stopsignal", OPT_SIGNAL, "TERM", 0, 0, PC(stopsignal), OPT_LIVE,
	    NULL, NULL, NULL, "the signal that stops it" },
	{ "stopwaitsecs", OPT_INT, "10", 0, INT_MAX, PC(stopwaitsecs),
	    OPT_LIVE, NULL, NULL, NULL, "seconds before SIGKILL" },
	{ "stopasgroup", OPT_BOOL, "true", 0, 0, PC(stopasgroup), OPT_LIVE,
	    NULL, NULL, NULL, "send the stop signal to its process group" },
	{ "killasgroup", OPT_BOOL, "true", 0, 0, PC(killasgroup), OPT_LIVE,
	    NULL, NULL, NULL, "send SIGKILL to its process group" },
	{ "user", OPT_STRING, NULL, 0, 0, PC(user), 0, NULL, NULL, NULL,
	    "run it as this user" },
	{ "redirect_stderr", OPT_BOOL, "false", 0, 0, PC(redirect_stderr), 0,
	    NULL, NULL, NULL, "send its stderr to the stdout log" },
	STREAM_OPTIONS("stdout", stdout_cfg),
	STREAM_OPTIONS("stderr", stderr_cfg),
	{ "environment", OPT_SPECIAL, NULL, 0, 0, PC(environment),
	    OPT_PROCESS | OPT_OWN, NULL, NULL, opt_json_env, "its variables, "
	    "on top of [supervisord]'s" },
	{ "directory", OPT_STRING, NULL, 0, 0, PC(directory), OPT_PROCESS,
	    NULL, NULL, NULL, "its working folder" },
	{ "umask", OPT_UMASK, NULL, 0, 0, PC(umask), 0, NULL, NULL, NULL,
	    "its umask" },
	{ "serverurl", OPT_STRING, "AUTO", 0, 0, PC(serverurl), 0, auto_word,
	    NULL, NULL, "SUPERVISOR_SERVER_URL; AUTO: this daemon's socket" },
	{ "backoff_growth", OPT_CHOICE, "linear", 0, 0, PC(backoff_growth),
	    OPT_OURS | OPT_LIVE, backoff_growth_choices, NULL, NULL,
	    "how restart delays grow: linear or exponential" },
	{ "backoff_max", OPT_SECONDS, "60", 0, SECONDS_MAX,
	    PC(backoff_max_ms), OPT_OURS | OPT_LIVE, NULL, NULL, NULL,
	    "the longest restart delay, in seconds" },
	{ "backoff_reset", OPT_SECONDS, "60", 0, SECONDS_MAX,
	    PC(backoff_reset_ms), OPT_OURS | OPT_LIVE, NULL, NULL, NULL,
	    "seconds of running after which the delays start over" },
	{ "shutdown_on", OPT_CHOICE, "never", 0, 0, PC(shutdown_on),
	    OPT_OURS | OPT_LIVE, shutdown_on_choices, NULL, NULL,
	    "never, fatal or exit: when its end stops the daemon" },
	{ "environment_file", OPT_LIST, NULL, 0, 0, PC(environment_files),
	    OPT_PROCESS | OPT_OURS, NULL, opt_parse_envfiles, NULL,
	    "files of NAME=value lines for it" },
	{ "ready", OPT_CHOICE, "startsecs", 0, 0, PC(ready), OPT_OURS,
	    ready_choices, NULL, NULL, "when it counts as RUNNING: startsecs "
	    "or notify" },
	{ "depends_on", OPT_LIST, NULL, 0, 0, PC(depends_on),
	    OPT_OURS | OPT_LIVE, NULL, NULL, NULL, "programs that must be "
	    "RUNNING before it starts" },
	{ "watchdog", OPT_INT, "0", 0, SECONDS_MAX, PC(watchdog), OPT_OURS,
	    NULL, NULL, NULL, "seconds within which it must send WATCHDOG=1; "
	    "0: none" },
};

#define TABLE(name, rows)	{ name, rows, sizeof(rows) / sizeof(rows[0]) }

static const struct {
	const char			*name;
	const struct config_option	*rows;
	size_t				 n;
} tables[CONFIG_NSECTIONS] = {
	[CONFIG_SUPERVISORD] = TABLE("supervisord", supervisord_options),
	[CONFIG_UNIX_HTTP_SERVER] = TABLE("unix_http_server", unix_options),
	[CONFIG_INET_HTTP_SERVER] = TABLE("inet_http_server", inet_options),
	[CONFIG_SUPERVISORCTL] = TABLE("supervisorctl", ctl_options),
	[CONFIG_INCLUDE] = TABLE("include", include_options),
	[CONFIG_PROGRAM] = TABLE("program:", program_options),
	[CONFIG_GROUP] = TABLE("group:", group_options),
};

const struct config_option *
config_options(enum config_section s, size_t *n)
{
	*n = tables[s].n;
	return tables[s].rows;
}

const char *
config_section_name(enum config_section s)
{
	return tables[s].name;
}

/*
 * Which sections and keys mean something here.  Python Supervisor ignores
 * an unknown key or section without a word; we say so with its file:line,
 * and say when a section it would act on (an event listener, a named
 * HTTP server) is skipped.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

static const char *const supervisord_keys[] = {
	"logfile", "logfile_maxbytes", "logfile_backups", "loglevel",
	"pidfile", "nodaemon", "silent", "minfds", "minprocs", "umask", "user",
	"directory", "childlogdir", "identifier", "environment", "nocleanup",
	"strip_ansi", "rundir", "environment_file", NULL,
};

static const char *const program_keys[] = {
	"command", "process_name", "numprocs", "numprocs_start", "priority",
	"autostart", "startsecs", "startretries", "autorestart", "exitcodes",
	"stopsignal", "stopwaitsecs", "stopasgroup", "killasgroup", "user",
	"redirect_stderr",
	"stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups",
	"stdout_capture_maxbytes", "stdout_events_enabled", "stdout_syslog",
	"stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups",
	"stderr_capture_maxbytes", "stderr_events_enabled", "stderr_syslog",
	"environment", "directory", "umask", "serverurl",
	"backoff_growth", "backoff_max", "backoff_reset", "shutdown_on",
	"environment_file", "ready", "depends_on", "watchdog", NULL,
};

static const char *const group_keys[] = { "programs", "priority", NULL };

static const char *const unix_keys[] = {
	"file", "chmod", "chown", "username", "password", "access_group", NULL,
};

static const char *const inet_keys[] = {
	"port", "username", "password", NULL,
};

static const char *const ctl_keys[] = {
	"serverurl", "username", "password", "prompt", "history_file", NULL,
};

static const char *const include_keys[] = { "files", NULL };

/* A kind of section: its name (or prefix), its keys, or why skipped. */
static const struct section_kind {
	const char		*name;
	bool			 prefix;
	const char *const	*keys;
	const char		*skipped;
} kinds[] = {
	{ "supervisord", false, supervisord_keys, NULL },
	{ "unix_http_server", false, unix_keys, NULL },
	{ "supervisorctl", false, ctl_keys, NULL },
	{ "include", false, include_keys, NULL },
	{ "program:", true, program_keys, NULL },
	{ "group:", true, group_keys, NULL },
	{ "eventlistener:", true, NULL,
	    "event listeners are not supported: section skipped" },
	{ "fcgi-program:", true, NULL,
	    "FastCGI programs are not supported: section skipped" },
	{ "inet_http_server", false, inet_keys, NULL },
	{ "inet_http_server", true, NULL,
	    "only [inet_http_server] makes a TCP listener: section "
	    "ignored" },
	{ "unix_http_server", true, NULL,
	    "only [unix_http_server] makes a control socket: section "
	    "ignored" },
	{ "ctlplugin:", true, NULL,
	    "supervisorctl plugins are not supported: section ignored" },
	{ "rpcinterface:", true, NULL, NULL },
};

static bool
known_key(const char *const *keys, const char *key)
{
	for (; *keys != NULL; keys++)
		if (strcmp(*keys, key) == 0)
			return true;
	return false;
}

/* [rpcinterface:supervisor] as every sample has it changes nothing. */
static bool
standard_rpcinterface(const struct ini_section *sec)
{
	return sec->n == 1 && strcmp(sec->v[0].key,
	    "supervisor.rpcinterface_factory") == 0 && strcmp(sec->v[0].value,
	    "supervisor.rpcinterface:make_main_rpcinterface") == 0;
}

static const struct section_kind *
section_kind(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].prefix ? strncmp(name, kinds[i].name,
		    strlen(kinds[i].name)) == 0 : strcmp(name,
		    kinds[i].name) == 0)
			return &kinds[i];
	}
	return NULL;
}

void
config_sections_check(struct loader *ld)
{
	const struct ini_section	*sec;
	const struct section_kind	*kind;
	size_t				 i, j;

	for (i = 0; i < ld->ini->n; i++) {
		sec = ld->ini->v[i];
		if ((kind = section_kind(sec->name)) == NULL) {
			diags_add(ld->diags, false, sec->file, sec->line,
			    "unknown section [%s]: ignored", sec->name);
			continue;
		}
		if (kind->keys == NULL) {
			if (kind->skipped != NULL)
				diags_add(ld->diags, false, sec->file,
				    sec->line, "[%s] %s", sec->name,
				    kind->skipped);
			else if (!standard_rpcinterface(sec))
				diags_add(ld->diags, false, sec->file,
				    sec->line, "[%s] XML-RPC interfaces are not "
				    "supported: section ignored", sec->name);
			continue;
		}
		for (j = 0; j < sec->n; j++) {
			if (!known_key(kind->keys, sec->v[j].key))
				diags_add(ld->diags, false, sec->v[j].file,
				    sec->v[j].line, "[%s] unknown key '%s': "
				    "ignored", sec->name, sec->v[j].key);
		}
	}
}

/*
 * The --print-config document: the resolved configuration as one JSON
 * object, every key under Supervisor's own name with its effective value.
 * Tests and tools read it, so its shape is a contract (supervisord.conf(5)
 * describes it).
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "config_priv.h"
#include "log.h"

static void
add_str(cJSON *o, const char *key, const char *s)
{
	if (s != NULL)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static void
add_octal(cJSON *o, const char *key, int mode, const char *fmt)
{
	char	buf[16];

	if (mode < 0) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	snprintf(buf, sizeof(buf), fmt, (unsigned)mode);
	cJSON_AddStringToObject(o, key, buf);
}

static void
add_list(cJSON *o, const char *key, char *const *list)
{
	cJSON	*a = cJSON_AddArrayToObject(o, key);

	for (; list != NULL && *list != NULL; list++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*list));
}

static cJSON *
env_json(const struct env *env)
{
	cJSON	*o = cJSON_CreateObject();
	size_t	 i;

	for (i = 0; i < env->n; i++)
		cJSON_AddStringToObject(o, env->keys[i], env->vals[i]);
	return o;
}

static void
stream_json(cJSON *o, const char *chan, const struct stream_config *st)
{
	char	key[64];

	snprintf(key, sizeof(key), "%s_logfile", chan);
	add_str(o, key, st->dest == LOG_DEST_AUTO ? "AUTO" :
	    st->dest == LOG_DEST_FILE ? st->logfile : NULL);
	snprintf(key, sizeof(key), "%s_logfile_maxbytes", chan);
	cJSON_AddNumberToObject(o, key, (double)st->logfile_maxbytes);
	snprintf(key, sizeof(key), "%s_logfile_backups", chan);
	cJSON_AddNumberToObject(o, key, st->logfile_backups);
	snprintf(key, sizeof(key), "%s_capture_maxbytes", chan);
	cJSON_AddNumberToObject(o, key, (double)st->capture_maxbytes);
	snprintf(key, sizeof(key), "%s_events_enabled", chan);
	cJSON_AddBoolToObject(o, key, st->events_enabled);
	snprintf(key, sizeof(key), "%s_syslog", chan);
	cJSON_AddBoolToObject(o, key, st->syslog);
}

static cJSON *
proc_json(const struct proc_config *p)
{
	static const char *const autorestarts[] = { "false", "unexpected",
	    "true" };
	cJSON	*o = cJSON_CreateObject(), *a;
	size_t	 i;
	int	 k;

	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "group", p->group);
	cJSON_AddStringToObject(o, "program", p->program);
	cJSON_AddNumberToObject(o, "process_num", p->process_num);
	cJSON_AddStringToObject(o, "process_name", p->name);
	cJSON_AddStringToObject(o, "command", p->command);
	a = cJSON_AddArrayToObject(o, "argv");
	for (k = 0; k < p->argc; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->argv[k]));
	cJSON_AddNumberToObject(o, "numprocs", p->numprocs);
	cJSON_AddNumberToObject(o, "numprocs_start", p->numprocs_start);
	cJSON_AddNumberToObject(o, "priority", p->priority);
	cJSON_AddBoolToObject(o, "autostart", p->autostart);
	cJSON_AddNumberToObject(o, "startsecs", p->startsecs);
	cJSON_AddNumberToObject(o, "startretries", p->startretries);
	cJSON_AddStringToObject(o, "autorestart",
	    autorestarts[p->autorestart]);
	a = cJSON_AddArrayToObject(o, "exitcodes");
	for (i = 0; i < p->nexitcodes; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(p->exitcodes[i]));
	add_str(o, "stopsignal", signal_name(p->stopsignal));
	cJSON_AddNumberToObject(o, "stopwaitsecs", p->stopwaitsecs);
	cJSON_AddBoolToObject(o, "stopasgroup", p->stopasgroup);
	cJSON_AddBoolToObject(o, "killasgroup", p->killasgroup);
	add_str(o, "user", p->user);
	cJSON_AddBoolToObject(o, "redirect_stderr", p->redirect_stderr);
	stream_json(o, "stdout", &p->stdout_cfg);
	stream_json(o, "stderr", &p->stderr_cfg);
	cJSON_AddItemToObject(o, "environment", env_json(&p->environment));
	add_str(o, "directory", p->directory);
	add_octal(o, "umask", p->umask, "%03o");
	add_str(o, "serverurl", p->serverurl);
	cJSON_AddStringToObject(o, "backoff_growth",
	    p->backoff_growth == BACKOFF_EXPONENTIAL ? "exponential" :
	    "linear");
	cJSON_AddNumberToObject(o, "backoff_max", p->backoff_max_ms / 1000);
	cJSON_AddNumberToObject(o, "backoff_reset", p->backoff_reset_ms / 1000);
	cJSON_AddStringToObject(o, "shutdown_on", shutdown_on_name(
	    p->shutdown_on));
	add_list(o, "environment_file", p->environment_files);
	cJSON_AddStringToObject(o, "ready", p->ready == READY_NOTIFY ?
	    "notify" : "startsecs");
	a = cJSON_AddArrayToObject(o, "depends_on");
	for (i = 0; i < p->ndepends_on; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->depends_on[i]));
	cJSON_AddNumberToObject(o, "watchdog", p->watchdog);
	return o;
}

static cJSON *
supervisord_json(const struct supervisord_config *sd)
{
	cJSON	*o = cJSON_CreateObject();

	add_str(o, "logfile", sd->logfile);
	cJSON_AddNumberToObject(o, "logfile_maxbytes",
	    (double)sd->logfile_maxbytes);
	cJSON_AddNumberToObject(o, "logfile_backups", sd->logfile_backups);
	cJSON_AddStringToObject(o, "loglevel",
	    log_level_name((enum log_level)sd->loglevel));
	add_str(o, "pidfile", sd->pidfile);
	cJSON_AddBoolToObject(o, "nodaemon", sd->nodaemon);
	cJSON_AddBoolToObject(o, "silent", sd->silent);
	cJSON_AddNumberToObject(o, "minfds", (double)sd->minfds);
	cJSON_AddNumberToObject(o, "minprocs", (double)sd->minprocs);
	add_octal(o, "umask", sd->umask, "%03o");
	add_str(o, "user", sd->user);
	add_str(o, "directory", sd->directory);
	add_str(o, "childlogdir", sd->childlogdir);
	add_str(o, "identifier", sd->identifier);
	cJSON_AddItemToObject(o, "environment", env_json(&sd->environment));
	cJSON_AddBoolToObject(o, "nocleanup", sd->nocleanup);
	cJSON_AddBoolToObject(o, "strip_ansi", sd->strip_ansi);
	add_str(o, "rundir", sd->rundir);
	add_list(o, "environment_file", sd->environment_files);
	return o;
}

cJSON *
config_to_json(const struct config *cfg)
{
	const struct group_config	*g;
	cJSON				*root, *o, *groups, *procs;
	size_t				 i, j;

	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "supervisord", supervisord_json(&cfg->sd));
	o = cJSON_AddObjectToObject(root, "unix_http_server");
	add_str(o, "file", cfg->unix_server.file);
	add_octal(o, "chmod", cfg->unix_server.chmod, "%04o");
	add_str(o, "chown", cfg->unix_server.chown);
	add_str(o, "access_group", cfg->unix_server.access_group);
	add_str(o, "username", cfg->unix_server.username);
	add_str(o, "password", cfg->unix_server.password);
	o = cJSON_AddObjectToObject(root, "inet_http_server");
	if (cfg->inet_server.enabled) {
		add_str(o, "host", cfg->inet_server.host);
		cJSON_AddNumberToObject(o, "port", cfg->inet_server.port);
		add_str(o, "username", cfg->inet_server.username);
		add_str(o, "password", cfg->inet_server.password);
	}
	o = cJSON_AddObjectToObject(root, "supervisorctl");
	add_str(o, "serverurl", cfg->ctl_serverurl);
	groups = cJSON_AddArrayToObject(root, "groups");
	for (i = 0; i < cfg->ngroups; i++) {
		g = cfg->groups[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", g->name);
		cJSON_AddNumberToObject(o, "priority", g->priority);
		procs = cJSON_AddArrayToObject(o, "processes");
		for (j = 0; j < g->nprocs; j++)
			cJSON_AddItemToArray(procs, proc_json(g->procs[j]));
		cJSON_AddItemToArray(groups, o);
	}
	return root;
}

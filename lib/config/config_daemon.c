/*
 * The daemon's own sections: [supervisord], [supervisorctl] and
 * [unix_http_server] (and [inet_http_server], config_http.c), read with the expansions and path rules Supervisor's
 * ServerOptions.read_config() and ClientOptions.read_config() apply.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_priv.h"
#include "log.h"
#include "xmalloc.h"

/* Where the socket is when [unix_http_server] names no file. */
static char *
default_socket(void)
{
	const char	*xdg;
	char		*path;

	if (geteuid() == 0)
		return xstrdup("/run/supervisord.sock");
	if ((xdg = getenv("XDG_RUNTIME_DIR")) != NULL && *xdg == '/') {
		xasprintf(&path, "%s/supervisord.sock", xdg);
		return path;
	}
	xasprintf(&path, "/tmp/supervisord-%u.sock", (unsigned)geteuid());
	return path;
}

/* The run folder next to the socket: /run/supervisord.sock: .d. */
static char *
default_rundir(const char *sock)
{
	size_t	 n = strlen(sock);
	char	*dir;

	if (n > 5 && strcmp(sock + n - 5, ".sock") == 0)
		n -= 5;
	xasprintf(&dir, "%.*s.d", (int)n, sock);
	return dir;
}

/* [supervisord] environment=: expanded twice, as Supervisor does. */
static void
sd_environment(struct sect *sc, const struct expn *ex)
{
	struct loader		*ld = sc->ld;
	struct env		*env = &ld->cfg->sd.environment;
	const struct ini_entry	*e;
	struct expn		 ex2 = { 0 };
	char			*once, *twice, cause[512], *name;
	size_t			 i;

	if (sect_get(sc, "environment", ex, 1, &once, &e) != 1)
		return;
	expn_merge(&ex2, ex);
	expn_set(&ex2, "host_node_name", ld->host);
	if (expand(once, &ex2, &twice, cause, sizeof(cause)) == -1)
		sect_error(sc, e, "environment", e->value, "%s", cause);
	else {
		if (value_kv_pairs(twice, env, cause, sizeof(cause)) == -1)
			sect_error(sc, e, "environment", e->value, "%s", cause);
		free(twice);
	}
	free(once);
	expn_release(&ex2);
	/* Later sections see these as %(ENV_X)s too. */
	for (i = 0; i < env->n; i++) {
		xasprintf(&name, "ENV_%s", env->keys[i]);
		expn_set(&ld->env, name, env->vals[i]);
		free(name);
	}
}

static void
sd_load(struct loader *ld, const struct expn *ex)
{
	struct supervisord_config	*sd = &ld->cfg->sd;
	struct sect			 sc = { ld, NULL, 0 };
	const struct ini_entry		*e;
	long long			 n;
	char				*s, cause[128];

	sc.sec = ini_section(ld->ini, "supervisord");
	sect_int(&sc, "minfds", ex, 1024, 0, INT_MAX, &n);
	sd->minfds = (long)n;
	sect_int(&sc, "minprocs", ex, 200, 0, INT_MAX, &n);
	sd->minprocs = (long)n;
	sect_str(&sc, "directory", ex, NULL, &s);
	sd->directory = s != NULL ? value_expanduser(s) : NULL;
	free(s);
	sect_str(&sc, "user", ex, NULL, &sd->user);
	sect_octal(&sc, "umask", ex, 022, &sd->umask);

	/* Unset: our log goes to stderr (Supervisor: ./supervisord.log). */
	sect_str(&sc, "logfile", ex, NULL, &s);
	if (s != NULL && strcmp(s, "syslog") != 0) {
		sd->logfile = value_normalize_path(s);
		free(s);
	} else
		sd->logfile = s;
	sect_bytes(&sc, "logfile_maxbytes", ex, 50 * 1024 * 1024,
	    &sd->logfile_maxbytes);
	sect_int(&sc, "logfile_backups", ex, 10, 0, INT_MAX, &n);
	sd->logfile_backups = (int)n;
	sd->loglevel = LOG_LEVEL_INFO;
	if (sect_get(&sc, "loglevel", ex, 1, &s, &e) == 1) {
		if (value_loglevel(s, &sd->loglevel, cause, sizeof(cause)) == -1)
			sect_error(&sc, e, "loglevel", s, "%s", cause);
		free(s);
	}
	sect_str(&sc, "pidfile", ex, "supervisord.pid", &s);
	sd->pidfile = value_normalize_path(s);
	free(s);
	sect_str(&sc, "identifier", ex, "supervisor", &sd->identifier);
	sect_bool(&sc, "nodaemon", ex, false, &sd->nodaemon);
	sect_bool(&sc, "silent", ex, false, &sd->silent);
	if (sect_get(&sc, "childlogdir", ex, 1, &s, NULL) == 1) {
		sd->childlogdir = value_expanduser(s);
		free(s);
	} else
		sd->childlogdir = value_tempdir();
	sect_bool(&sc, "nocleanup", ex, false, &sd->nocleanup);
	sect_bool(&sc, "strip_ansi", ex, false, &sd->strip_ansi);
}

/* [supervisorctl]: read by supervisorctl, with its own expansions. */
static void
ctl_load(struct loader *ld, const struct expn *ex)
{
	struct sect	 sc = { ld, NULL, 0 };
	char		*s, *path;

	if ((sc.sec = ini_section(ld->ini, "supervisorctl")) == NULL)
		return;
	sect_str(&sc, "serverurl", ex, NULL, &s);
	if (s != NULL && strncmp(s, "unix://", 7) == 0) {
		path = value_normalize_path(s + 7);
		free(s);
		xasprintf(&s, "unix://%s", path);
		free(path);
	}
	ld->cfg->ctl_serverurl = s;
}

/* [unix_http_server]: our control socket. */
static void
unix_load(struct loader *ld, const struct expn *ex_here)
{
	struct unix_server_config	*us = &ld->cfg->unix_server;
	struct sect			 sc = { ld, NULL, 0 };
	char				*s;

	sc.sec = ini_section(ld->ini, "unix_http_server");
	if (sect_get(&sc, "file", ex_here, 1, &s, NULL) == 1) {
		us->file = value_normalize_path(s);
		free(s);
	} else
		us->file = default_socket();
	/* Supervisor gives these no %(here)s. */
	sect_octal(&sc, "chmod", &ld->env, 0700, &us->chmod);
	sect_str(&sc, "chown", &ld->env, NULL, &us->chown);
	sect_str(&sc, "access_group", &ld->env, NULL, &us->access_group);
	sect_http_auth(&sc, &ld->env, &us->username, &us->password);
}

void
config_daemon_load(struct loader *ld)
{
	struct config	*cfg = ld->cfg;
	struct sect	 sc = { ld, NULL, 0 };
	struct expn	 ex = { 0 };
	char		*s;

	expn_merge(&ex, &ld->env);
	expn_set(&ex, "here", cfg->here);
	sd_load(ld, &ex);
	ctl_load(ld, &ex);	/* before [supervisord] environment= */
	sc.sec = ini_section(ld->ini, "supervisord");
	sd_environment(&sc, &ex);
	sect_envfiles(&sc, &ex, &cfg->sd.environment_files);

	expn_release(&ex);
	expn_merge(&ex, &ld->env);
	expn_set(&ex, "here", cfg->here);
	unix_load(ld, &ex);
	config_inet_load(ld);
	if (sect_get(&sc, "rundir", &ex, 1, &s, NULL) == 1) {
		cfg->sd.rundir = value_normalize_path(s);
		free(s);
	} else
		cfg->sd.rundir = default_rundir(cfg->unix_server.file);
	expn_release(&ex);
}

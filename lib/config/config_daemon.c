/*
 * The daemon's own sections: [supervisord], [supervisorctl] and
 * [unix_http_server] ([inet_http_server]: config_http.c), read with the
 * expansions and path rules Supervisor's ServerOptions.read_config() and
 * ClientOptions.read_config() apply, and the keys of theirs whose reading
 * has real logic (the option tables do the plain ones).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

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

/* logfile: unset, the daemon logs to stderr (Supervisor: a file). */
void
opt_parse_daemon_log(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	char	**out = (char **)((char *)obj + o->offset), *s;

	*out = NULL;
	if (sect_get(sc, o->key, ex, 1, &s, NULL) != 1)
		return;
	if (strcmp(s, "syslog") != 0) {
		*out = value_normalize_path(s);
		free(s);
	} else
		*out = s;
}

void
opt_parse_loglevel(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	int			*out = (int *)((char *)obj + o->offset);
	const struct ini_entry	*e;
	char			*s, cause[128];

	*out = LOG_LEVEL_INFO;
	if (sect_get(sc, o->key, ex, 1, &s, &e) != 1)
		return;
	if (value_loglevel(s, out, cause, sizeof(cause)) == -1)
		sect_error(sc, e, o->key, s, "%s", cause);
	free(s);
}

void
opt_json_loglevel(cJSON *j, const struct config_option *o, const void *obj)
{
	const int	*level = config_option_ptr(o, obj);

	cJSON_AddStringToObject(j, o->key, log_level_name(
	    (enum log_level)*level));
}

/* [supervisorctl] serverurl: a unix:// path is normalised. */
void
opt_parse_serverurl(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	char	**out = (char **)((char *)obj + o->offset), *s, *path;

	*out = NULL;
	if (sect_get(sc, o->key, ex, 1, &s, NULL) != 1)
		return;
	if (strncmp(s, "unix://", 7) == 0) {
		path = value_normalize_path(s + 7);
		free(s);
		xasprintf(&s, "unix://%s", path);
		free(path);
	}
	*out = s;
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
	/* Supervisor gives the others no %(here)s. */
	opt_parse_rows(&sc, CONFIG_UNIX_HTTP_SERVER, 0, 0, &ld->env, us);
	sect_http_auth(&sc, &ld->env, &us->username, &us->password);
}

void
config_daemon_load(struct loader *ld)
{
	struct config	*cfg = ld->cfg;
	struct sect	 sc = { ld, NULL, 0 };
	struct expn	 ex = { 0 };

	expn_merge(&ex, &ld->env);
	expn_set(&ex, "here", cfg->here);
	sc.sec = ini_section(ld->ini, "supervisord");
	opt_parse_rows(&sc, CONFIG_SUPERVISORD, 0, 0, &ex, &cfg->sd);
	if (cfg->sd.childlogdir == NULL)
		cfg->sd.childlogdir = value_tempdir();
	/* Before [supervisord] environment=, which it does not see. */
	sc.sec = ini_section(ld->ini, "supervisorctl");
	if (sc.sec != NULL)
		opt_parse_rows(&sc, CONFIG_SUPERVISORCTL, 0, 0, &ex, cfg);
	sc.sec = ini_section(ld->ini, "supervisord");
	sd_environment(&sc, &ex);

	expn_release(&ex);
	expn_merge(&ex, &ld->env);
	expn_set(&ex, "here", cfg->here);
	unix_load(ld, &ex);
	config_inet_load(ld);
	opt_parse_key(&sc, CONFIG_SUPERVISORD, "rundir", &ex, &cfg->sd);
	if (cfg->sd.rundir == NULL)
		cfg->sd.rundir = default_rundir(cfg->unix_server.file);
	expn_release(&ex);
}

/*
 * The environment a program starts with: the daemon's own, Supervisor's
 * SUPERVISOR_* variables, then environment_file= and environment= of
 * [supervisord] and of the program, in Supervisor's order of precedence.
 * Built by the daemon before a spawn (or by a forked child, which reads
 * the environment files at each start).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strv.h"
#include "envfile.h"
#include "xmalloc.h"
#include "engine.h"

/* Set KEY=VALUE in an allocated environment, replacing KEY if present. */
static char **
env_put(char **env, size_t *n, const char *key, const char *val)
{
	size_t	i, klen = strlen(key);
	char	*kv;

	xasprintf(&kv, "%s=%s", key, val);
	for (i = 0; i < *n; i++) {
		if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=') {
			free(env[i]);
			env[i] = kv;
			return env;
		}
	}
	env = xreallocarray(env, *n + 2, sizeof(*env));
	env[(*n)++] = kv;
	env[*n] = NULL;
	return env;
}

/*
 * The child's environment, with Supervisor's precedence and our files in
 * it: the daemon's, then SUPERVISOR_*, then [supervisord] environment_file
 * and environment, then the program's environment_file and environment;
 * a later one overrides an earlier one.  p->cfg->environment has
 * [supervisord]'s under the program's own, so a key the program's file
 * sets is skipped there unless the program's environment= sets it too.
 */
char **
spawn_environ_files(const struct proc *p, char *const *base,
    const struct env *sd_file, const struct env *prog_file)
{
	const struct config	*cfg = p->daemon->config;
	const struct env	*e;
	char			**env, *url = NULL, num[32];
	size_t			 i, n = 0;

	env = xcalloc(1, sizeof(*env));
	for (i = 0; base != NULL && base[i] != NULL; i++) {
		if (strchr(base[i], '=') == NULL)
			continue;
		env = xreallocarray(env, n + 2, sizeof(*env));
		env[n++] = xstrdup(base[i]);
		env[n] = NULL;
	}
	env = env_put(env, &n, "SUPERVISOR_ENABLED", "1");
	if (p->cfg->serverurl != NULL)
		url = xstrdup(p->cfg->serverurl);
	else if (cfg != NULL && cfg->unix_server.file != NULL)
		xasprintf(&url, "unix://%s", cfg->unix_server.file);
	if (url != NULL)
		env = env_put(env, &n, "SUPERVISOR_SERVER_URL", url);
	free(url);
	env = env_put(env, &n, "SUPERVISOR_PROCESS_NAME", p->cfg->name);
	env = env_put(env, &n, "SUPERVISOR_GROUP_NAME", p->cfg->group);
	for (i = 0; sd_file != NULL && i < sd_file->n; i++)
		env = env_put(env, &n, sd_file->keys[i], sd_file->vals[i]);
	if (cfg != NULL) {
		e = &cfg->sd.environment;
		for (i = 0; i < e->n; i++)
			env = env_put(env, &n, e->keys[i], e->vals[i]);
	}
	for (i = 0; prog_file != NULL && i < prog_file->n; i++)
		env = env_put(env, &n, prog_file->keys[i], prog_file->vals[i]);
	e = &p->cfg->environment;
	for (i = 0; i < e->n; i++) {
		if (prog_file != NULL && env_get(prog_file, e->keys[i]) !=
		    NULL && env_get(&p->cfg->prog_environment, e->keys[i]) ==
		    NULL)
			continue;
		env = env_put(env, &n, e->keys[i], e->vals[i]);
	}
	/* ready=notify, watchdog=: our socket (notify.c), last, as ours. */
	if (notify_wanted(p->cfg) && notify_socket_name(p->daemon) != NULL) {
		env = env_put(env, &n, "NOTIFY_SOCKET",
		    notify_socket_name(p->daemon));
		if (p->cfg->watchdog > 0) {
			snprintf(num, sizeof(num), "%lld",
			    p->cfg->watchdog * 1000000LL);
			env = env_put(env, &n, "WATCHDOG_USEC", num);
			snprintf(num, sizeof(num), "%d", (int)getpid());
			env = env_put(env, &n, "WATCHDOG_PID", num);
		}
	}
	return env;
}

char **
spawn_environ(const struct proc *p, char *const *base)
{
	return spawn_environ_files(p, base, NULL, NULL);
}

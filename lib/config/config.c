/*
 * config_load(): read supervisord.conf and its includes, then turn each
 * section into the model of config.h, collecting every error and warning
 * with its file:line instead of stopping at the first; and the lookups
 * the daemon uses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config_priv.h"
#include "xmalloc.h"

extern char **environ;

/* %(ENV_X)s for every variable of our own environment, as Supervisor. */
static void
loader_environ(struct expn *ex)
{
	char	**ep, *eq, *name;

	for (ep = environ; ep != NULL && *ep != NULL; ep++) {
		if ((eq = strchr(*ep, '=')) == NULL)
			continue;
		xasprintf(&name, "ENV_%.*s", (int)(eq - *ep), *ep);
		expn_set(ex, name, eq + 1);
		free(name);
	}
}

struct group_config *
config_find_group(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->ngroups; i++)
		if (strcmp(cfg->groups[i]->name, name) == 0)
			return cfg->groups[i];
	return NULL;
}

struct proc_config *
config_find_proc(const struct config *cfg, const char *group, const char *name)
{
	struct group_config	*g;
	size_t			 i;

	if ((g = config_find_group(cfg, group)) == NULL)
		return NULL;
	for (i = 0; i < g->nprocs; i++)
		if (strcmp(g->procs[i]->name, name) == 0)
			return g->procs[i];
	return NULL;
}

size_t
config_nprocs(const struct config *cfg)
{
	size_t	i, n = 0;

	for (i = 0; i < cfg->ngroups; i++)
		n += cfg->groups[i]->nprocs;
	return n;
}

void
config_free(struct config *cfg)
{
	struct group_config	*g;
	size_t			 i, j;

	if (cfg == NULL)
		return;
	config_drop_text(cfg);
	for (i = 0; i < cfg->ngroups; i++) {
		g = cfg->groups[i];
		for (j = 0; j < g->nprocs; j++)
			proc_config_free(g->procs[j]);
		free(g->procs);
		listener_config_free(g->listener);
		free(g->name);
		free(g->file);
		free(g);
	}
	free(cfg->groups);
	opt_free_strings(CONFIG_SUPERVISORD, &cfg->sd);
	env_release(&cfg->sd.environment);
	opt_free_strings(CONFIG_UNIX_HTTP_SERVER, &cfg->unix_server);
	opt_free_strings(CONFIG_INET_HTTP_SERVER, &cfg->inet_server);
	free(cfg->inet_server.host);
	opt_free_strings(CONFIG_SUPERVISORCTL, cfg);
	free(cfg->path);
	free(cfg->here);
	free(cfg);
}

static struct config *
load(const char *path, struct diags *diags, bool programs)
{
	struct loader	 ld;
	struct config	*cfg;
	struct expn	 inc = { 0 };
	struct utsname	 u;
	size_t		 before = diags->nerrors, i;

	cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = value_abspath(path);
	cfg->here = value_dirname(cfg->path);
	cfg->ini = xcalloc(1, sizeof(*cfg->ini));
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.ini = cfg->ini;
	ld.diags = diags;
	ld.host = xstrdup(uname(&u) == 0 ? u.nodename : "");
	loader_environ(&ld.env);

	expn_merge(&inc, &ld.env);
	expn_set(&inc, "host_node_name", ld.host);
	ld.ini->client = !programs;
	if (ini_load(ld.ini, path, &inc, diags) == -1) {
		diags_file(diags, path);
		diags_add(diags, true, path, 0, "cannot read the configuration: "
		    "%s", strerror(errno));
		goto out;
	}
	for (i = 0; i < ld.ini->nfiles; i++)
		diags_file(diags, ld.ini->files[i]);
	if (ini_section(ld.ini, "supervisord") == NULL) {
		diags_add(diags, true, path, 0, "no [supervisord] section");
		goto out;
	}
	config_daemon_load(&ld);
	if (programs) {
		config_programs_load(&ld);
		config_depends_check(&ld);
		config_sections_check(&ld);
	}
out:
	expn_release(&inc);
	expn_release(&ld.env);
	free(ld.host);
	if (diags->nerrors > before) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* The parsed text serves config_check()'s file:line alone, and the
   sections' file names the loader's diagnostics: a config kept for long
   drops them (some 400 bytes a program in small pieces). */
void
config_drop_text(struct config *cfg)
{
	struct group_config	*g;
	size_t			 i, j;

	if (cfg == NULL || cfg->ini == NULL)
		return;
	ini_release(cfg->ini);
	free(cfg->ini);
	cfg->ini = NULL;
	for (i = 0; i < cfg->ngroups; i++) {
		g = cfg->groups[i];
		free(g->file);
		g->file = NULL;
		for (j = 0; j < g->nprocs; j++) {
			free(g->procs[j]->file);
			g->procs[j]->file = NULL;
		}
	}
}

struct config *
config_load(const char *path, struct diags *diags)
{
	return load(path, diags, true);
}

/* supctl reads a file of 1000 programs for its socket: skip them. */
struct config *
config_load_client(const char *path, struct diags *diags)
{
	return load(path, diags, false);
}

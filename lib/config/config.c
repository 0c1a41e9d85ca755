/*
 * config_load(): read supervisord.conf and its includes, then turn each
 * section into the model of config.h, collecting every error and warning
 * with its file:line instead of stopping at the first.  Also the small
 * containers of config.h (diagnostics, environments) and the lookups the
 * daemon uses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "config_priv.h"
#include "log.h"
#include "unctrl.h"
#include "xmalloc.h"

extern char **environ;

void
diags_add(struct diags *d, bool error, const char *file, int line,
    const char *fmt, ...)
{
	struct diag	*g;
	va_list		 ap;
	char		*msg;
	size_t		 i;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("cannot allocate memory");
	va_end(ap);
	/* A program listed in two groups is read twice: say things once. */
	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		if (g->error == error && g->line == line &&
		    strcmp(g->msg, msg) == 0 && (g->file == NULL ?
		    file == NULL : file != NULL && strcmp(g->file, file) == 0)) {
			free(msg);
			return;
		}
	}
	d->v = xreallocarray(d->v, d->n + 1, sizeof(*d->v));
	g = &d->v[d->n++];
	g->file = file != NULL ? xstrdup(file) : NULL;
	g->line = line;
	g->error = error;
	g->msg = msg;
	if (error)
		d->nerrors++;
}

void
diags_print(const struct diags *d, int fd)
{
	const struct diag	*g;
	size_t			 i;

	char			*file, *msg;

	/* A value may hold any byte: none reaches the terminal raw. */
	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		file = g->file != NULL ? unctrl_dup(g->file) : NULL;
		msg = unctrl_dup(g->msg);
		if (file != NULL && g->line > 0)
			dprintf(fd, "%s:%d: ", file, g->line);
		else if (file != NULL)
			dprintf(fd, "%s: ", file);
		dprintf(fd, "%s%s\n", g->error ? "" : "warning: ", msg);
		free(file);
		free(msg);
	}
}

void
diags_release(struct diags *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void
env_set(struct env *e, const char *key, const char *val)
{
	size_t	i;

	/* A Python dict: a key set again keeps its place. */
	for (i = 0; i < e->n; i++) {
		if (strcmp(e->keys[i], key) == 0) {
			free(e->vals[i]);
			e->vals[i] = xstrdup(val);
			return;
		}
	}
	e->keys = xreallocarray(e->keys, e->n + 1, sizeof(*e->keys));
	e->vals = xreallocarray(e->vals, e->n + 1, sizeof(*e->vals));
	e->keys[e->n] = xstrdup(key);
	e->vals[e->n++] = xstrdup(val);
}

const char *
env_get(const struct env *e, const char *key)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->keys[i], key) == 0)
			return e->vals[i];
	return NULL;
}

void
env_release(struct env *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++) {
		free(e->keys[i]);
		free(e->vals[i]);
	}
	free(e->keys);
	free(e->vals);
	memset(e, 0, sizeof(*e));
}

void
value_free_list(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* A value in a message: quoted, and cut when it is long. */
static char *
shown(const char *value)
{
	char	*s;

	if (strlen(value) > 200)
		xasprintf(&s, "'%.200s...'", value);
	else
		xasprintf(&s, "'%s'", value);
	return s;
}

void
sect_error(struct sect *sc, const struct ini_entry *e, const char *key,
    const char *value, const char *fmt, ...)
{
	const struct ini_section	*sec = sc->sec;
	va_list				 ap;
	char				*msg, *v = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("cannot allocate memory");
	va_end(ap);
	if (value != NULL)
		v = shown(value);
	diags_add(sc->ld->diags, true, e != NULL ? e->file : sec != NULL ?
	    sec->file : sc->ld->cfg->path, e != NULL ? e->line : sec != NULL ?
	    sec->line : 0, "[%s] %s%s%s%s%s", sec != NULL ? sec->name :
	    "supervisord", key != NULL ? key : "", key != NULL ? ": " : "",
	    msg, v != NULL ? ": " : "", v != NULL ? v : "");
	free(v);
	free(msg);
	sc->nerrors++;
}

void
sect_warn(struct sect *sc, const struct ini_entry *e, const char *fmt, ...)
{
	const struct ini_section	*sec = sc->sec;
	va_list				 ap;
	char				*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("cannot allocate memory");
	va_end(ap);
	diags_add(sc->ld->diags, false, e != NULL ? e->file : sec != NULL ?
	    sec->file : sc->ld->cfg->path, e != NULL ? e->line : sec != NULL ?
	    sec->line : 0, "[%s] %s", sec != NULL ? sec->name : "supervisord",
	    msg);
	free(msg);
}

int
sect_get(struct sect *sc, const char *key, const struct expn *ex, int passes,
    char **out, const struct ini_entry **ep)
{
	const struct ini_entry	*e;
	char			*v, *next, cause[512];
	int			 i;

	if (ep != NULL)
		*ep = NULL;
	if (sc->sec == NULL || (e = ini_get(sc->ld->ini, sc->sec, key)) == NULL)
		return 0;
	if (ep != NULL)
		*ep = e;
	v = xstrdup(e->value);
	for (i = 0; i < passes; i++) {
		if (expand(v, ex, &next, cause, sizeof(cause)) == -1) {
			sect_error(sc, e, key, e->value, "%s", cause);
			free(v);
			return -1;
		}
		free(v);
		v = next;
	}
	*out = v;
	return 1;
}

void
sect_str(struct sect *sc, const char *key, const struct expn *ex,
    const char *def, char **out)
{
	char	*v;

	if (sect_get(sc, key, ex, 1, &v, NULL) == 1)
		*out = v;
	else
		*out = def != NULL ? xstrdup(def) : NULL;
}

void
sect_int(struct sect *sc, const char *key, const struct expn *ex,
    long long def, long long min, long long max, long long *out)
{
	const struct ini_entry	*e;
	char			*v, cause[128];
	long long		 n;

	*out = def;
	if (sect_get(sc, key, ex, 1, &v, &e) != 1)
		return;
	if (value_int(v, &n, cause, sizeof(cause)) == -1)
		sect_error(sc, e, key, v, "%s", cause);
	else if (n < min || n > max)
		sect_error(sc, e, key, v, "out of range (%lld to %lld)", min,
		    max);
	else
		*out = n;
	free(v);
}

void
sect_bool(struct sect *sc, const char *key, const struct expn *ex, bool def,
    bool *out)
{
	const struct ini_entry	*e;
	char			*v, cause[128];

	*out = def;
	if (sect_get(sc, key, ex, 1, &v, &e) != 1)
		return;
	if (value_bool(v, out, cause, sizeof(cause)) == -1) {
		sect_error(sc, e, key, v, "%s", cause);
		*out = def;
	}
	free(v);
}

void
sect_bytes(struct sect *sc, const char *key, const struct expn *ex,
    uint64_t def, uint64_t *out)
{
	const struct ini_entry	*e;
	char			*v, cause[128];

	*out = def;
	if (sect_get(sc, key, ex, 1, &v, &e) != 1)
		return;
	if (value_bytes(v, out, cause, sizeof(cause)) == -1) {
		sect_error(sc, e, key, v, "%s", cause);
		*out = def;
	}
	free(v);
}

void
sect_octal(struct sect *sc, const char *key, const struct expn *ex, int def,
    int *out)
{
	const struct ini_entry	*e;
	char			*v, cause[128];

	*out = def;
	if (sect_get(sc, key, ex, 1, &v, &e) != 1)
		return;
	if (value_octal(v, out, cause, sizeof(cause)) == -1) {
		sect_error(sc, e, key, v, "%s", cause);
		*out = def;
	}
	free(v);
}

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
	for (i = 0; i < cfg->ngroups; i++) {
		g = cfg->groups[i];
		for (j = 0; j < g->nprocs; j++)
			proc_config_free(g->procs[j]);
		free(g->procs);
		free(g->name);
		free(g->file);
		free(g);
	}
	free(cfg->groups);
	free(cfg->sd.logfile);
	free(cfg->sd.pidfile);
	free(cfg->sd.user);
	free(cfg->sd.directory);
	free(cfg->sd.childlogdir);
	free(cfg->sd.identifier);
	env_release(&cfg->sd.environment);
	value_free_list(cfg->sd.environment_files);
	free(cfg->sd.rundir);
	free(cfg->unix_server.file);
	free(cfg->unix_server.chown);
	free(cfg->unix_server.access_group);
	config_http_release(cfg);
	free(cfg->ctl_serverurl);
	if (cfg->ini != NULL) {
		ini_release(cfg->ini);
		free(cfg->ini);
	}
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
	size_t		 before = diags->nerrors;

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
		diags_add(diags, true, path, 0, "cannot read the configuration: "
		    "%s", strerror(errno));
		goto out;
	}
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

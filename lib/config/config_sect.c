/*
 * What every file of the loader calls: the diagnostics it collects
 * (file:line, error or warning), the ordered KEY=VALUE lists of config.h,
 * and a section's keys looked up and expanded, with errors and warnings
 * that name the section, the key and the value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "log.h"
#include "strv.h"
#include "unctrl.h"
#include "xmalloc.h"

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
diags_file(struct diags *d, const char *file)
{
	strv_add_unique(&d->files, &d->nfiles, file);
}

/* Where a file comes in the order of print: read order, then others. */
static size_t
file_rank(const struct diags *d, const char *file)
{
	size_t	i;

	if (file == NULL)
		return 0;
	for (i = 0; i < d->nfiles; i++)
		if (strcmp(d->files[i], file) == 0)
			return i + 1;
	return d->nfiles + 1;
}

struct diag_key {
	size_t			 rank;
	const struct diag	*g;
	size_t			 seq;
};

static int
diag_key_cmp(const void *a, const void *b)
{
	const struct diag_key	*ka = a, *kb = b;
	int			 c;

	if (ka->rank != kb->rank)
		return ka->rank < kb->rank ? -1 : 1;
	/* Files nobody said were read: by name. */
	if (ka->g->file != NULL && kb->g->file != NULL &&
	    (c = strcmp(ka->g->file, kb->g->file)) != 0)
		return c;
	if (ka->g->line != kb->g->line)
		return ka->g->line < kb->g->line ? -1 : 1;
	return ka->seq < kb->seq ? -1 : ka->seq > kb->seq;
}

void
diags_print(const struct diags *d, int fd)
{
	const struct diag	*g;
	struct diag_key		*keys;
	char			*file, *msg;
	size_t			 i;

	keys = xcalloc(d->n + 1, sizeof(*keys));
	for (i = 0; i < d->n; i++) {
		keys[i].rank = file_rank(d, d->v[i].file);
		keys[i].g = &d->v[i];
		keys[i].seq = i;
	}
	qsort(keys, d->n, sizeof(*keys), diag_key_cmp);
	/* A value may hold any byte: none reaches the terminal raw. */
	for (i = 0; i < d->n; i++) {
		g = keys[i].g;
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
	free(keys);
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
	strv_free(d->files);
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

/*
 * Keys of ours for hosts and containers: environment_file= ([supervisord]
 * and [program:x]), checked at load so that a bad line is a configuration
 * error with its file:line, and the names of shutdown_on= ([program:x]),
 * which lets one program's end take the whole daemon down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "config_priv.h"
#include "envfile.h"
#include "xmalloc.h"

const char *
shutdown_on_name(enum shutdown_on v)
{
	if ((size_t)v > SHUTDOWN_ON_EXIT)
		return "never";
	return shutdown_on_choices[v];
}

/*
 * environment_file = PATH[, PATH...]: each path absolute (relative to the
 * current folder, as Supervisor's other paths), "-" kept in front of an
 * optional one.  Each file is read once here so that its errors stop the
 * load; it is read again at each start of a process.
 */
void
sect_envfiles(struct sect *sc, const struct expn *ex, char ***out)
{
	const struct ini_entry	*e;
	struct env		 scratch = { 0 };
	char			*v, **list, *path, *prefix;
	const char		*bare;
	size_t			 n, i, j = 0, errors;
	bool			 optional;

	*out = NULL;
	if (sect_get(sc, "environment_file", ex, 1, &v, &e) != 1)
		return;
	list = value_list(v, &n);
	free(v);
	xasprintf(&prefix, "[%s] environment_file: ", sc->sec->name);
	*out = xcalloc(n + 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		bare = envfile_path(list[i], &optional);
		if (*bare == '\0') {
			sect_error(sc, e, "environment_file", e->value,
			    "an empty file name");
			continue;
		}
		path = value_normalize_path(bare);
		xasprintf(&(*out)[j], "%s%s", optional ? "-" : "", path);
		free(path);
		errors = envfile_load((*out)[j++], e->file, e->line, prefix,
		    &scratch, sc->ld->diags);
		sc->nerrors += errors;
		env_release(&scratch);
	}
	free(prefix);
	strv_free(list);
	if (j == 0) {
		free(*out);
		*out = NULL;
	}
}

void
opt_parse_envfiles(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	sect_envfiles(sc, ex, (char ***)((char *)obj + o->offset));
}

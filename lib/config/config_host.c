/*
 * Keys of ours for hosts and containers: environment_file= ([supervisord]
 * and [program:x]), checked at load so that a bad line is a configuration
 * error with its file:line, and shutdown_on= ([program:x]), which lets one
 * program's end take the whole daemon down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "envfile.h"
#include "xmalloc.h"

static const char *const shutdown_on_names[] = {
	[SHUTDOWN_ON_NEVER] = "never",
	[SHUTDOWN_ON_FATAL] = "fatal",
	[SHUTDOWN_ON_EXIT] = "exit",
};

const char *
shutdown_on_name(enum shutdown_on v)
{
	if ((size_t)v >= sizeof(shutdown_on_names) /
	    sizeof(shutdown_on_names[0]))
		return "never";
	return shutdown_on_names[v];
}

int
value_shutdown_on(const char *s, enum shutdown_on *out, char *cause,
    size_t len)
{
	char	*v = value_strip(s);
	size_t	 i;

	for (i = 0; i < sizeof(shutdown_on_names) /
	    sizeof(shutdown_on_names[0]); i++) {
		if (strcasecmp(v, shutdown_on_names[i]) == 0) {
			*out = (enum shutdown_on)i;
			free(v);
			return 0;
		}
	}
	free(v);
	snprintf(cause, len, "not never, fatal or exit");
	return -1;
}

void
sect_shutdown_on(struct sect *sc, const struct expn *ex,
    enum shutdown_on *out)
{
	const struct ini_entry	*e;
	char			*v, cause[128];

	*out = SHUTDOWN_ON_NEVER;
	if (sect_get(sc, "shutdown_on", ex, 1, &v, &e) != 1)
		return;
	if (value_shutdown_on(v, out, cause, sizeof(cause)) == -1)
		sect_error(sc, e, "shutdown_on", v, "%s", cause);
	free(v);
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
	value_free_list(list);
	if (j == 0) {
		free(*out);
		*out = NULL;
	}
}

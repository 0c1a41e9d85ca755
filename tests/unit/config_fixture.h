/*
 * Shared by the configuration loader's unit tests: a private folder with
 * files written into it, loading a file from there, and looking for a
 * diagnostic by file, line and text.
 */
#ifndef CONFIG_FIXTURE_H
#define CONFIG_FIXTURE_H

#define _XOPEN_SOURCE 700
#include <check.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_priv.h"
#include "xmalloc.h"

static char	fx_dir[256];

/* A fresh folder for one test; fx_cleanup() removes it. */
static inline void
fx_setup(void)
{
	snprintf(fx_dir, sizeof(fx_dir), "/tmp/sup-config-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx_dir));
}

static inline int
fx_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
fx_cleanup(void)
{
	nftw(fx_dir, fx_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

/* fx_dir/name, allocated. */
static inline char *
fx_path(const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", fx_dir, name);
	return p;
}

/* Write text to fx_dir/name (folders made as needed); returns the path. */
static inline char *
fx_write(const char *name, const char *text)
{
	char	*p = fx_path(name), *dir = xstrdup(p), *slash;
	FILE	*f;

	for (slash = dir + strlen(fx_dir) + 1; (slash = strchr(slash, '/'));
	    slash++) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	free(dir);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
	return p;
}

/* Load text as fx_dir/supervisord.conf. */
static inline struct config *
fx_load(const char *text, struct diags *d)
{
	char		*p = fx_write("supervisord.conf", text);
	struct config	*cfg;

	memset(d, 0, sizeof(*d));
	cfg = config_load(p, d);
	free(p);
	return cfg;
}

/* Load text that must load, and free its diagnostics. */
static inline struct config *
fx_load_ok(const char *text)
{
	struct diags	 d;
	struct config	*cfg = fx_load(text, &d);

	if (cfg == NULL)
		diags_print(&d, 2);
	ck_assert_ptr_nonnull(cfg);
	diags_release(&d);
	return cfg;
}

/*
 * Is there a diagnostic (error or warning) in a file whose name ends with
 * file (NULL: any), at line (0: any), whose text holds substr?
 */
static inline bool
fx_has(const struct diags *d, bool error, const char *file, int line,
    const char *substr)
{
	const struct diag	*g;
	size_t			 i, fl, gl;

	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		if (g->error != error || (line != 0 && g->line != line))
			continue;
		if (file != NULL) {
			if (g->file == NULL)
				continue;
			fl = strlen(file);
			gl = strlen(g->file);
			if (gl < fl || strcmp(g->file + gl - fl, file) != 0)
				continue;
		}
		if (strstr(g->msg, substr) != NULL)
			return true;
	}
	return false;
}

/* Assert a diagnostic is there, printing all of them if not. */
#define fx_assert_diag(d, error, file, line, substr) do {		\
	if (!fx_has((d), (error), (file), (line), (substr))) {		\
		diags_print((d), 2);					\
		ck_abort_msg("no %s at %s:%d with '%s'",		\
		    (error) ? "error" : "warning", (file), (line),	\
		    (substr));						\
	}								\
} while (0)

/* The only process of the only group. */
static inline struct proc_config *
fx_proc(const struct config *cfg, const char *group, const char *name)
{
	struct proc_config	*p = config_find_proc(cfg, group, name);

	ck_assert_msg(p != NULL, "no process %s:%s", group, name);
	return p;
}

#endif

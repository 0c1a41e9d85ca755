/*
 * [include]: which files a supervisord.conf brings in, in which order, and
 * with which %(here)s.  Supervisor reads the main file, replaces %(here)s
 * in every value with the main file's folder, then reads each file its
 * files= globs match (relative to its folder, each glob's matches sorted)
 * and replaces %(here)s in what each brought with that file's folder.  We
 * do the same, and also follow the [include] of an included file (which
 * Supervisor ignores), refusing cycles.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "config_priv.h"
#include "xmalloc.h"

#define INI_MAX_DEPTH	32	/* nested includes */

/* The whole load: the stack of files being read, for cycles. */
struct ini_loader {
	struct ini		*ini;
	struct diags		*diags;
	const struct expn	*env;
	char			*stack[INI_MAX_DEPTH + 1];
	size_t			 depth;
};

static int	ini_read_file(struct ini_loader *, const char *path,
		    const char *from_file, int from_line);

/* Supervisor's expand_here(): %(here)s as text, in every new value. */
static void
replace_here(struct ini *ini, const char *here)
{
	struct ini_section	*sec;
	struct ini_entry	*e;
	char			*s, *p, *out;
	size_t			 i, j, hl = strlen(here), n;

	for (i = 0; i <= ini->n; i++) {
		sec = i < ini->n ? ini->v[i] : ini->defaults;
		for (j = 0; sec != NULL && j < sec->n; j++) {
			e = &sec->v[j];
			if (e->here_done)
				continue;
			e->here_done = true;
			for (n = 0, p = e->value; (p = strstr(p, "%(here)s"));
			    p += 8)
				n++;
			if (n == 0)
				continue;
			out = xmalloc(strlen(e->value) + n * hl + 1);
			*out = '\0';
			for (s = e->value; (p = strstr(s, "%(here)s")) != NULL;
			    s = p + 8) {
				strncat(out, s, (size_t)(p - s));
				strcat(out, here);
			}
			strcat(out, s);
			free(e->value);
			e->value = out;
		}
	}
}

static int
glob_error(const char *path, int err)
{
	(void)path;
	(void)err;
	return 0;	/* keep going; a pattern without files is a warning */
}

static int
compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One pattern of [include] files, relative to the including file.  The
 * files= entry is named by its file and line: reading a file that adds
 * [include] keys moves the entries.
 */
static void
include_pattern(struct ini_loader *ld, const char *base, const char *pattern,
    const char *from_file, int from_line)
{
	glob_t	 g;
	char	*joined;
	size_t	 i;
	int	 r;

	if (pattern[0] == '/')
		joined = xstrdup(pattern);
	else
		xasprintf(&joined, "%s%s%s", base, base[strlen(base) - 1] ==
		    '/' ? "" : "/", pattern);
	memset(&g, 0, sizeof(g));
	r = glob(joined, GLOB_NOSORT | GLOB_NOESCAPE, glob_error, &g);
	if (r != 0 || g.gl_pathc == 0) {
		diags_add(ld->diags, false, from_file, from_line, "[include] "
		    "files: no file matches '%s'", joined);
		globfree(&g);
		free(joined);
		return;
	}
	qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv), compare_paths);
	for (i = 0; i < g.gl_pathc; i++)
		ini_read_file(ld, g.gl_pathv[i], from_file, from_line);
	globfree(&g);
	free(joined);
}

/* After a file: its %(here)s, then the files it includes, in order. */
static void
include_files(struct ini_loader *ld, bool sets_include, const char *path,
    bool is_main)
{
	struct ini		*ini = ld->ini;
	struct ini_section	*inc = ini_section(ini, "include");
	const struct ini_entry	*e;
	struct expn		 ex = { 0 };
	char			*abs, *here, *files, cause[512], **pat;
	const char		*file;
	size_t			 n, i;
	int			 line;

	abs = value_abspath(path);
	here = value_dirname(abs);
	if (is_main)
		ini->include_mode = inc != NULL;
	if (ini->include_mode)
		replace_here(ini, here);
	if (is_main && inc != NULL && ini_get(ini, inc, "files") == NULL)
		diags_add(ld->diags, true, inc->file, inc->line, "[include] "
		    "has no files key");
	if (inc == NULL || !sets_include ||
	    (e = ini_get(ini, inc, "files")) == NULL)
		goto out;

	expn_merge(&ex, ld->env);
	expn_set(&ex, "here", here);
	if (expand(e->value, &ex, &files, cause, sizeof(cause)) == -1) {
		diags_add(ld->diags, true, e->file, e->line, "[include] files: "
		    "%s in '%.200s'", cause, e->value);
		goto out;
	}
	file = e->file;	/* e moves when an included file adds keys */
	line = e->line;
	pat = value_split_ws(files, &n);
	free(files);
	for (i = 0; i < n; i++)
		include_pattern(ld, here, pat[i], file, line);
	strv_free(pat);
out:
	expn_release(&ex);
	free(here);
	free(abs);
}

static int
ini_read_file(struct ini_loader *ld, const char *path, const char *from_file,
    int from_line)
{
	char	*real;
	size_t	 i;
	bool	 sets_include;

	if ((real = realpath(path, NULL)) == NULL)
		real = xstrdup(path);
	for (i = 0; i < ld->depth; i++) {
		if (strcmp(ld->stack[i], real) == 0) {
			diags_add(ld->diags, true, from_file, from_line,
			    "[include] files: include cycle: '%s' includes "
			    "'%s', which is being read", from_file, path);
			free(real);
			return 0;
		}
	}
	if (ld->depth == INI_MAX_DEPTH) {
		diags_add(ld->diags, true, from_file, from_line, "[include] "
		    "files: includes nested deeper than %d", INI_MAX_DEPTH);
		free(real);
		return 0;
	}
	ld->stack[ld->depth++] = real;
	if (ini_read_one(ld->ini, ld->diags, path, &sets_include) == -1) {
		free(ld->stack[--ld->depth]);
		if (from_file == NULL)
			return -1;
		diags_add(ld->diags, false, from_file, from_line, "[include] "
		    "files: cannot read '%s': %s (skipped, as Supervisor does)",
		    path, strerror(errno));
		return 0;
	}
	include_files(ld, sets_include, path, from_file == NULL);
	free(ld->stack[--ld->depth]);
	return 0;
}

int
ini_load(struct ini *ini, const char *path, const struct expn *env,
    struct diags *diags)
{
	struct ini_loader	ld;

	memset(&ld, 0, sizeof(ld));
	ld.ini = ini;
	ld.diags = diags;
	ld.env = env;
	return ini_read_file(&ld, path, NULL, 0);
}

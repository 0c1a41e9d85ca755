/*
 * Groups: each [group:x] with the programs it lists, in that order, then
 * each [program:x] no group lists as a group of its own, all sorted by
 * priority then name as Supervisor sorts them; and the names that must be
 * unique.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "config_priv.h"
#include "xmalloc.h"

static struct group_config *
group_new(struct loader *ld, const char *name, const struct ini_section *sec,
    bool from_group)
{
	struct config		*cfg = ld->cfg;
	struct group_config	*g;

	g = xcalloc(1, sizeof(*g));
	g->name = xstrdup(name);
	g->from_group = from_group;
	g->file = xstrdup(sec->file);
	g->line = sec->line;
	cfg->groups = xreallocarray(cfg->groups, cfg->ngroups + 1,
	    sizeof(*cfg->groups));
	cfg->groups[cfg->ngroups++] = g;
	return g;
}

/* [group:x]: its programs, in the order listed. */
static void
group_load(struct loader *ld, const struct ini_section *sec,
    const struct ini_section ***grouped, size_t *ngrouped)
{
	struct sect			 sc = { ld, sec, 0 };
	const struct ini_section	*psec, *fsec;
	const struct ini_entry		*e;
	struct group_config		*g;
	struct expn			 ex = { 0 };
	char				*name, *v, **programs, *s, cause[256];
	size_t				 n = 0, i;
	int				 unused;

	if (value_name(strchr(sec->name, ':') + 1, &name, cause,
	    sizeof(cause)) == -1) {
		sect_error(&sc, NULL, NULL, NULL, "%s", cause);
		return;
	}
	expn_merge(&ex, &ld->env);
	expn_set(&ex, "here", ld->cfg->here);
	programs = NULL;
	if (sect_get(&sc, "programs", &ex, 1, &v, &e) == 1) {
		programs = value_list(v, &n);
		free(v);
	}
	g = group_new(ld, name, sec, true);
	opt_parse_key(&sc, CONFIG_GROUP, "priority", &ex, g);
	for (i = 0; i < n; i++) {
		xasprintf(&s, "program:%s", programs[i]);
		psec = ini_section(ld->ini, s);
		free(s);
		xasprintf(&s, "fcgi-program:%s", programs[i]);
		fsec = ini_section(ld->ini, s);
		free(s);
		if (psec == NULL && fsec == NULL)
			sect_error(&sc, e, "programs", e->value, "no "
			    "[program:%s] section", programs[i]);
		else if (psec != NULL && fsec != NULL)
			sect_error(&sc, e, "programs", e->value, "'%s' is "
			    "ambiguous: both [program:%s] and [fcgi-program:%s] "
			    "exist", programs[i], programs[i], programs[i]);
		else if (psec == NULL)
			sect_warn(&sc, e, "fcgi-program %s is not supported: "
			    "the group has no such process", programs[i]);
		else {
			*grouped = xreallocarray(*grouped, *ngrouped + 1,
			    sizeof(**grouped));
			(*grouped)[(*ngrouped)++] = psec;
			program_processes(ld, psec, g, &unused);
		}
	}
	strv_free(programs);
	expn_release(&ex);
	free(name);
}

/* Groups by priority, then name, keeping the order of equals. */
static int
compare_groups(const void *a, const void *b)
{
	const struct group_config	*ga = *(struct group_config *const *)a;
	const struct group_config	*gb = *(struct group_config *const *)b;

	if (ga->priority != gb->priority)
		return ga->priority < gb->priority ? -1 : 1;
	return strcmp(ga->name, gb->name);
}

/*
 * Add name as index i to a set of names: the index of an equal name added
 * before, or -1.  A map, not a pairwise check: a group of numprocs =
 * 100000 took minutes (found by fuzzing).
 */
static long
nameset_add(struct strmap *ns, const char *name, size_t i)
{
	void	*seen;

	if ((seen = strmap_get(ns, name)) != NULL)
		return (long)((uintptr_t)seen - 1);
	strmap_put(ns, name, (void *)(uintptr_t)(i + 1));
	return -1;
}

static void
check_unique(struct loader *ld)
{
	struct config		*cfg = ld->cfg;
	struct group_config	*g, *h;
	struct proc_config	*p, *q;
	struct strmap		 groups = { 0 }, procs;
	size_t			 i, j;
	long			 k;

	for (i = 0; i < cfg->ngroups; i++) {
		g = cfg->groups[i];
		if ((k = nameset_add(&groups, g->name, i)) != -1) {
			h = cfg->groups[k];
			diags_add(ld->diags, true, g->file, g->line,
			    "group name '%s' is used twice (also at "
			    "%s:%d)", g->name, h->file, h->line);
		}
		memset(&procs, 0, sizeof(procs));
		for (j = 0; j < g->nprocs; j++) {
			p = g->procs[j];
			if ((k = nameset_add(&procs, p->name, j)) == -1)
				continue;
			q = g->procs[k];
			diags_add(ld->diags, true, p->file, p->line,
			    "[%s] process name '%s' is used twice in "
			    "group '%s' (also by [%s] at %s:%d)",
			    p->section, p->name, g->name, q->section,
			    q->file, q->line);
		}
		strmap_free(&procs);
	}
	strmap_free(&groups);
}

void
config_programs_load(struct loader *ld)
{
	struct config			 *cfg = ld->cfg;
	const struct ini_section	**grouped = NULL, *sec;
	struct group_config		 *g, **sorted;
	char				 *name, cause[256];
	size_t				  ngrouped = 0, i, j;
	int				  priority;
	bool				  in_group;

	for (i = 0; i < ld->ini->n; i++)
		if (strncmp(ld->ini->v[i]->name, "group:", 6) == 0)
			group_load(ld, ld->ini->v[i], &grouped, &ngrouped);
	for (i = 0; i < ld->ini->n; i++) {
		sec = ld->ini->v[i];
		if (strncmp(sec->name, "program:", 8) != 0)
			continue;
		for (in_group = false, j = 0; j < ngrouped; j++)
			in_group |= grouped[j] == sec;
		if (in_group)
			continue;
		if (value_name(sec->name + 8, &name, cause,
		    sizeof(cause)) == -1) {
			diags_add(ld->diags, true, sec->file, sec->line, "[%s] "
			    "%s", sec->name, cause);
			continue;
		}
		g = group_new(ld, name, sec, false);
		program_processes(ld, sec, g, &priority);
		g->priority = priority;
		free(name);
	}
	free(grouped);

	/* Insertion sort: stable, as Python's sort. */
	sorted = xreallocarray(NULL, cfg->ngroups + 1, sizeof(*sorted));
	if (cfg->ngroups > 0)
		memcpy(sorted, cfg->groups, cfg->ngroups * sizeof(*sorted));
	for (i = 1; i < cfg->ngroups; i++) {
		g = sorted[i];
		for (j = i; j > 0 && compare_groups(&sorted[j - 1], &g) > 0;
		    j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = g;
	}
	free(cfg->groups);
	cfg->groups = sorted;
	check_unique(ld);
}

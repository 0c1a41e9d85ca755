/*
 * update GROUP..., add and remove: the configuration file applied to some
 * groups only, as supervisorctl's update, add and remove do.  The file is
 * read as for a reload; then the new configuration is made to hold, for
 * every group not named, the running group itself (the same pointers),
 * and for a named one the file's (add, update) or nothing (remove).  The
 * difference computed between the running configuration and that one
 * touches the named groups alone, and the live reload applies it: a key
 * that applies in place does not restart anything.  The daemon's own
 * sections keep their running values.
 *
 * Until the difference is applied the two configurations share groups
 * and daemon sections; reload_select_commit() then gives each group one
 * owner (the running configuration, freed after the reload, takes what
 * the new one does not use), and reload_select_undo() puts the file's
 * back when nothing is applied (dry run, refusal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "proto.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"
#include "reload.h"
#include "reload_select.h"

static bool
cjson_array_has(const cJSON *arr, const char *s)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, arr)
		if (strcmp(cJSON_GetStringValue(e), s) == 0)
			return true;
	return false;
}

static bool
named(const struct reload_select *sel, const char *group)
{
	size_t	i;

	for (i = 0; i < sel->nnames; i++)
		if (strcmp(sel->names[i], group) == 0)
			return true;
	return false;
}

/* Every process of a running group is down (remove). */
static bool
group_down(const struct daemon *d, const char *group)
{
	size_t	i;

	for (i = 0; i < d->nprocs; i++)
		if (strcmp(d->procs[i]->cfg->group, group) == 0 &&
		    !proc_is_down(d->procs[i]))
			return false;
	return true;
}

/* Whether one name may be acted on: PROTO_OK, or the code and why. */
static enum proto_code
check_name(const struct reload_select *sel, const struct daemon *d,
    const struct config *ncfg, const char *name, char *why, size_t len)
{
	bool	running = config_find_group(d->config, name) != NULL;
	bool	in_file = config_find_group(ncfg, name) != NULL;

	switch (sel->op) {
	case RELOAD_SELECT_UPDATE:
		if (running || in_file)
			return PROTO_OK;
		snprintf(why, len, "no such group: %s", name);
		return PROTO_BAD_NAME;
	case RELOAD_SELECT_ADD:
		if (running) {
			snprintf(why, len, "%s: process group already active",
			    name);
			return PROTO_ALREADY_ADDED;
		}
		if (in_file)
			return PROTO_OK;
		snprintf(why, len, "no such group in %s: %s", ncfg->path,
		    name);
		return PROTO_BAD_NAME;
	case RELOAD_SELECT_REMOVE:
		if (!running) {
			snprintf(why, len, "no such group: %s", name);
			return PROTO_BAD_NAME;
		}
		if (group_down(d, name))
			return PROTO_OK;
		snprintf(why, len, "%s: process group still running", name);
		return PROTO_STILL_RUNNING;
	}
	return PROTO_FAILED;
}

int
reload_select_check(const struct reload_select *sel, const struct daemon *d,
    const struct config *ncfg, cJSON *res, int *code, char *cause,
    size_t len)
{
	enum proto_code	 c, first = PROTO_OK;
	cJSON		*bad = cJSON_AddArrayToObject(res, "refused"), *e;
	char		 why[1024];
	size_t		 i;

	for (i = 0; i < sel->nnames; i++) {
		if ((c = check_name(sel, d, ncfg, sel->names[i], why,
		    sizeof(why))) == PROTO_OK)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "group", sel->names[i]);
		cJSON_AddStringToObject(e, "code", proto_code_name(c));
		cJSON_AddStringToObject(e, "message", why);
		cJSON_AddItemToArray(bad, e);
		if (first == PROTO_OK) {
			first = c;
			snprintf(cause, len, "%s", why);
		}
	}
	if (first == PROTO_OK)
		return 0;
	*code = first;
	return -1;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct group_config	*ga = *(struct group_config *const *)a;
	const struct group_config	*gb = *(struct group_config *const *)b;

	if (ga->priority != gb->priority)
		return ga->priority < gb->priority ? -1 : 1;
	return strcmp(ga->name, gb->name);
}

void
reload_select_merge(struct reload_select *sel, struct config *ocfg,
    struct config *ncfg)
{
	struct group_config	**v;
	size_t			  i, n = 0;

	v = xcalloc(ocfg->ngroups + ncfg->ngroups + 1, sizeof(*v));
	for (i = 0; i < ncfg->ngroups; i++)
		if (sel->op != RELOAD_SELECT_REMOVE &&
		    named(sel, ncfg->groups[i]->name))
			v[n++] = ncfg->groups[i];
	for (i = 0; i < ocfg->ngroups; i++)
		if (!named(sel, ocfg->groups[i]->name))
			v[n++] = ocfg->groups[i];
	qsort(v, n, sizeof(*v), group_cmp);
	sel->file_groups = ncfg->groups;
	sel->file_ngroups = ncfg->ngroups;
	ncfg->groups = v;
	ncfg->ngroups = n;
	/* The daemon's sections as they run: nothing of them differs. */
	sel->file_sd = ncfg->sd;
	sel->file_us = ncfg->unix_server;
	sel->file_is = ncfg->inet_server;
	ncfg->sd = ocfg->sd;
	ncfg->unix_server = ocfg->unix_server;
	ncfg->inet_server = ocfg->inet_server;
	sel->merged = true;
}

/* After the difference was computed: the file's daemon sections back in
   ncfg (reload_apply swaps them with the running ones, all of them,
   since no daemon key differs). */
void
reload_select_diffed(struct reload_select *sel, struct config *ncfg)
{
	if (!sel->merged)
		return;
	ncfg->sd = sel->file_sd;
	ncfg->unix_server = sel->file_us;
	ncfg->inet_server = sel->file_is;
}

/* Is g one of v's? */
static bool
holds(struct group_config *const *v, size_t n, const struct group_config *g)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] == g)
			return true;
	return false;
}

void
reload_select_commit(struct reload_select *sel, struct config *ocfg,
    struct config *ncfg)
{
	struct group_config	**rest;
	size_t			  i, n = 0;

	if (!sel->merged)
		return;
	/* The running configuration keeps what the new one does not use:
	   its named groups and the file's groups left out. */
	rest = xcalloc(ocfg->ngroups + sel->file_ngroups + 1, sizeof(*rest));
	for (i = 0; i < ocfg->ngroups; i++)
		if (!holds(ncfg->groups, ncfg->ngroups, ocfg->groups[i]))
			rest[n++] = ocfg->groups[i];
	for (i = 0; i < sel->file_ngroups; i++)
		if (!holds(ncfg->groups, ncfg->ngroups, sel->file_groups[i]))
			rest[n++] = sel->file_groups[i];
	free(ocfg->groups);
	free(sel->file_groups);
	sel->file_groups = NULL;
	ocfg->groups = rest;
	ocfg->ngroups = n;
	sel->merged = false;
}

void
reload_select_undo(struct reload_select *sel, struct config *ncfg)
{
	if (!sel->merged)
		return;
	free(ncfg->groups);
	ncfg->groups = sel->file_groups;
	ncfg->ngroups = sel->file_ngroups;
	sel->file_groups = NULL;
	ncfg->sd = sel->file_sd;
	ncfg->unix_server = sel->file_us;
	ncfg->inet_server = sel->file_is;
	sel->merged = false;
}

/*
 * The groups a difference touches, as supervisorctl's reread names them:
 * added (only in the new file), removed (only in the running
 * configuration), changed (in both, and a process of it must restart, is
 * added or removed).  A group whose keys all apply in place is not
 * changed: our reload leaves its processes running.
 */
void
reload_groups_json(const struct reload_diff *diff, const struct config *ocfg,
    const struct config *ncfg, cJSON *res)
{
	const struct reload_entry	*e;
	const char			*g;
	cJSON				*obj, *lists[3];
	size_t				 i;
	int				 which;

	obj = cJSON_AddObjectToObject(res, "groups");
	lists[0] = cJSON_AddArrayToObject(obj, "added");
	lists[1] = cJSON_AddArrayToObject(obj, "changed");
	lists[2] = cJSON_AddArrayToObject(obj, "removed");
	for (i = 0; i < diff->n; i++) {
		e = &diff->v[i];
		if (e->kind == RELOAD_UNCHANGED)
			continue;
		g = e->new != NULL ? e->new->group : e->old->group;
		if (config_find_group(ocfg, g) == NULL)
			which = 0;
		else if (config_find_group(ncfg, g) == NULL)
			which = 2;
		else
			which = 1;
		if (!cjson_array_has(lists[which], g))
			cJSON_AddItemToArray(lists[which],
			    cJSON_CreateString(g));
	}
}

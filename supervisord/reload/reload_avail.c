/*
 * avail (Supervisor's getAllConfigInfo): every program of the
 * configuration file as it is now, and whether the daemon runs it.  The
 * file is read for each request and nothing else changes.
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

/* One program of the file, as supervisorctl avail needs it. */
static cJSON *
avail_entry(struct daemon *d, const struct group_config *g,
    const struct proc_config *pc)
{
	const struct proc	*p;
	cJSON			*obj = cJSON_CreateObject();
	char			*full = reload_fullname(pc);

	p = daemon_find_proc(d, full);
	/* In use: the daemon runs this process of this group. */
	cJSON_AddStringToObject(obj, "name", pc->name);
	cJSON_AddStringToObject(obj, "group", g->name);
	cJSON_AddStringToObject(obj, "fullname", full);
	cJSON_AddBoolToObject(obj, "in_use", p != NULL &&
	    p->cfg->group != NULL && strcmp(p->cfg->group, g->name) == 0);
	cJSON_AddBoolToObject(obj, "autostart", pc->autostart);
	cJSON_AddNumberToObject(obj, "group_priority", g->priority);
	cJSON_AddNumberToObject(obj, "priority", pc->priority);
	free(full);
	return obj;
}

/* A program of the file, and where the file has it. */
struct avail_item {
	const struct proc_config	*pc;
	size_t				 order;
	cJSON				*obj;
};

/* By program name, then in the file's order (groups by priority): as
   Supervisor's getAllConfigInfo sorts them. */
static int
avail_cmp(const void *a, const void *b)
{
	const struct avail_item	*ia = a, *ib = b;
	int			 rc = strcmp(ia->pc->name, ib->pc->name);

	if (rc != 0)
		return rc;
	return ia->order < ib->order ? -1 : ia->order > ib->order;
}

int
reload_avail(struct daemon *d, cJSON **result, int *code, char *cause,
    size_t len)
{
	struct diags	 diags = { 0 };
	struct config	*ncfg;
	struct avail_item *items;
	cJSON		*res = cJSON_CreateObject(), *arr;
	char		*first = NULL;
	size_t		 i, j, n = 0;

	cJSON_AddStringToObject(res, "config", d->config->path);
	*result = res;
	if ((ncfg = config_load(d->config->path, &diags)) == NULL) {
		reload_diags_report(&diags, res);
		for (i = 0; i < diags.n && first == NULL; i++)
			if (diags.v[i].error)
				first = reload_diag_text(&diags.v[i]);
		snprintf(cause, len, "cannot load %s: %s%s", d->config->path,
		    first != NULL ? first : "unknown error",
		    diags.nerrors > 1 ? " (and more errors)" : "");
		free(first);
		diags_release(&diags);
		*code = PROTO_BAD_CONFIG;
		return -1;
	}
	arr = cJSON_AddArrayToObject(res, "processes");
	items = xcalloc(config_nprocs(ncfg) + 1, sizeof(*items));
	for (i = 0; i < ncfg->ngroups; i++)
		for (j = 0; j < ncfg->groups[i]->nprocs; j++) {
			items[n].pc = ncfg->groups[i]->procs[j];
			items[n].order = n;
			items[n++].obj = avail_entry(d, ncfg->groups[i],
			    ncfg->groups[i]->procs[j]);
		}
	qsort(items, n, sizeof(*items), avail_cmp);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, items[i].obj);
	free(items);
	config_free(ncfg);
	diags_release(&diags);
	return 0;
}

/*
 * What a new configuration changes, worked out without touching the
 * daemon: processes added, removed, changed (they must restart) or
 * unchanged (they keep running, with new values for the keys that only
 * steer the supervisor), and the [supervisord], [unix_http_server] and
 * [inet_http_server] keys that would need the daemon restarted.  Pure,
 * so unit tests can call it.
 *
 * Keys are compared as the --print-config document shows them, so a key
 * added to the loader (and to that document) restarts its process when it
 * changes unless its option table row says OPT_LIVE.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config_options.h"
#include "strv.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"
#include "reload.h"

/* Identity (equal by construction) and argv (command says it). */
static const char *const identity_keys[] = {
	"name", "group", "process_name", "argv", NULL
};

/*
 * Is a key of this section applied without a restart?  The option table
 * says (OPT_LIVE): for a program, keys that only steer the supervisor
 * (the running process keeps going, the new value applies at its next
 * start, exit or stop); for [supervisord], the daemon's log and the
 * environment (which reaches the programs, restarted when theirs
 * changes).
 */
static bool
live_key(enum config_section section, const char *key)
{
	const struct config_option	*o = config_option_find(section, key);

	return o != NULL && (o->flags & OPT_LIVE);
}

/* One process of a configuration with its --print-config object. */
struct diff_item {
	struct proc_config	*pc;
	const struct group_config *group;
	const cJSON		*json;
	bool			 matched;
};

static bool
in_list(const char *const *list, const char *key)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

const char *
reload_kind_name(enum reload_kind kind)
{
	switch (kind) {
	case RELOAD_ADDED:
		return "added";
	case RELOAD_CHANGED:
		return "changed";
	case RELOAD_REMOVED:
		return "removed";
	default:
		return "unchanged";
	}
}

/* "group:name", or "name" when the group has the program's own name. */
char *
reload_fullname(const struct proc_config *pc)
{
	char	*s;

	if (strcmp(pc->group, pc->name) == 0)
		return xstrdup(pc->name);
	xasprintf(&s, "%s:%s", pc->group, pc->name);
	return s;
}

/* Every process of cfg, paired with its object in the document. */
static struct diff_item *
diff_items(const struct config *cfg, const cJSON *doc, size_t *n)
{
	struct diff_item	*v;
	const cJSON		*groups, *g, *procs;
	size_t			 gi, pi, k = 0;

	v = xcalloc(config_nprocs(cfg) + 1, sizeof(*v));
	groups = cJSON_GetObjectItemCaseSensitive(doc, "groups");
	for (gi = 0; gi < cfg->ngroups; gi++) {
		g = cJSON_GetArrayItem(groups, (int)gi);
		procs = cJSON_GetObjectItemCaseSensitive(g, "processes");
		for (pi = 0; pi < cfg->groups[gi]->nprocs; pi++) {
			v[k].pc = cfg->groups[gi]->procs[pi];
			v[k].group = cfg->groups[gi];
			v[k].json = cJSON_GetArrayItem(procs, (int)pi);
			k++;
		}
	}
	*n = k;
	return v;
}

/* By group, then name: on pointers to items. */
static int
item_cmp(const void *a, const void *b)
{
	const struct diff_item	*ia = *(struct diff_item *const *)a;
	const struct diff_item	*ib = *(struct diff_item *const *)b;
	int			 rc;

	if ((rc = strcmp(ia->pc->group, ib->pc->group)) != 0)
		return rc;
	return strcmp(ia->pc->name, ib->pc->name);
}

/* The environment a process gets from the configuration: both layers. */
static void
effective_env(const struct config *cfg, const struct proc_config *pc,
    struct env *out)
{
	size_t	i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < cfg->sd.environment.n; i++)
		env_set(out, cfg->sd.environment.keys[i],
		    cfg->sd.environment.vals[i]);
	for (i = 0; i < pc->environment.n; i++)
		env_set(out, pc->environment.keys[i], pc->environment.vals[i]);
}

static bool
env_equal(const struct env *a, const struct env *b)
{
	const char	*v;
	size_t		 i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		if ((v = env_get(b, a->keys[i])) == NULL ||
		    strcmp(v, a->vals[i]) != 0)
			return false;
	}
	return true;
}

/* Compare one process of both configurations key by key. */
static void
diff_proc(const struct config *ocfg, const struct diff_item *o,
    const struct config *ncfg, const struct diff_item *n,
    bool envfiles_changed, struct reload_entry *e)
{
	const cJSON	*item, *other;
	struct env	 oe, ne;

	cJSON_ArrayForEach(item, n->json) {
		if (in_list(identity_keys, item->string) ||
		    strcmp(item->string, "environment") == 0)
			continue;
		other = cJSON_GetObjectItemCaseSensitive(o->json,
		    item->string);
		if (other != NULL && cJSON_Compare(item, other, true))
			continue;
		if (live_key(CONFIG_PROGRAM, item->string))
			strv_add_unique(&e->live, &e->nlive, item->string);
		else
			strv_add_unique(&e->keys, &e->nkeys, item->string);
	}
	cJSON_ArrayForEach(item, o->json) {
		if (cJSON_GetObjectItemCaseSensitive(n->json,
		    item->string) == NULL)
			strv_add_unique(&e->keys, &e->nkeys, item->string);
	}
	effective_env(ocfg, o->pc, &oe);
	effective_env(ncfg, n->pc, &ne);
	if (!env_equal(&oe, &ne))
		strv_add_unique(&e->keys, &e->nkeys, "environment");
	if (envfiles_changed)	/* [supervisord]'s, read at each start */
		strv_add_unique(&e->keys, &e->nkeys, "environment_file");
	env_release(&oe);
	env_release(&ne);
	if (o->group->priority != n->group->priority)
		strv_add_unique(&e->live, &e->nlive, "priority");
	e->kind = e->nkeys > 0 ? RELOAD_CHANGED : RELOAD_UNCHANGED;
}

/* A [supervisord] key's value in the document (NULL when absent). */
static const cJSON *
section_key(const cJSON *doc, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "supervisord"), key);
}

static struct reload_entry *
entry_add(struct reload_diff *diff)
{
	struct reload_entry	*e;

	diff->v = xreallocarray(diff->v, diff->n + 1, sizeof(*diff->v));
	e = &diff->v[diff->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* The daemon's own sections: which keys changed, live or not. */
static void
diff_section(struct reload_diff *diff, const cJSON *odoc, const cJSON *ndoc,
    enum config_section sid, bool all_restart)
{
	const char	*section = config_section_name(sid);
	const cJSON	*os, *ns, *item, *other;
	char		*key;

	os = cJSON_GetObjectItemCaseSensitive(odoc, section);
	ns = cJSON_GetObjectItemCaseSensitive(ndoc, section);
	cJSON_ArrayForEach(item, ns) {
		other = cJSON_GetObjectItemCaseSensitive(os, item->string);
		if (other != NULL && cJSON_Compare(item, other, true))
			continue;
		xasprintf(&key, "%s.%s", section, item->string);
		if (!all_restart && live_key(sid, item->string))
			strv_add_unique(&diff->live, &diff->nlive, key);
		else
			strv_add_unique(&diff->restart_needed, &diff->nrestart, key);
		free(key);
	}
	cJSON_ArrayForEach(item, os) {
		if (cJSON_GetObjectItemCaseSensitive(ns, item->string) != NULL)
			continue;
		xasprintf(&key, "%s.%s", section, item->string);
		strv_add_unique(&diff->restart_needed, &diff->nrestart, key);
		free(key);
	}
}

void
reload_diff(const struct config *ocfg, const struct config *ncfg,
    struct reload_diff *diff)
{
	struct diff_item	*ov, *nv, *o, **sorted, **found, *key;
	struct reload_entry	*e;
	cJSON			*odoc, *ndoc;
	size_t			 on, nn, i;
	bool			 envfiles;

	memset(diff, 0, sizeof(*diff));
	odoc = config_to_json(ocfg);
	ndoc = config_to_json(ncfg);
	envfiles = !cJSON_Compare(section_key(odoc, "environment_file"),
	    section_key(ndoc, "environment_file"), true);
	ov = diff_items(ocfg, odoc, &on);
	nv = diff_items(ncfg, ndoc, &nn);
	sorted = xcalloc(on + 1, sizeof(*sorted));
	for (i = 0; i < on; i++)
		sorted[i] = &ov[i];
	qsort(sorted, on, sizeof(*sorted), item_cmp);

	/* In the new configuration's order, then what went away. */
	for (i = 0; i < nn; i++) {
		e = entry_add(diff);
		e->new = nv[i].pc;
		key = &nv[i];
		found = bsearch(&key, sorted, on, sizeof(*sorted), item_cmp);
		o = found != NULL ? *found : NULL;
		if (o == NULL || o->matched) {
			e->kind = RELOAD_ADDED;
			continue;
		}
		o->matched = true;
		e->old = o->pc;
		diff_proc(ocfg, o, ncfg, &nv[i], envfiles, e);
	}
	/* In the old configuration's order. */
	for (i = 0; i < on; i++) {
		if (ov[i].matched)
			continue;
		e = entry_add(diff);
		e->kind = RELOAD_REMOVED;
		e->old = ov[i].pc;
	}
	for (i = 0; i < diff->n; i++)
		diff->count[diff->v[i].kind]++;

	diff_section(diff, odoc, ndoc, CONFIG_SUPERVISORD, false);
	diff_section(diff, odoc, ndoc, CONFIG_UNIX_HTTP_SERVER, true);
	diff_section(diff, odoc, ndoc, CONFIG_INET_HTTP_SERVER, true);

	free(sorted);
	free(ov);
	free(nv);
	cJSON_Delete(odoc);
	cJSON_Delete(ndoc);
}

/* Was a [supervisord] key applied live?  ("supervisord.loglevel") */
bool
reload_diff_live(const struct reload_diff *diff, const char *key)
{
	size_t	i;

	for (i = 0; i < diff->nlive; i++)
		if (strcmp(diff->live[i], key) == 0)
			return true;
	return false;
}

void
reload_diff_release(struct reload_diff *diff)
{
	size_t	i;

	for (i = 0; i < diff->n; i++) {
		strv_free(diff->v[i].keys);
		strv_free(diff->v[i].live);
	}
	free(diff->v);
	strv_free(diff->restart_needed);
	strv_free(diff->live);
	memset(diff, 0, sizeof(*diff));
}

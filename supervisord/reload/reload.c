/*
 * Live reload (SIGHUP and the reload request): read the configuration
 * file again and apply what changed without disturbing the rest.  A file
 * that does not load changes nothing.  Unchanged processes keep running
 * and point at the new configuration; changed ones restart with it; new
 * ones start (autostart); removed ones leave the process list at once and
 * are freed, with the configuration they point into, once they are down.
 * [supervisord] and [unix_http_server] keys that only a restart of the
 * daemon can apply keep their running values, and are reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "event.h"
#include "log.h"
#include "proto.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"
#include "reload.h"
#include "reload_select.h"

/* A removed process still stopping, and the configuration it uses. */
struct reload_drop {
	struct proc	*proc;
	struct config	*cfg;
};

struct reload {
	struct daemon		*daemon;
	struct reload_drop	*drops;
	size_t			 ndrops;
	struct config		**retired;	/* old configurations in use */
	size_t			 nretired;
	bool			 collect_due;	/* one of them went down */
};

static void	collect(struct reload *);

/* A process being dropped went down: free it at the end of the turn. */
static void
reload_event(const struct event *e, void *arg)
{
	struct reload	*r = arg;
	size_t		 i;

	for (i = 0; i < r->ndrops; i++)
		if (r->drops[i].proc == e->proc && proc_is_down(e->proc))
			r->collect_due = true;
}

void
reload_collect(struct daemon *d)
{
	struct reload	*r = d->reload;

	if (r != NULL && r->collect_due) {
		r->collect_due = false;
		collect(r);
	}
}

void
reload_init(struct daemon *d)
{
	struct reload	*r;

	r = xcalloc(1, sizeof(*r));
	r->daemon = d;
	d->reload = r;
	event_subscribe(d, EVENT_MASK(EVENT_PROCESS_STATE), EVENT_AFTER_INPUT,
	    reload_event, r);
}

/* At exit: what is still being dropped goes with everything else. */
void
reload_free(struct daemon *d)
{
	struct reload	*r = d->reload;
	size_t		 i;

	if (r == NULL)
		return;
	event_unsubscribe(d, reload_event, r);
	for (i = 0; i < r->ndrops; i++)
		daemon_proc_free(d, r->drops[i].proc);
	for (i = 0; i < r->nretired; i++)
		config_free(r->retired[i]);
	free(r->drops);
	free(r->retired);
	free(r);
	d->reload = NULL;
}

size_t
reload_dropping_count(const struct daemon *d)
{
	return d->reload != NULL ? d->reload->ndrops : 0;
}

struct proc *
reload_dropping(const struct daemon *d, size_t i)
{
	return d->reload->drops[i].proc;
}

bool
reload_procs_down(const struct daemon *d)
{
	const struct reload	*r = d->reload;
	size_t			 i;

	for (i = 0; r != NULL && i < r->ndrops; i++)
		if (!proc_is_down(r->drops[i].proc))
			return false;
	return true;
}

/* A removed process is down: forget it everywhere and free it. */
static void
drop_proc(struct daemon *d, struct proc *p)
{
	char	name[512];

	proc_fullname(p, name, sizeof(name));
	log_info("reload: %s is down and dropped from the configuration",
	    name);
	daemon_proc_free(d, p);
}

/* Free old configurations no process points into any more. */
static void
retired_collect(struct reload *r)
{
	size_t	i, j;
	bool	used;

	for (i = 0; i < r->nretired; ) {
		used = false;
		for (j = 0; j < r->ndrops && !used; j++)
			used = r->drops[j].cfg == r->retired[i];
		if (used) {
			i++;
			continue;
		}
		config_free(r->retired[i]);
		r->retired[i] = r->retired[--r->nretired];
	}
}

/* Drop every removed process that is down now. */
static void
collect(struct reload *r)
{
	size_t	i;

	for (i = 0; i < r->ndrops; ) {
		if (!proc_is_down(r->drops[i].proc)) {
			i++;
			continue;
		}
		drop_proc(r->daemon, r->drops[i].proc);
		r->drops[i] = r->drops[--r->ndrops];
	}
	retired_collect(r);
}

/*
 * A process added back while its removed namesake is still stopping: the
 * same struct proc comes back (autostart then starts it again once it is
 * down), so that two processes of one name never run side by side.
 */
static struct proc *
undrop(struct reload *r, const struct proc_config *pc)
{
	struct proc	*p;
	size_t		 i;

	for (i = 0; i < r->ndrops; i++) {
		p = r->drops[i].proc;
		if (strcmp(p->cfg->group, pc->group) != 0 ||
		    strcmp(p->cfg->name, pc->name) != 0)
			continue;
		r->drops[i] = r->drops[--r->ndrops];
		return p;
	}
	return NULL;
}

static int
proc_cfg_cmp(const void *a, const void *b)
{
	const struct proc	*pa = *(struct proc *const *)a;
	const struct proc	*pb = *(struct proc *const *)b;

	if (pa->cfg == pb->cfg)
		return 0;
	return (uintptr_t)pa->cfg < (uintptr_t)pb->cfg ? -1 : 1;
}

/* The running process of a configuration entry (procs sorted by cfg). */
static struct proc *
find_by_cfg(struct proc **sorted, size_t n, struct proc_config *pc)
{
	struct proc	 key, *kp = &key, **found;

	key.cfg = pc;
	found = bsearch(&kp, sorted, n, sizeof(*sorted), proc_cfg_cmp);
	return found != NULL ? *found : NULL;
}

/*
 * A changed process restarts with its new configuration when it is up
 * (or on its way up), and a FATAL one gets a fresh try when autostart;
 * one the operator stopped, or that exited for good, stays down.
 */
static void
restart_changed(struct proc *p)
{
	char	cause[256];

	switch (p->state) {
	case PROC_STARTING:
	case PROC_RUNNING:
	case PROC_BACKOFF:
	case PROC_UNKNOWN:
		(void)proc_stop(p, cause, sizeof(cause));
		(void)proc_start(p, cause, sizeof(cause));
		break;
	case PROC_FATAL:
		if (p->cfg->autostart)
			(void)proc_start(p, cause, sizeof(cause));
		break;
	default:
		/* STOPPING on its way back up spawns with the new one. */
		break;
	}
}

static int
ptr_cmp(const void *a, const void *b)
{
	uintptr_t	pa = (uintptr_t)*(void *const *)a;
	uintptr_t	pb = (uintptr_t)*(void *const *)b;

	return pa < pb ? -1 : pa > pb;
}

/* Is p a removed process that is not down yet? */
static bool
dropping(const struct reload *r, const struct proc *p)
{
	size_t	i;

	for (i = 0; i < r->ndrops; i++)
		if (r->drops[i].proc == p)
			return true;
	return false;
}

static bool
in_transition(const struct proc *p)
{
	return p->state == PROC_STARTING || p->state == PROC_STOPPING ||
	    p->state == PROC_BACKOFF || p->state == PROC_UNKNOWN;
}

/* PROCESS_GROUP_ADDED and _REMOVED: the groups one has, the other not. */
static void
group_events(struct daemon *d, const struct config *ocfg,
    const struct config *ncfg)
{
	size_t	i;

	for (i = 0; i < ocfg->ngroups; i++)
		if (config_find_group(ncfg, ocfg->groups[i]->name) == NULL)
			event_process_group(d, ocfg->groups[i]->name, false);
	for (i = 0; i < ncfg->ngroups; i++)
		if (config_find_group(ocfg, ncfg->groups[i]->name) == NULL)
			event_process_group(d, ncfg->groups[i]->name, true);
}

/* What an apply works on: the process of each entry of the diff. */
struct reload_work {
	struct proc	**touched;	/* one per entry of the diff */
	struct proc	**added;	/* those of the added entries */
	size_t		  nadded;
	bool		  retire;	/* a removed one uses the old config */
};

/*
 * The new process list: each entry's process found before any cfg
 * pointer moves, the added ones made (or brought back), the removed ones
 * set aside to be dropped, the others pointed at their new configuration.
 */
static void
relist(struct daemon *d, struct config *ncfg, const struct reload_diff *diff,
    struct reload_work *w)
{
	struct reload		*r = d->reload;
	struct reload_entry	*e;
	struct proc		**sorted, *p;
	struct group_config	*g;
	size_t			 i, nsorted = d->nprocs;

	sorted = xcalloc(d->nprocs + 1, sizeof(*sorted));
	memcpy(sorted, d->procs, d->nprocs * sizeof(*sorted));
	qsort(sorted, nsorted, sizeof(*sorted), proc_cfg_cmp);
	free(d->procs);
	d->procs = xcalloc(config_nprocs(ncfg) + 1, sizeof(*d->procs));
	d->nprocs = 0;
	for (i = 0; i < diff->n; i++) {
		e = &diff->v[i];
		if (e->kind != RELOAD_ADDED &&
		    (w->touched[i] = find_by_cfg(sorted, nsorted, e->old)) ==
		    NULL)
			fatalx("reload: no process for %s", e->old->name);
	}
	free(sorted);
	for (i = 0; i < diff->n; i++) {
		e = &diff->v[i];
		if (e->kind == RELOAD_ADDED) {
			g = config_find_group(ncfg, e->new->group);
			if ((p = undrop(r, e->new)) == NULL)
				p = daemon_proc_new(d, g, e->new);
			w->touched[i] = w->added[w->nadded++] = p;
		}
		p = w->touched[i];
		if (e->kind == RELOAD_REMOVED) {
			r->drops = xreallocarray(r->drops, r->ndrops + 1,
			    sizeof(*r->drops));
			r->drops[r->ndrops].proc = p;
			r->drops[r->ndrops++].cfg = d->config;
			depend_forget(p);	/* stops at once, alone */
			w->retire = true;
			continue;
		}
		if (e->kind != RELOAD_ADDED || p->cfg != e->new) {
			g = config_find_group(ncfg, e->new->group);
			p->cfg = e->new;
			p->priority[0] = g->priority;
			p->priority[1] = e->new->priority;
		}
		d->procs[d->nprocs++] = p;
	}
}

/* The removed: stopped, then dropped once down; the old configuration
   kept while one of them points into it. */
static void
stop_removed(struct reload *r, struct config *ocfg,
    const struct reload_diff *diff, const struct reload_work *w)
{
	struct proc	*p;
	char		 cause[256];
	size_t		 i;

	for (i = 0; i < diff->n; i++) {
		if (diff->v[i].kind != RELOAD_REMOVED)
			continue;
		p = w->touched[i];
		event_process_removed(p);	/* no job starts it again */
		if (!proc_is_down(p))
			(void)proc_stop(p, cause, sizeof(cause));
	}
	if (w->retire) {
		r->retired = xreallocarray(r->retired, r->nretired + 1,
		    sizeof(*r->retired));
		r->retired[r->nretired++] = ocfg;
	} else
		config_free(ocfg);
	collect(r);
}

/* The changed restart; the added start (autostart) in start order, as at
   start-up. */
static void
start_new(struct daemon *d, const struct reload_diff *diff,
    struct reload_work *w)
{
	struct proc	*p;
	char		 cause[256];
	size_t		 i;

	for (i = 0; i < diff->n; i++)
		if (diff->v[i].kind == RELOAD_CHANGED)
			restart_changed(w->touched[i]);
	qsort(w->added, w->nadded, sizeof(*w->added), ptr_cmp);
	for (i = 0; i < d->nprocs; i++) {
		p = d->procs[i];
		if (p->cfg->autostart && bsearch(&p, w->added, w->nadded,
		    sizeof(*w->added), ptr_cmp) != NULL)
			(void)proc_start(p, cause, sizeof(cause));
	}
}

/* The reply's "in_transition": the touched processes not settled yet. */
static void
report_busy(const struct reload *r, const struct reload_diff *diff,
    const struct reload_work *w, cJSON *res)
{
	struct proc	*p;
	cJSON		*busy;
	char		 name[512];
	size_t		 i;

	busy = cJSON_AddArrayToObject(res, "in_transition");
	for (i = 0; i < diff->n; i++) {
		p = w->touched[i];
		/* A removed one that is down was freed already. */
		if (diff->v[i].kind == RELOAD_UNCHANGED ||
		    (diff->v[i].kind == RELOAD_REMOVED && !dropping(r, p)) ||
		    !in_transition(p))
			continue;
		proc_fullname(p, name, sizeof(name));
		cJSON_AddItemToArray(busy, cJSON_CreateString(name));
	}
}

/*
 * Put the new configuration in force: the process list first (so every
 * subscriber sees a consistent daemon), then stops and starts.
 */
static void
reload_apply(struct daemon *d, struct config *ncfg, struct reload_diff *diff,
    cJSON *res)
{
	struct config		*ocfg = d->config;
	struct reload_work	 w = { 0 };

	w.touched = xcalloc(diff->n + 1, sizeof(*w.touched));
	w.added = xcalloc(diff->n + 1, sizeof(*w.added));
	reload_merge_daemon(diff, ocfg, ncfg);
	if (reload_diff_live(diff, "supervisord.loglevel"))
		log_set_level((enum log_level)ncfg->sd.loglevel);

	relist(d, ncfg, diff, &w);
	daemon_procs_sort(d);
	d->config = ncfg;
	pools_reconfigure(d);
	group_events(d, ocfg, ncfg);
	depend_link(d);		/* depends_on= of the new configuration */

	stop_removed(d->reload, ocfg, diff, &w);
	start_new(d, diff, &w);
	report_busy(d->reload, diff, &w, res);
	free(w.added);
	free(w.touched);
}

int
reload_run(struct daemon *d, bool dry_run, cJSON **result, int *code,
    char *cause, size_t len)
{
	return reload_run_select(d, dry_run, NULL, result, code, cause, len);
}

/* The file loaded: compute, report and (unless a dry run) apply what it
   changes, for the selected groups only when sel is set. */
static int
reload_load_apply(struct daemon *d, bool dry_run, struct reload_select *sel,
    struct config *ncfg, cJSON **res, char *why, size_t len)
{
	struct reload_diff	diff;
	int			rc = 0;

	if (sel != NULL)
		reload_select_merge(sel, d->config, ncfg);
	reload_diff(d->config, ncfg, &diff);
	if (sel != NULL)
		reload_select_diffed(sel, ncfg);
	*res = reload_diff_json(&diff, d->config->path, dry_run);
	reload_groups_json(&diff, d->config, ncfg, *res);
	if (dry_run) {
		reload_diff_log(&diff, true);
		if (sel != NULL)
			reload_select_undo(sel, ncfg);
		config_free(ncfg);
	} else if (reload_daemon_log(&diff, d->config, ncfg, why, len) == -1) {
		log_error("reload: %s; the running configuration stays", why);
		if (sel != NULL)
			reload_select_undo(sel, ncfg);
		config_free(ncfg);
		rc = -1;
	} else {
		reload_diff_log(&diff, false);
		if (sel != NULL)
			reload_select_commit(sel, d->config, ncfg);
		reload_apply(d, ncfg, &diff, *res);
	}
	reload_diff_release(&diff);
	return rc;
}

int
reload_run_select(struct daemon *d, bool dry_run, struct reload_select *sel,
    cJSON **result, int *code, char *cause, size_t len)
{
	struct diags		 diags = { 0 };
	struct config		*ncfg;
	cJSON			*res;
	char			 why[1024], *first = NULL;
	const char		*path = d->config->path;
	int			 rc = 0, ecode = PROTO_OK;
	size_t			 i;

	why[0] = '\0';
	res = cJSON_CreateObject();
	if (d->shutting_down) {
		ecode = PROTO_SHUTTING_DOWN;
		snprintf(why, sizeof(why), "shutting down");
		log_warnx("reload: refused: shutting down");
		rc = -1;
		goto out;
	}
	log_info("reload: reading %s%s", path, dry_run ? " (dry run)" : "");
	if (!dry_run)	/* RUNNING follows, applied or not */
		event_daemon_state(d, DAEMON_RELOADING);
	ncfg = config_load(path, &diags);
	if (ncfg == NULL) {
		cJSON_AddStringToObject(res, "config", path);
		reload_diags_report(&diags, res);
		for (i = 0; i < diags.n && first == NULL; i++)
			if (diags.v[i].error)
				first = reload_diag_text(&diags.v[i]);
		snprintf(why, sizeof(why), "cannot load %s: %s%s", path,
		    first != NULL ? first : "unknown error",
		    diags.nerrors > 1 ? " (and more errors)" : "");
		free(first);
		log_error("reload: %s; the running configuration stays",
		    why);
		ecode = PROTO_BAD_CONFIG;
		rc = -1;
		goto out;
	}
	config_drop_text(ncfg);
	if (sel != NULL && reload_select_check(sel, d, ncfg, res, &ecode,
	    why, sizeof(why)) == -1) {
		log_warnx("reload: refused: %s", why);
		config_free(ncfg);
		rc = -1;
		goto out;
	}
	cJSON_Delete(res);
	if (reload_load_apply(d, dry_run, sel, ncfg, &res, why,
	    sizeof(why)) == -1) {
		ecode = PROTO_FAILED;
		rc = -1;
	}
	reload_diags_report(&diags, res);
out:
	if (!dry_run && ecode != PROTO_SHUTTING_DOWN)
		event_daemon_state(d, DAEMON_RUNNING);
	diags_release(&diags);
	if (code != NULL)
		*code = ecode;
	if (cause != NULL)
		snprintf(cause, len, "%s", why);
	if (result != NULL)
		*result = res;
	else
		cJSON_Delete(res);
	return rc;
}

/*
 * What a reload did, or would do, told two ways: the reply's JSON object
 * (supctl(1) documents it) and the daemon's log, one line per process the
 * reload touches; and the configuration file's errors and warnings with
 * their file:line, in both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"
#include "reload.h"

/* "file:line: message", as -t prints them. */
char *
reload_diag_text(const struct diag *g)
{
	char	*s;

	if (g->file != NULL && g->line > 0)
		xasprintf(&s, "%s:%d: %s", g->file, g->line, g->msg);
	else if (g->file != NULL)
		xasprintf(&s, "%s: %s", g->file, g->msg);
	else
		s = xstrdup(g->msg);
	return s;
}

/* Log every diagnostic; the result gets "errors" and "warnings". */
void
reload_diags_report(const struct diags *diags, cJSON *res)
{
	const struct diag	*g;
	cJSON			*errors, *warnings, *o;
	char			*text;
	size_t			 i;

	errors = cJSON_AddArrayToObject(res, "errors");
	warnings = cJSON_AddArrayToObject(res, "warnings");
	for (i = 0; i < diags->n; i++) {
		g = &diags->v[i];
		text = reload_diag_text(g);
		if (g->error)
			log_error("reload: %s", text);
		else
			log_warnx("reload: warning: %s", text);
		o = cJSON_CreateObject();
		if (g->file != NULL)
			cJSON_AddStringToObject(o, "file", g->file);
		else
			cJSON_AddNullToObject(o, "file");
		cJSON_AddNumberToObject(o, "line", g->line);
		cJSON_AddStringToObject(o, "message", g->msg);
		cJSON_AddStringToObject(o, "text", text);
		cJSON_AddItemToArray(g->error ? errors : warnings, o);
		free(text);
	}
}

static cJSON *
strv_json(char **v, size_t n)
{
	cJSON	*a = cJSON_CreateArray();
	size_t	 i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* "command, environment" */
static void
keys_text(char **v, size_t n, char *buf, size_t len)
{
	size_t	i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "",
		    v[i]);
}

/* The reply's object: what changed (or would), per process and key. */
cJSON *
reload_diff_json(const struct reload_diff *diff, const char *path, bool dry_run)
{
	const struct reload_entry *e;
	cJSON		*res, *lists[RELOAD_KIND_COUNT], *updated, *keys;
	char		*name;
	size_t		 i;

	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "config", path);
	cJSON_AddBoolToObject(res, "dry_run", dry_run);
	lists[RELOAD_ADDED] = cJSON_AddArrayToObject(res, "added");
	lists[RELOAD_CHANGED] = cJSON_AddArrayToObject(res, "changed");
	lists[RELOAD_REMOVED] = cJSON_AddArrayToObject(res, "removed");
	cJSON_AddNumberToObject(res, "unchanged",
	    (double)diff->count[RELOAD_UNCHANGED]);
	updated = cJSON_AddArrayToObject(res, "updated");
	keys = cJSON_AddObjectToObject(res, "keys");
	for (i = 0; i < diff->n; i++) {
		e = &diff->v[i];
		name = reload_fullname(e->new != NULL ? e->new : e->old);
		if (e->kind != RELOAD_UNCHANGED)
			cJSON_AddItemToArray(lists[e->kind],
			    cJSON_CreateString(name));
		else if (e->nlive > 0)
			cJSON_AddItemToArray(updated, cJSON_CreateString(name));
		if (e->kind == RELOAD_CHANGED)
			cJSON_AddItemToObject(keys, name,
			    strv_json(e->keys, e->nkeys));
		else if (e->kind == RELOAD_UNCHANGED && e->nlive > 0)
			cJSON_AddItemToObject(keys, name,
			    strv_json(e->live, e->nlive));
		free(name);
	}
	cJSON_AddItemToObject(res, "applied", strv_json(diff->live,
	    diff->nlive));
	cJSON_AddItemToObject(res, "restart_needed",
	    strv_json(diff->restart_needed, diff->nrestart));
	return res;
}

/* One log line per process that the reload touches, and the total. */
void
reload_diff_log(const struct reload_diff *diff, bool dry_run)
{
	const struct reload_entry *e;
	const char	*pre = dry_run ? "reload (dry run): " : "reload: ";
	char		*name, keys[512];
	size_t		 i;

	for (i = 0; i < diff->n; i++) {
		e = &diff->v[i];
		name = reload_fullname(e->new != NULL ? e->new : e->old);
		switch (e->kind) {
		case RELOAD_ADDED:
			log_info("%s%s added", pre, name);
			break;
		case RELOAD_REMOVED:
			log_info("%s%s removed", pre, name);
			break;
		case RELOAD_CHANGED:
			keys_text(e->keys, e->nkeys, keys, sizeof(keys));
			log_info("%s%s changed (%s)", pre, name, keys);
			break;
		default:
			if (e->nlive == 0)
				break;
			keys_text(e->live, e->nlive, keys, sizeof(keys));
			log_info("%s%s updated without a restart (%s)", pre,
			    name, keys);
			break;
		}
		free(name);
	}
	for (i = 0; i < diff->nlive; i++)
		log_info("%s%s applied", pre, diff->live[i]);
	for (i = 0; i < diff->nrestart; i++)
		log_warnx("%s%s changed: kept as it is until the daemon "
		    "restarts", pre, diff->restart_needed[i]);
	log_info("%s%zu added, %zu changed, %zu removed, %zu unchanged", pre,
	    diff->count[RELOAD_ADDED], diff->count[RELOAD_CHANGED],
	    diff->count[RELOAD_REMOVED], diff->count[RELOAD_UNCHANGED]);
}

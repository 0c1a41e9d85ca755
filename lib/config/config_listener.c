/*
 * [eventlistener:x]: a pool of listener processes, read as Supervisor's
 * process_groups_from_parser() reads it: the keys of [program:x] (but
 * redirect_stderr, which would mix the protocol with the listener's
 * stderr), events= (required; a parent type subscribes to its
 * children), buffer_size= (10) and result_handler= (only Supervisor's
 * default).  A pool is a group of its own, priority -1 by default so
 * that its listeners start first and stop last.  Their stdout is the
 * protocol channel: it has no log here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "evtype.h"
#include "strv.h"
#include "xmalloc.h"

#define DEFAULT_RESULT_HANDLER	"supervisor.dispatchers:default_handler"

void
listener_config_free(struct listener_config *lc)
{
	if (lc == NULL)
		return;
	opt_free_strings(CONFIG_EVENTLISTENER, lc);
	free(lc);
}

/* events=: each name once, uppercased, as listed; the bits of each and
   of its children. */
static void
listener_events(struct sect *sc, const struct expn *ex,
    struct listener_config *lc)
{
	const struct ini_entry	*e;
	enum evtype		 t;
	char			*v, **names, *s;
	size_t			 n = 0, i, k = 0;
	uint64_t		 listed = 0;

	lc->event_names = xcalloc(1, sizeof(*lc->event_names));
	if (sect_get(sc, "events", ex, 1, &v, &e) != 1) {
		sect_error(sc, NULL, "events", NULL, "missing: a listener "
		    "pool needs the list of event types it receives");
		return;
	}
	names = value_list(v, &n);
	for (i = 0; i < n; i++) {
		if (*names[i] == '\0')
			continue;
		for (s = names[i]; *s != '\0'; s++)
			if (*s >= 'a' && *s <= 'z')
				*s = (char)(*s - 'a' + 'A');
		if (evtype_parse(names[i], &t) == -1) {
			sect_error(sc, e, "events", v, "unknown event type "
			    "'%s'", names[i]);
			continue;
		}
		if (listed & EVT_BIT(t))
			continue;
		listed |= EVT_BIT(t);
		lc->events |= evtype_subscription(t);
		lc->event_names = xreallocarray(lc->event_names, k + 2,
		    sizeof(*lc->event_names));
		lc->event_names[k++] = xstrdup(names[i]);
		lc->event_names[k] = NULL;
	}
	if (k == 0 && sc->nerrors == 0)
		sect_error(sc, e, "events", v, "empty: a listener pool needs "
		    "the list of event types it receives");
	strv_free(names);
	free(v);
}

/* The pool's own keys (their rows in config_table.c); 0, or -1 when one
   is wrong. */
static int
listener_keys(struct sect *sc, const struct expn *ex,
    struct listener_config *lc)
{
	struct proc_config	 redirect = { 0 };
	char			*s;

	opt_parse_key(sc, CONFIG_EVENTLISTENER, "buffer_size", ex, lc);
	opt_parse_key(sc, CONFIG_EVENTLISTENER, "result_handler", ex, lc);
	s = value_strip(lc->result_handler);
	/* A loop otherwise: a listener written for its own handler
	   (supervisor_stdout) never answers OK. */
	if (strcmp(s, DEFAULT_RESULT_HANDLER) != 0) {
		sect_warn(sc, ini_get(sc->ld->ini, sc->sec, "result_handler"),
		    "result_handler=%s is not supported: every result is "
		    "taken as OK", s);
		lc->any_result = true;
	}
	free(s);
	opt_parse_key(sc, CONFIG_PROGRAM, "redirect_stderr", ex, &redirect);
	if (redirect.redirect_stderr)
		sect_error(sc, ini_get(sc->ld->ini, sc->sec, "redirect_stderr"),
		    "redirect_stderr", "true", "not allowed in a listener "
		    "pool: stderr would mix with the protocol on stdout");
	listener_events(sc, ex, lc);
	return sc->nerrors > 0 ? -1 : 0;
}

void
listener_load(struct loader *ld, const struct ini_section *sec)
{
	struct sect		 sc = { ld, sec, 0 };
	struct listener_config	*lc;
	struct group_config	*g;
	struct proc_config	*pc;
	struct expn		 ex = { 0 };
	char			*name, cause[256];
	size_t			 i;
	int			 priority;

	if (value_name(strchr(sec->name, ':') + 1, &name, cause,
	    sizeof(cause)) == -1) {
		sect_error(&sc, NULL, NULL, NULL, "%s", cause);
		return;
	}
	expn_merge(&ex, &ld->env);
	expn_set(&ex, "here", ld->cfg->here);
	expn_set(&ex, "program_name", name);
	expn_set(&ex, "group_name", name);
	expn_set(&ex, "host_node_name", ld->host);
	lc = xcalloc(1, sizeof(*lc));
	if (listener_keys(&sc, &ex, lc) == -1) {
		listener_config_free(lc);
		goto out;
	}
	g = group_new(ld, name, sec, false);
	g->listener = lc;
	program_processes(ld, sec, g, &priority);
	/* Supervisor: the pool -1, its processes 999, unless set. */
	g->priority = ini_get(ld->ini, sec, "priority") != NULL ? priority :
	    -1;
	for (i = 0; i < g->nprocs; i++) {
		pc = g->procs[i];
		pc->listener = true;
		pc->stdout_cfg.dest = LOG_DEST_NONE;
		free(pc->stdout_cfg.logfile);
		pc->stdout_cfg.logfile = NULL;
		pc->stdout_cfg.syslog = false;
		pc->stdout_cfg.events_enabled = false;
		pc->stdout_cfg.capture_maxbytes = 0;
	}
out:
	expn_release(&ex);
	free(name);
}

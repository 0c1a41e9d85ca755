/*
 * [program:x] and [group:x] into groups of processes, following
 * Supervisor's process_groups_from_parser() and _processes_from_section():
 * which keys are read once and which once per process, with which
 * expansions, expanded how many times, and in which order the groups and
 * processes come out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "log.h"
#include "shlex.h"
#include "strv.h"
#include "xmalloc.h"

#include <cjson/cJSON.h>

/* One [program:x] section, and the keys read once for all its processes. */
struct prog {
	struct sect		 sc;		/* first: see prog_of() */
	char			*name;		/* program_name */
	const char		*group;
	struct expn		 pre;
	struct proc_config	 tmpl;		/* the keys read once */
	char			*environment;	/* unexpanded */
	const struct ini_entry	*environment_e;
	char			*process_name;	/* unexpanded */
	const struct ini_entry	*process_name_e;
	bool			 syslog_magic[2];	/* *_logfile=syslog */
};

/* The program a section reader belongs to (handlers get the sect). */
static struct prog *
prog_of(struct sect *sc)
{
	return (struct prog *)sc;
}

void
prog_set_syslog_magic(struct sect *sc, int channel)
{
	prog_of(sc)->syslog_magic[channel] = true;
}

void
proc_config_free(struct proc_config *p)
{
	if (p == NULL)
		return;
	opt_free_strings(CONFIG_PROGRAM, p);
	free(p->name);
	free(p->group);
	free(p->program);
	free(p->command);
	free(p->argv);		/* strv_pack()'d */
	free(p->exitcodes);
	free(p->stdout_cfg.logfile);
	free(p->stderr_cfg.logfile);
	env_release(&p->environment);
	env_release(&p->prog_environment);
	free(p->section);
	free(p->file);
	free(p);
}

static void
prog_release(struct prog *p)
{
	free(p->name);
	expn_release(&p->pre);
	opt_free_strings(CONFIG_PROGRAM, &p->tmpl);
	free(p->tmpl.exitcodes);
	free(p->environment);
	free(p->process_name);
}

/* autorestart: true, false (or any boolean) or unexpected. */
void
opt_parse_autorestart(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	enum autorestart	*out = (void *)((char *)obj + o->offset);
	const struct ini_entry	*e;
	char			*v, cause[128];

	*out = AUTORESTART_UNEXPECTED;
	if (sect_get(sc, o->key, ex, 1, &v, &e) != 1)
		return;
	if (value_autorestart(v, out, cause, sizeof(cause)) == -1) {
		sect_error(sc, e, o->key, v, "%s", cause);
		*out = AUTORESTART_UNEXPECTED;
	}
	free(v);
}

void
opt_parse_exitcodes(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	struct proc_config	*pc = obj;
	const struct ini_entry	*e;
	char			*v, cause[256];

	if (sect_get(sc, o->key, ex, 1, &v, &e) == 1) {
		if (value_exitcodes(v, &pc->exitcodes, &pc->nexitcodes, cause,
		    sizeof(cause)) == -1)
			sect_error(sc, e, o->key, v, "%s", cause);
		free(v);
		return;
	}
	pc->exitcodes = xcalloc(1, sizeof(*pc->exitcodes));
	pc->nexitcodes = 1;
}

void
opt_json_exitcodes(cJSON *j, const struct config_option *o, const void *obj)
{
	const struct proc_config	*pc = obj;
	cJSON				*a = cJSON_AddArrayToObject(j, o->key);
	size_t				 i;

	for (i = 0; i < pc->nexitcodes; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(pc->exitcodes[i]));
}

/* command: required, and split as Python's shlex would. */
void
opt_parse_command(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	struct proc_config	*pc = obj;
	const struct ini_entry	*e;
	char			 cause[512];

	if (sect_get(sc, o->key, ex, 1, &pc->command, &e) == 0)
		sect_error(sc, NULL, o->key, NULL, "missing: every program "
		    "needs one");
	else if (pc->command != NULL) {
		if (shlex_split(pc->command, &pc->argv, &pc->argc, cause,
		    sizeof(cause)) == -1)
			sect_error(sc, e, o->key, pc->command, "cannot split "
			    "it as Python's shlex does: %s", cause);
		else if (pc->argc == 0)
			sect_error(sc, e, o->key, pc->command, "empty");
		/* Kept as long as the config: one block, not one a word. */
		pc->argv = strv_pack(pc->argv);
	}
}

void
opt_json_command(cJSON *j, const struct config_option *o, const void *obj)
{
	const struct proc_config	*pc = obj;
	cJSON				*a;
	int				 k;

	cJSON_AddStringToObject(j, o->key, pc->command);
	a = cJSON_AddArrayToObject(j, "argv");
	for (k = 0; k < pc->argc; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(pc->argv[k]));
}

void
opt_json_process_name(cJSON *j, const struct config_option *o,
    const void *obj)
{
	cJSON_AddStringToObject(j, o->key, ((const struct proc_config *)
	    obj)->name);
}

/* What the keys read once must hold together. */
static void
prog_check(struct prog *p)
{
	struct sect	*sc = &p->sc;
	char		*v, cause[256];

	if (value_name(p->process_name, &v, cause, sizeof(cause)) == -1)
		sect_error(sc, p->process_name_e, "process_name",
		    p->process_name, "%s", cause);
	else
		free(v);
	if (p->tmpl.numprocs > 1 && strstr(p->process_name,
	    "%(process_num)") == NULL)
		sect_error(sc, p->process_name_e, "process_name",
		    p->process_name, "must contain %%(process_num) when "
		    "numprocs > 1");
	if (p->tmpl.stopasgroup && !p->tmpl.killasgroup)
		sect_error(sc, ini_get(sc->ld->ini, sc->sec, "killasgroup"),
		    "killasgroup", NULL, "cannot be false when stopasgroup is "
		    "true");
}

/* The keys Supervisor reads before its loop over process numbers. */
static void
prog_once(struct prog *p)
{
	struct sect	*sc = &p->sc;

	opt_parse_rows(sc, CONFIG_PROGRAM, OPT_PROCESS, 0, &p->pre, &p->tmpl);
	if (sect_get(sc, "environment", NULL, 0, &p->environment,
	    &p->environment_e) != 1)
		p->environment = NULL;
	if (sect_get(sc, "process_name", NULL, 0, &p->process_name,
	    &p->process_name_e) != 1)
		p->process_name = xstrdup(config_option_find(CONFIG_PROGRAM,
		    "process_name")->def);
	prog_check(p);
}

/* The program's environment= for one process, and its %(ENV_x)s. */
static void
proc_environment(struct prog *p, struct expn *ex, struct env *penv)
{
	struct sect		*sc = &p->sc;
	const struct ini_entry	*e = p->environment_e;
	char			 cause[512], *v, *name;
	size_t			 i;

	if (p->environment != NULL) {
		if (expand(p->environment, ex, &v, cause, sizeof(cause)) == -1)
			sect_error(sc, e, "environment", e->value, "%s", cause);
		else {
			if (value_kv_pairs(v, penv, cause, sizeof(cause)) == -1)
				sect_error(sc, e, "environment", e->value,
				    "%s", cause);
			free(v);
		}
	}
	for (i = 0; i < penv->n; i++) {
		xasprintf(&name, "ENV_%s", penv->keys[i]);
		expn_set(ex, name, penv->vals[i]);
		free(name);
	}
}

/* The process's own name and environment, once its keys are read. */
static void
proc_name_env(struct prog *p, const struct expn *ex, struct env *penv,
    struct proc_config *pc)
{
	struct sect		*sc = &p->sc;
	const struct env	*sdenv = &sc->ld->cfg->sd.environment;
	char			 cause[512];
	size_t			 i;

	if (expand(p->process_name, ex, &pc->name, cause, sizeof(cause)) ==
	    -1)
		sect_error(sc, p->process_name_e, "process_name",
		    p->process_name, "%s", cause);
	else if (*pc->name == '\0')
		sect_error(sc, p->process_name_e, "process_name",
		    p->process_name, "expands to an empty name");
	/* [supervisord] environment=, then the program's own on top. */
	for (i = 0; i < sdenv->n; i++)
		env_set(&pc->environment, sdenv->keys[i], sdenv->vals[i]);
	for (i = 0; i < penv->n; i++)
		env_set(&pc->environment, penv->keys[i], penv->vals[i]);
	pc->prog_environment = *penv;
}

/* The keys read per process, with %(process_num)d and its environment. */
static struct proc_config *
proc_make(struct prog *p, int num, bool first)
{
	struct sect		*sc = &p->sc;
	struct proc_config	*pc;
	struct env		 penv = { 0 };
	struct expn		 ex = { 0 };
	size_t			 errors = sc->nerrors;

	pc = xmalloc(sizeof(*pc));
	*pc = p->tmpl;
	opt_dup_strings(CONFIG_PROGRAM, OPT_PROCESS, 0, pc);
	pc->exitcodes = xreallocarray(NULL, p->tmpl.nexitcodes + 1,
	    sizeof(*pc->exitcodes));
	if (p->tmpl.nexitcodes > 0)
		memcpy(pc->exitcodes, p->tmpl.exitcodes, p->tmpl.nexitcodes *
		    sizeof(*pc->exitcodes));
	expn_merge(&ex, &p->pre);
	expn_set_int(&ex, "process_num", num);
	expn_set_int(&ex, "numprocs", p->tmpl.numprocs);
	proc_environment(p, &ex, &penv);
	memset(p->syslog_magic, 0, sizeof(p->syslog_magic));
	opt_parse_rows(sc, CONFIG_PROGRAM, OPT_PROCESS, OPT_PROCESS, &ex, pc);
	proc_streams_check(sc, pc, p->syslog_magic, first);
	proc_name_env(p, &ex, &penv, pc);
	expn_release(&ex);
	if (sc->nerrors > errors) {
		proc_config_free(pc);
		return NULL;
	}
	pc->group = xstrdup(p->group);
	pc->program = xstrdup(p->name);
	pc->process_num = num;
	pc->ndepends_on = strv_len(pc->depends_on);
	pc->section = xstrdup(sc->sec->name);
	pc->file = xstrdup(sc->sec->file);
	pc->line = sc->sec->line;
	return pc;
}

/* Supervisor sorts a program's processes by priority, then name. */
static int
compare_procs(const void *a, const void *b)
{
	const struct proc_config	*pa = *(struct proc_config *const *)a;
	const struct proc_config	*pb = *(struct proc_config *const *)b;
	int				 c;

	if (pa->priority != pb->priority)
		return pa->priority < pb->priority ? -1 : 1;
	if ((c = strcmp(pa->name, pb->name)) != 0)
		return c;
	return pa->process_num < pb->process_num ? -1 :
	    pa->process_num > pb->process_num;
}

/* The processes of one [program:x], appended to group g. */
void
program_processes(struct loader *ld, const struct ini_section *sec,
    struct group_config *g, int *priority)
{
	struct prog		 p;
	struct proc_config	*pc, **procs = NULL;
	char			 cause[256];
	size_t			 n = 0, i;
	int			 num;

	*priority = 999;
	memset(&p, 0, sizeof(p));
	p.sc.ld = ld;
	p.sc.sec = sec;
	p.group = g->name;
	if (value_name(strchr(sec->name, ':') + 1, &p.name, cause,
	    sizeof(cause)) == -1) {
		sect_error(&p.sc, NULL, NULL, NULL, "%s", cause);
		return;
	}
	expn_merge(&p.pre, &ld->env);
	expn_set(&p.pre, "here", ld->cfg->here);
	expn_set(&p.pre, "program_name", p.name);
	expn_set(&p.pre, "host_node_name", ld->host);
	expn_set(&p.pre, "group_name", g->name);
	prog_once(&p);
	*priority = p.tmpl.priority;
	/* Even after an error, so that all of them are reported. */
	for (num = p.tmpl.numprocs_start; num < p.tmpl.numprocs_start +
	    p.tmpl.numprocs; num++) {
		if ((pc = proc_make(&p, num, num == p.tmpl.numprocs_start)) ==
		    NULL)
			break;
		procs = xreallocarray(procs, n + 1, sizeof(*procs));
		procs[n++] = pc;
	}
	if (n > 1)
		qsort(procs, n, sizeof(*procs), compare_procs);
	g->procs = xreallocarray(g->procs, g->nprocs + n + 1,
	    sizeof(*g->procs));
	for (i = 0; i < n; i++)
		g->procs[g->nprocs++] = procs[i];
	free(procs);
	prog_release(&p);
}

/*
 * [program:x] and [group:x] into groups of processes, following
 * Supervisor's process_groups_from_parser() and _processes_from_section():
 * which keys are read once and which once per process, with which
 * expansions, expanded how many times, and in which order the groups and
 * processes come out.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "log.h"
#include "shlex.h"
#include "xmalloc.h"

#define NUMPROCS_MAX	100000

/* One [program:x] section, and the keys read once for all its processes. */
struct prog {
	struct sect		 sc;
	char			*name;		/* program_name */
	const char		*group;
	struct expn		 pre;

	int			 priority;
	bool			 autostart;
	enum autorestart	 autorestart;
	int			 startsecs;
	int			 startretries;
	int			 stopsignal;
	int			 stopwaitsecs;
	bool			 stopasgroup;
	bool			 killasgroup;
	int			*exitcodes;
	size_t			 nexitcodes;
	bool			 redirect_stderr;
	int			 numprocs;
	int			 numprocs_start;
	char			*environment;	/* unexpanded */
	const struct ini_entry	*environment_e;
	uint64_t		 capture_maxbytes[2];
	bool			 events_enabled[2];
	char			*serverurl;
	char			*user;
	int			 umask;
	char			*process_name;	/* unexpanded */
	const struct ini_entry	*process_name_e;
	enum backoff_growth	 backoff_growth;
	int			 backoff_max;
	int			 backoff_reset;
	enum shutdown_on	 shutdown_on;
	enum ready_mode		 ready;
	char			**depends_on;	/* NULL-terminated, or NULL */
	size_t			 ndepends_on;
	int			 watchdog;
};

static const char *const channels[2] = { "stdout", "stderr" };

void
proc_config_free(struct proc_config *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->group);
	free(p->program);
	free(p->command);
	shlex_free(p->argv);
	free(p->exitcodes);
	free(p->user);
	free(p->stdout_cfg.logfile);
	free(p->stderr_cfg.logfile);
	env_release(&p->environment);
	env_release(&p->prog_environment);
	value_free_list(p->environment_files);
	free(p->directory);
	free(p->serverurl);
	value_free_list(p->depends_on);
	free(p->section);
	free(p->file);
	free(p);
}

static void
prog_release(struct prog *p)
{
	free(p->name);
	expn_release(&p->pre);
	free(p->exitcodes);
	free(p->environment);
	free(p->serverurl);
	free(p->user);
	free(p->process_name);
	value_free_list(p->depends_on);
}

/* A key of one of several words, say autorestart or backoff_growth. */
static void
prog_choice(struct prog *p, const char *key, int *out)
{
	struct sect		*sc = &p->sc;
	const struct ini_entry	*e;
	char			*v, cause[128];
	enum autorestart	 ar;
	int			 sig;

	if (sect_get(sc, key, &p->pre, 1, &v, &e) != 1)
		return;
	if (strcmp(key, "autorestart") == 0) {
		if (value_autorestart(v, &ar, cause, sizeof(cause)) == -1)
			sect_error(sc, e, key, v, "%s", cause);
		else
			*out = (int)ar;
	} else if (strcmp(key, "stopsignal") == 0) {
		if (signal_parse(v, &sig) == -1)
			sect_error(sc, e, key, v, "not a signal name or number");
		else
			*out = sig;
	} else if (strcmp(key, "ready") == 0) {
		if (strcasecmp(v, "startsecs") == 0)
			*out = READY_STARTSECS;
		else if (strcasecmp(v, "notify") == 0)
			*out = READY_NOTIFY;
		else
			sect_error(sc, e, key, v, "not startsecs or notify");
	} else if (strcasecmp(v, "linear") == 0)
		*out = BACKOFF_LINEAR;
	else if (strcasecmp(v, "exponential") == 0)
		*out = BACKOFF_EXPONENTIAL;
	else
		sect_error(sc, e, key, v, "not linear or exponential");
	free(v);
}

static void
prog_int(struct prog *p, const char *key, int def, int min, int max,
    int *out)
{
	long long	n;

	sect_int(&p->sc, key, &p->pre, def, min, max, &n);
	*out = (int)n;
}

/* depends_on=a, b: program names, each once, in the order given. */
static void
prog_depends_on(struct prog *p, const char *v)
{
	char	**names;
	size_t	  n, i, j;

	names = value_list(v, &n);
	for (i = 0; i < n; i++) {
		if (*names[i] == '\0')
			continue;
		for (j = 0; j < p->ndepends_on; j++)
			if (strcmp(p->depends_on[j], names[i]) == 0)
				break;
		if (j < p->ndepends_on)
			continue;
		p->depends_on = xreallocarray(p->depends_on,
		    p->ndepends_on + 2, sizeof(*p->depends_on));
		p->depends_on[p->ndepends_on++] = xstrdup(names[i]);
		p->depends_on[p->ndepends_on] = NULL;
	}
	value_free_list(names);
}

/* The keys Supervisor reads before its loop over process numbers. */
static void
prog_once(struct prog *p)
{
	struct sect		*sc = &p->sc;
	const struct ini_entry	*e, *kill_e;
	char			*v, cause[256], key[64];
	int			 i, choice;

	prog_int(p, "priority", 999, INT_MIN, INT_MAX, &p->priority);
	sect_bool(sc, "autostart", &p->pre, true, &p->autostart);
	choice = AUTORESTART_UNEXPECTED;
	prog_choice(p, "autorestart", &choice);
	p->autorestart = (enum autorestart)choice;
	prog_int(p, "startsecs", 1, 0, INT_MAX, &p->startsecs);
	prog_int(p, "startretries", 3, 0, INT_MAX, &p->startretries);
	p->stopsignal = SIGTERM;
	prog_choice(p, "stopsignal", &p->stopsignal);
	prog_int(p, "stopwaitsecs", 10, 0, INT_MAX, &p->stopwaitsecs);
	/* Ours: both default to true (Supervisor: false). */
	sect_bool(sc, "stopasgroup", &p->pre, true, &p->stopasgroup);
	sect_bool(sc, "killasgroup", &p->pre, true, &p->killasgroup);
	if (sect_get(sc, "exitcodes", &p->pre, 1, &v, &e) == 1) {
		if (value_exitcodes(v, &p->exitcodes, &p->nexitcodes, cause,
		    sizeof(cause)) == -1)
			sect_error(sc, e, "exitcodes", v, "%s", cause);
		free(v);
	} else {
		p->exitcodes = xcalloc(1, sizeof(*p->exitcodes));
		p->nexitcodes = 1;
	}
	sect_bool(sc, "redirect_stderr", &p->pre, false, &p->redirect_stderr);
	prog_int(p, "numprocs", 1, 0, NUMPROCS_MAX, &p->numprocs);
	prog_int(p, "numprocs_start", 0, -1000000000, 1000000000,
	    &p->numprocs_start);
	if (sect_get(sc, "environment", NULL, 0, &p->environment,
	    &p->environment_e) != 1)
		p->environment = NULL;
	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s_capture_maxbytes", channels[i]);
		sect_bytes(sc, key, &p->pre, 0, &p->capture_maxbytes[i]);
		snprintf(key, sizeof(key), "%s_events_enabled", channels[i]);
		sect_bool(sc, key, &p->pre, false, &p->events_enabled[i]);
	}
	sect_str(sc, "serverurl", &p->pre, NULL, &p->serverurl);
	if (p->serverurl != NULL) {
		v = value_strip(p->serverurl);
		if (strcasecmp(v, "AUTO") == 0) {
			free(p->serverurl);
			p->serverurl = NULL;
		}
		free(v);
	}
	sect_str(sc, "user", &p->pre, NULL, &p->user);
	p->umask = -1;
	sect_octal(sc, "umask", &p->pre, -1, &p->umask);

	if (sect_get(sc, "process_name", NULL, 0, &p->process_name,
	    &p->process_name_e) != 1)
		p->process_name = xstrdup("%(program_name)s");
	if (value_name(p->process_name, &v, cause, sizeof(cause)) == -1)
		sect_error(sc, p->process_name_e, "process_name",
		    p->process_name, "%s", cause);
	else
		free(v);
	if (p->numprocs > 1 && strstr(p->process_name, "%(process_num)") ==
	    NULL)
		sect_error(sc, p->process_name_e, "process_name",
		    p->process_name, "must contain %%(process_num) when "
		    "numprocs > 1");
	kill_e = ini_get(sc->ld->ini, sc->sec, "killasgroup");
	if (p->stopasgroup && !p->killasgroup)
		sect_error(sc, kill_e, "killasgroup", NULL, "cannot be false "
		    "when stopasgroup is true");

	p->backoff_growth = BACKOFF_LINEAR;
	choice = BACKOFF_LINEAR;
	prog_choice(p, "backoff_growth", &choice);
	p->backoff_growth = (enum backoff_growth)choice;
	prog_int(p, "backoff_max", 60, 0, INT_MAX / 1000, &p->backoff_max);
	prog_int(p, "backoff_reset", 60, 0, INT_MAX / 1000, &p->backoff_reset);
	sect_shutdown_on(sc, &p->pre, &p->shutdown_on);

	/* Ours: readiness and dependencies (config_depends.c checks names). */
	choice = READY_STARTSECS;
	prog_choice(p, "ready", &choice);
	p->ready = (enum ready_mode)choice;
	prog_int(p, "watchdog", 0, 0, INT_MAX / 1000, &p->watchdog);
	if (sect_get(sc, "depends_on", &p->pre, 1, &v, &e) == 1) {
		prog_depends_on(p, v);
		free(v);
	}
}

/* stdout_* or stderr_* of one process. */
static void
proc_stream(struct prog *p, const struct expn *ex, int i, bool first,
    struct stream_config *st)
{
	struct sect		*sc = &p->sc;
	const struct ini_entry	*e;
	char			 key[64], *v;
	long long		 n;
	bool			 magic = false;

	snprintf(key, sizeof(key), "%s_logfile", channels[i]);
	st->dest = LOG_DEST_AUTO;
	/* Expanded twice: once by saneget(), once more by expand(). */
	if (sect_get(sc, key, ex, 2, &v, &e) == 1) {
		value_logfile(v, &st->dest, &st->logfile, &magic);
		free(v);
	}
	snprintf(key, sizeof(key), "%s_logfile_backups", channels[i]);
	sect_int(sc, key, ex, 10, 0, INT_MAX, &n);
	st->logfile_backups = (int)n;
	snprintf(key, sizeof(key), "%s_logfile_maxbytes", channels[i]);
	sect_bytes(sc, key, ex, 50 * 1024 * 1024, &st->logfile_maxbytes);
	snprintf(key, sizeof(key), "%s_syslog", channels[i]);
	sect_bool(sc, key, ex, false, &st->syslog);
	st->capture_maxbytes = p->capture_maxbytes[i];
	st->events_enabled = p->events_enabled[i];
	if (magic) {
		if (first)
			sect_warn(sc, e, "%s_logfile=syslog is deprecated: "
			    "use %s_syslog=true", channels[i], channels[i]);
		st->syslog = true;
	}
	if (first && st->dest == LOG_DEST_AUTO && st->logfile_maxbytes == 0 &&
	    !(i == 1 && p->redirect_stderr))
		sect_warn(sc, e, "AUTO logging used for %s_logfile without "
		    "rollover: set %s_logfile_maxbytes > 0 so that it does "
		    "not fill the disk", channels[i], channels[i]);
}

/* The keys read per process, with %(process_num)d and its environment. */
static struct proc_config *
proc_make(struct prog *p, int num, bool first)
{
	struct sect		*sc = &p->sc;
	struct loader		*ld = sc->ld;
	struct proc_config	*pc;
	struct env		 penv = { 0 };
	struct expn		 ex = { 0 };
	const struct ini_entry	*e;
	char			 cause[512], *v, *name;
	size_t			 errors = sc->nerrors, i;

	pc = xcalloc(1, sizeof(*pc));
	expn_merge(&ex, &p->pre);
	expn_set_int(&ex, "process_num", num);
	expn_set_int(&ex, "numprocs", p->numprocs);
	if (p->environment != NULL) {
		e = p->environment_e;
		if (expand(p->environment, &ex, &v, cause, sizeof(cause)) == -1)
			sect_error(sc, e, "environment", e->value, "%s", cause);
		else {
			if (value_kv_pairs(v, &penv, cause, sizeof(cause)) == -1)
				sect_error(sc, e, "environment", e->value,
				    "%s", cause);
			free(v);
		}
	}
	for (i = 0; i < penv.n; i++) {
		xasprintf(&name, "ENV_%s", penv.keys[i]);
		expn_set(&ex, name, penv.vals[i]);
		free(name);
	}
	sect_str(sc, "directory", &ex, NULL, &pc->directory);
	sect_envfiles(sc, &ex, &pc->environment_files);
	for (i = 0; i < 2; i++)
		proc_stream(p, &ex, (int)i, first, i == 0 ? &pc->stdout_cfg :
		    &pc->stderr_cfg);
	if (p->redirect_stderr) {
		if (pc->stderr_cfg.dest == LOG_DEST_FILE && first)
			sect_warn(sc, ini_get(ld->ini, sc->sec,
			    "stderr_logfile"), "redirect_stderr=true but "
			    "stderr_logfile is set to a file: the file is "
			    "ignored");
		pc->stderr_cfg.dest = LOG_DEST_NONE;
		free(pc->stderr_cfg.logfile);
		pc->stderr_cfg.logfile = NULL;
	}
	if (sect_get(sc, "command", &ex, 1, &pc->command, &e) == 0)
		sect_error(sc, NULL, "command", NULL, "missing: every program "
		    "needs one");
	else if (pc->command != NULL) {
		if (shlex_split(pc->command, &pc->argv, &pc->argc, cause,
		    sizeof(cause)) == -1)
			sect_error(sc, e, "command", pc->command, "cannot split "
			    "it as Python's shlex does: %s", cause);
		else if (pc->argc == 0)
			sect_error(sc, e, "command", pc->command, "empty");
	}
	if (expand(p->process_name, &ex, &pc->name, cause, sizeof(cause)) ==
	    -1)
		sect_error(sc, p->process_name_e, "process_name",
		    p->process_name, "%s", cause);
	else if (*pc->name == '\0')
		sect_error(sc, p->process_name_e, "process_name",
		    p->process_name, "expands to an empty name");

	/* [supervisord] environment=, then the program's own on top. */
	for (i = 0; i < ld->cfg->sd.environment.n; i++)
		env_set(&pc->environment, ld->cfg->sd.environment.keys[i],
		    ld->cfg->sd.environment.vals[i]);
	for (i = 0; i < penv.n; i++)
		env_set(&pc->environment, penv.keys[i], penv.vals[i]);
	pc->prog_environment = penv;
	expn_release(&ex);
	if (sc->nerrors > errors) {
		proc_config_free(pc);
		return NULL;
	}

	pc->group = xstrdup(p->group);
	pc->program = xstrdup(p->name);
	pc->process_num = num;
	pc->numprocs = p->numprocs;
	pc->numprocs_start = p->numprocs_start;
	pc->priority = p->priority;
	pc->autostart = p->autostart;
	pc->startsecs = p->startsecs;
	pc->startretries = p->startretries;
	pc->autorestart = p->autorestart;
	pc->nexitcodes = p->nexitcodes;
	pc->exitcodes = xreallocarray(NULL, p->nexitcodes + 1,
	    sizeof(*pc->exitcodes));
	if (p->nexitcodes > 0)
		memcpy(pc->exitcodes, p->exitcodes, p->nexitcodes *
		    sizeof(*pc->exitcodes));
	pc->stopsignal = p->stopsignal;
	pc->stopwaitsecs = p->stopwaitsecs;
	pc->stopasgroup = p->stopasgroup;
	pc->killasgroup = p->killasgroup;
	pc->user = p->user != NULL ? xstrdup(p->user) : NULL;
	pc->redirect_stderr = p->redirect_stderr;
	pc->umask = p->umask;
	pc->serverurl = p->serverurl != NULL ? xstrdup(p->serverurl) : NULL;
	pc->backoff_growth = p->backoff_growth;
	pc->backoff_max_ms = p->backoff_max * 1000;
	pc->backoff_reset_ms = p->backoff_reset * 1000;
	pc->shutdown_on = p->shutdown_on;
	pc->ready = p->ready;
	pc->watchdog = p->watchdog;
	pc->ndepends_on = p->ndepends_on;
	if (p->ndepends_on > 0) {
		pc->depends_on = xcalloc(p->ndepends_on + 1,
		    sizeof(*pc->depends_on));
		for (i = 0; i < p->ndepends_on; i++)
			pc->depends_on[i] = xstrdup(p->depends_on[i]);
	}
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
	*priority = p.priority;
	/* Even after an error, so that all of them are reported. */
	for (num = p.numprocs_start; num < p.numprocs_start + p.numprocs;
	    num++) {
		if ((pc = proc_make(&p, num, num == p.numprocs_start)) == NULL)
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

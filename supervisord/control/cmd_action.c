/*
 * start, stop, restart and signal.  A request becomes a job over its
 * processes that follows the engine's events (at the end of each turn),
 * so waiting for RUNNING or STOPPED never blocks the loop or any client.
 * The engine never calls back into a request being issued.
 */
#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "event.h"
#include "jsonw.h"
#include "log.h"
#include "xmalloc.h"

enum target_phase {
	TARGET_STOPPING,	/* waiting for a stopped state */
	TARGET_STARTING,	/* waiting for RUNNING or a failure */
	TARGET_DONE,
};

struct job_target {
	struct proc		*proc;
	enum target_phase	 phase;
	uint64_t		 since;		/* its outcome: later events */
	bool			 stopped;	/* restart: it was running */
	enum proto_code		 code;		/* PROTO_OK or why it failed */
	char			 message[384];
};

struct ctl_job {
	LIST_ENTRY(ctl_job)	 entry;
	struct daemon		*daemon;
	struct ctl_client	*client;	/* NULL once it left */
	cJSON			*id;
	enum proto_cmd		 cmd;
	int			 signal;	/* signal: which */
	bool			 group;		/* signal: the process group */
	bool			 wait;		/* answer at the outcome */
	struct job_target	*targets;
	size_t			 ntargets;
	size_t			 left;		/* targets not DONE */
};

static LIST_HEAD(, ctl_job) jobs = LIST_HEAD_INITIALIZER(jobs);

static void	job_finish(struct ctl_job *);
static void	job_proc_gone(struct proc *);

static void
target_done(struct ctl_job *job, struct job_target *t, enum proto_code code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A target reached its outcome; whoever drives the job then ends it. */
static void
target_done(struct ctl_job *job, struct job_target *t, enum proto_code code,
    const char *fmt, ...)
{
	va_list	ap;

	if (t->phase == TARGET_DONE)
		return;
	t->phase = TARGET_DONE;
	t->code = code;
	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	job->left--;
}

/*
 * Why a start failed, from what the event carries: a spawn error (the
 * engine's text starts "spawn error:"), or the way the process ended.
 */
static void
target_start_failed(struct ctl_job *job, struct job_target *t,
    const struct event *e)
{
	const char	*error = e->spawnerr != NULL ? e->spawnerr : "";
	char		 why[128];

	if (strncmp(error, "spawn error", 11) == 0) {
		target_done(job, t, PROTO_SPAWN_ERROR, "%s", error);
		return;
	}
	if (e->stop_reason == STOP_READY_TIMEOUT) {	/* no READY=1 */
		target_done(job, t, PROTO_ABNORMAL_TERMINATION,
		    "abnormal termination: %s", error);
		return;
	}
	if (e->to == PROC_STOPPING && (e->stop_reason == STOP_ASKED ||
	    e->stop_reason == STOP_HELD))
		snprintf(why, sizeof(why), "stopped while starting");
	else if (e->exit.valid)
		exit_describe(&e->exit, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s while starting",
		    proc_state_name(e->to));
	target_done(job, t, PROTO_ABNORMAL_TERMINATION,
	    "abnormal termination: %s", why);
}

/*
 * Ask the engine to start t's process and follow it to its outcome.  A
 * process still stopping starts again once it is down (the engine keeps
 * that wish), which is all a restart needs after its stop.
 */
static void
target_start(struct ctl_job *job, struct job_target *t)
{
	struct proc	*p = t->proc;
	char		 cause[256];

	if (job->daemon->shutting_down) {
		target_done(job, t, PROTO_SHUTTING_DOWN, "shutting down");
		return;
	}
	t->phase = TARGET_STARTING;
	if (p->state == PROC_STOPPING && p->want_up)
		;	/* already coming back up: wait for it */
	else if (cmd_state_running(p->state)) {
		target_done(job, t, PROTO_ALREADY_STARTED, "already started");
		return;
	} else if (proc_start(p, cause, sizeof(cause)) == -1) {
		target_done(job, t, PROTO_FAILED, "%s", cause);
		return;
	}
	if (p->state == PROC_RUNNING)
		target_done(job, t, PROTO_OK, "started");
	else if (!job->wait)
		target_done(job, t, PROTO_OK, t->stopped ? "restarting" :
		    "starting");
}

static void
target_stop(struct ctl_job *job, struct job_target *t)
{
	struct proc	*p = t->proc;
	char		 cause[256];

	t->phase = TARGET_STOPPING;
	if (cmd_state_stopped(p->state)) {
		target_done(job, t, PROTO_NOT_RUNNING, "not running");
		return;
	}
	if (proc_stop(p, cause, sizeof(cause)) == -1) {
		target_done(job, t, PROTO_FAILED, "%s", cause);
		return;
	}
	if (cmd_state_stopped(p->state))
		target_done(job, t, PROTO_OK, "stopped");
	else if (!job->wait)
		target_done(job, t, PROTO_OK, "stopping");
}

/* One event for a target waiting for its outcome. */
static void
target_event(struct ctl_job *job, struct job_target *t,
    const struct event *e)
{
	if (t->phase == TARGET_STOPPING && cmd_state_stopped(e->to))
		target_done(job, t, PROTO_OK, "stopped");
	else if (t->phase == TARGET_STARTING && e->to == PROC_RUNNING)
		target_done(job, t, PROTO_OK, "started");
	else if (t->phase == TARGET_STARTING && e->from == PROC_STARTING)
		target_start_failed(job, t, e);
	else if (t->phase == TARGET_STARTING && e->from == PROC_STOPPING &&
	    cmd_state_stopped(e->to) && !e->want_up)
		/* A later stop took back the wish to come up. */
		target_done(job, t, PROTO_ABNORMAL_TERMINATION,
		    "abnormal termination: stopped before it started");
}

/* The events of the turn, in order, to the jobs they concern. */
static void
job_event(const struct event *e, void *arg)
{
	struct ctl_job		*job, *next;
	struct job_target	*t;
	size_t			 i;

	for (job = LIST_FIRST(&jobs); job != NULL; job = next) {
		next = LIST_NEXT(job, entry);
		for (i = 0; i < job->ntargets; i++) {
			t = &job->targets[i];
			if (t->proc == e->proc && t->phase != TARGET_DONE &&
			    e->serial > t->since)
				target_event(job, t, e);
		}
		if (job->left == 0)
			job_finish(job);
	}
}

/* A process leaves the configuration (reload): at once, before its
   stop, since it may be freed before the turn ends. */
static void
job_removed(const struct event *e, void *arg)
{
	job_proc_gone(e->proc);
}

void
job_init(struct daemon *d)
{
	event_subscribe(d, EVENT_MASK(EVENT_PROCESS_STATE), EVENT_END_OF_TURN,
	    job_event, NULL);
	event_subscribe(d, EVENT_MASK(EVENT_PROCESS_REMOVED), EVENT_AFTER_INPUT,
	    job_removed, NULL);
}

/* A process leaves the configuration: a job waiting on it fails. */
static void
job_proc_gone(struct proc *p)
{
	struct ctl_job		*job, *next;
	size_t			 i;

	for (job = LIST_FIRST(&jobs); job != NULL; job = next) {
		next = LIST_NEXT(job, entry);
		for (i = 0; i < job->ntargets; i++) {
			if (job->targets[i].proc != p)
				continue;
			target_done(job, &job->targets[i], PROTO_FAILED,
			    "removed from the configuration");
			job->targets[i].proc = NULL;
		}
		if (job->left == 0)
			job_finish(job);
	}
}

/*
 * The reply: per-process results, each a full status entry, and an error
 * when any failed (the first one named in the message).
 */
static void
job_reply(struct ctl_job *job, struct ctl_client *c)
{
	struct job_target	*t, *failed = NULL;
	struct proto_buf	 b = { 0 };
	struct jsonw		 w;
	size_t			 i, nfailed = 0;
	char			 msg[1024], full[2 * PROTO_NAME_MAX + 2];
	ev_tstamp		 now = ev_time();

	for (i = 0; i < job->ntargets; i++) {
		t = &job->targets[i];
		if (t->proc == NULL || t->code == PROTO_OK)
			continue;
		if (failed == NULL)
			failed = t;
		nfailed++;
	}
	if (failed != NULL) {
		proc_fullname(failed->proc, full, sizeof(full));
		snprintf(msg, sizeof(msg), "%s: %s%s", full, failed->message,
		    nfailed > 1 ? " (and more)" : "");
	}
	jsonw_init(&w, &b);
	proto_reply_open(&w, job->id, failed == NULL ? PROTO_OK :
	    failed->code, failed == NULL ? NULL : msg);
	jsonw_array(&w, "processes");
	for (i = 0; i < job->ntargets; i++) {
		t = &job->targets[i];
		if (t->proc == NULL)
			continue;	/* gone with a reload */
		jsonw_object(&w, NULL);
		cmd_proc_write(&w, t->proc, now, PROTO_FIELDS_ALL);
		jsonw_bool(&w, "ok", t->code == PROTO_OK);
		jsonw_string(&w, "result", t->message);
		if (job->cmd == PROTO_CMD_RESTART)
			jsonw_bool(&w, "stopped", t->stopped);
		if (t->code != PROTO_OK) {
			jsonw_object(&w, "error");
			jsonw_string(&w, "code", proto_code_name(t->code));
			jsonw_string(&w, "message", t->message);
			jsonw_object_end(&w);
		}
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	proto_reply_close(&w);
	if (failed != NULL)
		log_debug("control: client %u: %s: %s", c->id,
		    proto_code_name(failed->code), msg);
	client_send_buf(c, &b);
}

/* Every target is done: answer the client if it waits, then free. */
static void
job_finish(struct ctl_job *job)
{
	struct ctl_client	*c = job->client;

	if (c != NULL && client_alive(c)) {
		job_reply(job, c);
		if (c->job == job)
			client_done(c);
	}
	LIST_REMOVE(job, entry);
	cJSON_Delete(job->id);
	free(job->targets);
	free(job);
}

void
job_client_gone(struct ctl_job *job)
{
	job->client = NULL;
}

void
job_free_all(struct daemon *d)
{
	struct ctl_job	*job;

	event_unsubscribe(d, job_event, NULL);
	event_unsubscribe(d, job_removed, NULL);
	while ((job = LIST_FIRST(&jobs)) != NULL) {
		LIST_REMOVE(job, entry);
		cJSON_Delete(job->id);
		free(job->targets);
		free(job);
	}
}

/* Set up a job over the named processes; NULL after an error reply. */
static struct ctl_job *
job_new(struct ctl_client *c, const struct proto_request *req)
{
	struct ctl_job	 *job;
	struct proc	**procs;
	size_t		  n, i;

	if (cmd_targets(c, req, false, &procs, &n) == -1)
		return NULL;
	job = xcalloc(1, sizeof(*job));
	job->daemon = c->daemon;
	job->client = c;
	job->cmd = req->spec->cmd;
	job->wait = proto_get_bool(req, "wait", true);
	if (req->id != NULL)
		job->id = cJSON_Duplicate(req->id, true);
	job->targets = xcalloc(n, sizeof(*job->targets));
	for (i = 0; i < n; i++) {
		job->targets[i].proc = procs[i];
		job->targets[i].code = PROTO_OK;
		job->targets[i].since = event_serial(c->daemon);
	}
	job->ntargets = job->left = n;
	free(procs);
	LIST_INSERT_HEAD(&jobs, job, entry);
	return job;
}

/*
 * Issue every target, then answer now when all are done (always so
 * without waiting), or later from the events.
 */
static enum cmd_retval
job_run(struct ctl_client *c, struct ctl_job *job,
    void (*issue)(struct ctl_job *, struct job_target *))
{
	size_t	i;

	for (i = 0; i < job->ntargets; i++)
		issue(job, &job->targets[i]);
	if (job->left == 0) {
		job_finish(job);
		return CMD_DONE;
	}
	c->job = job;
	return CMD_WAIT;
}

/* Restart: stop if need be, and ask for the start at once. */
static void
issue_restart(struct ctl_job *job, struct job_target *t)
{
	struct proc	*p = t->proc;
	char		 cause[256];

	if (cmd_state_running(p->state)) {
		t->stopped = true;
		if (proc_stop(p, cause, sizeof(cause)) == -1) {
			target_done(job, t, PROTO_FAILED, "%s", cause);
			return;
		}
		/* Its own stop is no outcome: the start's events count. */
		t->since = event_serial(job->daemon);
	}
	target_start(job, t);
}

/* A job of the request's targets, each issued by issue; one that starts
   processes is refused while the daemon shuts down. */
static enum cmd_retval
job_command(struct ctl_client *c, const struct proto_request *req,
    void (*issue)(struct ctl_job *, struct job_target *), bool starts)
{
	struct ctl_job	*job;

	if (starts && c->daemon->shutting_down) {
		client_reply_error(c, req->id, PROTO_SHUTTING_DOWN,
		    "the daemon is shutting down", NULL);
		return CMD_DONE;
	}
	if ((job = job_new(c, req)) == NULL)
		return CMD_DONE;
	return job_run(c, job, issue);
}

enum cmd_retval
cmd_start(struct ctl_client *c, const struct proto_request *req)
{
	return job_command(c, req, target_start, true);
}

enum cmd_retval
cmd_stop(struct ctl_client *c, const struct proto_request *req)
{
	return job_command(c, req, target_stop, false);
}

enum cmd_retval
cmd_restart(struct ctl_client *c, const struct proto_request *req)
{
	return job_command(c, req, issue_restart, true);
}

/* "HUP", "SIGHUP", "hup", "1" or 1. */
static int
parse_signal(const cJSON *v, int *sig)
{
	char	 name[PROTO_SIGNAL_MAX + 1], *end;
	size_t	 i;
	long	 n;

	if (cJSON_IsNumber(v)) {
		*sig = v->valueint;
		return 0;
	}
	snprintf(name, sizeof(name), "%s", v->valuestring);
	for (i = 0; name[i] != '\0'; i++)
		name[i] = toupper((unsigned char)name[i]);
	n = strtol(name, &end, 10);
	if (name[0] != '\0' && *end == '\0')
		*sig = n > 0 && n < NSIG ? (int)n : -1;
	else if (signal_parse(strncmp(name, "SIG", 3) == 0 ? name + 3 : name,
	    sig) == -1)
		return -1;
	return *sig >= 1 && *sig < NSIG ? 0 : -1;
}

static void
issue_signal(struct ctl_job *job, struct job_target *t)
{
	struct proc	*p = t->proc;
	char		 cause[256];

	if (p->pid == 0 || !(p->state == PROC_RUNNING ||
	    p->state == PROC_STARTING || p->state == PROC_STOPPING)) {
		target_done(job, t, PROTO_NOT_RUNNING, "not running");
		return;
	}
	if (proc_signal(p, job->signal, job->group, cause,
	    sizeof(cause)) == -1)
		target_done(job, t, PROTO_FAILED, "%s", cause);
	else
		target_done(job, t, PROTO_OK, "signalled");
}

enum cmd_retval
cmd_signal(struct ctl_client *c, const struct proto_request *req)
{
	const cJSON	*v = proto_get(req, "signal");
	struct ctl_job	*job;
	char		 msg[128];
	int		 sig;

	if (parse_signal(v, &sig) == -1) {
		if (cJSON_IsString(v))
			snprintf(msg, sizeof(msg), "bad signal name '%s'",
			    v->valuestring);
		else
			snprintf(msg, sizeof(msg), "bad signal number %d",
			    v->valueint);
		client_reply_error(c, req->id, PROTO_BAD_SIGNAL, msg, NULL);
		return CMD_DONE;
	}
	if ((job = job_new(c, req)) == NULL)
		return CMD_DONE;
	job->signal = sig;
	job->group = proto_get_bool(req, "group", false);
	return job_run(c, job, issue_signal);
}

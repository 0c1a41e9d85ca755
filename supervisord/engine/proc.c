/*
 * The per-process state machine: Supervisor's states and transitions, in
 * one table, free of system calls.  Every effect (fork, kill, a timer)
 * goes through the daemon's struct proc_effects, so tests/unit/test_proc.c
 * drives each transition without forking.  The cells of readiness (how
 * STARTING becomes RUNNING, the watchdog, depends_on) are proc_ready.c's,
 * those of stops proc_stop.c's.  A transition is an event (event.h):
 * queued here, delivered once the input is handled.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "event.h"
#include "log.h"
#include "proc_machine.h"

#define EXITED_TOO_QUICKLY	"Exited too quickly (process log may have details)"

typedef void (*handler_fn)(struct proc *, const struct ev_arg *);

static void	h_ignore(struct proc *, const struct ev_arg *);
static void	h_start(struct proc *, const struct ev_arg *);
static void	h_backoff_timer(struct proc *, const struct ev_arg *);
static void	h_exec_ok(struct proc *, const struct ev_arg *);
static void	h_exit(struct proc *, const struct ev_arg *);

/* Rows in the order of state_index(). */
enum { S_STOPPED, S_STARTING, S_RUNNING, S_BACKOFF, S_STOPPING, S_EXITED,
	S_FATAL, S_UNKNOWN, S_COUNT };

/*
 * The whole machine.  STOPPED, EXITED and FATAL have no process; BACKOFF
 * waits on a timer; STARTING, RUNNING, STOPPING and UNKNOWN have one
 * (STOPPING may have only what is left of its group; STARTING has none
 * yet while it waits for its dependencies).  RUNNING's timer is the
 * watchdog's deadline.
 */
static const handler_fn transitions[S_COUNT][PEV_COUNT] = {
	/*		START		STOP		TIMER
			EXEC_OK		EXIT		GROUP_EMPTY
			READY		WATCHDOG	DEPS */
	[S_STOPPED] =	{ h_start,	h_stop_idle,	h_ignore,
			  h_ignore,	h_ignore,	h_ignore,
			  h_ignore,	h_ignore,	h_ignore },
	[S_STARTING] =	{ h_ignore,	h_stop_live,	h_starting_timer,
			  h_starting_exec_ok, h_exit,	h_ignore,
			  h_starting_ready, h_ignore,	h_starting_deps },
	[S_RUNNING] =	{ h_ignore,	h_stop_live,	h_running_timer,
			  h_exec_ok,	h_exit,		h_ignore,
			  h_ignore,	h_running_watchdog, h_ignore },
	[S_BACKOFF] =	{ h_ignore,	h_stop_backoff,	h_backoff_timer,
			  h_ignore,	h_ignore,	h_ignore,
			  h_ignore,	h_ignore,	h_ignore },
	[S_STOPPING] =	{ h_start_stopping, h_stop_stopping, h_stopping_timer,
			  h_exec_ok,	h_stopping_exit, h_stopping_group_empty,
			  h_ignore,	h_ignore,	h_stopping_deps },
	[S_EXITED] =	{ h_start,	h_stop_idle,	h_ignore,
			  h_ignore,	h_ignore,	h_ignore,
			  h_ignore,	h_ignore,	h_ignore },
	[S_FATAL] =	{ h_start,	h_stop_idle,	h_ignore,
			  h_ignore,	h_ignore,	h_ignore,
			  h_ignore,	h_ignore,	h_ignore },
	[S_UNKNOWN] =	{ h_ignore,	h_stop_live,	h_ignore,
			  h_exec_ok,	h_exit,		h_ignore,
			  h_ignore,	h_ignore,	h_ignore },
};

/* The row of the table for a state. */
static int
state_index(enum proc_state state)
{
	switch (state) {
	case PROC_STOPPED:
		return S_STOPPED;
	case PROC_STARTING:
		return S_STARTING;
	case PROC_RUNNING:
		return S_RUNNING;
	case PROC_BACKOFF:
		return S_BACKOFF;
	case PROC_STOPPING:
		return S_STOPPING;
	case PROC_EXITED:
		return S_EXITED;
	case PROC_FATAL:
		return S_FATAL;
	default:
		return S_UNKNOWN;
	}
}

void
proc_init(struct proc *p, struct daemon *d, struct proc_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->daemon = d;
	p->state = PROC_STOPPED;
	p->exec_fd = -1;
	p->state_since = proc_now(p);
}

/*
 * Change state, log it, and queue the event: subscribers see it once the
 * machine's input is handled (event.h), never in the middle of it.
 */
void
proc_set_state(struct proc *p, enum proc_state to)
{
	enum proc_state	 from = p->state;
	char		 name[512];

	p->state = to;
	p->state_since = proc_now(p);
	proc_fullname(p, name, sizeof(name));
	log_debug("state: %s %s -> %s", name, proc_state_name(from),
	    proc_state_name(to));
	event_process_state(p, from, to);
}

bool
proc_is_down(const struct proc *p)
{
	switch (p->state) {
	case PROC_STOPPED:
	case PROC_EXITED:
	case PROC_FATAL:
		return p->pid == 0 && p->pgid == 0;
	default:
		return false;
	}
}

/* Supervisor's exitcodes test: a death by signal is never expected. */
static bool
exit_expected(const struct proc_config *c, const struct exit_info *e)
{
	size_t	i;

	if (e->signaled)
		return false;
	for (i = 0; i < c->nexitcodes; i++)
		if (c->exitcodes[i] == e->code)
			return true;
	return false;
}

ev_tstamp
proc_backoff_delay(const struct proc_config *c, unsigned n)
{
	ev_tstamp	delay;

	if (n == 0)
		return 0;
	if (c->backoff_growth == BACKOFF_EXPONENTIAL)
		delay = n > 30 ? 1e9 : ldexp(1.0, (int)n - 1);
	else
		delay = n;
	if (c->backoff_max_ms > 0 && delay > c->backoff_max_ms / 1000.0)
		delay = c->backoff_max_ms / 1000.0;
	return delay;
}

/* The fork of a STARTING process; BACKOFF on failure. */
void
proc_launch(struct proc *p)
{
	char	cause[200];

	p->waiting = false;
	if (p->ever_started)
		p->restarts++;
	p->ever_started = true;
	p->started_at = proc_now(p);
	cause[0] = '\0';
	if (proc_fx(p)->spawn(p, cause, sizeof(cause)) != 0) {
		proc_set_error(p, "spawn error: %s", cause);
		log_warnx("%s: %s", p->cfg->name, proc_error(p));
		proc_start_failed(p);
		return;
	}
	p->last_pid = p->pid;
	/* startsecs: how long it must stay up, or (notify) the deadline. */
	if (p->cfg->startsecs > 0)
		proc_fx(p)->timer(p, p->cfg->startsecs);
}

/*
 * STOPPED, EXITED, FATAL or BACKOFF -> STARTING, then the fork, or a wait
 * for the dependencies to be RUNNING first (PEV_DEPS ends it).
 */
void
proc_spawn(struct proc *p)
{
	char	what[256];

	proc_clear_error(p);
	if (p->status_text != NULL)
		p->status_text[0] = '\0';
	p->execd = false;
	p->startsecs_done = false;
	p->killed = false;
	p->stop_reason = STOP_NONE;
	p->ready_seen = false;
	p->waiting = false;
	p->last_pid = 0;
	proc_set_state(p, PROC_STARTING);
	if (!depend_ready(p)) {
		p->waiting = true;
		depend_describe(p, what, sizeof(what));
		log_info("%s: %s", p->cfg->name, what);
		return;
	}
	proc_launch(p);
}

/* A start that failed: retry after a growing delay, or give up. */
void
proc_start_failed(struct proc *p)
{
	p->retries++;
	if (proc_error(p)[0] == '\0')
		proc_set_error(p, "%s", EXITED_TOO_QUICKLY);
	proc_set_state(p, PROC_BACKOFF);
	if (p->daemon->shutting_down)
		return;
	if (p->retries > (unsigned)p->cfg->startretries) {
		proc_fx(p)->timer(p, -1);
		proc_set_state(p, PROC_FATAL);
		log_info("gave up: %s entered FATAL state, too many start "
		    "retries too quickly", p->cfg->name);
		return;
	}
	proc_fx(p)->timer(p, proc_backoff_delay(p->cfg, p->retries));
}

/*
 * In EXITED: will autorestart bring it back (what subscribers may ask)?
 * Not while a process it left by daemonizing runs (adopt.c): that one
 * does the work, and another start would only fight it for its port.
 */
bool
proc_will_restart(const struct proc *p)
{
	const struct proc_config *c = p->cfg;

	if (!p->want_up || p->daemon->shutting_down ||
	    adopt_live(p->daemon, p))
		return false;
	return c->autorestart == AUTORESTART_TRUE ||
	    (c->autorestart == AUTORESTART_UNEXPECTED &&
	    !p->last_exit.expected);
}

/*
 * A process ended after RUNNING: EXITED, then a restart as autorestart
 * says.  Exits soon after each start are delayed by the growing backoff;
 * the first after a stable run restarts at once, as Supervisor does.
 */
void
proc_running_exited(struct proc *p)
{
	const struct proc_config *c = p->cfg;
	ev_tstamp	 delay;

	proc_set_state(p, PROC_EXITED);
	if (!proc_will_restart(p))
		return;

	if (proc_now(p) - p->started_at >= c->backoff_reset_ms / 1000.0)
		p->quick_exits = 0;
	p->quick_exits++;
	if (p->quick_exits == 1) {
		proc_spawn(p);
		return;
	}
	delay = proc_backoff_delay(c, p->quick_exits - 1);
	proc_set_error(p,
	    "exited %u times within %.0f seconds of starting; restarting in "
	    "%.1f seconds", p->quick_exits, c->backoff_reset_ms / 1000.0, delay);
	log_warnx("%s: %s", c->name, proc_error(p));
	proc_set_state(p, PROC_BACKOFF);
	proc_fx(p)->timer(p, delay);
}

/* Record how the leader ended and log it the way Supervisor does. */
void
proc_record_exit(struct proc *p, int wstatus, bool stopping)
{
	struct exit_info *e = &p->last_exit;
	char		 how[128];

	memset(e, 0, sizeof(*e));
	e->valid = true;
	if (WIFSIGNALED(wstatus)) {
		e->signaled = true;
		e->code = WTERMSIG(wstatus);
		e->core = WCOREDUMP(wstatus);
	} else
		e->code = WEXITSTATUS(wstatus);
	e->expected = exit_expected(p->cfg, e);
	p->pid = 0;
	p->stopped_at = proc_now(p);

	exit_describe(e, how, sizeof(how));
	if (stopping)
		log_info("stopped: %s (%s)", p->cfg->name, how);
	else if (e->expected && p->state == PROC_RUNNING)
		log_info("exited: %s (%s; expected)", p->cfg->name, how);
	else
		log_warnx("exited: %s (%s; not expected)", p->cfg->name, how);
}

static void
h_ignore(struct proc *p, const struct ev_arg *a)
{
}

static void
h_start(struct proc *p, const struct ev_arg *a)
{
	p->want_up = true;
	p->retries = 0;
	p->quick_exits = 0;
	proc_spawn(p);
}

static void
h_backoff_timer(struct proc *p, const struct ev_arg *a)
{
	if (p->daemon->shutting_down)
		return;
	proc_spawn(p);
}

static void
h_exec_ok(struct proc *p, const struct ev_arg *a)
{
	p->execd = true;
}

/* The leader of a STARTING, RUNNING or UNKNOWN process was reaped. */
static void
h_exit(struct proc *p, const struct ev_arg *a)
{
	bool	in_starting = p->state == PROC_STARTING;
	char	buf[16];

	proc_fx(p)->timer(p, -1);
	proc_record_exit(p, a->wstatus, false);
	if (a->group_left) {
		/* Its group outlives it: stop the rest before it counts. */
		p->exit_in_starting = in_starting;
		log_info("stopping: what is left of %s's process group %d "
		    "with SIG%s", p->cfg->name, (int)p->pgid,
		    signal_label(p->cfg->stopsignal, buf, sizeof(buf)));
		proc_begin_stop(p, true, STOP_GROUP_LEFT);
		if (p->state == PROC_STOPPING)	/* else UNKNOWN */
			proc_fx(p)->watch_group(p);
		return;
	}
	p->pgid = 0;
	if (p->state == PROC_UNKNOWN && !p->want_up) {
		proc_set_state(p, PROC_STOPPED);
		return;
	}
	if (in_starting)
		proc_start_failed(p);
	else
		proc_running_exited(p);
}

/*
 * Feed one event to the machine: the only way a state changes.  The
 * transitions it makes are delivered once it is handled (event.h).
 */
static void
proc_step(struct proc *p, enum proc_ev ev, const struct ev_arg *a)
{
	static const struct ev_arg none;

	event_input_begin(p->daemon);
	transitions[state_index(p->state)][ev](p, a != NULL ? a : &none);
	event_input_end(p->daemon);
}

void
proc_timer_fired(struct proc *p)
{
	proc_step(p, PEV_TIMER, NULL);
}

void
proc_exec_ok(struct proc *p)
{
	proc_step(p, PEV_EXEC_OK, NULL);
}

/* The child could not exec: keep why; its exit (127) follows. */
void
proc_exec_failed(struct proc *p, const char *error)
{
	proc_set_error(p, "spawn error: %s", error);
	log_warnx("%s: %s", p->cfg->name, proc_error(p));
}

void
proc_exited(struct proc *p, int wstatus, bool group_left)
{
	struct ev_arg	a = { .wstatus = wstatus, .group_left = group_left };

	proc_step(p, PEV_EXIT, &a);
}

void
proc_group_empty(struct proc *p)
{
	proc_step(p, PEV_GROUP_EMPTY, NULL);
}

void
proc_ready(struct proc *p)
{
	proc_step(p, PEV_READY, NULL);
}

void
proc_watchdog(struct proc *p, bool trigger)
{
	struct ev_arg	a = { .trigger = trigger };

	proc_step(p, PEV_WATCHDOG, &a);
}

void
proc_deps_changed(struct proc *p)
{
	proc_step(p, PEV_DEPS, NULL);
}

int
proc_start(struct proc *p, char *cause, size_t len)
{
	if (p->daemon->shutting_down) {
		snprintf(cause, len, "shutting down");
		return -1;
	}
	switch (p->state) {
	case PROC_STARTING:
	case PROC_RUNNING:
	case PROC_BACKOFF:
		snprintf(cause, len, "already started");
		return -1;
	case PROC_STOPPING:
		if (p->want_up) {
			snprintf(cause, len, "already started");
			return -1;
		}
		break;
	case PROC_UNKNOWN:
		snprintf(cause, len, "in state UNKNOWN");
		return -1;
	default:
		break;
	}
	/* What it needs, first (they start in parallel with its wait);
	   their events and its own are delivered once all are issued. */
	event_input_begin(p->daemon);
	depend_start(p);
	proc_step(p, PEV_START, NULL);
	event_input_end(p->daemon);
	return 0;
}

int
proc_stop(struct proc *p, char *cause, size_t len)
{
	bool	idle = p->state == PROC_STOPPED || p->state == PROC_EXITED ||
	    p->state == PROC_FATAL;

	proc_step(p, PEV_STOP, NULL);	/* idle: the wish is recorded */
	if (idle) {
		snprintf(cause, len, "not running");
		return -1;
	}
	return 0;
}

/* The main process alone, as Supervisor's signalProcess, or its group. */
int
proc_signal(struct proc *p, int sig, bool group, char *cause, size_t len)
{
	int	 error;

	if (p->pid == 0) {
		snprintf(cause, len, "not running");
		return -1;
	}
	error = proc_fx(p)->kill(p, sig, group);
	if (error == ESRCH) {
		snprintf(cause, len, "not running");
		return -1;
	}
	if (error != 0) {
		snprintf(cause, len, "cannot signal pid %d: %s", (int)p->pid,
		    strerror(error));
		return -1;
	}
	return 0;
}

/*
 * Readiness: when a STARTING process counts as RUNNING (it stayed up
 * startsecs, as Supervisor has it, or it sent READY=1 within startsecs,
 * ready=notify), the watchdog of a RUNNING one, and the depends_on
 * events (a dependency is RUNNING, a dependent is down).  Handlers of
 * proc.c's transition table; free of system calls as the rest of it.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "proc_machine.h"

static void
enter_running(struct proc *p)
{
	proc_fx(p)->timer(p, -1);
	p->retries = 0;
	proc_clear_error(p);
	proc_set_state(p, PROC_RUNNING);
	if (p->cfg->ready == READY_NOTIFY)
		log_info("success: %s entered RUNNING state, it is ready "
		    "(READY=1)", p->cfg->name);
	else
		log_info("success: %s entered RUNNING state, process has "
		    "stayed up for > than %d seconds (startsecs)",
		    p->cfg->name, p->cfg->startsecs);
	/* The watchdog runs from readiness on, as systemd's does. */
	if (p->cfg->watchdog > 0)
		proc_fx(p)->timer(p, p->cfg->watchdog);
}

/*
 * ready=notify and no READY=1 within startsecs: a failed start.  The
 * process is stopped as any other, and once it is gone the failure
 * counts (BACKOFF, then FATAL), as an exit during STARTING does.
 */
static void
start_timed_out(struct proc *p)
{
	proc_set_error(p, "not ready: no READY=1 within startsecs (%d "
	    "seconds)", p->cfg->startsecs);
	log_warnx("%s: %s; stopping it", p->cfg->name, proc_error(p));
	p->exit_in_starting = true;
	proc_begin_stop(p, p->cfg->stopasgroup, STOP_READY_TIMEOUT);
}

void
h_starting_timer(struct proc *p, const struct ev_arg *a)
{
	if (p->cfg->ready == READY_NOTIFY) {
		if (p->ready_seen)
			enter_running(p);
		else
			start_timed_out(p);
		return;
	}
	p->startsecs_done = true;
	if (p->execd)
		enter_running(p);
}

void
h_starting_exec_ok(struct proc *p, const struct ev_arg *a)
{
	p->execd = true;
	if (p->cfg->ready == READY_NOTIFY) {
		if (p->ready_seen)
			enter_running(p);
		return;
	}
	if (p->startsecs_done || p->cfg->startsecs <= 0)
		enter_running(p);
}

/* Only the program can send READY=1: it has exec'd, and it is ready. */
void
h_starting_ready(struct proc *p, const struct ev_arg *a)
{
	if (p->waiting || p->cfg->ready != READY_NOTIFY)
		return;
	p->ready_seen = true;
	p->execd = true;
	enter_running(p);
}

/* Waiting: fork once every dependency is RUNNING. */
void
h_starting_deps(struct proc *p, const struct ev_arg *a)
{
	if (!p->waiting || p->daemon->shutting_down || !depend_ready(p))
		return;
	proc_launch(p);
}

/* A stop held for the dependents: the signal, once they are down. */
void
h_stopping_deps(struct proc *p, const struct ev_arg *a)
{
	if (p->stop_reason == STOP_HELD && !depend_hold_stop(p))
		proc_stop_now(p);
}

/*
 * No WATCHDOG=1 in time (or WATCHDOG=trigger): the process hangs.  Stop
 * it, then its end counts as an unexpected exit, restarted as
 * autorestart says.
 */
static void
watchdog_expire(struct proc *p, const char *why)
{
	proc_set_error(p, "watchdog: %s", why);
	log_warnx("%s: %s; stopping it", p->cfg->name, proc_error(p));
	p->exit_in_starting = false;
	proc_begin_stop(p, p->cfg->stopasgroup, STOP_WATCHDOG);
}

void
h_running_timer(struct proc *p, const struct ev_arg *a)
{
	char	why[128];

	if (p->cfg->watchdog <= 0)
		return;
	snprintf(why, sizeof(why), "no WATCHDOG=1 within %d seconds",
	    p->cfg->watchdog);
	watchdog_expire(p, why);
}

void
h_running_watchdog(struct proc *p, const struct ev_arg *a)
{
	if (a->trigger)
		watchdog_expire(p, "the program sent WATCHDOG=trigger");
	else if (p->cfg->watchdog > 0)
		proc_fx(p)->timer(p, p->cfg->watchdog);
}

/*
 * Stops: the cells of proc.c's transition table that take a process
 * down.  A STOPPING process has one reason (enum stop_reason): asked
 * (signalled), held for its dependents, or a stop of ours that stands
 * for an exit (its leader left its group behind, no READY=1 in time,
 * the watchdog), which counts as that exit once nothing is left.  Free
 * of system calls as the rest of the machine.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "proc_machine.h"

/* Does the stop under way stand for an exit (see stop_over())? */
static bool
stop_is_exit(const struct proc *p)
{
	return p->stop_reason == STOP_GROUP_LEFT ||
	    p->stop_reason == STOP_READY_TIMEOUT ||
	    p->stop_reason == STOP_WATCHDOG;
}

/*
 * Send stopsignal (to the group when stopasgroup) and arm the deadline:
 * STOPPING for this reason, or UNKNOWN when the signal cannot be sent.
 */
void
proc_begin_stop(struct proc *p, bool group, enum stop_reason reason)
{
	int	 error;

	p->killed = false;
	p->stop_reason = reason;
	error = proc_fx(p)->kill(p, p->cfg->stopsignal, group);
	if (error != 0 && error != ESRCH) {
		log_error("cannot signal %s (pid %d): %s", p->cfg->name,
		    (int)p->pid, strerror(error));
		p->stop_reason = STOP_NONE;
		proc_fx(p)->timer(p, -1);
		proc_set_state(p, PROC_UNKNOWN);
		return;
	}
	proc_fx(p)->timer(p, p->cfg->stopwaitsecs);
	if (p->state != PROC_STOPPING)	/* else a held stop goes on */
		proc_set_state(p, PROC_STOPPING);
}

/* The operator's (or shutdown's) stop of a live process, now. */
void
proc_stop_now(struct proc *p)
{
	char	buf[16];

	log_info("stopping: %s (pid %d) with SIG%s%s", p->cfg->name,
	    (int)p->pid, signal_label(p->cfg->stopsignal, buf, sizeof(buf)),
	    p->cfg->stopasgroup ? " to its process group" : "");
	proc_begin_stop(p, p->cfg->stopasgroup, STOP_ASKED);
}

void
h_start_stopping(struct proc *p, const struct ev_arg *a)
{
	p->want_up = true;	/* up again once the stop is over */
}

void
h_stop_idle(struct proc *p, const struct ev_arg *a)
{
	p->want_up = false;
}

void
h_stop_backoff(struct proc *p, const struct ev_arg *a)
{
	p->want_up = false;
	proc_fx(p)->timer(p, -1);
	proc_set_state(p, PROC_STOPPED);
}

void
h_stop_live(struct proc *p, const struct ev_arg *a)
{
	p->want_up = false;
	if (p->pid == 0 && p->pgid == 0) {
		/* Waiting for its dependencies, before the fork. */
		p->waiting = false;
		proc_fx(p)->timer(p, -1);
		proc_set_state(p, PROC_STOPPED);
		return;
	}
	if (depend_has_live_dependents(p)) {
		/* STOPPING, no signal yet: a dependent stopped too goes
		   first.  depend_settle() decides once the request is
		   issued; PEV_DEPS sends the signal. */
		p->stop_reason = STOP_HELD;
		proc_fx(p)->timer(p, -1);
		proc_set_state(p, PROC_STOPPING);
		depend_settle_soon(p->daemon);
		return;
	}
	proc_stop_now(p);
}

/* The escalation already under way goes on untouched; a stop of ours
   becomes the one asked for (its end is no exit that counts). */
void
h_stop_stopping(struct proc *p, const struct ev_arg *a)
{
	p->want_up = false;
	if (stop_is_exit(p))
		p->stop_reason = STOP_ASKED;
}

/* stopwaitsecs is over: SIGKILL, again each stopwaitsecs if need be. */
void
h_stopping_timer(struct proc *p, const struct ev_arg *a)
{
	bool	 group = p->cfg->killasgroup || p->pid == 0;
	int	 error;

	log_warnx("killing '%s' (%d) with SIGKILL%s", p->cfg->name,
	    (int)(p->pid != 0 ? p->pid : p->pgid),
	    group ? " to its process group" : "");
	p->killed = true;
	error = proc_fx(p)->kill(p, SIGKILL, group);
	if (error != 0 && error != ESRCH)
		log_error("cannot kill %s (pid %d): %s", p->cfg->name,
		    (int)p->pid, strerror(error));
	proc_fx(p)->timer(p, p->cfg->stopwaitsecs > 0 ? p->cfg->stopwaitsecs : 1);
}

/* The stop is over: STOPPED, then up again if the operator asked. */
static void
finish_stop(struct proc *p)
{
	proc_fx(p)->timer(p, -1);
	proc_set_state(p, PROC_STOPPED);
	if (p->want_up && !p->daemon->shutting_down) {
		p->retries = 0;
		proc_spawn(p);
	}
}

/*
 * Nothing is left of the process.  A stop asked for is over; a stop of
 * ours (the leader exited on its own, no READY=1 in time, the watchdog)
 * ends as the exit it stands for.
 */
static void
stop_over(struct proc *p)
{
	enum stop_reason reason = p->stop_reason;
	bool		 as_exit = stop_is_exit(p);

	p->pgid = 0;
	p->stop_reason = STOP_NONE;
	if (!as_exit) {
		finish_stop(p);
		return;
	}
	proc_fx(p)->timer(p, -1);
	if (reason == STOP_WATCHDOG)
		p->last_exit.expected = false;
	if (!p->want_up) {
		proc_set_state(p, PROC_STOPPED);
		return;
	}
	if (p->exit_in_starting)
		proc_start_failed(p);
	else
		proc_running_exited(p);
}

void
h_stopping_exit(struct proc *p, const struct ev_arg *a)
{
	proc_record_exit(p, a->wstatus, true);
	if (a->group_left) {
		proc_fx(p)->watch_group(p);	/* the deadline timer goes on */
		return;
	}
	stop_over(p);
}

void
h_stopping_group_empty(struct proc *p, const struct ev_arg *a)
{
	if (p->pid != 0)
		return;		/* the leader is still to be reaped */
	stop_over(p);
}

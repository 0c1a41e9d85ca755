/*
 * The state machine's insides, shared by proc.c (the table, starts and
 * exits as Supervisor has them), proc_stop.c (stops and their reasons)
 * and proc_ready.c (readiness: startsecs, READY=1, the watchdog,
 * depends_on).  Only they include it.
 */
#ifndef PROC_MACHINE_H
#define PROC_MACHINE_H

#include "engine.h"

/* What happened to a process: the columns of the transition table. */
enum proc_ev {
	PEV_START,		/* the operator (or autostart) wants it up */
	PEV_STOP,		/* the operator (or shutdown) wants it down */
	PEV_TIMER,		/* p->timer fired: startsecs, backoff, deadline */
	PEV_EXEC_OK,		/* exec succeeded (the report pipe closed) */
	PEV_EXIT,		/* the leader was reaped */
	PEV_GROUP_EMPTY,		/* nothing is left in its process group */
	PEV_READY,		/* READY=1 from its process group */
	PEV_WATCHDOG,		/* WATCHDOG=1 (or =trigger) from it */
	PEV_DEPS,		/* a dependency became RUNNING, or a dependent
				   went down */
	PEV_COUNT,
};

struct ev_arg {
	int	 wstatus;	/* PEV_EXIT */
	bool	 group_left;	/* PEV_EXIT: members of its group live on */
	bool	 trigger;	/* PEV_WATCHDOG: WATCHDOG=trigger */
};

static inline const struct proc_effects *
proc_fx(const struct proc *p)
{
	return p->daemon->effects;
}

static inline ev_tstamp
proc_now(const struct proc *p)
{
	return proc_fx(p)->now((struct proc *)p);
}

/* proc.c: what the three parts share. */
void	 proc_set_state(struct proc *, enum proc_state);
/* -> STARTING, then the fork or the wait for the dependencies. */
void	 proc_spawn(struct proc *);
/* The fork of a STARTING process (BACKOFF when it fails). */
void	 proc_launch(struct proc *);
/* A failed start (BACKOFF or FATAL); an exit after RUNNING (EXITED, and
   the restart autorestart asks for). */
void	 proc_start_failed(struct proc *);
void	 proc_running_exited(struct proc *);
/* Record and log how the leader ended (stopping: a stop's end). */
void	 proc_record_exit(struct proc *, int wstatus, bool stopping);

/* proc_stop.c: stops and the table's cells of them. */
/* Send stopsignal (to the group) and arm the deadline: STOPPING. */
void	 proc_begin_stop(struct proc *, bool group, enum stop_reason);
/* The stop asked for, logged, now. */
void	 proc_stop_now(struct proc *);
void	 h_start_stopping(struct proc *, const struct ev_arg *);
void	 h_stop_idle(struct proc *, const struct ev_arg *);
void	 h_stop_backoff(struct proc *, const struct ev_arg *);
void	 h_stop_live(struct proc *, const struct ev_arg *);
void	 h_stop_stopping(struct proc *, const struct ev_arg *);
void	 h_stopping_timer(struct proc *, const struct ev_arg *);
void	 h_stopping_exit(struct proc *, const struct ev_arg *);
void	 h_stopping_group_empty(struct proc *, const struct ev_arg *);

/* proc_ready.c: the handlers of the table's readiness cells. */
void	 h_starting_timer(struct proc *, const struct ev_arg *);
void	 h_starting_exec_ok(struct proc *, const struct ev_arg *);
void	 h_starting_ready(struct proc *, const struct ev_arg *);
void	 h_starting_deps(struct proc *, const struct ev_arg *);
void	 h_running_timer(struct proc *, const struct ev_arg *);
void	 h_running_watchdog(struct proc *, const struct ev_arg *);
void	 h_stopping_deps(struct proc *, const struct ev_arg *);

#endif

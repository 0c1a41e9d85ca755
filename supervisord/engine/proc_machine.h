/*
 * The state machine's insides, shared by proc.c (the table, starts,
 * exits and stops as Supervisor has them) and proc_ready.c (readiness:
 * startsecs, READY=1, the watchdog, depends_on).  Only they include it.
 */
#ifndef PROC_MACHINE_H
#define PROC_MACHINE_H

#include "supervisord.h"

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

/* proc.c: what both halves do. */
void	 proc_set_state(struct proc *, enum proc_state);
/* The fork of a STARTING process (BACKOFF when it fails). */
void	 proc_launch(struct proc *);
/* Send stopsignal (to the group) and arm the deadline: STOPPING. */
void	 proc_begin_stop(struct proc *, bool group);
/* The stop asked for, logged, now. */
void	 proc_stop_now(struct proc *);

/* proc_ready.c: the handlers of the table's readiness cells. */
void	 h_starting_timer(struct proc *, const struct ev_arg *);
void	 h_starting_exec_ok(struct proc *, const struct ev_arg *);
void	 h_starting_ready(struct proc *, const struct ev_arg *);
void	 h_starting_deps(struct proc *, const struct ev_arg *);
void	 h_running_timer(struct proc *, const struct ev_arg *);
void	 h_running_watchdog(struct proc *, const struct ev_arg *);
void	 h_stopping_deps(struct proc *, const struct ev_arg *);

#endif

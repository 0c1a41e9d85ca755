/*
 * Shared by the state machine's unit tests: recording effects stand in
 * for fork, kill and timers, a fake clock for time, and an event
 * subscriber records every transition of the process under test, P.
 */
#ifndef PROC_FIXTURE_H
#define PROC_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "event.h"
#include "log.h"
#include "supervisord.h"

#define MAXREC	64

struct kill_rec {
	int	 sig;
	bool	 group;
};

static struct {
	int		 spawn_fail;	/* the spawn effect fails */
	unsigned	 nspawn;
	pid_t		 next_pid;
	struct kill_rec	 kills[MAXREC];
	unsigned	 nkills;
	int		 kill_error;	/* what kill returns */
	ev_tstamp	 timer;		/* last armed delay, -1 when stopped */
	unsigned	 ntimers;	/* times armed */
	unsigned	 nwatch;
	ev_tstamp	 now;
	enum proc_state	 from[MAXREC], to[MAXREC];
	unsigned	 ntrans;
} R;

static struct daemon		 D;
static struct proc_config	 C;
static struct proc		 P;
static int			 exitcodes[] = { 0, 2 };

static int
rec_spawn(struct proc *p, char *cause, size_t len)
{
	R.nspawn++;
	if (R.spawn_fail) {
		snprintf(cause, len, "too many processes to spawn");
		return -1;
	}
	p->pid = p->pgid = R.next_pid++;
	return 0;
}

static int
rec_kill(struct proc *p, int sig, bool group)
{
	ck_assert_uint_lt(R.nkills, MAXREC);
	R.kills[R.nkills].sig = sig;
	R.kills[R.nkills].group = group;
	R.nkills++;
	return R.kill_error;
}

static void
rec_timer(struct proc *p, ev_tstamp secs)
{
	R.timer = secs;
	if (secs >= 0)
		R.ntimers++;
}

static void
rec_watch(struct proc *p)
{
	R.nwatch++;
}

static ev_tstamp
rec_now(struct proc *p)
{
	return R.now;
}

static const struct proc_effects rec_effects = {
	.spawn = rec_spawn,
	.kill = rec_kill,
	.timer = rec_timer,
	.watch_group = rec_watch,
	.now = rec_now,
};

static void
rec_event(const struct event *e, void *arg)
{
	if (e->proc != &P)
		return;		/* another process (a dependency) */
	ck_assert_uint_lt(R.ntrans, MAXREC);
	R.from[R.ntrans] = e->from;
	R.to[R.ntrans] = e->to;
	R.ntrans++;
}

static void
setup(void)
{
	memset(&R, 0, sizeof(R));
	R.next_pid = 1000;
	R.now = 1000000.0;
	R.timer = -1;
	memset(&D, 0, sizeof(D));
	D.effects = &rec_effects;
	memset(&C, 0, sizeof(C));
	C.name = "web";
	C.group = "web";
	C.command = "/bin/web";
	C.startsecs = 1;
	C.startretries = 3;
	C.autorestart = AUTORESTART_UNEXPECTED;
	C.exitcodes = exitcodes;
	C.nexitcodes = 2;
	C.stopsignal = SIGTERM;
	C.stopwaitsecs = 10;
	C.stopasgroup = true;
	C.killasgroup = true;
	C.umask = -1;
	C.backoff_growth = BACKOFF_LINEAR;
	C.backoff_max_ms = 60000;
	C.backoff_reset_ms = 60000;
	proc_init(&P, &D, &C);
	event_subscribe(&D, EVENT_MASK(EVENT_PROCESS_STATE), EVENT_AFTER_INPUT,
	    rec_event, NULL);
}

static void
teardown(void)
{
	event_free(&D);
}

/* The last transition was from -> to. */
static void
last_was(enum proc_state from, enum proc_state to)
{
	ck_assert_uint_gt(R.ntrans, 0);
	ck_assert_str_eq(proc_state_name(R.from[R.ntrans - 1]),
	    proc_state_name(from));
	ck_assert_str_eq(proc_state_name(R.to[R.ntrans - 1]),
	    proc_state_name(to));
	ck_assert_int_eq(P.state, to);
}

static void
start_ok(void)
{
	char	cause[128];

	ck_assert_int_eq(proc_start(&P, cause, sizeof(cause)), 0);
}

/* Start, exec and startsecs: RUNNING. */
static void
to_running(void)
{
	start_ok();
	proc_exec_ok(&P);
	R.now += C.startsecs;
	proc_timer_fired(&P);
	ck_assert_int_eq(P.state, PROC_RUNNING);
}

#endif

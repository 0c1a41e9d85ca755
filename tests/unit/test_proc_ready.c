/*
 * The state machine's readiness inputs without forking: ready=notify
 * (READY=1, startsecs as the deadline), the watchdog, and depends_on
 * (PEV_DEPS: a start that waits, a stop that is held), with depend.c's
 * links and observer over two processes: P ("web") depends on Q ("db").
 */
#include "proc_fixture.h"

static struct proc_config	 CQ;
static struct proc		 Q;
static struct proc		*procs[2];
static char			*web_deps[] = { "db", NULL };

static void
ready_setup(void)
{
	setup();
	C.program = "web";
}

/* P depends on Q; both in the daemon, Q first (the start order). */
static void
deps_setup(void)
{
	ready_setup();
	CQ = C;
	CQ.name = CQ.group = CQ.program = "db";
	CQ.command = "/bin/db";
	C.depends_on = web_deps;
	C.ndepends_on = 1;
	proc_init(&Q, &D, &CQ);
	procs[0] = &Q;
	procs[1] = &P;
	D.procs = procs;
	D.nprocs = 2;
	depend_init(&D);
}

static void
deps_teardown(void)
{
	depend_free(&D);
	teardown();
}

/* Q through exec and startsecs: RUNNING. */
static void
q_running(void)
{
	proc_exec_ok(&Q);
	proc_timer_fired(&Q);
	ck_assert_int_eq(Q.state, PROC_RUNNING);
}

START_TEST(notify_running_on_ready_only)
{
	C.ready = READY_NOTIFY;
	C.startsecs = 5;
	start_ok();
	ck_assert(R.timer == 5.0);		/* the deadline */
	proc_exec_ok(&P);
	ck_assert_int_eq(P.state, PROC_STARTING);
	R.now += 3;
	proc_ready(&P);
	last_was(PROC_STARTING, PROC_RUNNING);
	ck_assert(R.timer < 0);
	ck_assert_uint_eq(P.retries, 0);
	/* READY=1 again changes nothing */
	proc_ready(&P);
	ck_assert_uint_eq(R.ntrans, 2);
}
END_TEST

START_TEST(notify_ready_before_exec_report)
{
	C.ready = READY_NOTIFY;
	start_ok();
	proc_ready(&P);		/* only the program can send it: exec'd */
	last_was(PROC_STARTING, PROC_RUNNING);
	ck_assert(P.execd);
	proc_exec_ok(&P);
	ck_assert_int_eq(P.state, PROC_RUNNING);
}
END_TEST

START_TEST(startsecs_mode_ignores_ready)
{
	start_ok();
	proc_ready(&P);
	ck_assert_int_eq(P.state, PROC_STARTING);
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	last_was(PROC_STARTING, PROC_RUNNING);
}
END_TEST

START_TEST(notify_deadline_is_a_failed_start)
{
	unsigned	i;

	C.ready = READY_NOTIFY;
	C.startsecs = 2;
	C.startretries = 1;
	start_ok();
	for (i = 1; i <= 2; i++) {
		proc_exec_ok(&P);
		R.now += 2;
		proc_timer_fired(&P);		/* no READY=1 in time */
		last_was(PROC_STARTING, PROC_STOPPING);
		ck_assert_int_eq(P.stop_reason, STOP_READY_TIMEOUT);
		ck_assert_int_eq(R.kills[R.nkills - 1].sig, SIGTERM);
		ck_assert(R.kills[R.nkills - 1].group);
		ck_assert(R.timer == (ev_tstamp)C.stopwaitsecs);
		ck_assert_str_eq(proc_error(&P), "not ready: no READY=1 "
		    "within startsecs (2 seconds)");
		proc_exited(&P, SIGTERM, false);
		if (i == 1) {
			last_was(PROC_STOPPING, PROC_BACKOFF);
			ck_assert(R.timer == 1.0);
			ck_assert_str_eq(proc_error(&P), "not ready: no "
			    "READY=1 within startsecs (2 seconds)");
			R.now += 1;
			proc_timer_fired(&P);
			last_was(PROC_BACKOFF, PROC_STARTING);
			ck_assert_int_eq(P.stop_reason, STOP_NONE);
		}
	}
	last_was(PROC_BACKOFF, PROC_FATAL);
	ck_assert_uint_eq(R.nspawn, 2);
}
END_TEST

START_TEST(notify_deadline_stop_wins)
{
	C.ready = READY_NOTIFY;
	start_ok();
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	ck_assert_int_eq(P.state, PROC_STOPPING);
	/* The operator stops it meanwhile: STOPPED, not BACKOFF. */
	ck_assert_int_eq(proc_stop(&P, (char[64]){ 0 }, 64), 0);
	proc_exited(&P, SIGTERM, false);
	last_was(PROC_STOPPING, PROC_STOPPED);
	ck_assert(!P.want_up);
}
END_TEST

START_TEST(notify_startsecs_zero_has_no_deadline)
{
	C.ready = READY_NOTIFY;
	C.startsecs = 0;
	start_ok();
	proc_exec_ok(&P);
	ck_assert_uint_eq(R.ntimers, 0);
	ck_assert_int_eq(P.state, PROC_STARTING);
	R.now += 3600;
	proc_ready(&P);
	last_was(PROC_STARTING, PROC_RUNNING);
}
END_TEST

START_TEST(watchdog_pings_then_expires)
{
	C.watchdog = 5;
	to_running();
	ck_assert(R.timer == 5.0);
	ck_assert_uint_eq(R.ntimers, 2);	/* startsecs, watchdog */
	proc_watchdog(&P, false);
	ck_assert_uint_eq(R.ntimers, 3);	/* armed again */
	ck_assert_int_eq(P.state, PROC_RUNNING);
	R.now += 5;
	proc_timer_fired(&P);			/* no ping in time */
	last_was(PROC_RUNNING, PROC_STOPPING);
	ck_assert_int_eq(R.kills[0].sig, SIGTERM);
	ck_assert(R.kills[0].group);
	/* Gone: an unexpected exit, even with exit code 0; restarted. */
	R.now += 1;
	proc_exited(&P, 0, false);
	ck_assert(!P.last_exit.expected);
	ck_assert_int_eq(R.to[R.ntrans - 2], PROC_EXITED);
	last_was(PROC_EXITED, PROC_STARTING);
	ck_assert_uint_eq(R.nspawn, 2);
	ck_assert_int_eq(P.stop_reason, STOP_NONE);
}
END_TEST

START_TEST(watchdog_trigger)
{
	C.watchdog = 5;
	C.autorestart = AUTORESTART_FALSE;
	to_running();
	proc_watchdog(&P, true);		/* WATCHDOG=trigger */
	last_was(PROC_RUNNING, PROC_STOPPING);
	ck_assert_str_eq(proc_error(&P),
	    "watchdog: the program sent WATCHDOG=trigger");
	proc_exited(&P, SIGTERM, false);
	last_was(PROC_STOPPING, PROC_EXITED);	/* autorestart=false */
}
END_TEST

START_TEST(watchdog_not_in_starting)
{
	C.watchdog = 5;
	C.startsecs = 10;
	start_ok();
	proc_watchdog(&P, true);
	ck_assert_int_eq(P.state, PROC_STARTING);
	ck_assert(R.timer == 10.0);
}
END_TEST

START_TEST(start_waits_for_dependency)
{
	start_ok();
	/* db was pulled in and forked; web waits, not forked */
	ck_assert_int_eq(Q.state, PROC_STARTING);
	ck_assert(Q.want_up);
	ck_assert_int_eq(Q.pid, 1000);
	last_was(PROC_STOPPED, PROC_STARTING);
	ck_assert(P.waiting);
	ck_assert_int_eq(P.pid, 0);
	ck_assert_uint_eq(R.nspawn, 1);
	/* db RUNNING: web is forked now */
	q_running();
	ck_assert(!P.waiting);
	ck_assert_int_eq(P.pid, 1001);
	ck_assert_uint_eq(R.nspawn, 2);
	ck_assert_int_eq(P.state, PROC_STARTING);
	ck_assert_uint_eq(R.ntrans, 1);		/* STARTING only once */
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	last_was(PROC_STARTING, PROC_RUNNING);
}
END_TEST

START_TEST(fatal_dependency_leaves_dependent_waiting)
{
	char	desc[256];
	int	i;

	CQ.startretries = 0;
	start_ok();
	proc_exited(&Q, 1 << 8, false);
	ck_assert_int_eq(Q.state, PROC_FATAL);
	for (i = 0; i < 3; i++)
		proc_timer_fired(&P);		/* nothing it waits on */
	ck_assert_int_eq(P.state, PROC_STARTING);
	ck_assert(P.waiting);
	proc_describe(&P, desc, sizeof(desc));
	ck_assert_str_eq(desc, "waiting for db (FATAL)");
	/* an operator start of db, and web follows */
	ck_assert_int_eq(proc_start(&Q, desc, sizeof(desc)), 0);
	q_running();
	ck_assert(!P.waiting);
	ck_assert_int_ne(P.pid, 0);
}
END_TEST

START_TEST(stop_while_waiting)
{
	start_ok();
	ck_assert(P.waiting);
	ck_assert_int_eq(proc_stop(&P, (char[64]){ 0 }, 64), 0);
	last_was(PROC_STARTING, PROC_STOPPED);
	ck_assert(!P.waiting);
	q_running();
	ck_assert_int_eq(P.state, PROC_STOPPED);	/* stays stopped */
	ck_assert_uint_eq(R.nspawn, 1);
}
END_TEST

START_TEST(dependency_restart_waits_again)
{
	start_ok();
	q_running();
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	ck_assert_int_eq(P.state, PROC_RUNNING);
	/* web crashes while db restarts: web waits for db again */
	R.now += 100;
	proc_exited(&Q, 1 << 8, false);
	ck_assert_int_eq(Q.state, PROC_STARTING);
	proc_exited(&P, 1 << 8, false);
	last_was(PROC_EXITED, PROC_STARTING);
	ck_assert(P.waiting);
	q_running();
	ck_assert(!P.waiting);
}
END_TEST

START_TEST(stop_held_for_dependents)
{
	char	cause[64];

	start_ok();
	q_running();
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	/* both asked to stop in one request, the dependency first */
	ck_assert_int_eq(proc_stop(&Q, cause, sizeof(cause)), 0);
	ck_assert_int_eq(Q.state, PROC_STOPPING);	/* held: no signal */
	ck_assert_int_eq(Q.stop_reason, STOP_HELD);
	ck_assert_uint_eq(R.nkills, 0);
	ck_assert(R.timer < 0);			/* no escalation either */
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	ck_assert_int_eq(P.state, PROC_STOPPING);
	ck_assert_uint_eq(R.nkills, 1);
	depend_settle(&D);		/* the request is issued */
	ck_assert_int_eq(Q.stop_reason, STOP_HELD);		/* web is being stopped: wait */
	ck_assert(!Q.want_up);
	ck_assert_uint_eq(R.nkills, 1);
	proc_describe(&Q, cause, sizeof(cause));
	ck_assert_str_eq(cause, "stopping after web (STOPPING)");
	proc_exited(&P, SIGTERM, false);
	last_was(PROC_STOPPING, PROC_STOPPED);
	/* web down: db's stop goes on, still STOPPING, now signalled */
	ck_assert_int_eq(Q.state, PROC_STOPPING);
	ck_assert_int_ne(Q.stop_reason, STOP_HELD);
	ck_assert_uint_eq(R.nkills, 2);
	ck_assert_int_eq(R.kills[1].sig, SIGTERM);
	ck_assert(R.timer == (ev_tstamp)CQ.stopwaitsecs);
	proc_exited(&Q, SIGTERM, false);
	ck_assert_int_eq(Q.state, PROC_STOPPED);
}
END_TEST

START_TEST(stop_dependency_alone)
{
	char	cause[64];

	start_ok();
	q_running();
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	/* web stays wanted: db stops once the request is issued, web
	   keeps running */
	ck_assert_int_eq(proc_stop(&Q, cause, sizeof(cause)), 0);
	ck_assert_int_eq(Q.stop_reason, STOP_HELD);
	depend_settle(&D);
	ck_assert_int_ne(Q.stop_reason, STOP_HELD);
	ck_assert_int_eq(Q.state, PROC_STOPPING);
	ck_assert_uint_eq(R.nkills, 1);
	proc_exited(&Q, SIGTERM, false);
	ck_assert_int_eq(Q.state, PROC_STOPPED);
	ck_assert_int_eq(P.state, PROC_RUNNING);
	ck_assert(depend_has_live_dependents(&Q));
	ck_assert(!depend_ready(&P));
}
END_TEST

START_TEST(restart_of_a_held_dependency)
{
	char	cause[64];

	start_ok();
	q_running();
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	/* restart db alone: stop (held until the request is issued), then
	   start, which the stop keeps for when it is over */
	ck_assert_int_eq(proc_stop(&Q, cause, sizeof(cause)), 0);
	ck_assert_int_eq(Q.state, PROC_STOPPING);
	ck_assert_int_eq(proc_start(&Q, cause, sizeof(cause)), 0);
	ck_assert(Q.want_up);
	depend_settle(&D);
	ck_assert_uint_eq(R.nkills, 1);
	proc_exited(&Q, SIGTERM, false);
	ck_assert_int_eq(Q.state, PROC_STARTING);	/* up again */
	ck_assert_int_eq(P.state, PROC_RUNNING);
	ck_assert_uint_eq(R.nspawn, 3);
}
END_TEST

START_TEST(dependency_spawn_failure_then_ready)
{
	R.spawn_fail = 1;
	start_ok();
	ck_assert_int_eq(Q.state, PROC_BACKOFF);
	ck_assert(P.waiting);
	R.spawn_fail = 0;
	proc_timer_fired(&Q);
	q_running();
	ck_assert(!P.waiting);
	ck_assert_int_ne(P.pid, 0);
}
END_TEST

static Suite *
ready_suite(void)
{
	Suite	*s = suite_create("proc_ready");
	TCase	*tc = tcase_create("notify");
	TCase	*td = tcase_create("depends");

	tcase_add_checked_fixture(tc, ready_setup, teardown);
	tcase_add_test(tc, notify_running_on_ready_only);
	tcase_add_test(tc, notify_ready_before_exec_report);
	tcase_add_test(tc, startsecs_mode_ignores_ready);
	tcase_add_test(tc, notify_deadline_is_a_failed_start);
	tcase_add_test(tc, notify_deadline_stop_wins);
	tcase_add_test(tc, notify_startsecs_zero_has_no_deadline);
	tcase_add_test(tc, watchdog_pings_then_expires);
	tcase_add_test(tc, watchdog_trigger);
	tcase_add_test(tc, watchdog_not_in_starting);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(td, deps_setup, deps_teardown);
	tcase_add_test(td, start_waits_for_dependency);
	tcase_add_test(td, fatal_dependency_leaves_dependent_waiting);
	tcase_add_test(td, stop_while_waiting);
	tcase_add_test(td, dependency_restart_waits_again);
	tcase_add_test(td, stop_held_for_dependents);
	tcase_add_test(td, stop_dependency_alone);
	tcase_add_test(td, restart_of_a_held_dependency);
	tcase_add_test(td, dependency_spawn_failure_then_ready);
	suite_add_tcase(s, td);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ready_suite());
	int	 failed;

	log_init("test_proc_ready", LOG_LEVEL_CRIT);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

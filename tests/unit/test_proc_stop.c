/*
 * The process state machine's stops without forking (proc_fixture.h):
 * escalation at the deadline, the leader or the whole group, what a
 * group leaves behind, a start during a stop, stops in STARTING and
 * BACKOFF, UNKNOWN when a kill fails, and the shutdown.
 */
#include "proc_fixture.h"

START_TEST(stop_escalates_only_at_deadline)
{
	char	cause[64];

	to_running();
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	last_was(PROC_RUNNING, PROC_STOPPING);
	ck_assert(!P.want_up);
	ck_assert_uint_eq(R.nkills, 1);
	ck_assert_int_eq(R.kills[0].sig, SIGTERM);
	ck_assert(R.kills[0].group);
	ck_assert(R.timer == 10.0);
	/* a second stop (a second SIGTERM to the daemon) changes nothing */
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(R.nkills, 1);
	ck_assert_uint_eq(R.ntimers, 2);
	proc_timer_fired(&P);
	ck_assert_int_eq(P.state, PROC_STOPPING);
	ck_assert_uint_eq(R.nkills, 2);
	ck_assert_int_eq(R.kills[1].sig, SIGKILL);
	ck_assert(R.kills[1].group);
	ck_assert(P.killed);
	ck_assert_int_eq(P.stop_reason, STOP_ASKED);
	ck_assert(R.timer == 10.0);		/* and again if need be */
	proc_exited(&P, SIGKILL, false);
	last_was(PROC_STOPPING, PROC_STOPPED);
	ck_assert(R.timer < 0);
	ck_assert_int_eq(P.pid, 0);
	ck_assert_int_eq(P.pgid, 0);
	ck_assert(proc_is_down(&P));
}
END_TEST

START_TEST(stop_leader_only)
{
	char	cause[64];

	C.stopasgroup = false;
	C.killasgroup = false;
	to_running();
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	ck_assert(!R.kills[0].group);
	proc_timer_fired(&P);
	ck_assert_int_eq(R.kills[1].sig, SIGKILL);
	ck_assert(!R.kills[1].group);
}
END_TEST

/* The leader is gone but its group is not: STOPPING until it is empty. */
START_TEST(stop_waits_for_the_group)
{
	char	cause[64];

	to_running();
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	proc_exited(&P, SIGTERM, true);
	ck_assert_int_eq(P.state, PROC_STOPPING);
	ck_assert_int_eq(P.pid, 0);
	ck_assert_int_eq(P.pgid, 1000);
	ck_assert_uint_eq(R.nwatch, 1);
	ck_assert(!proc_is_down(&P));
	proc_timer_fired(&P);			/* the rest gets SIGKILL */
	ck_assert_int_eq(R.kills[1].sig, SIGKILL);
	ck_assert(R.kills[1].group);
	proc_group_empty(&P);
	last_was(PROC_STOPPING, PROC_STOPPED);
	ck_assert_int_eq(P.pgid, 0);
	ck_assert(R.timer < 0);
	ck_assert(proc_is_down(&P));
}
END_TEST

/* A leader that exits alone: its group is stopped, then the exit counts. */
START_TEST(leftover_group_stopped_before_restart)
{
	to_running();
	R.now += 100;
	proc_exited(&P, 1 << 8, true);
	last_was(PROC_RUNNING, PROC_STOPPING);
	ck_assert_int_eq(R.kills[0].sig, SIGTERM);
	ck_assert(R.kills[0].group);
	ck_assert_uint_eq(R.nwatch, 1);
	ck_assert_uint_eq(R.nspawn, 1);
	proc_group_empty(&P);
	ck_assert_int_eq(R.to[R.ntrans - 2], PROC_EXITED);
	last_was(PROC_EXITED, PROC_STARTING);
	ck_assert_uint_eq(R.nspawn, 2);
}
END_TEST

START_TEST(leftover_group_in_starting_backs_off)
{
	start_ok();
	proc_exited(&P, 1 << 8, true);
	last_was(PROC_STARTING, PROC_STOPPING);
	proc_group_empty(&P);
	last_was(PROC_STOPPING, PROC_BACKOFF);
	ck_assert_uint_eq(P.retries, 1);
}
END_TEST

START_TEST(leftover_group_then_operator_stop)
{
	char	cause[64];

	to_running();
	proc_exited(&P, 1 << 8, true);
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(R.nkills, 1);
	proc_group_empty(&P);
	last_was(PROC_STOPPING, PROC_STOPPED);
	ck_assert_uint_eq(R.nspawn, 1);
}
END_TEST

START_TEST(start_during_stop_restarts)
{
	char	cause[64];

	to_running();
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	ck_assert_int_eq(proc_start(&P, cause, sizeof(cause)), 0);
	ck_assert(P.want_up);
	ck_assert_int_eq(proc_start(&P, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "already started");
	proc_exited(&P, SIGTERM, false);
	ck_assert_int_eq(R.to[R.ntrans - 2], PROC_STOPPED);
	last_was(PROC_STOPPED, PROC_STARTING);
	ck_assert_uint_eq(P.restarts, 1);
}
END_TEST

START_TEST(stop_in_starting)
{
	char	cause[64];

	start_ok();
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	last_was(PROC_STARTING, PROC_STOPPING);
	proc_exited(&P, SIGTERM, false);
	last_was(PROC_STOPPING, PROC_STOPPED);
}
END_TEST

START_TEST(stop_in_backoff)
{
	char	cause[64];

	start_ok();
	proc_exited(&P, 1 << 8, false);
	ck_assert_int_eq(P.state, PROC_BACKOFF);
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	last_was(PROC_BACKOFF, PROC_STOPPED);
	ck_assert(R.timer < 0);
	ck_assert(!P.want_up);
	proc_timer_fired(&P);			/* a stale timer does nothing */
	ck_assert_int_eq(P.state, PROC_STOPPED);
}
END_TEST

/* Stopping what is not running is refused, but the wish is kept. */
START_TEST(stop_when_idle_clears_want_up)
{
	char		cause[64];
	unsigned	ntrans;

	C.autorestart = AUTORESTART_FALSE;
	to_running();
	proc_exited(&P, 1 << 8, false);
	ck_assert_int_eq(P.state, PROC_EXITED);
	ck_assert(P.want_up);
	ntrans = R.ntrans;
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "not running");
	ck_assert(!P.want_up);
	ck_assert_uint_eq(R.ntrans, ntrans);
	ck_assert_uint_eq(R.nkills, 0);
}
END_TEST

/* Supervisor's UNKNOWN: a stop signal that could not be sent. */
START_TEST(unknown_when_kill_fails)
{
	char	cause[64];

	to_running();
	R.kill_error = EPERM;
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	last_was(PROC_RUNNING, PROC_UNKNOWN);
	ck_assert_int_eq(proc_start(&P, cause, sizeof(cause)), -1);
	R.kill_error = 0;
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	last_was(PROC_UNKNOWN, PROC_STOPPING);
	proc_exited(&P, SIGTERM, false);
	last_was(PROC_STOPPING, PROC_STOPPED);
}
END_TEST

START_TEST(unknown_exit)
{
	char	cause[64];

	to_running();
	R.kill_error = EPERM;
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	proc_exited(&P, 0, false);
	last_was(PROC_UNKNOWN, PROC_STOPPED);
}
END_TEST

START_TEST(esrch_is_not_unknown)
{
	char	cause[64];

	to_running();
	R.kill_error = ESRCH;		/* exited, not reaped yet */
	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), 0);
	last_was(PROC_RUNNING, PROC_STOPPING);
}
END_TEST

START_TEST(shutdown_restarts_nothing)
{
	char	cause[64];

	C.autorestart = AUTORESTART_TRUE;
	to_running();
	D.shutting_down = true;
	proc_exited(&P, 1 << 8, false);
	last_was(PROC_RUNNING, PROC_EXITED);
	ck_assert_uint_eq(R.nspawn, 1);
	ck_assert_int_eq(proc_start(&P, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "shutting down");
}
END_TEST

START_TEST(shutdown_holds_backoff)
{
	start_ok();
	D.shutting_down = true;
	proc_exited(&P, 1 << 8, false);
	last_was(PROC_STARTING, PROC_BACKOFF);
	proc_timer_fired(&P);
	ck_assert_int_eq(P.state, PROC_BACKOFF);
	ck_assert_uint_eq(R.nspawn, 1);
}
END_TEST

static Suite *
proc_stop_suite(void)
{
	Suite	*s = suite_create("proc_stop");
	TCase	*tc = tcase_create("machine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, stop_escalates_only_at_deadline);
	tcase_add_test(tc, stop_leader_only);
	tcase_add_test(tc, stop_waits_for_the_group);
	tcase_add_test(tc, leftover_group_stopped_before_restart);
	tcase_add_test(tc, leftover_group_in_starting_backs_off);
	tcase_add_test(tc, leftover_group_then_operator_stop);
	tcase_add_test(tc, start_during_stop_restarts);
	tcase_add_test(tc, stop_in_starting);
	tcase_add_test(tc, stop_in_backoff);
	tcase_add_test(tc, stop_when_idle_clears_want_up);
	tcase_add_test(tc, unknown_when_kill_fails);
	tcase_add_test(tc, unknown_exit);
	tcase_add_test(tc, esrch_is_not_unknown);
	tcase_add_test(tc, shutdown_restarts_nothing);
	tcase_add_test(tc, shutdown_holds_backoff);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	log_init("test_proc_stop", LOG_LEVEL_CRIT);
	sr = srunner_create(proc_stop_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

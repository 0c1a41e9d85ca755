/*
 * The process state machine without forking: recording effects stand in
 * for fork, kill and timers, a fake clock for time, and an event
 * subscriber records every transition (proc_fixture.h).  Starts,
 * backoff, autorestart, crash loops, refusals and names here; stops:
 * test_proc_stop.c.
 */
#include "proc_fixture.h"

START_TEST(start_waits_for_startsecs_and_exec)
{
	start_ok();
	last_was(PROC_STOPPED, PROC_STARTING);
	ck_assert(P.want_up);
	ck_assert_uint_eq(R.nspawn, 1);
	ck_assert_int_eq(P.pid, 1000);
	ck_assert(R.timer == 1.0);
	/* startsecs elapsed but exec not yet confirmed: still STARTING */
	R.now += 1;
	proc_timer_fired(&P);
	ck_assert_int_eq(P.state, PROC_STARTING);
	proc_exec_ok(&P);
	last_was(PROC_STARTING, PROC_RUNNING);
	ck_assert(R.timer < 0);
	ck_assert_uint_eq(P.restarts, 0);
}
END_TEST

START_TEST(exec_then_startsecs)
{
	start_ok();
	proc_exec_ok(&P);
	ck_assert_int_eq(P.state, PROC_STARTING);
	proc_timer_fired(&P);
	last_was(PROC_STARTING, PROC_RUNNING);
}
END_TEST

START_TEST(startsecs_zero_is_running_at_exec)
{
	C.startsecs = 0;
	start_ok();
	ck_assert_uint_eq(R.ntimers, 0);
	ck_assert_int_eq(P.state, PROC_STARTING);
	proc_exec_ok(&P);
	last_was(PROC_STARTING, PROC_RUNNING);
}
END_TEST

START_TEST(backoff_grows_then_fatal)
{
	unsigned	i;

	start_ok();
	for (i = 1; i <= 3; i++) {
		proc_exited(&P, 1 << 8, false);
		last_was(PROC_STARTING, PROC_BACKOFF);
		ck_assert_int_eq(P.pid, 0);
		ck_assert(R.timer == (ev_tstamp)i);	/* 1 s, 2 s, 3 s */
		ck_assert_str_eq(proc_error(&P),
		    "Exited too quickly (process log may have details)");
		R.now += i;
		proc_timer_fired(&P);
		last_was(PROC_BACKOFF, PROC_STARTING);
		ck_assert_uint_eq(P.restarts, i);
	}
	proc_exited(&P, 1 << 8, false);
	last_was(PROC_BACKOFF, PROC_FATAL);
	ck_assert_int_eq(R.to[R.ntrans - 2], PROC_BACKOFF);
	ck_assert_uint_eq(R.nspawn, 4);		/* startretries + 1 */
	ck_assert(R.timer < 0);
	ck_assert(P.want_up);			/* the operator's wish stays */
	/* FATAL is left by an operator start only */
	proc_timer_fired(&P);
	ck_assert_int_eq(P.state, PROC_FATAL);
	start_ok();
	last_was(PROC_FATAL, PROC_STARTING);
	ck_assert_uint_eq(P.retries, 0);
}
END_TEST

START_TEST(exec_failure_keeps_its_reason)
{
	start_ok();
	proc_exec_failed(&P, "/opt/x: No such file or directory");
	ck_assert_int_eq(P.state, PROC_STARTING);
	proc_exited(&P, 127 << 8, false);
	last_was(PROC_STARTING, PROC_BACKOFF);
	ck_assert_str_eq(proc_error(&P),
	    "spawn error: /opt/x: No such file or directory");
	ck_assert_uint_eq(P.last_exit.code, 127);
}
END_TEST

START_TEST(spawn_effect_failure_backs_off)
{
	R.spawn_fail = 1;
	start_ok();
	ck_assert_int_eq(R.from[0], PROC_STOPPED);
	ck_assert_int_eq(R.to[0], PROC_STARTING);
	last_was(PROC_STARTING, PROC_BACKOFF);
	ck_assert_int_eq(P.pid, 0);
	ck_assert_str_eq(proc_error(&P),
	    "spawn error: too many processes to spawn");
	ck_assert(R.timer == 1.0);
}
END_TEST

START_TEST(autorestart_unexpected)
{
	to_running();
	R.now += 5;
	proc_exited(&P, 0, false);		/* exit 0: expected */
	last_was(PROC_RUNNING, PROC_EXITED);
	ck_assert(P.last_exit.expected);
	ck_assert_uint_eq(R.nspawn, 1);
	start_ok();
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	proc_exited(&P, 2 << 8, false);		/* 2 is in exitcodes */
	last_was(PROC_RUNNING, PROC_EXITED);
	ck_assert_uint_eq(R.nspawn, 2);
	start_ok();
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	proc_exited(&P, 1 << 8, false);		/* 1 is not */
	ck_assert(!P.last_exit.expected);
	last_was(PROC_EXITED, PROC_STARTING);
	ck_assert_int_eq(R.to[R.ntrans - 2], PROC_EXITED);
	ck_assert_uint_eq(R.nspawn, 4);
}
END_TEST

START_TEST(autorestart_signal_is_unexpected)
{
	to_running();
	proc_exited(&P, SIGSEGV, false);
	ck_assert(P.last_exit.signaled);
	ck_assert_int_eq(P.last_exit.code, SIGSEGV);
	ck_assert(!P.last_exit.expected);
	last_was(PROC_EXITED, PROC_STARTING);
}
END_TEST

START_TEST(autorestart_true_and_false)
{
	C.autorestart = AUTORESTART_TRUE;
	to_running();
	proc_exited(&P, 0, false);
	last_was(PROC_EXITED, PROC_STARTING);
	C.autorestart = AUTORESTART_FALSE;
	proc_exec_ok(&P);
	proc_timer_fired(&P);
	proc_exited(&P, 1 << 8, false);
	last_was(PROC_RUNNING, PROC_EXITED);
	ck_assert_uint_eq(R.nspawn, 2);
	ck_assert(P.want_up);
}
END_TEST

/* Quick exits after RUNNING: at once, then 1 s, 2 s ...; reset after 60 s. */
START_TEST(crash_loop_is_delayed)
{
	C.autorestart = AUTORESTART_TRUE;
	C.startsecs = 0;
	start_ok();
	proc_exec_ok(&P);
	R.now += 0.5;
	proc_exited(&P, 1 << 8, false);
	last_was(PROC_EXITED, PROC_STARTING);		/* the first: at once */
	proc_exec_ok(&P);
	R.now += 0.5;
	proc_exited(&P, 1 << 8, false);
	last_was(PROC_EXITED, PROC_BACKOFF);
	ck_assert(R.timer == 1.0);
	ck_assert_ptr_nonnull(strstr(proc_error(&P), "restarting in 1.0"));
	R.now += 1;
	proc_timer_fired(&P);
	last_was(PROC_BACKOFF, PROC_STARTING);
	proc_exec_ok(&P);
	R.now += 0.5;
	proc_exited(&P, 1 << 8, false);
	ck_assert(R.timer == 2.0);
	R.now += 2;
	proc_timer_fired(&P);
	proc_exec_ok(&P);
	ck_assert_uint_eq(P.retries, 0);
	R.now += 61;				/* a stable run */
	proc_exited(&P, 1 << 8, false);
	last_was(PROC_EXITED, PROC_STARTING);
	ck_assert_uint_eq(P.quick_exits, 1);
}
END_TEST

START_TEST(crash_loop_exponential_capped)
{
	C.autorestart = AUTORESTART_TRUE;
	C.startsecs = 0;
	C.backoff_growth = BACKOFF_EXPONENTIAL;
	C.backoff_max_ms = 5000;
	ck_assert(proc_backoff_delay(&C, 1) == 1.0);
	ck_assert(proc_backoff_delay(&C, 2) == 2.0);
	ck_assert(proc_backoff_delay(&C, 3) == 4.0);
	ck_assert(proc_backoff_delay(&C, 4) == 5.0);
	ck_assert(proc_backoff_delay(&C, 1000) == 5.0);
	C.backoff_growth = BACKOFF_LINEAR;
	ck_assert(proc_backoff_delay(&C, 3) == 3.0);
	ck_assert(proc_backoff_delay(&C, 7) == 5.0);
}
END_TEST

START_TEST(crash_loop_reset_zero_is_supervisor)
{
	unsigned	i;

	C.autorestart = AUTORESTART_TRUE;
	C.startsecs = 0;
	C.backoff_reset_ms = 0;
	start_ok();
	for (i = 0; i < 5; i++) {
		proc_exec_ok(&P);
		proc_exited(&P, 1 << 8, false);
		last_was(PROC_EXITED, PROC_STARTING);
	}
}
END_TEST

START_TEST(refusals)
{
	char	cause[64];

	ck_assert_int_eq(proc_stop(&P, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "not running");
	ck_assert_int_eq(proc_signal(&P, SIGHUP, false, cause, sizeof(cause)),
	    -1);
	ck_assert_str_eq(cause, "not running");
	to_running();
	ck_assert_int_eq(proc_start(&P, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "already started");
	/* The main process alone, or its whole group when asked. */
	ck_assert_int_eq(proc_signal(&P, SIGHUP, false, cause, sizeof(cause)),
	    0);
	ck_assert_int_eq(R.kills[0].sig, SIGHUP);
	ck_assert(!R.kills[0].group);
	ck_assert_int_eq(proc_signal(&P, SIGUSR1, true, cause, sizeof(cause)),
	    0);
	ck_assert_int_eq(R.kills[1].sig, SIGUSR1);
	ck_assert(R.kills[1].group);
	ck_assert_int_eq(P.state, PROC_RUNNING);
	R.kill_error = EPERM;
	ck_assert_int_eq(proc_signal(&P, SIGHUP, false, cause, sizeof(cause)),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "Operation not permitted"));
}
END_TEST

START_TEST(describe)
{
	char	buf[256];

	proc_describe(&P, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Not started");
	to_running();
	R.now += 3723;
	proc_describe(&P, buf, sizeof(buf));
	ck_assert_str_eq(buf, "pid 1000, uptime 1:02:04");
	R.now += 2 * 86400;
	proc_describe(&P, buf, sizeof(buf));
	ck_assert_str_eq(buf, "pid 1000, uptime 2 days, 1:02:04");
	C.autorestart = AUTORESTART_FALSE;
	proc_exited(&P, SIGKILL | 0x80, false);
	ck_assert(P.last_exit.core);
	exit_describe(&P.last_exit, buf, sizeof(buf));
	ck_assert_str_eq(buf, "terminated by SIGKILL (core dumped)");
	proc_describe(&P, buf, sizeof(buf));
	ck_assert_uint_gt(strlen(buf), 0);
	ck_assert_str_ne(buf, "Not started");
	P.state = PROC_FATAL;
	proc_clear_error(&P);
	proc_describe(&P, buf, sizeof(buf));
	ck_assert_str_eq(buf, "unknown error (try \"tail web\")");
}
END_TEST

START_TEST(names)
{
	enum proc_state	s;
	char		buf[64];

	ck_assert_str_eq(proc_state_name(PROC_BACKOFF), "BACKOFF");
	ck_assert_str_eq(proc_state_name(PROC_UNKNOWN), "UNKNOWN");
	ck_assert_int_eq(proc_state_parse("fatal", &s), 0);
	ck_assert_int_eq(s, PROC_FATAL);
	ck_assert_int_eq(proc_state_parse("nope", &s), -1);
	proc_fullname(&P, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web");
	C.group = "pool";
	proc_fullname(&P, buf, sizeof(buf));
	ck_assert_str_eq(buf, "pool:web");
	/* Cut as snprintf() cuts: within the group, at the colon, after. */
	proc_fullname(&P, buf, 4);
	ck_assert_str_eq(buf, "poo");
	proc_fullname(&P, buf, 6);
	ck_assert_str_eq(buf, "pool:");
	proc_fullname(&P, buf, 7);
	ck_assert_str_eq(buf, "pool:w");
	proc_fullname(&P, buf, 1);
	ck_assert_str_eq(buf, "");
}
END_TEST

static Suite *
proc_suite(void)
{
	Suite	*s = suite_create("proc");
	TCase	*tc = tcase_create("machine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, start_waits_for_startsecs_and_exec);
	tcase_add_test(tc, exec_then_startsecs);
	tcase_add_test(tc, startsecs_zero_is_running_at_exec);
	tcase_add_test(tc, backoff_grows_then_fatal);
	tcase_add_test(tc, exec_failure_keeps_its_reason);
	tcase_add_test(tc, spawn_effect_failure_backs_off);
	tcase_add_test(tc, autorestart_unexpected);
	tcase_add_test(tc, autorestart_signal_is_unexpected);
	tcase_add_test(tc, autorestart_true_and_false);
	tcase_add_test(tc, crash_loop_is_delayed);
	tcase_add_test(tc, crash_loop_exponential_capped);
	tcase_add_test(tc, crash_loop_reset_zero_is_supervisor);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, describe);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	log_init("test_proc", LOG_LEVEL_CRIT);
	sr = srunner_create(proc_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

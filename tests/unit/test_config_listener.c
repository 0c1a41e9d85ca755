/*
 * [eventlistener:x]: the pool's keys (events= with parents and any case,
 * buffer_size=, result_handler=), its refusals, and the table of event
 * types (lib/evtype.c).
 */
#include "config_fixture.h"
#include "evtype.h"

static struct diags	diags;

static void
setup(void)
{
	fx_setup();
	memset(&diags, 0, sizeof(diags));
}

static void
teardown(void)
{
	diags_release(&diags);
	fx_cleanup();
}

START_TEST(types)
{
	enum evtype	t;
	uint64_t	m;

	ck_assert_int_eq(evtype_parse("process_state_fatal", &t), 0);
	ck_assert_int_eq(t, EVT_PROCESS_STATE_FATAL);
	ck_assert_str_eq(evtype_name(t), "PROCESS_STATE_FATAL");
	ck_assert_int_eq(evtype_parse("PROCESS_STATES", &t), -1);
	ck_assert(evtype_is(EVT_TICK_60, EVT_TICK));
	ck_assert(evtype_is(EVT_TICK_60, EVT_EVENT));
	ck_assert(!evtype_is(EVT_TICK_60, EVT_PROCESS_STATE));
	m = evtype_subscription(EVT_PROCESS_LOG);
	ck_assert(m == (EVT_BIT(EVT_PROCESS_LOG) |
	    EVT_BIT(EVT_PROCESS_LOG_STDOUT) | EVT_BIT(EVT_PROCESS_LOG_STDERR)));
	ck_assert(evtype_subscription(EVT_EVENT) ==
	    (EVT_BIT(EVT_COUNT) - 1));
}
END_TEST

START_TEST(pool)
{
	struct config		*cfg = fx_load_ok("[supervisord]\n"
	    "[program:web]\ncommand = /bin/true\n"
	    "[eventlistener:watch]\ncommand = /bin/cat\n"
	    "events = tick_5, PROCESS_STATE_FATAL,process_state, TICK_5\n"
	    "numprocs = 2\nprocess_name = w%(process_num)d\n");
	struct group_config	*g = config_find_group(cfg, "watch");
	struct listener_config	*lc;
	struct proc_config	*p;

	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(lc = g->listener);
	ck_assert_ptr_null(config_find_group(cfg, "web")->listener);
	/* started first, stopped last */
	ck_assert_int_eq(g->priority, -1);
	ck_assert_ptr_eq(cfg->groups[0], g);
	ck_assert_int_eq(lc->buffer_size, 10);
	ck_assert(lc->events == (EVT_BIT(EVT_TICK_5) |
	    evtype_subscription(EVT_PROCESS_STATE)));
	ck_assert_str_eq(lc->event_names[0], "TICK_5");
	ck_assert_str_eq(lc->event_names[1], "PROCESS_STATE_FATAL");
	ck_assert_str_eq(lc->event_names[2], "PROCESS_STATE");
	ck_assert_ptr_null(lc->event_names[3]);	/* TICK_5 once */
	ck_assert(!lc->any_result);
	p = fx_proc(cfg, "watch", "w1");
	ck_assert(p->listener);
	ck_assert_int_eq(p->priority, 999);
	ck_assert_int_eq(p->stdout_cfg.dest, LOG_DEST_NONE);
	ck_assert(!fx_proc(cfg, "web", "web")->listener);
	config_free(cfg);
}
END_TEST

START_TEST(keys)
{
	struct config	*cfg = fx_load("[supervisord]\n"
	    "[eventlistener:x]\ncommand = /bin/cat\nevents = EVENT\n"
	    "buffer_size = 3\npriority = 5\nresult_handler = "
	    "supervisor_stdout:event_handler\n", &diags);

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(config_find_group(cfg, "x")->priority, 5);
	ck_assert_int_eq(config_find_group(cfg, "x")->listener->buffer_size,
	    3);
	ck_assert(config_find_group(cfg, "x")->listener->any_result);
	fx_assert_diag(&diags, false, "supervisord.conf", 7,
	    "[eventlistener:x] result_handler=supervisor_stdout:"
	    "event_handler is not supported: every result is taken as OK");
	ck_assert(!fx_has(&diags, false, NULL, 0, "skipped"));
	config_free(cfg);
}
END_TEST

START_TEST(refused)
{
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[eventlistener:a]\ncommand = /bin/cat\n"
	    "events = PROCESS_STATE\nredirect_stderr = true\n"
	    "[eventlistener:b]\ncommand = /bin/cat\nevents = NOPE, TICK_5\n"
	    "[eventlistener:c]\ncommand = /bin/cat\n"
	    "[eventlistener:d]\ncommand = /bin/cat\nevents = TICK_5\n"
	    "buffer_size = 0\n"
	    "[eventlistener:e]\ncommand = /bin/cat\nevents = ,\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 5,
	    "[eventlistener:a] redirect_stderr: not allowed in a listener "
	    "pool");
	fx_assert_diag(&diags, true, "supervisord.conf", 8,
	    "[eventlistener:b] events: unknown event type 'NOPE'");
	ck_assert(fx_has(&diags, true, NULL, 0,
	    "[eventlistener:c] events: missing"));
	fx_assert_diag(&diags, true, "supervisord.conf", 14,
	    "[eventlistener:d] buffer_size: out of range");
	fx_assert_diag(&diags, true, "supervisord.conf", 17,
	    "[eventlistener:e] events: empty");
}
END_TEST

static Suite *
listener_suite(void)
{
	Suite	*s = suite_create("config_listener");
	TCase	*tc = tcase_create("keys");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, types);
	tcase_add_test(tc, pool);
	tcase_add_test(tc, keys);
	tcase_add_test(tc, refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(listener_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

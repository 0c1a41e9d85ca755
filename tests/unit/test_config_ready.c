/*
 * The loader's keys of readiness: ready=, watchdog= and depends_on=, with
 * the graph's checks (unknown names, cycles) at the key's file:line.
 */
#include "config_fixture.h"

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

START_TEST(defaults)
{
	struct config		*cfg = fx_load_ok("[supervisord]\n"
	    "[program:x]\ncommand = /bin/true\n");
	struct proc_config	*p = fx_proc(cfg, "x", "x");

	ck_assert_int_eq(p->ready, READY_STARTSECS);
	ck_assert_int_eq(p->watchdog, 0);
	ck_assert_uint_eq(p->ndepends_on, 0);
	ck_assert_ptr_null(p->depends_on);
	config_free(cfg);
}
END_TEST

START_TEST(values)
{
	struct config		*cfg;
	struct proc_config	*p;

	setenv("SUP_TEST_DEP", "cache", 1);
	cfg = fx_load_ok("[supervisord]\n"
	    "[program:db]\ncommand = /bin/true\n"
	    "[program:cache]\ncommand = /bin/true\n"
	    "[program:web]\ncommand = /bin/true\nready = Notify\n"
	    "watchdog = 30\nnumprocs = 2\nprocess_name = web_%(process_num)d\n"
	    "depends_on = db , %(ENV_SUP_TEST_DEP)s,db,, \n");
	p = fx_proc(cfg, "web", "web_1");
	ck_assert_int_eq(p->ready, READY_NOTIFY);
	ck_assert_int_eq(p->watchdog, 30);
	/* each once, in order; empty entries skipped; every process */
	ck_assert_uint_eq(p->ndepends_on, 2);
	ck_assert_str_eq(p->depends_on[0], "db");
	ck_assert_str_eq(p->depends_on[1], "cache");
	ck_assert_ptr_null(p->depends_on[2]);
	ck_assert_uint_eq(fx_proc(cfg, "web", "web_0")->ndepends_on, 2);
	ck_assert_int_eq(fx_proc(cfg, "db", "db")->ready, READY_STARTSECS);
	config_free(cfg);
	unsetenv("SUP_TEST_DEP");
}
END_TEST

START_TEST(bad_values)
{
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[program:x]\ncommand = /bin/true\n"
	    "ready = soon\n"
	    "watchdog = -1\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 4,
	    "[program:x] ready: not startsecs or notify: 'soon'");
	fx_assert_diag(&diags, true, "supervisord.conf", 5,
	    "[program:x] watchdog: out of range");
}
END_TEST

START_TEST(unknown_name)
{
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[program:web]\ncommand = /bin/true\n"
	    "depends_on = db, cache\n"
	    "[program:db]\ncommand = /bin/true\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 4,
	    "[program:web] depends_on: no such program 'cache' (no "
	    "[program:cache] section)");
	ck_assert_uint_eq(diags.nerrors, 1);
}
END_TEST

START_TEST(cycle_across_files)
{
	char	*inc = fx_write("conf.d/b.conf", "[program:b]\n"
	    "command = /bin/true\n"
	    "depends_on = c\n"
	    "[program:c]\ncommand = /bin/true\ndepends_on = a\n");

	free(inc);
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[include]\nfiles = conf.d/*.conf\n"
	    "[program:a]\ncommand = /bin/true\ndepends_on = b\n"
	    "[program:ok]\ncommand = /bin/true\ndepends_on = a\n", &diags));
	/* Reported once, at the key that closes it. */
	fx_assert_diag(&diags, true, "conf.d/b.conf", 6,
	    "[program:c] depends_on: dependency cycle: a -> b -> c -> a");
	ck_assert_uint_eq(diags.nerrors, 1);
}
END_TEST

START_TEST(self_dependency)
{
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[program:x]\ncommand = /bin/true\ndepends_on = x\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 4,
	    "[program:x] depends_on: 'x' depends on itself");
}
END_TEST

START_TEST(diamond_is_no_cycle)
{
	struct config	*cfg = fx_load_ok("[supervisord]\n"
	    "[program:app]\ncommand = /bin/true\ndepends_on = web, worker\n"
	    "[program:web]\ncommand = /bin/true\ndepends_on = db\n"
	    "[program:worker]\ncommand = /bin/true\ndepends_on = db\n"
	    "[program:db]\ncommand = /bin/true\n"
	    "[group:g1]\nprograms = web, db\n"
	    "[group:g2]\nprograms = db\n");

	ck_assert_uint_eq(fx_proc(cfg, "app", "app")->ndepends_on, 2);
	config_free(cfg);
}
END_TEST

static Suite *
ready_suite(void)
{
	Suite	*s = suite_create("config_ready");
	TCase	*tc = tcase_create("keys");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, values);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, unknown_name);
	tcase_add_test(tc, cycle_across_files);
	tcase_add_test(tc, self_dependency);
	tcase_add_test(tc, diamond_is_no_cycle);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ready_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

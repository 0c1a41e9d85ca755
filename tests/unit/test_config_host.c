/*
 * The loader's keys for hosts and containers: environment_file= in
 * [supervisord] and [program:x] (paths, "-", expansions, each file checked
 * with errors at file:line) and shutdown_on=.
 */
#include "config_fixture.h"
#include "log.h"

static void
setup(void)
{
	fx_setup();
}

static void
teardown(void)
{
	fx_cleanup();
}

START_TEST(shutdown_on_values)
{
	struct config	*cfg;

	cfg = fx_load_ok("[supervisord]\n[program:a]\ncommand = /bin/true\n"
	    "[program:b]\ncommand = /bin/true\nshutdown_on = fatal\n"
	    "[program:c]\ncommand = /bin/true\nshutdown_on = EXIT\n"
	    "[program:d]\ncommand = /bin/true\nshutdown_on = never\n");
	ck_assert_int_eq(fx_proc(cfg, "a", "a")->shutdown_on,
	    SHUTDOWN_ON_NEVER);
	ck_assert_int_eq(fx_proc(cfg, "b", "b")->shutdown_on,
	    SHUTDOWN_ON_FATAL);
	ck_assert_int_eq(fx_proc(cfg, "c", "c")->shutdown_on,
	    SHUTDOWN_ON_EXIT);
	ck_assert_int_eq(fx_proc(cfg, "d", "d")->shutdown_on,
	    SHUTDOWN_ON_NEVER);
	ck_assert_str_eq(shutdown_on_name(SHUTDOWN_ON_EXIT), "exit");
	config_free(cfg);
}
END_TEST

START_TEST(shutdown_on_error)
{
	struct diags	 d;

	ck_assert_ptr_null(fx_load("[supervisord]\n[program:a]\n"
	    "command = /bin/true\nshutdown_on = yes\n", &d));
	fx_assert_diag(&d, true, "supervisord.conf", 4, "[program:a] "
	    "shutdown_on: not never, fatal or exit: 'yes'");
	diags_release(&d);
}
END_TEST

START_TEST(environment_file_paths)
{
	struct config		*cfg;
	struct proc_config	*p;
	char			*a, *b, *want;

	a = fx_write("a.env", "A=1\n");
	b = fx_write("b_1.env", "B=1\n");
	cfg = fx_load_ok("[supervisord]\nenvironment_file = %(here)s/a.env\n"
	    "[program:p]\ncommand = /bin/true\nnumprocs = 1\n"
	    "numprocs_start = 1\nprocess_name = p%(process_num)d\n"
	    "environment_file = %(here)s/b_%(process_num)d.env, "
	    "-%(here)s/none.env\n");
	ck_assert_str_eq(cfg->sd.environment_files[0], a);
	ck_assert_ptr_null(cfg->sd.environment_files[1]);
	p = fx_proc(cfg, "p", "p1");
	ck_assert_str_eq(p->environment_files[0], b);
	want = fx_path("none.env");
	ck_assert_str_eq(p->environment_files[1] + 1, want);
	ck_assert_int_eq(p->environment_files[1][0], '-');
	ck_assert_ptr_null(p->environment_files[2]);
	/* Read at each start, not at load: the environment has none of it. */
	ck_assert_ptr_null(env_get(&p->environment, "A"));
	ck_assert_ptr_null(env_get(&p->environment, "B"));
	config_free(cfg);
	free(a);
	free(b);
	free(want);
}
END_TEST

START_TEST(environment_file_unset)
{
	struct config	*cfg;

	cfg = fx_load_ok("[supervisord]\n[program:p]\ncommand = /bin/true\n");
	ck_assert_ptr_null(cfg->sd.environment_files);
	ck_assert_ptr_null(fx_proc(cfg, "p", "p")->environment_files);
	config_free(cfg);
}
END_TEST

START_TEST(environment_file_errors)
{
	struct diags	 d;
	char		*bad;

	bad = fx_write("bad.env", "OK=1\n# fine\nNOT VALID\n");
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "environment_file = %(here)s/missing.env\n"
	    "[program:p]\ncommand = /bin/true\n"
	    "environment_file = %(here)s/bad.env\n", &d));
	fx_assert_diag(&d, true, "supervisord.conf", 2, "[supervisord] "
	    "environment_file: cannot read '");
	fx_assert_diag(&d, true, "supervisord.conf", 2, "missing.env': No "
	    "such file or directory");
	fx_assert_diag(&d, true, "bad.env", 3, "[program:p] "
	    "environment_file: no '=' in 'NOT VALID'");
	ck_assert_uint_eq(d.nerrors, 2);
	diags_release(&d);
	free(bad);
}
END_TEST

START_TEST(environment_file_empty_name)
{
	struct diags	 d;

	ck_assert_ptr_null(fx_load("[supervisord]\n[program:p]\n"
	    "command = /bin/true\nenvironment_file = /dev/null, -\n", &d));
	fx_assert_diag(&d, true, "supervisord.conf", 4, "[program:p] "
	    "environment_file: an empty file name");
	diags_release(&d);
}
END_TEST

START_TEST(own_environment_kept_apart)
{
	struct config		*cfg;
	struct proc_config	*p;

	cfg = fx_load_ok("[supervisord]\nenvironment = G=1,BOTH=sd\n"
	    "[program:p]\ncommand = /bin/true\nenvironment = BOTH=p,P=2\n");
	p = fx_proc(cfg, "p", "p");
	ck_assert_str_eq(env_get(&p->environment, "G"), "1");
	ck_assert_str_eq(env_get(&p->environment, "BOTH"), "p");
	ck_assert_uint_eq(p->prog_environment.n, 2);
	ck_assert_ptr_null(env_get(&p->prog_environment, "G"));
	ck_assert_str_eq(env_get(&p->prog_environment, "BOTH"), "p");
	config_free(cfg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config_host");
	TCase	*tc = tcase_create("keys");
	SRunner	*sr;
	int	 failed;

	log_init("test_config_host", LOG_LEVEL_CRIT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shutdown_on_values);
	tcase_add_test(tc, shutdown_on_error);
	tcase_add_test(tc, environment_file_paths);
	tcase_add_test(tc, environment_file_unset);
	tcase_add_test(tc, environment_file_errors);
	tcase_add_test(tc, environment_file_empty_name);
	tcase_add_test(tc, own_environment_kept_apart);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

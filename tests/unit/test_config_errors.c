/*
 * config_load()'s errors and warnings, each with its file:line, as a user
 * would read them: bad values, bad structure, missing files, expansions
 * that fail, numprocs without %(process_num).
 */
#include "config_fixture.h"

#include "log.h"

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

START_TEST(numprocs_needs_process_num)
{
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[program:w]\ncommand = /bin/true\nnumprocs = 2\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 2, "[program:w] "
	    "process_name: must contain %(process_num) when numprocs > 1: "
	    "'%(program_name)s'");
}
END_TEST

START_TEST(expansion_errors)
{
	unsetenv("NOPE");
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[program:x]\n"
	    "command = /bin/echo %(ENV_NOPE)s\n"
	    "priority = %(process_num)d\n"
	    "environment = A=%(nope)s\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 3, "[program:x] "
	    "command: cannot expand %(ENV_NOPE): NOPE is not in the "
	    "environment: '/bin/echo %(ENV_NOPE)s'");
	/* process_num is not known yet when priority is read. */
	fx_assert_diag(&diags, true, "supervisord.conf", 4, "[program:x] "
	    "priority: cannot expand %(process_num): unknown name");
	fx_assert_diag(&diags, true, "supervisord.conf", 5, "[program:x] "
	    "environment: cannot expand %(nope)");
}
END_TEST

START_TEST(value_errors)
{
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "minfds = lots\n"
	    "[program:x]\n"
	    "command = /bin/true\n"
	    "startsecs = soon\n"
	    "autostart = maybe\n"
	    "stopsignal = BOGUS\n"
	    "exitcodes = 0,300\n"
	    "stdout_logfile_maxbytes = 10M\n"
	    "umask = 999\n"
	    "autorestart = always\n"
	    "backoff_growth = quadratic\n"
	    "startretries = -1\n"
	    "stopasgroup = true\n"
	    "killasgroup = false\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 2, "[supervisord] "
	    "minfds: not an integer: 'lots'");
	fx_assert_diag(&diags, true, "supervisord.conf", 5, "[program:x] "
	    "startsecs: not an integer: 'soon'");
	fx_assert_diag(&diags, true, "supervisord.conf", 6, "[program:x] "
	    "autostart: not a boolean (true, false, yes, no, on, off, 1, 0): "
	    "'maybe'");
	fx_assert_diag(&diags, true, "supervisord.conf", 7, "[program:x] "
	    "stopsignal: not a signal name or number: 'BOGUS'");
	fx_assert_diag(&diags, true, "supervisord.conf", 8, "[program:x] "
	    "exitcodes: not a list of exit codes");
	fx_assert_diag(&diags, true, "supervisord.conf", 9, "[program:x] "
	    "stdout_logfile_maxbytes: not a byte size");
	fx_assert_diag(&diags, true, "supervisord.conf", 10, "[program:x] "
	    "umask: not an octal number: '999'");
	fx_assert_diag(&diags, true, "supervisord.conf", 11, "[program:x] "
	    "autorestart: not an autorestart value");
	fx_assert_diag(&diags, true, "supervisord.conf", 12, "[program:x] "
	    "backoff_growth: not linear or exponential: 'quadratic'");
	fx_assert_diag(&diags, true, "supervisord.conf", 13, "[program:x] "
	    "startretries: out of range");
	fx_assert_diag(&diags, true, "supervisord.conf", 15, "[program:x] "
	    "killasgroup: cannot be false when stopasgroup is true");
	ck_assert_uint_eq(diags.nerrors, 11);
}
END_TEST

START_TEST(structure_errors)
{
	ck_assert_ptr_null(fx_load("[supervisord]\n"
	    "[program:nocmd]\n"
	    "priority = 1\n"
	    "[program:bad name]\n"
	    "command = /bin/true\n"
	    "[program:quote]\n"
	    "command = /bin/echo 'unclosed\n"
	    "[program:empty]\n"
	    "command =\n"
	    "[group:g]\n"
	    "programs = ghost,dup,dup\n"
	    "[program:dup]\n"
	    "command = /bin/true\n"
	    "[group:lone]\n"
	    "programs =\n"
	    "[program:lone]\n"
	    "command = /bin/true\n", &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 2, "[program:nocmd] "
	    "command: missing");
	fx_assert_diag(&diags, true, "supervisord.conf", 4, "[program:bad "
	    "name] invalid name 'bad name' (no ' ' allowed)");
	fx_assert_diag(&diags, true, "supervisord.conf", 7, "[program:quote] "
	    "command: cannot split it as Python's shlex does: no closing "
	    "quotation: '/bin/echo 'unclosed'");
	fx_assert_diag(&diags, true, "supervisord.conf", 9, "[program:empty] "
	    "command: empty");
	fx_assert_diag(&diags, true, "supervisord.conf", 11, "[group:g] "
	    "programs: no [program:ghost] section");
	fx_assert_diag(&diags, true, "supervisord.conf", 12, "[program:dup] "
	    "process name 'dup' is used twice in group 'g'");
	fx_assert_diag(&diags, true, "supervisord.conf", 16, "group name "
	    "'lone' is used twice");
}
END_TEST

START_TEST(missing_files)
{
	struct diags	 d = { 0 };
	char		*p = fx_path("nope.conf");

	ck_assert_ptr_null(config_load(p, &d));
	fx_assert_diag(&d, true, "nope.conf", 0, "cannot read the "
	    "configuration: No such file or directory");
	diags_release(&d);
	free(p);
	ck_assert_ptr_null(fx_load("[program:x]\ncommand = /bin/true\n",
	    &diags));
	fx_assert_diag(&diags, true, "supervisord.conf", 0, "no [supervisord] "
	    "section");
}
END_TEST

START_TEST(warnings)
{
	struct config	*cfg;

	cfg = fx_load("[supervisord]\n"
	    "colour = blue\n"
	    "[program:x]\n"
	    "command = /bin/true\n"
	    "stdout_logfile = syslog\n"
	    "stderr_logfile_maxbytes = 0\n"
	    "[program:r]\n"
	    "command = /bin/true\n"
	    "redirect_stderr = true\n"
	    "stderr_logfile = /tmp/x.log\n"
	    "[eventlistener:ev]\ncommand = /bin/true\nevents = TICK_5\n"
	    "[fcgi-program:f]\ncommand = /bin/true\n"
	    "[inet_http_server]\nport = 9001\n"
	    "[rpcinterface:supervisor]\n"
	    "supervisor.rpcinterface_factory = "
	    "supervisor.rpcinterface:make_main_rpcinterface\n"
	    "[rpcinterface:other]\n"
	    "supervisor.rpcinterface_factory = x:y\n"
	    "[unix_http_server]\nusername = u\npassword = p\n"
	    "[Program:caps]\ncommand = /bin/true\n", &diags);
	ck_assert_ptr_nonnull(cfg);
	fx_assert_diag(&diags, false, "supervisord.conf", 2, "[supervisord] "
	    "unknown key 'colour': ignored");
	fx_assert_diag(&diags, false, "supervisord.conf", 5, "[program:x] "
	    "stdout_logfile=syslog is deprecated: use stdout_syslog=true");
	ck_assert(fx_proc(cfg, "x", "x")->stdout_cfg.syslog);
	ck_assert_int_eq(fx_proc(cfg, "x", "x")->stdout_cfg.dest,
	    LOG_DEST_NONE);
	fx_assert_diag(&diags, false, "supervisord.conf", 0, "[program:x] "
	    "AUTO logging used for stderr_logfile without rollover");
	fx_assert_diag(&diags, false, "supervisord.conf", 10, "[program:r] "
	    "redirect_stderr=true but stderr_logfile is set to a file");
	/* Listener pools are run now (test_config_listener.c). */
	ck_assert(!fx_has(&diags, false, NULL, 0, "eventlistener"));
	fx_assert_diag(&diags, false, "supervisord.conf", 14,
	    "[fcgi-program:f] FastCGI programs are not supported");
	/* The HTTP servers' sections are read now (test_config_http.c). */
	ck_assert(!fx_has(&diags, false, NULL, 16, "inet_http_server"));
	ck_assert_int_eq(cfg->inet_server.port, 9001);
	ck_assert(!fx_has(&diags, false, NULL, 18, "rpcinterface:supervisor"));
	fx_assert_diag(&diags, false, "supervisord.conf", 20,
	    "[rpcinterface:other] XML-RPC interfaces are not supported");
	ck_assert(!fx_has(&diags, false, NULL, 23, "unix_http_server"));
	ck_assert_str_eq(cfg->unix_server.username, "u");
	fx_assert_diag(&diags, false, "supervisord.conf", 25, "unknown "
	    "section [Program:caps]: ignored");
	ck_assert_uint_eq(diags.nerrors, 0);
	ck_assert_uint_eq(cfg->ngroups, 3);
	config_free(cfg);
}
END_TEST

static Suite *
errors_suite(void)
{
	Suite	*s = suite_create("config_errors");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, numprocs_needs_process_num);
	tcase_add_test(tc, expansion_errors);
	tcase_add_test(tc, value_errors);
	tcase_add_test(tc, structure_errors);
	tcase_add_test(tc, missing_files);
	tcase_add_test(tc, warnings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(errors_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

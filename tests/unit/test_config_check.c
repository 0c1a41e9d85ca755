/*
 * config_check() (supervisord -t): users, folders and commands that do
 * not exist on this machine, each at the file:line of its key; and the
 * shape of the --print-config document.
 */
#include "config_fixture.h"

#include <cjson/cJSON.h>

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

START_TEST(all_good)
{
	struct config	*cfg;
	char		*text;

	xasprintf(&text, "[supervisord]\nlogfile = %s/sd.log\n"
	    "childlogdir = %s\ndirectory = /tmp\nuser = root\n"
	    "[unix_http_server]\nfile = %s/s.sock\nchown = root:root\n"
	    "[program:sh]\ncommand = sh -c true\ndirectory = /\n"
	    "stdout_logfile = /tmp/x.log\nuser = 0\n"
	    "[program:abs]\ncommand = /bin/true\n", fx_dir, fx_dir, fx_dir);
	cfg = fx_load_ok(text);
	ck_assert_uint_eq(config_check(cfg, &diags), 0);
	config_free(cfg);
	free(text);
}
END_TEST

START_TEST(problems)
{
	struct config	*cfg;
	char		*script = fx_write("script.sh", "#!/bin/sh\n");

	cfg = fx_load_ok("[supervisord]\n"
	    "user = no-such-user-x\n"
	    "directory = /no/such/dir\n"
	    "childlogdir = /no/such/logs\n"
	    "[unix_http_server]\n"
	    "file = /no/such/run/s.sock\n"
	    "chown = no-such-user-x:no-such-group-x\n"
	    "access_group = no-such-group-x\n"
	    "[program:p]\n"
	    "command = no-such-command-x --flag\n"
	    "user = no-such-user-x\n"
	    "directory = /etc/passwd\n"
	    "stdout_logfile = /no/such/x.log\n"
	    "[program:q]\n"
	    "command = ./script.sh\n"
	    "directory = %(here)s\n"
	    "[program:r]\n"
	    "command = /etc\n"
	    "[program:path]\n"
	    "command = true\n"
	    "environment = PATH=/no/such/bin\n");
	ck_assert_uint_eq(config_check(cfg, &diags), 14);
	fx_assert_diag(&diags, true, "supervisord.conf", 2, "[supervisord] "
	    "user: no such user 'no-such-user-x'");
	fx_assert_diag(&diags, true, "supervisord.conf", 3, "[supervisord] "
	    "directory: cannot use '/no/such/dir': No such file or directory");
	fx_assert_diag(&diags, true, "supervisord.conf", 4, "[supervisord] "
	    "childlogdir: cannot use '/no/such/logs'");
	fx_assert_diag(&diags, true, "supervisord.conf", 6,
	    "[unix_http_server] file: cannot use '/no/such/run'");
	fx_assert_diag(&diags, true, "supervisord.conf", 7,
	    "[unix_http_server] chown: no such user 'no-such-user-x'");
	fx_assert_diag(&diags, true, "supervisord.conf", 7,
	    "[unix_http_server] chown: no such group 'no-such-group-x'");
	fx_assert_diag(&diags, true, "supervisord.conf", 8,
	    "[unix_http_server] access_group: no such group");
	fx_assert_diag(&diags, true, "supervisord.conf", 10, "[program:p] "
	    "command: 'no-such-command-x' is not found on PATH");
	fx_assert_diag(&diags, true, "supervisord.conf", 11, "[program:p] "
	    "user: no such user 'no-such-user-x'");
	fx_assert_diag(&diags, true, "supervisord.conf", 12, "[program:p] "
	    "directory: '/etc/passwd' is not a directory");
	fx_assert_diag(&diags, true, "supervisord.conf", 13, "[program:p] "
	    "stdout_logfile: cannot use '/no/such'");
	/* Relative to the program's directory, where it will run. */
	fx_assert_diag(&diags, true, "supervisord.conf", 15, "[program:q] "
	    "command: '");
	fx_assert_diag(&diags, true, "supervisord.conf", 15, "/./script.sh' "
	    "is not executable");
	fx_assert_diag(&diags, true, "supervisord.conf", 18, "[program:r] "
	    "command: '/etc' is a directory");
	/* The program's own PATH is searched. */
	fx_assert_diag(&diags, true, "supervisord.conf", 20, "[program:path] "
	    "command: 'true' is not found on PATH");
	config_free(cfg);
	free(script);
}
END_TEST

static cJSON *
item(cJSON *o, const char *key)
{
	cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	ck_assert_msg(v != NULL, "no key '%s'", key);
	return v;
}

START_TEST(json_document)
{
	static const char *const proc_keys[] = { "name", "group", "program",
	    "process_num", "process_name", "command", "argv", "numprocs",
	    "numprocs_start", "priority", "autostart", "startsecs",
	    "startretries", "autorestart", "exitcodes", "stopsignal",
	    "stopwaitsecs", "stopasgroup", "killasgroup", "user",
	    "redirect_stderr", "stdout_logfile", "stdout_logfile_maxbytes",
	    "stdout_logfile_backups", "stdout_capture_maxbytes",
	    "stdout_events_enabled", "stdout_syslog", "stderr_logfile",
	    "stderr_logfile_maxbytes", "stderr_logfile_backups",
	    "stderr_capture_maxbytes", "stderr_events_enabled",
	    "stderr_syslog", "environment", "directory", "umask", "serverurl",
	    "backoff_growth", "backoff_max", "backoff_reset", "shutdown_on",
	    "environment_file", "ready", "depends_on", "watchdog", "listener",
	    NULL };
	struct config	*cfg;
	cJSON		*doc, *sd, *g, *p;
	size_t		 i;

	cfg = fx_load_ok("[supervisord]\nlogfile = /tmp/sd.log\numask = 002\n"
	    "environment = A=1\n"
	    "[program:web]\ncommand = /bin/echo 'a b'\nstopsignal = KILL\n"
	    "exitcodes = 0,3\numask = 022\nstdout_logfile = /tmp/w.log\n"
	    "stderr_logfile = NONE\nautorestart = false\n");
	doc = config_to_json(cfg);
	sd = item(doc, "supervisord");
	ck_assert_str_eq(item(sd, "logfile")->valuestring, "/tmp/sd.log");
	ck_assert_str_eq(item(sd, "umask")->valuestring, "002");
	ck_assert_str_eq(item(sd, "loglevel")->valuestring, "info");
	ck_assert_str_eq(item(item(sd, "environment"), "A")->valuestring,
	    "1");
	ck_assert(cJSON_IsNull(item(sd, "user")));
	ck_assert_str_eq(item(item(doc, "unix_http_server"), "chmod")->
	    valuestring, "0700");
	ck_assert(cJSON_IsNull(item(item(doc, "supervisorctl"),
	    "serverurl")));
	g = cJSON_GetArrayItem(item(doc, "groups"), 0);
	ck_assert_str_eq(item(g, "name")->valuestring, "web");
	ck_assert_int_eq(item(g, "priority")->valueint, 999);
	p = cJSON_GetArrayItem(item(g, "processes"), 0);
	for (i = 0; proc_keys[i] != NULL; i++)
		item(p, proc_keys[i]);
	ck_assert_int_eq(cJSON_GetArraySize(p), (int)i);
	ck_assert_str_eq(item(p, "stopsignal")->valuestring, "KILL");
	ck_assert_str_eq(item(p, "autorestart")->valuestring, "false");
	ck_assert_int_eq(cJSON_GetArrayItem(item(p, "exitcodes"), 1)->valueint,
	    3);
	ck_assert_str_eq(cJSON_GetArrayItem(item(p, "argv"), 1)->valuestring,
	    "a b");
	ck_assert_str_eq(item(p, "umask")->valuestring, "022");
	ck_assert_str_eq(item(p, "stdout_logfile")->valuestring, "/tmp/w.log");
	ck_assert(cJSON_IsNull(item(p, "stderr_logfile")));
	ck_assert(cJSON_IsNull(item(p, "serverurl")));
	ck_assert_str_eq(item(item(p, "environment"), "A")->valuestring, "1");
	ck_assert(cJSON_IsTrue(item(p, "stopasgroup")));
	cJSON_Delete(doc);
	config_free(cfg);
	cfg = fx_load_ok("[supervisord]\n[program:a]\ncommand = /bin/true\n");
	doc = config_to_json(cfg);
	p = cJSON_GetArrayItem(item(cJSON_GetArrayItem(item(doc, "groups"), 0),
	    "processes"), 0);
	ck_assert_str_eq(item(p, "stdout_logfile")->valuestring, "AUTO");
	ck_assert(cJSON_IsNull(item(p, "umask")));
	ck_assert_str_eq(item(p, "autorestart")->valuestring, "unexpected");
	ck_assert(cJSON_IsNull(item(item(doc, "supervisord"), "logfile")));
	cJSON_Delete(doc);
	config_free(cfg);
}
END_TEST

static Suite *
check_suite(void)
{
	Suite	*s = suite_create("config_check");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, all_good);
	tcase_add_test(tc, problems);
	tcase_add_test(tc, json_document);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(check_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

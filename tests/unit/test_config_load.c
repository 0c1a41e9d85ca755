/*
 * config_load(): defaults, numprocs, expansions, groups, the client's
 * load and the scale of many processes.  Its errors and warnings:
 * test_config_errors.c.
 */
#include "config_fixture.h"

#include <signal.h>
#include <time.h>

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

START_TEST(program_defaults)
{
	struct config		*cfg = fx_load_ok("[supervisord]\n"
	    "[program:x]\ncommand = /bin/true -a 'b c'\n");
	struct proc_config	*p = fx_proc(cfg, "x", "x");

	ck_assert_str_eq(p->program, "x");
	ck_assert_str_eq(p->section, "program:x");
	ck_assert_int_eq(p->line, 2);
	ck_assert_int_eq(p->argc, 3);
	ck_assert_str_eq(p->argv[2], "b c");
	ck_assert_int_eq(p->process_num, 0);
	ck_assert_int_eq(p->numprocs, 1);
	ck_assert_int_eq(p->priority, 999);
	ck_assert(p->autostart);
	ck_assert_int_eq(p->startsecs, 1);
	ck_assert_int_eq(p->startretries, 3);
	ck_assert_int_eq(p->autorestart, AUTORESTART_UNEXPECTED);
	ck_assert_uint_eq(p->nexitcodes, 1);
	ck_assert_int_eq(p->exitcodes[0], 0);
	ck_assert_int_eq(p->stopsignal, SIGTERM);
	ck_assert_int_eq(p->stopwaitsecs, 10);
	ck_assert(p->stopasgroup);	/* ours: true */
	ck_assert(p->killasgroup);
	ck_assert_ptr_null(p->user);
	ck_assert(!p->redirect_stderr);
	ck_assert_int_eq(p->stdout_cfg.dest, LOG_DEST_AUTO);
	ck_assert_uint_eq(p->stdout_cfg.logfile_maxbytes, 50 << 20);
	ck_assert_int_eq(p->stdout_cfg.logfile_backups, 10);
	ck_assert_uint_eq(p->stdout_cfg.capture_maxbytes, 0);
	ck_assert(!p->stdout_cfg.events_enabled);
	ck_assert(!p->stdout_cfg.syslog);
	ck_assert_int_eq(p->stderr_cfg.dest, LOG_DEST_AUTO);
	ck_assert_uint_eq(p->environment.n, 0);
	ck_assert_ptr_null(p->directory);
	ck_assert_int_eq(p->umask, -1);
	ck_assert_ptr_null(p->serverurl);
	ck_assert_int_eq(p->backoff_growth, BACKOFF_LINEAR);
	ck_assert_int_eq(p->backoff_max_ms, 60000);
	ck_assert_int_eq(p->backoff_reset_ms, 60000);
	ck_assert_uint_eq(cfg->ngroups, 1);
	ck_assert(!cfg->groups[0]->from_group);
	ck_assert_int_eq(cfg->groups[0]->priority, 999);
	config_free(cfg);
}
END_TEST

START_TEST(program_values)
{
	struct config		*cfg;
	struct proc_config	*p;

	cfg = fx_load_ok("[supervisord]\nchildlogdir = /var/tmp\n"
	    "identifier = ident\n"
	    "[program:v]\n"
	    "command = /bin/true\n"
	    "priority = -5\nautostart = no\nstartsecs = 0\n"
	    "startretries = 7\nautorestart = TRUE\nexitcodes = 0,2\n"
	    "stopsignal = sigint\nstopwaitsecs = 3\nstopasgroup = false\n"
	    "killasgroup = false\nuser = nobody\nredirect_stderr = true\n"
	    "stderr_logfile = /var/log/ignored.log\n"
	    "stdout_logfile_maxbytes = 1KB\nstdout_logfile_backups = 0\n"
	    "stdout_capture_maxbytes = 2KB\nstdout_events_enabled = 1\n"
	    "stdout_syslog = on\numask = 027\nserverurl = AUTO\n"
	    "directory = /srv\nbackoff_growth = exponential\n"
	    "backoff_max = 300\nbackoff_reset = 5\n");
	p = fx_proc(cfg, "v", "v");
	ck_assert_int_eq(p->priority, -5);
	ck_assert_int_eq(cfg->groups[0]->priority, -5);
	ck_assert(!p->autostart);
	ck_assert_int_eq(p->startsecs, 0);
	ck_assert_int_eq(p->startretries, 7);
	ck_assert_int_eq(p->autorestart, AUTORESTART_TRUE);
	ck_assert_uint_eq(p->nexitcodes, 2);
	ck_assert_int_eq(p->stopsignal, SIGINT);
	ck_assert_int_eq(p->stopwaitsecs, 3);
	ck_assert(!p->stopasgroup);
	ck_assert(!p->killasgroup);
	ck_assert_str_eq(p->user, "nobody");
	ck_assert(p->redirect_stderr);
	ck_assert_int_eq(p->stderr_cfg.dest, LOG_DEST_NONE);
	ck_assert_ptr_null(p->stderr_cfg.logfile);
	ck_assert_uint_eq(p->stdout_cfg.logfile_maxbytes, 1024);
	ck_assert_int_eq(p->stdout_cfg.logfile_backups, 0);
	ck_assert_uint_eq(p->stdout_cfg.capture_maxbytes, 2048);
	ck_assert(p->stdout_cfg.events_enabled);
	ck_assert(p->stdout_cfg.syslog);
	/* AUTO: log capture makes the file in childlogdir. */
	ck_assert_int_eq(p->stdout_cfg.dest, LOG_DEST_AUTO);
	ck_assert_ptr_null(p->stdout_cfg.logfile);
	ck_assert_str_eq(cfg->sd.childlogdir, "/var/tmp");
	ck_assert_str_eq(cfg->sd.identifier, "ident");
	ck_assert_int_eq(p->umask, 027);
	ck_assert_ptr_null(p->serverurl);
	ck_assert_str_eq(p->directory, "/srv");
	ck_assert_int_eq(p->backoff_growth, BACKOFF_EXPONENTIAL);
	ck_assert_int_eq(p->backoff_max_ms, 300000);
	ck_assert_int_eq(p->backoff_reset_ms, 5000);
	config_free(cfg);
}
END_TEST

START_TEST(supervisord_defaults)
{
	struct config	*cfg;
	char		*sock;

	ck_assert_int_eq(chdir(fx_dir), 0);
	setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
	unsetenv("TMPDIR");
	cfg = fx_load_ok("[supervisord]\n");
	ck_assert_ptr_null(cfg->sd.logfile);	/* ours: stderr */
	ck_assert_uint_eq(cfg->sd.logfile_maxbytes, 50 << 20);
	ck_assert_int_eq(cfg->sd.logfile_backups, 10);
	ck_assert_int_eq(cfg->sd.loglevel, LOG_LEVEL_INFO);
	ck_assert(strncmp(cfg->sd.pidfile, "/tmp/sup-config-test.", 21) == 0);
	ck_assert(strstr(cfg->sd.pidfile, "/supervisord.pid") != NULL);
	ck_assert(!cfg->sd.nodaemon);
	ck_assert(!cfg->sd.silent);
	ck_assert_int_eq(cfg->sd.minfds, 1024);
	ck_assert_int_eq(cfg->sd.minprocs, 200);
	ck_assert_int_eq(cfg->sd.umask, 022);
	ck_assert_ptr_null(cfg->sd.user);
	ck_assert_ptr_null(cfg->sd.directory);
	ck_assert_str_eq(cfg->sd.childlogdir, "/tmp");
	ck_assert_str_eq(cfg->sd.identifier, "supervisor");
	ck_assert(!cfg->sd.nocleanup);
	ck_assert_int_eq(cfg->unix_server.chmod, 0700);
	ck_assert_ptr_null(cfg->unix_server.chown);
	ck_assert_ptr_null(cfg->ctl_serverurl);
	if (geteuid() == 0)
		sock = xstrdup("/run/supervisord.sock");
	else
		sock = xstrdup("/run/user/4242/supervisord.sock");
	ck_assert_str_eq(cfg->unix_server.file, sock);
	sock[strlen(sock) - 5] = '\0';
	ck_assert(strncmp(cfg->sd.rundir, sock, strlen(sock)) == 0);
	ck_assert_str_eq(cfg->sd.rundir + strlen(sock), ".d");
	free(sock);
	config_free(cfg);
}
END_TEST

START_TEST(supervisord_values)
{
	struct config	*cfg;

	ck_assert_int_eq(chdir(fx_dir), 0);
	setenv("HOME", "/home/u", 1);
	cfg = fx_load_ok("[supervisord]\n"
	    "logfile = logs/../sd.log\nlogfile_maxbytes = 1MB\n"
	    "logfile_backups = 2\nloglevel = DEBUG\npidfile = ~/sd.pid\n"
	    "nodaemon = true\nsilent = 1\nminfds = 4096\nminprocs = 10\n"
	    "umask = 077\nuser = root\ndirectory = ~/work\n"
	    "childlogdir = ~/logs\nidentifier = me\n"
	    "environment = A=1,B=\"x y\"\nnocleanup = on\nstrip_ansi = yes\n"
	    "rundir = run/here\n"
	    "[unix_http_server]\nfile = sock/s.sock\nchmod = 0770\n"
	    "chown = root:root\naccess_group = adm\n"
	    "[supervisorctl]\nserverurl = unix://rel.sock\n");
	ck_assert(strstr(cfg->sd.logfile, "/sd.log") != NULL);
	ck_assert(strstr(cfg->sd.logfile, "logs") == NULL);
	ck_assert_uint_eq(cfg->sd.logfile_maxbytes, 1 << 20);
	ck_assert_int_eq(cfg->sd.logfile_backups, 2);
	ck_assert_int_eq(cfg->sd.loglevel, LOG_LEVEL_DEBUG);
	ck_assert_str_eq(cfg->sd.pidfile, "/home/u/sd.pid");
	ck_assert(cfg->sd.nodaemon);
	ck_assert(cfg->sd.silent);
	ck_assert_int_eq(cfg->sd.minfds, 4096);
	ck_assert_int_eq(cfg->sd.umask, 077);
	ck_assert_str_eq(cfg->sd.user, "root");
	ck_assert_str_eq(cfg->sd.directory, "/home/u/work");
	ck_assert_str_eq(cfg->sd.childlogdir, "/home/u/logs");
	ck_assert_str_eq(cfg->sd.identifier, "me");
	ck_assert_str_eq(env_get(&cfg->sd.environment, "B"), "x y");
	ck_assert(cfg->sd.nocleanup);
	ck_assert(cfg->sd.strip_ansi);
	/* Relative paths: against the working folder, as Supervisor. */
	ck_assert(strncmp(cfg->unix_server.file, fx_dir, strlen(fx_dir)) ==
	    0);
	ck_assert_str_eq(cfg->unix_server.file + strlen(fx_dir),
	    "/sock/s.sock");
	ck_assert_str_eq(cfg->sd.rundir + strlen(fx_dir), "/run/here");
	ck_assert_int_eq(cfg->unix_server.chmod, 0770);
	ck_assert_str_eq(cfg->unix_server.chown, "root:root");
	ck_assert_str_eq(cfg->unix_server.access_group, "adm");
	ck_assert_str_eq(cfg->ctl_serverurl + 7 + strlen(fx_dir), "/rel.sock");
	config_free(cfg);
}
END_TEST

START_TEST(numprocs)
{
	struct config		*cfg;
	struct group_config	*g;
	struct proc_config	*p;

	cfg = fx_load_ok("[supervisord]\n"
	    "[program:w]\n"
	    "command = /bin/sleep %(process_num)d\n"
	    "process_name = %(program_name)s_%(process_num)02d\n"
	    "numprocs = 3\nnumprocs_start = 9\n"
	    "stdout_logfile = /tmp/%(group_name)s-%(process_num)d.log\n"
	    "environment = N=\"%(process_num)d of %(numprocs)d\"\n"
	    "[program:u]\n"
	    "command = /bin/true\n"
	    "process_name = %(process_num)d\nnumprocs = 11\n"
	    "[program:zero]\ncommand = /bin/true\nnumprocs = 0\n");
	g = config_find_group(cfg, "w");
	ck_assert_uint_eq(g->nprocs, 3);
	ck_assert_str_eq(g->procs[0]->name, "w_09");
	ck_assert_str_eq(g->procs[2]->name, "w_11");
	p = fx_proc(cfg, "w", "w_10");
	ck_assert_int_eq(p->process_num, 10);
	ck_assert_int_eq(p->numprocs_start, 9);
	ck_assert_str_eq(p->argv[1], "10");
	ck_assert_str_eq(p->stdout_cfg.logfile, "/tmp/w-10.log");
	ck_assert_str_eq(env_get(&p->environment, "N"), "10 of 3");
	/* Supervisor sorts by name: 0, 1, 10, 2, ... */
	g = config_find_group(cfg, "u");
	ck_assert_str_eq(g->procs[2]->name, "10");
	ck_assert_str_eq(g->procs[3]->name, "2");
	ck_assert_uint_eq(config_find_group(cfg, "zero")->nprocs, 0);
	ck_assert_uint_eq(config_nprocs(cfg), 14);
	config_free(cfg);
}
END_TEST

START_TEST(expansions)
{
	struct config		*cfg;
	struct proc_config	*p;
	char			*here;

	setenv("FOO", "foo", 1);
	cfg = fx_load_ok("[supervisord]\n"
	    "environment = GLOBAL=\"g-%(ENV_FOO)s\",PCT=\"100%%%%\"\n"
	    "[program:x]\n"
	    "command = /bin/echo %(here)s %(program_name)s %(group_name)s "
	    "%(ENV_GLOBAL)s %(ENV_LOCAL)s %(host_node_name)s %%s\n"
	    "environment = LOCAL=\"l-%(ENV_FOO)s\"\n"
	    "directory = /tmp/%(ENV_LOCAL)s\n"
	    "stdout_logfile = /tmp/%%%%x.log\n"
	    "[group:grp]\nprograms = x\n");
	p = fx_proc(cfg, "grp", "x");
	ck_assert_str_eq(p->argv[1], fx_dir);
	ck_assert_str_eq(p->argv[2], "x");
	ck_assert_str_eq(p->argv[3], "grp");
	ck_assert_str_eq(p->argv[4], "g-foo");
	ck_assert_str_eq(p->argv[5], "l-foo");
	ck_assert_str_eq(p->argv[7], "%s");
	/* [supervisord] environment= and stdout_logfile are expanded twice. */
	ck_assert_str_eq(env_get(&cfg->sd.environment, "PCT"), "100%");
	ck_assert_str_eq(p->stdout_cfg.logfile, "/tmp/%x.log");
	ck_assert_str_eq(p->directory, "/tmp/l-foo");
	ck_assert_str_eq(env_get(&p->environment, "GLOBAL"), "g-foo");
	ck_assert_str_eq(env_get(&p->environment, "LOCAL"), "l-foo");
	xasprintf(&here, "%s", fx_dir);
	ck_assert_str_eq(cfg->here, here);
	free(here);
	config_free(cfg);
}
END_TEST

START_TEST(groups)
{
	struct config	*cfg;
	size_t		 i;
	const char	*order[] = { "b", "a", "c", "lone" };

	cfg = fx_load_ok("[supervisord]\n"
	    "[group:g2]\nprograms = b, a\npriority = 5\n"
	    "[group:g1]\nprograms = c\npriority = 5\n"
	    "[program:a]\ncommand = /bin/echo %(group_name)s\npriority = 3\n"
	    "[program:b]\ncommand = /bin/echo b\npriority = 1\n"
	    "[program:c]\ncommand = /bin/echo c\n"
	    "[program:lone]\ncommand = /bin/echo lone\npriority = 4\n");
	ck_assert_uint_eq(cfg->ngroups, 3);
	ck_assert_str_eq(cfg->groups[0]->name, "lone");
	ck_assert_str_eq(cfg->groups[1]->name, "g1");
	ck_assert_str_eq(cfg->groups[2]->name, "g2");
	ck_assert(cfg->groups[2]->from_group);
	/* A group's processes come in the order its programs are listed. */
	ck_assert_str_eq(cfg->groups[2]->procs[0]->name, order[0]);
	ck_assert_str_eq(cfg->groups[2]->procs[1]->name, order[1]);
	ck_assert_str_eq(cfg->groups[2]->procs[1]->argv[1], "g2");
	ck_assert_ptr_null(config_find_group(cfg, "a"));
	for (i = 0; i < cfg->ngroups; i++)
		ck_assert_ptr_nonnull(cfg->groups[i]->file);
	config_free(cfg);
}
END_TEST

/* numprocs at its bound: names checked for repeats in linear time (a
   pairwise check took a minute; found by fuzzing).  Under ASan its
   allocator, not the check, makes 100000 slow: a fifth of them. */
#ifdef __SANITIZE_ADDRESS__
#define SCALE_PROCS	"20000"
#else
#define SCALE_PROCS	"100000"
#endif
#define SCALE_SECONDS	30

START_TEST(many_processes)
{
	struct config	*cfg;
	struct timespec	 t0, t1;

	/* CPU time, not the wall's: a loaded machine must not fail it. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	cfg = fx_load_ok("[supervisord]\n[program:w]\ncommand = /bin/true\n"
	    "numprocs = " SCALE_PROCS "\nprocess_name = w%(process_num)d\n");
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ck_assert_uint_eq(config_nprocs(cfg), strtoul(SCALE_PROCS, NULL, 10));
	ck_assert_ptr_nonnull(config_find_proc(cfg, "w", "w19999"));
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, SCALE_SECONDS);
	config_free(cfg);
	/* A repeat is still found, and told against the first. */
	cfg = fx_load("[supervisord]\n[program:a]\ncommand = /bin/true\n"
	    "numprocs = 3\nprocess_name = p%(process_num)d\n"
	    "[program:b]\ncommand = /bin/true\nprocess_name = p1\n"
	    "[group:g]\nprograms = a,b\n", &diags);
	ck_assert_ptr_null(cfg);
	fx_assert_diag(&diags, true, "supervisord.conf", 6, "[program:b] "
	    "process name 'p1' is used twice in group 'g' (also by "
	    "[program:a] at ");
}
END_TEST

START_TEST(long_command)
{
	struct config	*cfg;
	char		*text, *arg = xmalloc(10001);

	memset(arg, 'a', 10000);
	arg[10000] = '\0';
	xasprintf(&text, "[supervisord]\n[program:long]\n"
	    "command = /bin/echo %s ; comment\nautostart = false\n", arg);
	cfg = fx_load_ok(text);
	ck_assert_uint_eq(strlen(fx_proc(cfg, "long", "long")->command),
	    10 + 10000);
	ck_assert_str_eq(fx_proc(cfg, "long", "long")->argv[1], arg);
	ck_assert(!fx_proc(cfg, "long", "long")->autostart);
	config_free(cfg);
	free(text);
	free(arg);
}
END_TEST

START_TEST(environment_merge)
{
	struct config		*cfg;
	struct proc_config	*p;

	cfg = fx_load_ok("[supervisord]\nenvironment = A=sd,B=sd\n"
	    "[program:x]\ncommand = /bin/true\nenvironment = B=prog,C=prog\n");
	p = fx_proc(cfg, "x", "x");
	ck_assert_uint_eq(p->environment.n, 3);
	ck_assert_str_eq(env_get(&p->environment, "A"), "sd");
	ck_assert_str_eq(env_get(&p->environment, "B"), "prog");
	ck_assert_str_eq(env_get(&p->environment, "C"), "prog");
	config_free(cfg);
}
END_TEST

/* A client reads the socket of a file whose programs are wrong. */
START_TEST(client_load)
{
	const char	*text = "[supervisord]\n"
	    "[unix_http_server]\nfile = %(here)s/s.sock\n"
	    "[supervisorctl]\nserverurl = unix://%(here)s/c.sock\n"
	    "[program:x]\ncommand = /bin/true\nstartsecs = soon\n";
	char		*p = fx_write("supervisord.conf", text), *want;
	struct config	*cfg;

	ck_assert_ptr_null(config_load(p, &diags));
	diags_release(&diags);
	memset(&diags, 0, sizeof(diags));
	ck_assert_ptr_nonnull(cfg = config_load_client(p, &diags));
	ck_assert_uint_eq(diags.nerrors, 0);
	ck_assert_uint_eq(cfg->ngroups, 0);
	want = fx_path("s.sock");
	ck_assert_str_eq(cfg->unix_server.file, want);
	free(want);
	want = fx_path("c.sock");
	ck_assert_str_eq(cfg->ctl_serverurl + strlen("unix://"), want);
	free(want);
	config_free(cfg);
	free(p);
}
END_TEST

/*
 * A client skips the keys of program sections, but reads their lines as
 * the daemon does: an indented "[supervisorctl]" there continues a value,
 * it starts no section.
 */
START_TEST(client_load_skips_programs)
{
	const char	*text = "[supervisord]\n"
	    "[supervisorctl]\nserverurl = unix://%(here)s/c.sock\n"
	    "[program:x]\ncommand = /bin/echo\n"
	    "  [supervisorctl]\n"
	    "  serverurl = unix:///wrong.sock\n"
	    "\n"
	    "[group:g]\nprograms = x\n"
	    "[unix_http_server]\nfile = %(here)s/s.sock\n";
	char		*p = fx_write("supervisord.conf", text), *want;
	struct config	*cfg;

	want = fx_path("c.sock");
	ck_assert_ptr_nonnull(cfg = config_load(p, &diags));
	ck_assert_str_eq(cfg->ctl_serverurl + strlen("unix://"), want);
	ck_assert_uint_eq(cfg->ngroups, 1);
	ck_assert_str_eq(cfg->groups[0]->procs[0]->command, "/bin/echo\n"
	    "[supervisorctl]\nserverurl = unix:///wrong.sock");
	config_free(cfg);
	diags_release(&diags);
	memset(&diags, 0, sizeof(diags));

	ck_assert_ptr_nonnull(cfg = config_load_client(p, &diags));
	ck_assert_uint_eq(diags.nerrors, 0);
	ck_assert_str_eq(cfg->ctl_serverurl + strlen("unix://"), want);
	free(want);
	want = fx_path("s.sock");
	ck_assert_str_eq(cfg->unix_server.file, want);
	free(want);
	/* The sections are there, their keys are not. */
	ck_assert_ptr_nonnull(ini_section(cfg->ini, "program:x"));
	ck_assert_uint_eq(ini_section(cfg->ini, "program:x")->n, 0);
	ck_assert_uint_eq(ini_section(cfg->ini, "supervisorctl")->n, 1);
	config_free(cfg);
	free(p);
}
END_TEST

static Suite *
load_suite(void)
{
	Suite	*s = suite_create("config_load");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, program_defaults);
	tcase_add_test(tc, client_load_skips_programs);
	tcase_add_test(tc, program_values);
	tcase_add_test(tc, supervisord_defaults);
	tcase_add_test(tc, supervisord_values);
	tcase_add_test(tc, numprocs);
	tcase_add_test(tc, expansions);
	tcase_add_test(tc, groups);
	tcase_add_test(tc, long_command);
	tcase_add_test(tc, environment_merge);
	tcase_add_test(tc, client_load);
	suite_add_tcase(s, tc);

	/* 100000 processes take seconds under the sanitizers. */
	tc = tcase_create("scale");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 2 * SCALE_SECONDS);
	tcase_add_test(tc, many_processes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(load_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

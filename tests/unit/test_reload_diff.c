/*
 * The reload's difference between two configurations: which processes
 * are added, removed, changed (restart) or unchanged, which keys restart
 * a process and which apply live, and the daemon keys that need the
 * daemon restarted.  Both configurations come from real files.
 */
#include "config_fixture.h"

#include <cjson/cJSON.h>

#include "proto.h"
#include "supervisord.h"

#define HEAD \
	"[supervisord]\nlogfile = /tmp/x.log\npidfile = /tmp/x.pid\n" \
	"[unix_http_server]\nfile = /tmp/x.sock\n"
/* The same with [supervisord] environment = ENV. */
#define HEAD_ENV(env) \
	"[supervisord]\nlogfile = /tmp/x.log\npidfile = /tmp/x.pid\n" \
	"environment = " env "\n[unix_http_server]\nfile = /tmp/x.sock\n"

static struct reload_diff	 D;
static struct config		*A, *B;

/* Load both texts (each after HEAD unless it has its own) and diff. */
static void
diff_texts(const char *old, const char *new)
{
	char	*text;

	xasprintf(&text, "%s%s", strncmp(old, "[supervisord]", 13) == 0 ?
	    "" : HEAD, old);
	A = fx_load_ok(text);
	free(text);
	xasprintf(&text, "%s%s", strncmp(new, "[supervisord]", 13) == 0 ?
	    "" : HEAD, new);
	B = fx_load_ok(text);
	free(text);
	reload_diff(A, B, &D);
}

static void
setup(void)
{
	fx_setup();
}

static void
teardown(void)
{
	reload_diff_release(&D);
	config_free(A);
	config_free(B);
	A = B = NULL;
	fx_cleanup();
}

/* The entry of a process by full name, or NULL. */
static const struct reload_entry *
entry(const char *fullname)
{
	const struct reload_entry	*e;
	char				*name;
	size_t				 i;
	bool				 same;

	for (i = 0; i < D.n; i++) {
		e = &D.v[i];
		name = reload_fullname(e->new != NULL ? e->new : e->old);
		same = strcmp(name, fullname) == 0;
		free(name);
		if (same)
			return e;
	}
	return NULL;
}

static bool
strv_has(char **v, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void
assert_kind(const char *name, enum reload_kind kind)
{
	const struct reload_entry *e = entry(name);

	ck_assert_msg(e != NULL, "no entry for %s", name);
	ck_assert_msg(e->kind == kind, "%s: %s, not %s", name,
	    reload_kind_name(e->kind), reload_kind_name(kind));
}

static void
assert_key(const char *name, const char *key)
{
	const struct reload_entry *e = entry(name);

	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strv_has(e->keys, e->nkeys, key), "%s: no key %s", name,
	    key);
}

static void
assert_live(const char *name, const char *key)
{
	const struct reload_entry *e = entry(name);

	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strv_has(e->live, e->nlive, key), "%s: no live key %s",
	    name, key);
}

START_TEST(test_same_file)
{
	const char *text =
	    "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 2\nenvironment = X=1\n"
	    "[program:w]\ncommand = sleep 3\nnumprocs = 2\n"
	    "process_name = w_%(process_num)d\n";

	diff_texts(text, text);
	ck_assert_uint_eq(D.n, 4);
	ck_assert_uint_eq(D.count[RELOAD_UNCHANGED], 4);
	ck_assert_uint_eq(D.nrestart, 0);
	ck_assert_uint_eq(D.nlive, 0);
	ck_assert_uint_eq(entry("a")->nlive, 0);
	ck_assert_ptr_nonnull(entry("a")->old);
	ck_assert_ptr_eq(entry("w:w_1")->new, fx_proc(B, "w", "w_1"));
	ck_assert_ptr_eq(entry("w:w_1")->old, fx_proc(A, "w", "w_1"));
}
END_TEST

START_TEST(test_added_removed_changed)
{
	diff_texts(
	    "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 2\n"
	    "[program:c]\ncommand = sleep 3\n",
	    "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 20\n"
	    "[program:d]\ncommand = sleep 4\n");
	assert_kind("a", RELOAD_UNCHANGED);
	assert_kind("b", RELOAD_CHANGED);
	assert_key("b", "command");
	ck_assert_uint_eq(entry("b")->nkeys, 1);	/* argv follows command */
	assert_kind("c", RELOAD_REMOVED);
	ck_assert_ptr_null(entry("c")->new);
	assert_kind("d", RELOAD_ADDED);
	ck_assert_ptr_null(entry("d")->old);
	ck_assert_uint_eq(D.count[RELOAD_ADDED], 1);
	ck_assert_uint_eq(D.count[RELOAD_REMOVED], 1);
	ck_assert_uint_eq(D.count[RELOAD_CHANGED], 1);
	ck_assert_uint_eq(D.count[RELOAD_UNCHANGED], 1);
	/* The new configuration's processes first, the removed last. */
	ck_assert_int_eq(D.v[D.n - 1].kind, RELOAD_REMOVED);
}
END_TEST

/* Each key that changes how the process runs restarts it. */
START_TEST(test_restart_keys)
{
	static const struct {
		const char	*key;	/* as the diff names it */
		const char	*value;	/* the line in the new file */
	} cases[] = {
		{ "command", "command = sleep 2" },
		{ "user", "user = nobody" },
		{ "directory", "directory = /tmp" },
		{ "umask", "umask = 077" },
		{ "environment", "environment = A=1" },
		{ "stdout_logfile", "stdout_logfile = /tmp/out.log" },
		{ "stderr_logfile", "stderr_logfile = NONE" },
		{ "stdout_logfile_maxbytes", "stdout_logfile_maxbytes = 1KB" },
		{ "redirect_stderr", "redirect_stderr = true" },
		{ "serverurl", "serverurl = unix:///tmp/other.sock" },
		{ "stdout_syslog", "stdout_syslog = true" },
	};
	char	*new;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xasprintf(&new, "[program:a]\ncommand = sleep 1\n%s\n",
		    cases[i].value);
		diff_texts("[program:a]\ncommand = sleep 1\n", new);
		free(new);
		assert_kind("a", RELOAD_CHANGED);
		assert_key("a", cases[i].key);
		reload_diff_release(&D);
		config_free(A);
		config_free(B);
		A = B = NULL;
	}
}
END_TEST

/* Keys that only steer the supervisor: no restart, but reported. */
START_TEST(test_live_keys)
{
	static const char *const live[] = {
		"priority", "autostart", "startsecs", "startretries",
		"autorestart", "exitcodes", "stopsignal", "stopwaitsecs",
		"stopasgroup", "killasgroup", "backoff_growth", "backoff_max",
		"backoff_reset", "shutdown_on",
	};
	const struct reload_entry *e;
	size_t	 i;

	diff_texts("[program:a]\ncommand = sleep 1\n",
	    "[program:a]\ncommand = sleep 1\npriority = 5\nautostart = false\n"
	    "startsecs = 9\nstartretries = 9\nautorestart = true\n"
	    "exitcodes = 0,3\nstopsignal = INT\nstopwaitsecs = 99\n"
	    "stopasgroup = false\nkillasgroup = false\n"
	    "backoff_growth = exponential\nbackoff_max = 7\n"
	    "backoff_reset = 8\nshutdown_on = fatal\n");
	assert_kind("a", RELOAD_UNCHANGED);
	e = entry("a");
	ck_assert_uint_eq(e->nkeys, 0);
	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		assert_live("a", live[i]);
	ck_assert_uint_eq(e->nlive, sizeof(live) / sizeof(live[0]));
	ck_assert_ptr_eq(e->new, fx_proc(B, "a", "a"));
}
END_TEST

/* [supervisord] environment reaches every program that does not set
   the same variable itself. */
START_TEST(test_daemon_environment)
{
	diff_texts(HEAD_ENV("A=1")
	    "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 1\nenvironment = A=mine\n",
	    HEAD_ENV("A=2")
	    "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 1\nenvironment = A=mine\n");
	assert_kind("a", RELOAD_CHANGED);
	assert_key("a", "environment");
	assert_kind("b", RELOAD_UNCHANGED);
	ck_assert(reload_diff_live(&D, "supervisord.environment"));
	ck_assert_uint_eq(D.nrestart, 0);
}
END_TEST

/* [supervisord] environment_file is read at each start: every program
   restarts when the list changes; a program's own restarts only it. */
START_TEST(test_environment_files)
{
	diff_texts(HEAD "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 1\n",
	    "[supervisord]\nlogfile = /tmp/x.log\npidfile = /tmp/x.pid\n"
	    "environment_file = -/nonexistent/env\n"
	    "[unix_http_server]\nfile = /tmp/x.sock\n"
	    "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 1\n");
	assert_kind("a", RELOAD_CHANGED);
	assert_key("a", "environment_file");
	assert_kind("b", RELOAD_CHANGED);
	ck_assert(reload_diff_live(&D, "supervisord.environment_file"));
	ck_assert_uint_eq(D.nrestart, 0);
	reload_diff_release(&D);
	config_free(A);
	config_free(B);
	diff_texts("[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 1\n",
	    "[program:a]\ncommand = sleep 1\n"
	    "environment_file = -/nonexistent/env\n"
	    "[program:b]\ncommand = sleep 1\n");
	assert_kind("a", RELOAD_CHANGED);
	assert_key("a", "environment_file");
	ck_assert_uint_eq(entry("a")->nkeys, 1);
	assert_kind("b", RELOAD_UNCHANGED);
	ck_assert_uint_eq(D.nlive, 0);
}
END_TEST

/* A variable moved from the program to [supervisord]: the same. */
START_TEST(test_environment_moved)
{
	diff_texts(HEAD "[program:a]\ncommand = sleep 1\nenvironment = A=1\n",
	    HEAD_ENV("A=1") "[program:a]\ncommand = sleep 1\n");
	assert_kind("a", RELOAD_UNCHANGED);
}
END_TEST

START_TEST(test_group_membership)
{
	diff_texts(
	    "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 2\n"
	    "[group:g]\nprograms = a,b\n",
	    "[program:a]\ncommand = sleep 1\n"
	    "[program:b]\ncommand = sleep 2\n"
	    "[program:c]\ncommand = sleep 3\n"
	    "[group:g]\nprograms = a,c\n");
	assert_kind("g:a", RELOAD_UNCHANGED);
	assert_kind("g:b", RELOAD_REMOVED);
	assert_kind("b", RELOAD_ADDED);		/* on its own now */
	assert_kind("g:c", RELOAD_ADDED);
	ck_assert_ptr_null(entry("c"));
	ck_assert_uint_eq(D.n, 4);
}
END_TEST

START_TEST(test_group_priority)
{
	diff_texts(
	    "[program:a]\ncommand = sleep 1\n[group:g]\nprograms = a\n"
	    "priority = 1\n",
	    "[program:a]\ncommand = sleep 1\n[group:g]\nprograms = a\n"
	    "priority = 2\n");
	assert_kind("g:a", RELOAD_UNCHANGED);
	assert_live("g:a", "priority");
}
END_TEST

/* numprocs grows: the first ones stay, one more is added. */
START_TEST(test_numprocs)
{
	diff_texts(
	    "[program:w]\ncommand = sleep 1\nnumprocs = 2\n"
	    "process_name = w_%(process_num)d\n",
	    "[program:w]\ncommand = sleep 1\nnumprocs = 3\n"
	    "process_name = w_%(process_num)d\n");
	assert_kind("w:w_0", RELOAD_UNCHANGED);
	assert_kind("w:w_1", RELOAD_UNCHANGED);
	assert_kind("w:w_2", RELOAD_ADDED);
	assert_live("w:w_0", "numprocs");
	reload_diff_release(&D);
	config_free(A);
	config_free(B);

	/* ... unless the command says how many there are. */
	diff_texts(
	    "[program:w]\ncommand = sleep %(numprocs)d\nnumprocs = 2\n"
	    "process_name = w_%(process_num)d\n",
	    "[program:w]\ncommand = sleep %(numprocs)d\nnumprocs = 1\n"
	    "process_name = w_%(process_num)d\n");
	assert_kind("w:w_0", RELOAD_CHANGED);
	assert_key("w:w_0", "command");
	assert_kind("w:w_1", RELOAD_REMOVED);
}
END_TEST

START_TEST(test_daemon_keys)
{
	diff_texts(
	    "[supervisord]\nlogfile = /tmp/x.log\npidfile = /tmp/x.pid\n"
	    "loglevel = info\nminfds = 100\n"
	    "[unix_http_server]\nfile = /tmp/x.sock\n"
	    "[program:a]\ncommand = sleep 1\n",
	    "[supervisord]\nlogfile = /tmp/y.log\npidfile = /tmp/y.pid\n"
	    "loglevel = debug\nminfds = 200\nlogfile_backups = 3\n"
	    "[unix_http_server]\nfile = /tmp/x.sock\nchmod = 0770\n"
	    "[program:a]\ncommand = sleep 1\n");
	ck_assert(reload_diff_live(&D, "supervisord.loglevel"));
	ck_assert(reload_diff_live(&D, "supervisord.logfile"));
	ck_assert(reload_diff_live(&D, "supervisord.logfile_backups"));
	ck_assert_uint_eq(D.nlive, 3);
	ck_assert(strv_has(D.restart_needed, D.nrestart,
	    "supervisord.pidfile"));
	ck_assert(strv_has(D.restart_needed, D.nrestart,
	    "supervisord.minfds"));
	ck_assert(strv_has(D.restart_needed, D.nrestart,
	    "unix_http_server.chmod"));
	ck_assert_uint_eq(D.nrestart, 3);
	assert_kind("a", RELOAD_UNCHANGED);
	ck_assert_uint_eq(entry("a")->nlive, 0);
}
END_TEST

/* Everything gone, everything new. */
START_TEST(test_all_replaced)
{
	diff_texts("", "[program:a]\ncommand = sleep 1\n");
	ck_assert_uint_eq(D.n, 1);
	assert_kind("a", RELOAD_ADDED);
	reload_diff_release(&D);
	config_free(A);
	config_free(B);
	diff_texts("[program:a]\ncommand = sleep 1\n", "");
	ck_assert_uint_eq(D.n, 1);
	assert_kind("a", RELOAD_REMOVED);
}
END_TEST

/* The request and its error code on the wire. */
START_TEST(test_protocol)
{
	static const char *const ok[] = {
		"{\"cmd\":\"reload\"}",
		"{\"cmd\":\"reload\",\"dry_run\":true}",
		"{\"cmd\":\"reload\",\"dry_run\":false,\"id\":3}",
	};
	static const char *const bad[] = {
		"{\"cmd\":\"reload\",\"dry_run\":1}",
		"{\"cmd\":\"reload\",\"dry_run\":\"yes\"}",
		"{\"cmd\":\"reload\",\"names\":[\"a\"]}",
	};
	struct proto_request	 req;
	enum proto_code		 code;
	char			 cause[256];
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(proto_decode(&req, ok[i], strlen(ok[i]), &code,
		    cause, sizeof(cause)) == 0, "%s: %s", ok[i], cause);
		ck_assert_int_eq(proto_get_bool(&req, "dry_run", false),
		    i == 1);
		proto_request_release(&req);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(proto_decode(&req, bad[i], strlen(bad[i]),
		    &code, cause, sizeof(cause)), -1);
		ck_assert_int_eq(code, PROTO_BAD_REQUEST);
		proto_request_release(&req);
	}
	ck_assert_str_eq(proto_code_name(PROTO_BAD_CONFIG), "bad_config");
	ck_assert_int_eq(proto_code_parse("bad_config", &code), 0);
	ck_assert_int_eq(code, PROTO_BAD_CONFIG);
}
END_TEST

static Suite *
reload_suite(void)
{
	Suite	*s = suite_create("reload_diff");
	TCase	*tc = tcase_create("diff");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_file);
	tcase_add_test(tc, test_added_removed_changed);
	tcase_add_test(tc, test_restart_keys);
	tcase_add_test(tc, test_live_keys);
	tcase_add_test(tc, test_daemon_environment);
	tcase_add_test(tc, test_environment_moved);
	tcase_add_test(tc, test_environment_files);
	tcase_add_test(tc, test_group_membership);
	tcase_add_test(tc, test_group_priority);
	tcase_add_test(tc, test_numprocs);
	tcase_add_test(tc, test_daemon_keys);
	tcase_add_test(tc, test_all_replaced);
	tcase_add_test(tc, test_protocol);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(reload_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

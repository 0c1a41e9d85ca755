/*
 * Value conversions as Supervisor's datatypes.py and Python's builtins do
 * them: int(), int(x, 8), booleans, byte sizes, signals, exit codes,
 * KEY=val lists, names, log destinations, and the os.path functions.
 */
#include "strv.h"
#include "config_fixture.h"

#include <signal.h>

static char	cause[256];

START_TEST(ints)
{
	long long	v;

	ck_assert_int_eq(value_int("42", &v, cause, sizeof(cause)), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(value_int(" -7 ", &v, cause, sizeof(cause)), 0);
	ck_assert_int_eq(v, -7);
	ck_assert_int_eq(value_int("+010", &v, cause, sizeof(cause)), 0);
	ck_assert_int_eq(v, 10);
	ck_assert_int_eq(value_int("1_000", &v, cause, sizeof(cause)), 0);
	ck_assert_int_eq(v, 1000);
	ck_assert_int_eq(value_int("1__0", &v, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_int("_1", &v, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_int("1_", &v, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_int("", &v, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_int("0x10", &v, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_int("1.5", &v, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "not an integer");
	ck_assert_int_eq(value_int("99999999999999999999", &v, cause,
	    sizeof(cause)), -1);
	ck_assert_str_eq(cause, "number out of range");
}
END_TEST

START_TEST(octals)
{
	int	v;

	ck_assert_int_eq(value_octal("022", &v, cause, sizeof(cause)), 0);
	ck_assert_int_eq(v, 022);
	ck_assert_int_eq(value_octal("0o17", &v, cause, sizeof(cause)), 0);
	ck_assert_int_eq(v, 017);
	ck_assert_int_eq(value_octal("0o_17", &v, cause, sizeof(cause)), 0);
	ck_assert_int_eq(v, 017);
	ck_assert_int_eq(value_octal("7", &v, cause, sizeof(cause)), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(value_octal("08", &v, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "not an octal number");
	ck_assert_int_eq(value_octal("-022", &v, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_octal("17777", &v, cause, sizeof(cause)), -1);
}
END_TEST

START_TEST(booleans)
{
	static const char *const yes[] = { "true", "TRUE", "Yes", "on", "1" };
	static const char *const no[] = { "false", "No", "OFF", "0" };
	bool	b;
	size_t	i;

	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(value_bool(yes[i], &b, cause, sizeof(cause)),
		    0);
		ck_assert(b);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(value_bool(no[i], &b, cause, sizeof(cause)),
		    0);
		ck_assert(!b);
	}
	ck_assert_int_eq(value_bool("maybe", &b, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_bool("", &b, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_bool("t", &b, cause, sizeof(cause)), -1);
}
END_TEST

START_TEST(byte_sizes)
{
	uint64_t	v;

	ck_assert_int_eq(value_bytes("50MB", &v, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(v, 50ULL * 1024 * 1024);
	ck_assert_int_eq(value_bytes("10kb", &v, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(v, 10240);
	ck_assert_int_eq(value_bytes("2Gb", &v, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(v, 2ULL << 30);
	ck_assert_int_eq(value_bytes("50 MB", &v, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(v, 50ULL << 20);
	ck_assert_int_eq(value_bytes("1234", &v, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(v, 1234);
	ck_assert_int_eq(value_bytes("0", &v, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(value_bytes("50M", &v, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_bytes("KB", &v, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_bytes("-1KB", &v, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "negative byte size");
}
END_TEST

START_TEST(signals)
{
	int	sig;

	ck_assert_int_eq(signal_parse("TERM", &sig), 0);
	ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(signal_parse("sigkill", &sig), 0);
	ck_assert_int_eq(sig, SIGKILL);
	ck_assert_int_eq(signal_parse(" hup ", &sig), 0);
	ck_assert_int_eq(sig, SIGHUP);
	ck_assert_int_eq(signal_parse("9", &sig), 0);
	ck_assert_int_eq(sig, 9);
	ck_assert_int_eq(signal_parse("IOT", &sig), 0);
	ck_assert_int_eq(sig, SIGABRT);
	ck_assert_int_eq(signal_parse("RTMIN", &sig), 0);
	ck_assert_int_eq(sig, SIGRTMIN);
	ck_assert_int_eq(signal_parse("FOO", &sig), -1);
	ck_assert_int_eq(signal_parse("SIG", &sig), -1);
	ck_assert_int_eq(signal_parse("0", &sig), -1);
	ck_assert_int_eq(signal_parse("40", &sig), -1);	/* unnamed */
	ck_assert_int_eq(signal_parse("-1", &sig), -1);
	ck_assert_str_eq(signal_name(SIGTERM), "TERM");
	ck_assert_str_eq(signal_name(SIGABRT), "ABRT");
	ck_assert_str_eq(signal_name(SIGCHLD), "CHLD");
	ck_assert_str_eq(signal_name(SIGRTMAX), "RTMAX");
	ck_assert_ptr_null(signal_name(40));
}
END_TEST

START_TEST(exit_codes)
{
	int	*v;
	size_t	 n;

	ck_assert_int_eq(value_exitcodes("0,2, 255", &v, &n, cause,
	    sizeof(cause)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(v[0], 0);
	ck_assert_int_eq(v[1], 2);
	ck_assert_int_eq(v[2], 255);
	free(v);
	/* Empty: no exit code is expected. */
	ck_assert_int_eq(value_exitcodes("", &v, &n, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(value_exitcodes("0,256", &v, &n, cause,
	    sizeof(cause)), -1);
	ck_assert_int_eq(value_exitcodes("0,", &v, &n, cause, sizeof(cause)),
	    -1);
	ck_assert_int_eq(value_exitcodes("a", &v, &n, cause, sizeof(cause)),
	    -1);
}
END_TEST

START_TEST(autorestarts)
{
	enum autorestart	a;

	ck_assert_int_eq(value_autorestart("Unexpected", &a, cause,
	    sizeof(cause)), 0);
	ck_assert_int_eq(a, AUTORESTART_UNEXPECTED);
	ck_assert_int_eq(value_autorestart("yes", &a, cause, sizeof(cause)),
	    0);
	ck_assert_int_eq(a, AUTORESTART_TRUE);
	ck_assert_int_eq(value_autorestart("off", &a, cause, sizeof(cause)),
	    0);
	ck_assert_int_eq(a, AUTORESTART_FALSE);
	ck_assert_int_eq(value_autorestart("always", &a, cause,
	    sizeof(cause)), -1);
}
END_TEST

START_TEST(key_value_pairs)
{
	struct env	e = { 0 };

	ck_assert_int_eq(value_kv_pairs("A=1,B=\"x, y\",C='z',D=/a/b:c",
	    &e, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(e.n, 4);
	ck_assert_str_eq(env_get(&e, "A"), "1");
	ck_assert_str_eq(env_get(&e, "B"), "x, y");
	ck_assert_str_eq(env_get(&e, "C"), "z");
	ck_assert_str_eq(env_get(&e, "D"), "/a/b:c");
	env_release(&e);
	/* The separator is skipped unchecked; a key set twice keeps its
	   place with the last value; both quote kinds are stripped. */
	ck_assert_int_eq(value_kv_pairs("A=1;B=2,A=3,Q='\"q\"'", &e, cause,
	    sizeof(cause)), 0);
	ck_assert_uint_eq(e.n, 3);
	ck_assert_str_eq(e.keys[0], "A");
	ck_assert_str_eq(e.vals[0], "3");
	ck_assert_str_eq(env_get(&e, "Q"), "q");
	env_release(&e);
	/* Over continuation lines. */
	ck_assert_int_eq(value_kv_pairs("A=1,\nB=2", &e, cause,
	    sizeof(cause)), 0);
	ck_assert_str_eq(env_get(&e, "B"), "2");
	env_release(&e);
	ck_assert_int_eq(value_kv_pairs("", &e, cause, sizeof(cause)), 0);
	ck_assert_uint_eq(e.n, 0);
	ck_assert_int_eq(value_kv_pairs("A=1 B=2", &e, cause, sizeof(cause)),
	    -1);
	ck_assert_str_eq(cause, "unexpected end of key/value pairs");
	env_release(&e);
	ck_assert_int_eq(value_kv_pairs("A", &e, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_kv_pairs("A=\"x", &e, cause, sizeof(cause)),
	    -1);
	ck_assert_str_eq(cause, "no closing quotation");
	env_release(&e);
}
END_TEST

START_TEST(names_and_lists)
{
	char	*name, **v;
	size_t	 n;

	ck_assert_int_eq(value_name(" web ", &name, cause, sizeof(cause)), 0);
	ck_assert_str_eq(name, "web");
	free(name);
	ck_assert_int_eq(value_name("a b", &name, cause, sizeof(cause)), -1);
	ck_assert_str_eq(cause, "invalid name 'a b' (no ' ' allowed)");
	ck_assert_int_eq(value_name("a:b", &name, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_name("a/b", &name, cause, sizeof(cause)), -1);
	ck_assert_int_eq(value_name("", &name, cause, sizeof(cause)), -1);
	v = value_list(" a, b ,,c", &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_str_eq(v[2], "");
	ck_assert_str_eq(v[3], "c");
	strv_free(v);
	v = value_list("", &n);
	ck_assert_uint_eq(n, 0);
	strv_free(v);
}
END_TEST

START_TEST(logfiles)
{
	enum log_dest	 dest;
	char		*path;
	bool		 magic;

	value_logfile("NONE", &dest, &path, &magic);
	ck_assert_int_eq(dest, LOG_DEST_NONE);
	value_logfile("off", &dest, &path, &magic);
	ck_assert_int_eq(dest, LOG_DEST_NONE);
	value_logfile("Auto", &dest, &path, &magic);
	ck_assert_int_eq(dest, LOG_DEST_AUTO);
	value_logfile("SYSLOG", &dest, &path, &magic);
	ck_assert_int_eq(dest, LOG_DEST_NONE);
	ck_assert(magic);
	value_logfile("/var/log/x.log", &dest, &path, &magic);
	ck_assert_int_eq(dest, LOG_DEST_FILE);
	ck_assert_str_eq(path, "/var/log/x.log");
	free(path);
	setenv("HOME", "/home/u", 1);
	value_logfile("~/x.log", &dest, &path, &magic);
	ck_assert_str_eq(path, "/home/u/x.log");
	free(path);
}
END_TEST

static void
path_is(char *got, const char *want)
{
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(paths)
{
	setenv("HOME", "/home/u/", 1);
	path_is(value_expanduser("~"), "/home/u");
	path_is(value_expanduser("~/a"), "/home/u/a");
	path_is(value_expanduser("~root/a"), "/root/a");
	path_is(value_expanduser("~no-such-user-here/a"),
	    "~no-such-user-here/a");
	path_is(value_expanduser("a/~"), "a/~");
	path_is(value_abspath("/a//b/./c/../d/"), "/a/b/d");
	path_is(value_abspath("//a/../b"), "//b");
	path_is(value_abspath("///a"), "/a");
	path_is(value_abspath("/.."), "/");
	ck_assert_int_eq(chdir("/tmp"), 0);
	path_is(value_abspath("x/../y"), "/tmp/y");
	path_is(value_normalize_path("~/s.sock"), "/home/u/s.sock");
	path_is(value_dirname("/a/b"), "/a");
	path_is(value_dirname("/a"), "/");
	path_is(value_dirname("a"), "");
	path_is(value_dirname("a//b"), "a");
	path_is(value_dirname("//a"), "//");
	setenv("TMPDIR", "/tmp", 1);
	path_is(value_tempdir(), "/tmp");
	setenv("TMPDIR", "/no/such/dir", 1);
	unsetenv("TEMP");
	unsetenv("TMP");
	path_is(value_tempdir(), "/tmp");
}
END_TEST

START_TEST(whitespace)
{
	char	*s;

	/* Python's str.strip(): Unicode whitespace too (NBSP, U+3000). */
	s = value_strip("\xc2\xa0 a b\t\x1c\xe3\x80\x80");
	ck_assert_str_eq(s, "a b");
	free(s);
	ck_assert_uint_eq(value_space("\xc2\xa0"), 2);
	ck_assert_uint_eq(value_space("\xc2\xa9"), 0);
	ck_assert_uint_eq(value_space("\x1f"), 1);
	ck_assert_uint_eq(value_codepoints("a\xc2\xa0" "b", 4), 3);
}
END_TEST

static Suite *
values_suite(void)
{
	Suite	*s = suite_create("config_values");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, ints);
	tcase_add_test(tc, octals);
	tcase_add_test(tc, booleans);
	tcase_add_test(tc, byte_sizes);
	tcase_add_test(tc, signals);
	tcase_add_test(tc, exit_codes);
	tcase_add_test(tc, autorestarts);
	tcase_add_test(tc, key_value_pairs);
	tcase_add_test(tc, names_and_lists);
	tcase_add_test(tc, logfiles);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, whitespace);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(values_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

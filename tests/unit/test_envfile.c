/*
 * environment_file= parsing: systemd's EnvironmentFile= rules for quotes,
 * escapes, comments and continuation lines, and an error with file:line
 * for each line systemd would skip.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envfile.h"
#include "log.h"

static struct env	E;
static struct diags	D;
static char		dir[] = "/tmp/test_envfile.XXXXXX";

static void
setup(void)
{
	memset(&E, 0, sizeof(E));
	memset(&D, 0, sizeof(D));
}

static void
teardown(void)
{
	env_release(&E);
	diags_release(&D);
}

static size_t
parse(const char *text)
{
	return envfile_parse(text, strlen(text), "app.env", "", &E, &D);
}

/* The value of key, which must be set. */
static const char *
val(const char *key)
{
	const char	*v = env_get(&E, key);

	ck_assert_msg(v != NULL, "%s is not set", key);
	return v;
}

START_TEST(plain_assignments)
{
	ck_assert_uint_eq(parse("A=1\nB=two words\n_c9=x=y\n"), 0);
	ck_assert_str_eq(val("A"), "1");
	ck_assert_str_eq(val("B"), "two words");
	ck_assert_str_eq(val("_c9"), "x=y");
	ck_assert_uint_eq(E.n, 3);
}
END_TEST

START_TEST(blanks_around_key_and_value)
{
	ck_assert_uint_eq(parse("  A = x  \n\tB\t=\t  y z\t\n"), 0);
	ck_assert_str_eq(val("A"), "x");
	ck_assert_str_eq(val("B"), "y z");
}
END_TEST

START_TEST(comments_and_blank_lines)
{
	ck_assert_uint_eq(parse("# one\n; two\n   # three\n\n\nA=1 # kept\n"
	    "B=2;kept\n"), 0);
	ck_assert_str_eq(val("A"), "1 # kept");
	ck_assert_str_eq(val("B"), "2;kept");
	ck_assert_uint_eq(E.n, 2);
}
END_TEST

START_TEST(single_quotes)
{
	ck_assert_uint_eq(parse("A='x \\n \"y\" $z'\nB='two\nlines'\n"
	    "C=  '  padded  '  \n"), 0);
	ck_assert_str_eq(val("A"), "x \\n \"y\" $z");
	ck_assert_str_eq(val("B"), "two\nlines");
	ck_assert_str_eq(val("C"), "  padded  ");
}
END_TEST

START_TEST(double_quotes)
{
	ck_assert_uint_eq(parse("A=\"a\\\"b\\\\c\\$d\\`e\\qf\"\n"
	    "B=\"joined \\\nline\"\nC=\"two\nlines\"\n"), 0);
	ck_assert_str_eq(val("A"), "a\"b\\c$d`e\\qf");
	ck_assert_str_eq(val("B"), "joined line");
	ck_assert_str_eq(val("C"), "two\nlines");
}
END_TEST

START_TEST(unquoted_escapes_and_continuation)
{
	ck_assert_uint_eq(parse("A=a\\ b\\\\c\\\"\nB=foo\\\nbar\n"
	    "C=\\\nnext\nD=x\\\n"), 0);
	ck_assert_str_eq(val("A"), "a b\\c\"");
	ck_assert_str_eq(val("B"), "foobar");
	ck_assert_str_eq(val("C"), "next");
	ck_assert_str_eq(val("D"), "x");
}
END_TEST

START_TEST(quotes_after_text_are_kept)
{
	/* Quotes count only where the value starts (or after a quote). */
	ck_assert_uint_eq(parse("A=\"x\"y 'z'\nB=\"x\" \"y\"\nC=it's\n"), 0);
	ck_assert_str_eq(val("A"), "xy 'z'");
	ck_assert_str_eq(val("B"), "xy");
	ck_assert_str_eq(val("C"), "it's");
}
END_TEST

START_TEST(empty_values_and_last_line)
{
	ck_assert_uint_eq(parse("A=\nB=''\nC=\"\"\nD=last"), 0);
	ck_assert_str_eq(val("A"), "");
	ck_assert_str_eq(val("B"), "");
	ck_assert_str_eq(val("C"), "");
	ck_assert_str_eq(val("D"), "last");
}
END_TEST

START_TEST(later_assignment_wins)
{
	ck_assert_uint_eq(parse("A=1\nB=x\nA=2\n"), 0);
	ck_assert_str_eq(val("A"), "2");
	ck_assert_uint_eq(E.n, 2);
	ck_assert_str_eq(E.keys[0], "A");
}
END_TEST

START_TEST(crlf_line_ends)
{
	ck_assert_uint_eq(parse("A=1\r\nB = 2 \r\n# c\r\n"), 0);
	ck_assert_str_eq(val("A"), "1");
	ck_assert_str_eq(val("B"), "2");
}
END_TEST

/* The i-th diagnostic is an error at line with msg in its text. */
static void
expect(size_t i, int line, const char *msg)
{
	ck_assert_uint_gt(D.n, i);
	ck_assert(D.v[i].error);
	ck_assert_str_eq(D.v[i].file, "app.env");
	ck_assert_int_eq(D.v[i].line, line);
	ck_assert_msg(strstr(D.v[i].msg, msg) != NULL, "'%s' not in '%s'",
	    msg, D.v[i].msg);
}

START_TEST(bad_lines_are_errors_with_their_line)
{
	ck_assert_uint_eq(parse("A=1\nJUNK\n1B=2\nexport C=3\n=4\n"
	    "E F=5\nG='multi\nline'\nH=ok\nI=\"open\n"), 6);
	expect(0, 2, "no '=' in 'JUNK'");
	expect(1, 3, "invalid variable name '1B'");
	expect(2, 4, "'export' is not part of the format: write 'C=...'");
	expect(3, 5, "no variable name before '='");
	expect(4, 6, "invalid variable name 'E F'");
	expect(5, 10, "unterminated double quote");
	/* the good lines around them are kept */
	ck_assert_str_eq(val("A"), "1");
	ck_assert_str_eq(val("G"), "multi\nline");
	ck_assert_str_eq(val("H"), "ok");
	ck_assert_ptr_null(env_get(&E, "C"));
	ck_assert_ptr_null(env_get(&E, "I"));
}
END_TEST

START_TEST(key_without_newline_at_end)
{
	ck_assert_uint_eq(parse("A=1\nTAIL"), 1);
	expect(0, 2, "no '=' in 'TAIL'");
}
END_TEST

START_TEST(unterminated_single_quote)
{
	ck_assert_uint_eq(parse("A=1\nB='never\nclosed\n"), 1);
	expect(0, 2, "unterminated single quote");
}
END_TEST

START_TEST(nul_byte)
{
	static const char text[] = "A=1\nB=x\0y\n";

	ck_assert_uint_eq(envfile_parse(text, sizeof(text) - 1, "app.env",
	    "", &E, &D), 1);
	expect(0, 2, "NUL byte");
	ck_assert_uint_eq(E.n, 0);
}
END_TEST

START_TEST(prefix_in_messages)
{
	ck_assert_uint_eq(envfile_parse("X\n", 2, "app.env",
	    "[program:web] environment_file: ", &E, &D), 1);
	ck_assert_str_eq(D.v[0].msg,
	    "[program:web] environment_file: no '=' in 'X'");
}
END_TEST

START_TEST(names)
{
	ck_assert(envfile_valid_name("A"));
	ck_assert(envfile_valid_name("_"));
	ck_assert(envfile_valid_name("a_B9"));
	ck_assert(!envfile_valid_name(""));
	ck_assert(!envfile_valid_name("9A"));
	ck_assert(!envfile_valid_name("A-B"));
	ck_assert(!envfile_valid_name("A.B"));
}
END_TEST

static char *
path_in_dir(const char *name)
{
	char	*p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		abort();
	return p;
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

START_TEST(load_a_file)
{
	char	*p = path_in_dir("ok.env");

	write_file(p, "A=1\nB='2'\n", 10);
	ck_assert_uint_eq(envfile_load(p, NULL, 0, "", &E, &D), 0);
	ck_assert_str_eq(val("A"), "1");
	ck_assert_str_eq(val("B"), "2");
	unlink(p);
	free(p);
}
END_TEST

START_TEST(load_errors_name_the_file_and_line)
{
	char	*p = path_in_dir("bad.env");

	write_file(p, "A=1\n\nBAD LINE\n", 14);
	ck_assert_uint_eq(envfile_load(p, "conf", 7, "", &E, &D), 1);
	ck_assert_str_eq(D.v[0].file, p);
	ck_assert_int_eq(D.v[0].line, 3);
	unlink(p);
	free(p);
}
END_TEST

START_TEST(missing_file)
{
	char	*p = path_in_dir("missing.env"), *opt;

	ck_assert_uint_eq(envfile_load(p, "supervisord.conf", 12, "x: ", &E,
	    &D), 1);
	ck_assert_str_eq(D.v[0].file, "supervisord.conf");
	ck_assert_int_eq(D.v[0].line, 12);
	ck_assert(strstr(D.v[0].msg, "x: cannot read '") == D.v[0].msg);
	ck_assert(strstr(D.v[0].msg, "No such file or directory") != NULL);
	diags_release(&D);
	/* at spawn there is no configuration line: the file itself */
	ck_assert_uint_eq(envfile_load(p, NULL, 0, "", &E, &D), 1);
	ck_assert_str_eq(D.v[0].file, p);
	ck_assert_int_eq(D.v[0].line, 0);
	diags_release(&D);
	/* "-" as systemd: a missing file is no error */
	if (asprintf(&opt, "-%s", p) == -1)
		abort();
	ck_assert_uint_eq(envfile_load(opt, "c", 1, "", &E, &D), 0);
	ck_assert_uint_eq(D.n, 0);
	free(opt);
	free(p);
}
END_TEST

START_TEST(optional_file_that_exists_is_read)
{
	char	*p = path_in_dir("opt.env"), *opt;

	write_file(p, "A=1\n", 4);
	if (asprintf(&opt, "-%s", p) == -1)
		abort();
	ck_assert_uint_eq(envfile_load(opt, NULL, 0, "", &E, &D), 0);
	ck_assert_str_eq(val("A"), "1");
	unlink(p);
	free(opt);
	free(p);
}
END_TEST

START_TEST(not_a_regular_file)
{
	char	*fifo = path_in_dir("fifo.env");

	ck_assert_uint_eq(envfile_load(dir, NULL, 0, "", &E, &D), 1);
	ck_assert(strstr(D.v[0].msg, "not a regular file") != NULL);
	diags_release(&D);
	/* a FIFO nobody writes to must not hang the reader */
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_uint_eq(envfile_load(fifo, NULL, 0, "", &E, &D), 1);
	ck_assert(strstr(D.v[0].msg, "not a regular file") != NULL);
	unlink(fifo);
	free(fifo);
}
END_TEST

START_TEST(too_large)
{
	char	*p = path_in_dir("big.env"), *text;
	size_t	 n = ENVFILE_MAX + 10;

	text = malloc(n);
	ck_assert_ptr_nonnull(text);
	memset(text, '#', n);
	write_file(p, text, n);
	ck_assert_uint_eq(envfile_load(p, NULL, 0, "", &E, &D), 1);
	ck_assert(strstr(D.v[0].msg, "larger than 1 MiB") != NULL);
	unlink(p);
	free(text);
	free(p);
}
END_TEST

START_TEST(empty_name)
{
	ck_assert_uint_eq(envfile_load("-", "c", 3, "", &E, &D), 1);
	ck_assert(strstr(D.v[0].msg, "empty file name") != NULL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("envfile");
	TCase	*tc = tcase_create("parse"), *tl = tcase_create("load");
	SRunner	*sr;
	int	 failed;

	log_init("test_envfile", LOG_LEVEL_CRIT);
	if (mkdtemp(dir) == NULL)
		return EXIT_FAILURE;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plain_assignments);
	tcase_add_test(tc, blanks_around_key_and_value);
	tcase_add_test(tc, comments_and_blank_lines);
	tcase_add_test(tc, single_quotes);
	tcase_add_test(tc, double_quotes);
	tcase_add_test(tc, unquoted_escapes_and_continuation);
	tcase_add_test(tc, quotes_after_text_are_kept);
	tcase_add_test(tc, empty_values_and_last_line);
	tcase_add_test(tc, later_assignment_wins);
	tcase_add_test(tc, crlf_line_ends);
	tcase_add_test(tc, bad_lines_are_errors_with_their_line);
	tcase_add_test(tc, key_without_newline_at_end);
	tcase_add_test(tc, unterminated_single_quote);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, prefix_in_messages);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, load_a_file);
	tcase_add_test(tl, load_errors_name_the_file_and_line);
	tcase_add_test(tl, missing_file);
	tcase_add_test(tl, optional_file_that_exists_is_read);
	tcase_add_test(tl, not_a_regular_file);
	tcase_add_test(tl, too_large);
	tcase_add_test(tl, empty_name);
	suite_add_tcase(s, tl);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rmdir(dir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

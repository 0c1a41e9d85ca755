/*
 * shlex.c against what Python's shlex gives for the same input (the
 * expected vectors were produced by Python 3.11's shlex).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "shlex.h"

static void
expect_vec(char **got, size_t n, const char *const *want)
{
	size_t	i;

	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(i < n, "token %zu missing (want '%s')", i,
		    want[i]);
		ck_assert_str_eq(got[i], want[i]);
	}
	ck_assert_uint_eq(n, i);
	ck_assert_ptr_null(got[n]);
}

static void
split_ok(const char *in, const char *const *want)
{
	char	**argv, cause[128];
	int	  argc, i;

	ck_assert_msg(shlex_split(in, &argv, &argc, cause, sizeof(cause)) == 0,
	    "split '%s': %s", in, cause);
	expect_vec(argv, (size_t)argc, want);
	/* As the loader keeps it: packed, the same words in one block. */
	argv = strv_pack(argv);
	expect_vec(argv, (size_t)argc, want);
	for (i = 0; i < argc; i++)
		ck_assert_ptr_eq(argv[i], i == 0 ? (char *)(argv + argc + 1) :
		    argv[i - 1] + strlen(argv[i - 1]) + 1);
	free(argv);
}

static void
split_fails(const char *in, const char *reason)
{
	char	**argv, cause[128];
	int	  argc;

	ck_assert_int_eq(shlex_split(in, &argv, &argc, cause, sizeof(cause)),
	    -1);
	ck_assert_str_eq(cause, reason);
}

static void
tokens_ok(const char *in, const char *const *want)
{
	char	**tok, cause[128];
	size_t	  n;

	ck_assert_msg(shlex_tokens(in, "/.+-():", &tok, &n, cause,
	    sizeof(cause)) == 0, "tokens '%s': %s", in, cause);
	expect_vec(tok, n, want);
	strv_free(tok);
}

START_TEST(split_words)
{
	split_ok("a b  c", (const char *[]){ "a", "b", "c", NULL });
	split_ok("a\tb\rc\nd", (const char *[]){ "a", "b", "c", "d", NULL });
	split_ok("  ", (const char *[]){ NULL });
	split_ok("", (const char *[]){ NULL });
	split_ok("caf\xc3\xa9 \xc3\xbc" "ber",
	    (const char *[]){ "caf\xc3\xa9", "\xc3\xbc" "ber", NULL });
}
END_TEST

START_TEST(split_quotes)
{
	split_ok("\"a b\" 'c d' ", (const char *[]){ "a b", "c d", NULL });
	split_ok("a\"b c\"d", (const char *[]){ "ab cd", NULL });
	split_ok("nginx -g 'daemon off;' ",
	    (const char *[]){ "nginx", "-g", "daemon off;", NULL });
	split_ok("'it'\"s\"", (const char *[]){ "its", NULL });
	/* Empty quotes are an empty argument. */
	split_ok("\"\"", (const char *[]){ "", NULL });
	split_ok("x '' y", (const char *[]){ "x", "", "y", NULL });
}
END_TEST

START_TEST(split_escapes)
{
	/* In double quotes only \" and \\ are escapes. */
	split_ok("\"\\\"x\\\\y\\z\"", (const char *[]){ "\"x\\y\\z", NULL });
	/* None in single quotes; outside, any character. */
	split_ok("'\\n' \\a\\ b", (const char *[]){ "\\n", "a b", NULL });
	split_ok("a\\\nb", (const char *[]){ "a\nb", NULL });
}
END_TEST

START_TEST(split_errors)
{
	split_fails("a\\", "no escaped character");
	split_fails("\"abc", "no closing quotation");
	split_fails("x 'abc", "no closing quotation");
}
END_TEST

START_TEST(tokens_pairs)
{
	tokens_ok("A=1,B=2", (const char *[]){ "A", "=", "1", ",", "B", "=",
	    "2", NULL });
	/* Quotes stay in their token. */
	tokens_ok("A=\"x, y\",B='z'", (const char *[]){ "A", "=", "\"x, y\"",
	    ",", "B", "=", "'z'", NULL });
	tokens_ok("A=\"\"", (const char *[]){ "A", "=", "\"\"", NULL });
	tokens_ok("\"A\"=1", (const char *[]){ "\"A\"", "=", "1", NULL });
	tokens_ok("P=/usr/bin:/bin", (const char *[]){ "P", "=",
	    "/usr/bin:/bin", NULL });
}
END_TEST

START_TEST(tokens_quirks)
{
	/* '#' skips to the end of the line, and a word goes on after it. */
	tokens_ok("KEY=val#comment\nNEXT=2", (const char *[]){ "KEY", "=",
	    "valNEXT", "=", "2", NULL });
	tokens_ok("A= # c\n 5", (const char *[]){ "A", "=", "5", NULL });
	/* Other characters are tokens of their own, code point by point. */
	tokens_ok("A=a$b", (const char *[]){ "A", "=", "a", "$", "b", NULL });
	tokens_ok("K=caf\xc3\xa9,L=1", (const char *[]){ "K", "=", "caf",
	    "\xc3\xa9", ",", "L", "=", "1", NULL });
	tokens_ok("A=b c", (const char *[]){ "A", "=", "b", "c", NULL });
	/* A quote inside a word is a word character. */
	tokens_ok("A=x\"y z\"w", (const char *[]){ "A", "=", "x\"y", "z\"w",
	    NULL });
	tokens_ok("A=1;B=2", (const char *[]){ "A", "=", "1", ";", "B", "=",
	    "2", NULL });
}
END_TEST

START_TEST(tokens_errors)
{
	char	**tok, cause[128];
	size_t	  n;

	ck_assert_int_eq(shlex_tokens("A=\"x", "", &tok, &n, cause,
	    sizeof(cause)), -1);
	ck_assert_str_eq(cause, "no closing quotation");
}
END_TEST

static Suite *
shlex_suite(void)
{
	Suite	*s = suite_create("shlex");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, split_words);
	tcase_add_test(tc, split_quotes);
	tcase_add_test(tc, split_escapes);
	tcase_add_test(tc, split_errors);
	tcase_add_test(tc, tokens_pairs);
	tcase_add_test(tc, tokens_quirks);
	tcase_add_test(tc, tokens_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(shlex_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

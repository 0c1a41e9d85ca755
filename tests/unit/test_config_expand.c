/*
 * %(name)s expansions as Python's "format % mapping" does them (expected
 * strings produced by Python 3.11), and the errors Supervisor reports.
 */
#include "config_fixture.h"

static struct expn	ex;
static char		cause[512];

static void
setup(void)
{
	memset(&ex, 0, sizeof(ex));
	expn_set(&ex, "a", "ab");
	expn_set_int(&ex, "n", 3);
	expn_set_int(&ex, "m", -31);
	expn_set(&ex, "a(b)", "X");
	expn_set(&ex, "q", "it's");
	expn_set(&ex, "esc", "a\\b\n\x01\xc3\xa9");
	expn_set(&ex, "ENV_HOME", "/home/u");
	expn_set(&ex, "here", "/etc");
}

static void
teardown(void)
{
	expn_release(&ex);
}

static void
expands_to(const char *fmt, const char *want)
{
	char	*got;

	ck_assert_msg(expand(fmt, &ex, &got, cause, sizeof(cause)) == 0,
	    "'%s': %s", fmt, cause);
	ck_assert_str_eq(got, want);
	free(got);
}

static void
fails(const char *fmt, const char *want)
{
	char	*got;

	ck_assert_int_eq(expand(fmt, &ex, &got, cause, sizeof(cause)), -1);
	ck_assert_msg(strstr(cause, want) != NULL, "'%s': cause '%s' lacks "
	    "'%s'", fmt, cause, want);
}

START_TEST(plain)
{
	expands_to("", "");
	expands_to("no percent", "no percent");
	expands_to("%(here)s/x.log", "/etc/x.log");
	expands_to("%(ENV_HOME)s and %(a)s", "/home/u and ab");
	expands_to("100%%", "100%");
	expands_to("%%(here)s", "%(here)s");
	expands_to("%(a(b))s", "X");	/* parentheses nest in a name */
	expands_to("%(n)s", "3");
}
END_TEST

START_TEST(widths_and_flags)
{
	expands_to("%(n)02d", "03");
	expands_to("%(n)05d", "00003");
	expands_to("%(a)5.2s|", "   ab|");
	expands_to("%(a)-4s|", "ab  |");
	expands_to("%(a)05s", "   ab");	/* 0 pads numbers only */
	expands_to("%(a).1s", "a");
	expands_to("%(n)#o", "0o3");
	expands_to("%(n)#x", "0x3");
	expands_to("%(n)+.3d", "+003");
	expands_to("%(n)05.3d", "00003");
	expands_to("%(n)-5d|", "3    |");
	expands_to("%(n)0-5d|", "3    |");
	expands_to("%(n) d", " 3");
	expands_to("%(n)#.3o", "0o003");
	expands_to("%(n)#5x|", "  0x3|");
	expands_to("%(n)-#08x|", "0x3     |");
	expands_to("%(m)x", "-1f");
	expands_to("%(m)#x", "-0x1f");
	expands_to("%(m)05d", "-0031");
	expands_to("%(n)ld %(n)hd %(n)i %(n)u", "3 3 3 3");
}
END_TEST

START_TEST(conversions)
{
	expands_to("%(n)f", "3.000000");
	expands_to("%(n)e", "3.000000e+00");
	expands_to("%(n)g", "3");
	expands_to("%(n)#g", "3.00000");
	expands_to("%(n)10.4f|", "    3.0000|");
	expands_to("%(n)c", "\x03");
	expands_to("%(a)r", "'ab'");
	expands_to("%(q)r", "\"it's\"");
	expands_to("%(esc)r", "'a\\\\b\\n\\x01\xc3\xa9'");
	expands_to("%(esc)a", "'a\\\\b\\n\\x01\\xe9'");
	expands_to("%(n)r", "3");
}
END_TEST

START_TEST(errors)
{
	fails("%(nope)s", "cannot expand %(nope): unknown name (known here: "
	    "a, n, m, a(b), q, esc, here, ENV_*)");
	fails("%(ENV_NOPE)s", "cannot expand %(ENV_NOPE): NOPE is not in "
	    "the environment");
	fails("100%", "incomplete format");
	fails("%(a", "incomplete format key");
	fails("%(a)", "incomplete format");
	fails("%(a)y", "unsupported format character 'y'");
	fails("%(a)%", "unsupported format character '%'");
	fails("%(a)d", "%d needs a number, and %(a) is a string");
	fails("%(a)c", "%c requires an integer or a single character");
	fails("%(n)*d", "'*' width needs a number argument");
	/* Python would print its whole mapping for %s: we refuse. */
	fails("printf %s", "'%s' has no name");
	fails("%d", "'%d' has no name");
}
END_TEST

static Suite *
expand_suite(void)
{
	Suite	*s = suite_create("config_expand");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plain);
	tcase_add_test(tc, widths_and_flags);
	tcase_add_test(tc, conversions);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(expand_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

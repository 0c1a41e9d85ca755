/* Unit tests of strip_ansi: Supervisor's sequences, across pieces. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ansi.h"

/* Strip text given in pieces of size step; the whole output. */
static char *
strip(const char *text, size_t step)
{
	static char		out[1024];
	enum ansi_state		st = ANSI_TEXT;
	size_t			len = strlen(text), i, o = 0, n;

	for (i = 0; i < len; i += step) {
		n = len - i < step ? len - i : step;
		o += ansi_strip(&st, text + i, n, out + o);
	}
	o += ansi_finish(&st, out + o);
	out[o] = '\0';
	return out;
}

START_TEST(test_colours_removed)
{
	ck_assert_str_eq(strip("\033[1;31mred\033[0m plain", 100),
	    "red plain");
	ck_assert_str_eq(strip("a\033[2Jb\033[10;20Hc\033[Kd", 100), "abcd");
}
END_TEST

START_TEST(test_lone_escape_kept)
{
	ck_assert_str_eq(strip("x\033Xy", 100), "x\033Xy");
	ck_assert_str_eq(strip("end\033", 100), "end\033");
	ck_assert_str_eq(strip("\033\033[mz", 100), "\033z");
}
END_TEST

START_TEST(test_sequence_cut_between_pieces)
{
	const char	*text = "ab\033[1;32mgreen\033[0m\033Xcd\033[J";
	size_t		 step;

	for (step = 1; step <= strlen(text); step++)
		ck_assert_str_eq(strip(text, step), "abgreen\033Xcd");
}
END_TEST

START_TEST(test_unterminated_sequence_swallows)
{
	/* As Supervisor: until a terminator, everything is the sequence. */
	ck_assert_str_eq(strip("a\033[12345 67", 100), "a");
	ck_assert_str_eq(strip("a\033[1zzzmb", 100), "ab");
}
END_TEST

static Suite *
ansi_suite(void)
{
	Suite	*s = suite_create("ansi");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_colours_removed);
	tcase_add_test(tc, test_lone_escape_kept);
	tcase_add_test(tc, test_sequence_cut_between_pieces);
	tcase_add_test(tc, test_unterminated_sequence_swallows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ansi_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

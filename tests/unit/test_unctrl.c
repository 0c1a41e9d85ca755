/*
 * Unit tests of unctrl: control bytes escaped for a terminal, cut only
 * at whole escapes, the length snprintf() would return.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "unctrl.h"

START_TEST(escapes)
{
	char	*s;

	s = unctrl_dup("a\x1b]0;title\x07z");
	ck_assert_str_eq(s, "a\\x1b]0;title\\x07z");
	free(s);
	s = unctrl_dup("tab\tstays, del\x7f, nl\n, cr\r, \x01");
	ck_assert_str_eq(s, "tab\tstays, del\\x7f, nl\\x0a, cr\\x0d, \\x01");
	free(s);
	s = unctrl_dup("caf\xc3\xa9 \xe6\x97\xa5 \xff");	/* UTF-8 and not */
	ck_assert_str_eq(s, "caf\xc3\xa9 \xe6\x97\xa5 \xff");
	free(s);
	ck_assert(unctrl_byte(0x00) && unctrl_byte(0x1f) && unctrl_byte(0x7f));
	ck_assert(!unctrl_byte('\t') && !unctrl_byte(' ') &&
	    !unctrl_byte(0x80));
}
END_TEST

START_TEST(bounded)
{
	char	buf[8];

	ck_assert_uint_eq(unctrl_buf(NULL, 0, "ab\x1b"), 6);
	ck_assert_uint_eq(unctrl_buf(buf, sizeof(buf), "abcd\x1b" "ef"), 10);
	ck_assert_str_eq(buf, "abcd");		/* the escape does not fit */
	ck_assert_uint_eq(unctrl_buf(buf, sizeof(buf), "abc\x1b"), 7);
	ck_assert_str_eq(buf, "abc\\x1b");
	ck_assert_uint_eq(unctrl_buf(buf, 1, "abc"), 3);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(printf_keeps_the_last_newline)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	unctrl_printf(f, "%s: %d\n", "x\ny\x1b", 3);
	unctrl_printf(f, "no newline\x07");
	fclose(f);
	ck_assert_str_eq(out, "x\\x0ay\\x1b: 3\nno newline\\x07");
	free(out);
}
END_TEST

static Suite *
unctrl_suite(void)
{
	Suite	*s = suite_create("unctrl");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, escapes);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, printf_keeps_the_last_newline);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(unctrl_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

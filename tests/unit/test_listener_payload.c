/*
 * Unit tests of the listener's pure pieces: Python's view of output
 * bytes (strict UTF-8, the repr of undecodable bytes, len() in
 * characters) and the stdout protocol scanner (lsnparse.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "listener.h"

static const char *
repr(const char *in, size_t len)
{
	static char	out[256];
	size_t		n = payload_pyrepr(in, len, out);

	out[n] = '\0';
	return out;
}

START_TEST(test_utf8_as_python_decodes)
{
	size_t	c;

	ck_assert(payload_utf8("plain ascii text, long enough", 29, &c));
	ck_assert_uint_eq(c, 29);
	ck_assert(payload_utf8("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80", 14,
	    &c));
	ck_assert_uint_eq(c, 8);
	ck_assert(!payload_utf8("\xff", 1, &c));
	ck_assert(!payload_utf8("\xc0\xaf", 2, &c));		/* overlong */
	ck_assert(!payload_utf8("\xed\xa0\x80", 3, &c));	/* surrogate */
	ck_assert(!payload_utf8("\xf4\x90\x80\x80", 4, &c));	/* > 10FFFF */
	ck_assert(!payload_utf8("abcdefgh\xe2\x98", 10, &c));	/* cut */
	ck_assert_uint_eq(payload_chars("caf\xc3\xa9", 5), 4);
}
END_TEST

START_TEST(test_repr_as_python)
{
	ck_assert_str_eq(repr("a\xff\n\t\r\\", 6), "b'a\\xff\\n\\t\\r\\\\'");
	ck_assert_str_eq(repr("it's\x80", 5), "b\"it's\\x80\"");
	ck_assert_str_eq(repr("'\"\x7f", 3), "b'\\'\"\\x7f'");
}
END_TEST

/* Scan s in state; the token and what it used. */
static struct lsn_scan
scan(enum lsn_state st, long *pending, const char *s)
{
	struct lsn_scan	r;

	lsn_scan(st, pending, s, strlen(s), &r);
	return r;
}

START_TEST(test_scan_protocol)
{
	struct lsn_scan	r;
	long		pending = -1;

	r = scan(LSN_ACKNOWLEDGED, &pending, "READ");
	ck_assert_int_eq(r.tok, LSN_TOK_MORE);
	r = scan(LSN_ACKNOWLEDGED, &pending, "READY\nx");
	ck_assert_int_eq(r.tok, LSN_TOK_READY);
	ck_assert_uint_eq(r.used, 6);
	r = scan(LSN_ACKNOWLEDGED, &pending, "hello!");
	ck_assert_int_eq(r.tok, LSN_TOK_BAD);
	r = scan(LSN_READY, &pending, "x");
	ck_assert_int_eq(r.tok, LSN_TOK_BAD);
	r = scan(LSN_BUSY, &pending, "RESULT 2\nO");
	ck_assert_int_eq(r.tok, LSN_TOK_MORE);
	ck_assert_uint_eq(r.used, 9);
	ck_assert_int_eq(pending, 2);
	r = scan(LSN_BUSY, &pending, "OK");
	ck_assert_int_eq(r.tok, LSN_TOK_RESULT);
	ck_assert_uint_eq(r.resultlen, 2);
	ck_assert_int_eq(pending, -1);
	r = scan(LSN_BUSY, &pending, "RESULT 999999999\n");
	ck_assert_int_eq(r.tok, LSN_TOK_BAD);
	r = scan(LSN_BUSY, &pending, "RESULT -1\n");
	ck_assert_int_eq(r.tok, LSN_TOK_BAD);
	r = scan(LSN_BUSY, &pending, "RESULT 0\n");
	ck_assert_int_eq(r.tok, LSN_TOK_RESULT);
	ck_assert_uint_eq(r.resultlen, 0);
	r = scan(LSN_UNKNOWN, &pending, "anything");
	ck_assert_int_eq(r.tok, LSN_TOK_IGNORED);
	ck_assert_uint_eq(r.used, 8);
}
END_TEST

static Suite *
payload_suite(void)
{
	Suite	*s = suite_create("listener_payload");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_utf8_as_python_decodes);
	tcase_add_test(tc, test_repr_as_python);
	tcase_add_test(tc, test_scan_protocol);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(payload_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

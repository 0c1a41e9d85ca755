/*
 * Unit tests of the XML-RPC writer's bytes: integers at the edges of
 * <int> and <i8>, text escaped as Python's escape() with invalid bytes
 * as U+FFFD, and a response written around its value in place.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "xmlrpc.h"

/* The buffer's bytes as a string, the buffer emptied. */
static char *
take(struct proto_buf *b)
{
	char	*s;

	s = strndup(b->data + b->off, proto_buf_used(b));
	proto_buf_release(b);
	return s;
}

static void
check_int(long long i, const char *want)
{
	struct proto_buf	 b = { 0 };
	char			*s;

	xw_int(&b, i);
	s = take(&b);
	ck_assert_str_eq(s, want);
	free(s);
}

START_TEST(ints)
{
	check_int(0, "<value><int>0</int></value>\n");
	check_int(7, "<value><int>7</int></value>\n");
	check_int(-42, "<value><int>-42</int></value>\n");
	check_int(2147483647LL, "<value><int>2147483647</int></value>\n");
	check_int(-2147483648LL, "<value><int>-2147483648</int></value>\n");
	check_int(2147483648LL, "<value><i8>2147483648</i8></value>\n");
	check_int(-2147483649LL, "<value><i8>-2147483649</i8></value>\n");
	check_int(LLONG_MAX,
	    "<value><i8>9223372036854775807</i8></value>\n");
	check_int(LLONG_MIN,
	    "<value><i8>-9223372036854775808</i8></value>\n");
}
END_TEST

static void
check_string(const char *in, size_t len, const char *want)
{
	struct proto_buf	 b = { 0 };
	char			*s;

	xw_stringn(&b, in, len);
	s = take(&b);
	ck_assert_str_eq(s, want);
	free(s);
}

#define STR(in, want)	check_string((in), sizeof(in) - 1, (want))

START_TEST(strings)
{
	STR("", "<value><string></string></value>\n");
	STR("plain text ~!", "<value><string>plain text ~!</string></value>\n");
	STR("a&b<c>d\"e'", "<value><string>a&amp;b&lt;c&gt;d\"e'</string>"
	    "</value>\n");
	STR("tab\there\r\nDEL\x7f", "<value><string>tab\there\r\nDEL\x7f"
	    "</string></value>\n");
	/* Characters XML 1.0 forbids, and bytes that are not UTF-8. */
	STR("nul\0ctl\x01", "<value><string>nul\xef\xbf\xbd" "ctl"
	    "\xef\xbf\xbd</string></value>\n");
	STR("caf\xc3\xa9 \xff\xfe end", "<value><string>caf\xc3\xa9 "
	    "\xef\xbf\xbd\xef\xbf\xbd end</string></value>\n");
	STR("\xef\xbf\xbe", "<value><string>\xef\xbf\xbd</string></value>\n");
	STR("cut \xe6\x97", "<value><string>cut \xef\xbf\xbd</string>"
	    "</value>\n");
}
END_TEST

START_TEST(member_and_response)
{
	struct proto_buf	 b = { 0 };
	char			*s;

	xw_response_head(&b);
	xw_struct_open(&b);
	xw_member_int(&b, "pid", 12);
	xw_member_string(&b, "name", "x<y");
	xw_member_bool(&b, "ok", true);
	xw_struct_close(&b);
	xw_response_tail(&b);
	s = take(&b);
	ck_assert_str_eq(s, "<?xml version='1.0'?>\n<methodResponse>\n"
	    "<params>\n<param>\n<value><struct>\n"
	    "<member>\n<name>pid</name>\n<value><int>12</int></value>\n"
	    "</member>\n"
	    "<member>\n<name>name</name>\n<value><string>x&lt;y</string>"
	    "</value>\n</member>\n"
	    "<member>\n<name>ok</name>\n<value><boolean>1</boolean>"
	    "</value>\n</member>\n"
	    "</struct></value>\n</param>\n</params>\n</methodResponse>\n");
	free(s);
}
END_TEST

/* Pieces written past a reserved room, and across many growths. */
START_TEST(grows)
{
	struct proto_buf	 b = { 0 };
	size_t			 i, len;
	char			*s;

	proto_buf_reserve(&b, 10);
	for (i = 0; i < 10000; i++)
		xw_int(&b, (long long)i);
	len = proto_buf_used(&b);
	s = take(&b);
	ck_assert_uint_eq(len, strlen(s));
	ck_assert(strncmp(s, "<value><int>0</int></value>\n", 28) == 0);
	ck_assert(strstr(s, "<value><int>9999</int></value>\n") ==
	    s + len - 31);
	free(s);
}
END_TEST

static Suite *
xmlrpc_write_suite(void)
{
	Suite	*s = suite_create("xmlrpc_write");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, ints);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, member_and_response);
	tcase_add_test(tc, grows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xmlrpc_write_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Unit tests of the control protocol's text: JSON strings for arbitrary
 * bytes, where a UTF-8 character is cut, and the framing buffers (lines,
 * reads and writes on a socket).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "proto.h"

/* Encode bytes, parse the literal back with cJSON, compare. */
static void
roundtrip(const char *in, size_t inlen, const char *want)
{
	cJSON	*v;
	char	*lit;
	size_t	 len;

	lit = proto_json_string(in, inlen, &len);
	ck_assert_uint_eq(len, strlen(lit));
	v = cJSON_Parse(lit);
	ck_assert_msg(v != NULL, "not JSON: %s", lit);
	ck_assert_msg(strcmp(v->valuestring, want) == 0, "%s -> '%s'",
	    lit, v->valuestring);
	cJSON_Delete(v);
	free(lit);
}

START_TEST(test_json_string)
{
	char	*lit;
	size_t	 len;

	roundtrip("plain", 5, "plain");
	roundtrip("a\"b\\c\n\t\r\x01", 9, "a\"b\\c\n\t\r\x01");
	roundtrip("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Invalid: lone continuation, bad lead, overlong, surrogate,
	   above U+10FFFF, truncated at the end, truncated mid-text. */
	roundtrip("a\x80z", 3, "a\xef\xbf\xbdz");
	roundtrip("\xff", 1, "\xef\xbf\xbd");
	roundtrip("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	roundtrip("\xed\xa0\x80", 3,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	roundtrip("\xf4\x90\x80\x80", 4,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	roundtrip("x\xe2\x82", 3, "x\xef\xbf\xbd");
	roundtrip("\xe2\x82z", 3, "\xef\xbf\xbdz");

	/* NUL is escaped, not a terminator. */
	lit = proto_json_string("a\0b", 3, &len);
	ck_assert_str_eq(lit, "\"a\\u0000b\"");
	free(lit);
	lit = proto_json_string("", 0, &len);
	ck_assert_str_eq(lit, "\"\"");
	ck_assert_uint_eq(len, 2);
	free(lit);
}
END_TEST

START_TEST(test_utf8_cuts)
{
	ck_assert_uint_eq(proto_utf8_whole("abc", 3), 3);
	ck_assert_uint_eq(proto_utf8_whole("ab\xe2\x82", 4), 2);
	ck_assert_uint_eq(proto_utf8_whole("ab\xe2", 3), 2);
	ck_assert_uint_eq(proto_utf8_whole("ab\xe2\x82\xac", 5), 5);
	ck_assert_uint_eq(proto_utf8_whole("\xf0\x9f\x98", 3), 0);
	/* Invalid bytes are not held back: they will never complete. */
	ck_assert_uint_eq(proto_utf8_whole("ab\xff", 3), 3);
	ck_assert_uint_eq(proto_utf8_whole("ab\xe2z", 4), 4);
	ck_assert_uint_eq(proto_utf8_partial_head("\x82\xac" "abc", 5), 2);
	ck_assert_uint_eq(proto_utf8_partial_head("abc", 3), 0);
	ck_assert_uint_eq(proto_utf8_partial_head("\x80\x80\x80\x80", 4), 3);
}
END_TEST

START_TEST(test_buf_lines)
{
	struct proto_buf	 b = { 0 };
	char			*line;
	size_t			 len;

	proto_buf_add(&b, "one\ntwo\r\nthr", 12);
	line = proto_buf_line(&b, &len);
	ck_assert_str_eq(line, "one");
	ck_assert_uint_eq(len, 3);
	line = proto_buf_line(&b, &len);
	ck_assert_str_eq(line, "two");
	ck_assert_uint_eq(len, 3);
	ck_assert_ptr_null(proto_buf_line(&b, &len));
	ck_assert_uint_eq(proto_buf_used(&b), 3);
	proto_buf_add(&b, "ee\n\n", 4);
	line = proto_buf_line(&b, &len);
	ck_assert_str_eq(line, "three");
	line = proto_buf_line(&b, &len);
	ck_assert_str_eq(line, "");
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(proto_buf_line(&b, &len));
	ck_assert_uint_eq(proto_buf_used(&b), 0);
	proto_buf_consume(&b, 10);
	ck_assert_uint_eq(proto_buf_used(&b), 0);
	proto_buf_release(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_buf_io)
{
	struct proto_buf	 b = { 0 }, in = { 0 };
	char			 big[100000];
	int			 sv[2];
	ssize_t			 n, total = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);

	/* Reading stops at max and says so with ENOBUFS. */
	ck_assert_int_eq(write(sv[1], "abcdef", 6), 6);
	ck_assert_int_eq(proto_buf_read(&in, sv[0], 4), 4);
	ck_assert_int_eq(proto_buf_read(&in, sv[0], 4), -1);
	ck_assert_int_eq(errno, ENOBUFS);
	proto_buf_consume(&in, 4);
	ck_assert_int_eq(proto_buf_read(&in, sv[0], 4), 2);
	ck_assert_int_eq(proto_buf_read(&in, sv[0], 4), -1);
	ck_assert_int_eq(errno, EAGAIN);
	proto_buf_consume(&in, 2);

	/* Short requests keep a small buffer; a long line grows it. */
	ck_assert_int_eq(write(sv[1], "{}\n", 3), 3);
	ck_assert_int_eq(proto_buf_read(&in, sv[0], 65538), 3);
	ck_assert_uint_le(in.size, 4096);
	proto_buf_consume(&in, 3);
	memset(big, 'x', 10000);
	ck_assert_int_eq(write(sv[1], big, 10000), 10000);
	for (total = 0; total < 10000; total += n)
		ck_assert_int_gt(n = proto_buf_read(&in, sv[0], 65538), 0);
	ck_assert_uint_eq(proto_buf_used(&in), 10000);
	proto_buf_consume(&in, 10000);
	total = 0;

	/* Sending fills the socket, then reports EAGAIN with data left. */
	memset(big, 'x', sizeof(big));
	proto_buf_add(&b, big, sizeof(big));
	for (;;) {
		n = proto_buf_send(&b, sv[1]);
		if (n == -1) {
			ck_assert_int_eq(errno, EAGAIN);
			break;
		}
		total += n;
		if (proto_buf_used(&b) == 0)
			break;
	}
	ck_assert_uint_eq(total + proto_buf_used(&b), sizeof(big));

	/* A closed peer is an error (EPIPE), never a SIGPIPE. */
	close(sv[0]);
	proto_buf_add(&b, "y", 1);
	ck_assert_int_eq(proto_buf_send(&b, sv[1]), -1);
	ck_assert(errno == EPIPE || errno == ECONNRESET);
	close(sv[1]);
	proto_buf_release(&b);
	proto_buf_release(&in);
}
END_TEST

static Suite *
proto_text_suite(void)
{
	Suite	*s = suite_create("proto_text");
	TCase	*tc = tcase_create("text");

	tcase_add_test(tc, test_json_string);
	tcase_add_test(tc, test_utf8_cuts);
	tcase_add_test(tc, test_buf_lines);
	tcase_add_test(tc, test_buf_io);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(proto_text_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

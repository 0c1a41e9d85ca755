/*
 * Unit tests of the JSON writer: its text must be what cJSON printed
 * (after the UTF-8 repair every reply went through) byte for byte, for
 * strings of any bytes, numbers, nesting and the reply envelopes.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "jsonw.h"
#include "proto.h"

/* The buffer's text, NUL-terminated, for comparisons. */
static const char *
text_of(struct proto_buf *b)
{
	proto_buf_add(b, "", 1);
	b->len--;
	return b->data + b->off;
}

/* What the cJSON path printed for a value: printed, then repaired. */
static char *
cjson_text(cJSON *v)
{
	char	*text, *fixed, *out;
	size_t	 n;

	text = cJSON_PrintUnformatted(v);
	ck_assert_ptr_nonnull(text);
	cJSON_Delete(v);
	n = strlen(text);
	if ((fixed = proto_utf8_repair(text, n, 1, &n)) == NULL)
		return text;
	fixed[n] = '\0';
	out = strdup(fixed);
	free(fixed);
	cJSON_free(text);
	return out;
}

/* One string written alone: the literal with its quotes. */
static void
check_string(const char *s, const char *want)
{
	struct proto_buf	 b = { 0 };
	struct jsonw		 w;
	char			*ref;

	jsonw_init(&w, &b);
	jsonw_string(&w, NULL, s);
	ref = cjson_text(cJSON_CreateString(s));
	ck_assert_msg(strcmp(text_of(&b), ref) == 0, "'%s': jsonw '%s', "
	    "cJSON '%s'", s, text_of(&b), ref);
	if (want != NULL)
		ck_assert_str_eq(text_of(&b), want);
	free(ref);
	proto_buf_release(&b);
}

START_TEST(test_escapes)
{
	char	ctl[2], want[16];
	int	c;

	check_string("", "\"\"");
	check_string("plain text", "\"plain text\"");
	check_string("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	check_string("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	check_string("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
	/* Every control byte, alone. */
	for (c = 1; c < 0x20; c++) {
		ctl[0] = (char)c;
		ctl[1] = '\0';
		if (strchr("\b\f\n\r\t", c) != NULL)
			continue;
		snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		check_string(ctl, want);
	}
}
END_TEST

START_TEST(test_utf8)
{
	/* Valid sequences of 2, 3 and 4 bytes pass as they are. */
	check_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* Each maximal invalid part is one U+FFFD. */
	check_string("\xff", "\"\xef\xbf\xbd\"");
	check_string("a\x80" "b", "\"a\xef\xbf\xbd" "b\"");
	check_string("\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	check_string("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\"");
	check_string("\xf4\x90\x80\x80", NULL);
	check_string("\xf5", "\"\xef\xbf\xbd\"");
	/* Cut short: at the end, and before an ASCII byte. */
	check_string("x\xe2\x82", "\"x\xef\xbf\xbd\"");
	check_string("\xe2\x82" "A", "\"\xef\xbf\xbd" "A\"");
	check_string("\xf0\x9f\x98", "\"\xef\xbf\xbd\"");
	/* A cut sequence before a quote or a backslash. */
	check_string("\xe2\"", "\"\xef\xbf\xbd\\\"\"");
	check_string("\xc3\\", "\"\xef\xbf\xbd\\\\\"");
}
END_TEST

START_TEST(test_string_len)
{
	struct proto_buf	 b = { 0 };
	struct jsonw		 w;
	cJSON			*doc;

	jsonw_init(&w, &b);
	jsonw_string_len(&w, NULL, "a\0b", 3);
	ck_assert_str_eq(text_of(&b), "\"a\\u0000b\"");
	doc = cJSON_Parse(text_of(&b));
	ck_assert_ptr_nonnull(doc);
	cJSON_Delete(doc);
	proto_buf_release(&b);
}
END_TEST

START_TEST(test_nesting)
{
	struct proto_buf	 b = { 0 };
	struct jsonw		 w;
	cJSON			*doc;

	jsonw_init(&w, &b);
	jsonw_object(&w, NULL);
	jsonw_array(&w, "a");
	jsonw_int(&w, NULL, 1);
	jsonw_string(&w, NULL, "x");
	jsonw_object(&w, NULL);
	jsonw_null(&w, "b");
	jsonw_object_end(&w);
	jsonw_array(&w, NULL);
	jsonw_array_end(&w);
	jsonw_array_end(&w);
	jsonw_bool(&w, "c", true);
	jsonw_bool(&w, "c\n", false);
	jsonw_object(&w, "d");
	jsonw_object_end(&w);
	jsonw_raw(&w, "e", "1.500000");
	jsonw_object_end(&w);
	jsonw_newline(&w);
	ck_assert_str_eq(text_of(&b), "{\"a\":[1,\"x\",{\"b\":null},[]],"
	    "\"c\":true,\"c\\n\":false,\"d\":{},\"e\":1.500000}\n");
	doc = cJSON_Parse(text_of(&b));
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "a")), 4);
	cJSON_Delete(doc);
	ck_assert_uint_eq(w.depth, 0);
	proto_buf_release(&b);
}
END_TEST

START_TEST(test_numbers)
{
	static const double	 v[] = {
		0, -0.0, 1, -1, 20, 2147483647.0, 2147483648.0, -2147483649.0,
		4294967296.0, 1.5, 0.1, 123.456, -7.25, 1e300, 1e-7,
		123456789012345.0, 1.0 / 3,
	};
	struct proto_buf	 b = { 0 };
	struct jsonw		 w;
	char			*ref;
	size_t			 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		jsonw_init(&w, &b);
		jsonw_number(&w, NULL, v[i]);
		ref = cjson_text(cJSON_CreateNumber(v[i]));
		ck_assert_msg(strcmp(text_of(&b), ref) == 0, "%.17g: jsonw "
		    "'%s', cJSON '%s'", v[i], text_of(&b), ref);
		ck_assert(strtod(text_of(&b), NULL) == v[i]);
		free(ref);
		proto_buf_release(&b);
	}
	/* From 10^15 cJSON may print 15 digits that read back only nearly
	   the same; ours reads back exactly. */
	jsonw_init(&w, &b);
	jsonw_number(&w, NULL, 3e15);
	jsonw_number(&w, NULL, 9007199254740992.0);
	ck_assert_str_eq(text_of(&b), "3e+15,9007199254740992");
	proto_buf_release(&b);

	jsonw_init(&w, &b);
	jsonw_number(&w, NULL, NAN);
	jsonw_number(&w, NULL, INFINITY);
	ck_assert_str_eq(text_of(&b), "null,null");
	proto_buf_release(&b);

	jsonw_init(&w, &b);
	jsonw_int(&w, NULL, -9007199254740993LL);
	jsonw_seconds(&w, NULL, 1795569013.3224881);
	jsonw_seconds(&w, NULL, -0.25);
	jsonw_seconds(&w, NULL, 0);
	ck_assert_str_eq(text_of(&b), "-9007199254740993,1795569013.322488,"
	    "-0.250000,0.000000");
	proto_buf_release(&b);

	/* Integers and times against printf's digits. */
	for (i = 0; i < 2000; i++) {
		long long	 n = (long long)(i * i * 7919) * (i % 2 ? -1 : 1);
		double		 t = n / 1000.0 + i * 0.000001;
		char		 want[128];
		long long	 us = llround(t * 1e6);

		jsonw_init(&w, &b);
		jsonw_int(&w, NULL, n);
		jsonw_seconds(&w, NULL, t);
		snprintf(want, sizeof(want), "%lld,%s%lld.%06lld", n,
		    us < 0 ? "-" : "", llabs(us) / 1000000,
		    llabs(us) % 1000000);
		ck_assert_str_eq(text_of(&b), want);
		proto_buf_release(&b);
	}
	jsonw_init(&w, &b);
	jsonw_int(&w, NULL, LLONG_MIN);
	jsonw_int(&w, NULL, LLONG_MAX);
	jsonw_int(&w, NULL, 0);
	ck_assert_str_eq(text_of(&b), "-9223372036854775808,"
	    "9223372036854775807,0");
	proto_buf_release(&b);
}
END_TEST

/* proto_reply_open()/close() against proto_reply_ok()/error(). */
static void
check_envelope(const char *reqline, enum proto_code code, const char *msg)
{
	struct proto_request	 req;
	struct proto_buf	 b = { 0 };
	struct jsonw		 w;
	enum proto_code		 dcode;
	char			 why[256], *ref;
	size_t			 len;
	cJSON			*res;

	proto_decode(&req, reqline, strlen(reqline), &dcode, why, sizeof(why));
	res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "processes", cJSON_CreateStringArray(
	    (const char *[]){ "a\xff", "b\"" }, 2));
	if (code == PROTO_OK)
		ref = proto_reply_ok(req.id, res, &len);
	else
		ref = proto_reply_error(req.id, code, msg, res, &len);
	jsonw_init(&w, &b);
	proto_reply_open(&w, req.id, code, msg);
	jsonw_array(&w, "processes");
	jsonw_string(&w, NULL, "a\xff");
	jsonw_string(&w, NULL, "b\"");
	jsonw_array_end(&w);
	proto_reply_close(&w);
	ck_assert_str_eq(text_of(&b), ref);
	ck_assert_uint_eq(proto_buf_used(&b), len);
	free(ref);
	proto_buf_release(&b);
	proto_request_release(&req);
}

START_TEST(test_envelopes)
{
	check_envelope("{\"cmd\":\"status\"}", PROTO_OK, NULL);
	check_envelope("{\"cmd\":\"status\",\"id\":7}", PROTO_OK, NULL);
	check_envelope("{\"cmd\":\"status\",\"id\":1.5e3}", PROTO_OK, NULL);
	check_envelope("{\"cmd\":\"status\",\"id\":null}", PROTO_OK, NULL);
	check_envelope("{\"cmd\":\"status\",\"id\":\"x\\u0001\xc3\"}",
	    PROTO_OK, NULL);
	check_envelope("{\"cmd\":\"start\",\"names\":[\"a\"],\"id\":\"q\"}",
	    PROTO_SPAWN_ERROR, "a: spawn error \xe2\x82 \"quoted\"");
}
END_TEST

static Suite *
jsonw_suite(void)
{
	Suite	*s = suite_create("jsonw");
	TCase	*tc = tcase_create("write");

	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_string_len);
	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_envelopes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(jsonw_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * Unit tests of the control protocol: request decoding with every error,
 * and the reply builders.  JSON strings for arbitrary bytes and the
 * framing buffers: test_proto_text.c.
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

static char cause[256];

/* Decode a request and return the code (PROTO_OK when valid). */
static enum proto_code
decode(const char *line, struct proto_request *req)
{
	enum proto_code	code = PROTO_OK;
	int		rc;

	cause[0] = '\0';
	rc = proto_decode(req, line, strlen(line), &code, cause, sizeof(cause));
	ck_assert_int_eq(rc == 0, code == PROTO_OK);
	if (rc != 0)
		ck_assert_msg(cause[0] != '\0', "no cause for '%s'", line);
	return code;
}

/* Decode, release, and check the code and that cause contains needle. */
static void
expect(const char *line, enum proto_code want, const char *needle)
{
	struct proto_request	req;
	enum proto_code		got = decode(line, &req);

	ck_assert_msg(got == want, "'%s': code %s, want %s (%s)", line,
	    proto_code_name(got), proto_code_name(want), cause);
	if (needle != NULL)
		ck_assert_msg(strstr(cause, needle) != NULL,
		    "'%s': cause '%s' lacks '%s'", line, cause, needle);
	proto_request_release(&req);
}

START_TEST(test_valid_requests)
{
	static const char *const ok[] = {
		"{\"cmd\":\"status\"}",
		"{\"cmd\":\"status\",\"names\":[]}",
		"{\"cmd\":\"status\",\"names\":[\"web\",\"grp:*\",\"all\"]}",
		"{\"cmd\":\"start\",\"names\":[\"web\"],\"wait\":false}",
		"{\"cmd\":\"stop\",\"names\":[\"g:w\"]}",
		"{\"cmd\":\"restart\",\"names\":[\"all\"],\"wait\":true}",
		"{\"cmd\":\"signal\",\"names\":[\"web\"],\"signal\":\"HUP\"}",
		"{\"cmd\":\"signal\",\"names\":[\"web\"],\"signal\":15}",
		"{\"cmd\":\"pid\"}",
		"{\"cmd\":\"pid\",\"names\":[\"web\"]}",
		"{\"cmd\":\"reload\"}",
		"{\"cmd\":\"shutdown\"}",
		"{\"cmd\":\"version\"}",
		"{\"cmd\":\"tail\",\"name\":\"web\"}",
		"{\"cmd\":\"tail\",\"name\":\"web\",\"stream\":\"stderr\","
		    "\"bytes\":0,\"lines\":10,\"follow\":true}",
		"{\"cmd\":\"maintail\",\"bytes\":1048576}",
		"{\"cmd\":\"events\"}",
		"  {\"id\": 7, \"cmd\": \"status\"}  \r\n",
		"{\"id\":\"abc\",\"cmd\":\"status\"}",
		"{\"id\":null,\"cmd\":\"status\"}",
	};
	size_t	i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		expect(ok[i], PROTO_OK, NULL);
}
END_TEST

START_TEST(test_not_json)
{
	expect("", PROTO_BAD_REQUEST, "not JSON");
	expect("hello", PROTO_BAD_REQUEST, "not JSON");
	expect("{\"cmd\":", PROTO_BAD_REQUEST, "not JSON");
	expect("{\"cmd\":\"status\"} {}", PROTO_BAD_REQUEST, "text after");
	expect("{'cmd':'status'}", PROTO_BAD_REQUEST, "not JSON");
}
END_TEST

START_TEST(test_nul_byte)
{
	struct proto_request	req;
	enum proto_code		code;
	const char		line[] = "{\"cmd\":\"status\"}\0x";

	ck_assert_int_eq(proto_decode(&req, line, sizeof(line) - 1, &code,
	    cause, sizeof(cause)), -1);
	ck_assert_int_eq(code, PROTO_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(cause, "NUL"));
	proto_request_release(&req);
}
END_TEST

/* An escaped NUL would cut a string: refused anywhere; other controls
   refused in every name and string argument. */
START_TEST(test_control_characters)
{
	expect("{\"cmd\":\"stop\",\"names\":[\"victim\\u0000junk\"]}",
	    PROTO_BAD_REQUEST, "NUL");
	expect("{\"cmd\":\"stop\",\"names\":[\"victim\\u0000\"]}",
	    PROTO_BAD_REQUEST, "NUL");
	expect("{\"cmd\\u0000x\":\"status\"}", PROTO_BAD_REQUEST, "NUL");
	expect("{\"cmd\":\"status\",\"id\":\"a\\u0000\"}",
	    PROTO_BAD_REQUEST, "NUL");
	expect("{\"cmd\":\"tail\",\"name\":\"web\\u0000x\"}",
	    PROTO_BAD_REQUEST, "NUL");
	expect("{\"cmd\":\"tail\",\"name\":\"w\\u001beb\"}",
	    PROTO_BAD_REQUEST, "control characters");
	expect("{\"cmd\":\"tail\",\"name\":\"w\\teb\"}",
	    PROTO_BAD_REQUEST, "control characters");
	expect("{\"cmd\":\"tail\",\"name\":\"w\\u007feb\"}",
	    PROTO_BAD_REQUEST, "control characters");
	expect("{\"cmd\":\"stop\",\"names\":[\"a\\u0007\"]}",
	    PROTO_BAD_REQUEST, "control characters");
	expect("{\"cmd\":\"signal\",\"names\":[\"a\"],"
	    "\"signal\":\"HUP\\u0000\"}", PROTO_BAD_REQUEST, "NUL");
	/* A backslash then u0000 is text, not an escape. */
	expect("{\"cmd\":\"status\",\"id\":\"\\\\u0000\"}", PROTO_OK,
	    NULL);
	expect("{\"cmd\":\"status\",\"id\":\"\\\\\\u0000\"}",
	    PROTO_BAD_REQUEST, "NUL");
}
END_TEST

START_TEST(test_not_object)
{
	expect("[]", PROTO_BAD_REQUEST, "not a JSON object");
	expect("42", PROTO_BAD_REQUEST, "not a JSON object");
	expect("\"status\"", PROTO_BAD_REQUEST, "not a JSON object");
	expect("null", PROTO_BAD_REQUEST, "not a JSON object");
}
END_TEST

START_TEST(test_cmd_errors)
{
	expect("{}", PROTO_BAD_REQUEST, "missing 'cmd'");
	expect("{\"cmd\":5}", PROTO_BAD_REQUEST, "'cmd' must be a string");
	expect("{\"cmd\":\"frobnicate\"}", PROTO_UNKNOWN_COMMAND,
	    "unknown command 'frobnicate'");
	expect("{\"cmd\":\"STATUS\"}", PROTO_UNKNOWN_COMMAND, NULL);
	expect("{\"cmd\":\"status\",\"cmd\":\"stop\"}", PROTO_BAD_REQUEST,
	    "duplicate key 'cmd'");
	expect("{\"cmd\":\"status\",\"verbose\":true}", PROTO_BAD_REQUEST,
	    "unknown argument 'verbose' for 'status'");
	expect("{\"cmd\":\"version\",\"names\":[]}", PROTO_BAD_REQUEST,
	    "unknown argument 'names'");
}
END_TEST

START_TEST(test_id)
{
	struct proto_request	req;

	expect("{\"id\":[1],\"cmd\":\"status\"}", PROTO_BAD_REQUEST, "'id'");
	expect("{\"id\":{},\"cmd\":\"status\"}", PROTO_BAD_REQUEST, "'id'");
	expect("{\"id\":true,\"cmd\":\"status\"}", PROTO_BAD_REQUEST, "'id'");
	/* Too big for a double: it could only come back as null (fuzz). */
	expect("{\"id\":-3e995,\"cmd\":\"status\"}", PROTO_BAD_REQUEST,
	    "'id'");
	ck_assert_int_eq(decode("{\"id\":1e999,\"cmd\":\"status\"}", &req),
	    PROTO_BAD_REQUEST);
	ck_assert_ptr_null(req.id);
	proto_request_release(&req);

	/* A usable id survives a later error, so the reply can echo it. */
	ck_assert_int_eq(decode("{\"id\":9,\"cmd\":\"nope\"}", &req),
	    PROTO_UNKNOWN_COMMAND);
	ck_assert_ptr_nonnull(req.id);
	ck_assert_int_eq(req.id->valueint, 9);
	ck_assert_ptr_null(req.spec);
	proto_request_release(&req);

	ck_assert_int_eq(decode("{\"id\":\"x\",\"cmd\":\"status\"}", &req),
	    PROTO_OK);
	ck_assert_str_eq(req.id->valuestring, "x");
	ck_assert_int_eq(req.spec->cmd, PROTO_CMD_STATUS);
	proto_request_release(&req);
}
END_TEST

START_TEST(test_arg_types)
{
	expect("{\"cmd\":\"start\"}", PROTO_BAD_REQUEST,
	    "'start' needs 'names'");
	expect("{\"cmd\":\"start\",\"names\":[]}", PROTO_BAD_REQUEST,
	    "must hold 1 to");
	expect("{\"cmd\":\"start\",\"names\":\"web\"}", PROTO_BAD_REQUEST,
	    "must be an array of names");
	expect("{\"cmd\":\"start\",\"names\":[3]}", PROTO_BAD_REQUEST,
	    "process names");
	expect("{\"cmd\":\"start\",\"names\":[\"\"]}", PROTO_BAD_REQUEST,
	    "process names");
	expect("{\"cmd\":\"start\",\"names\":[\"a b\"]}", PROTO_BAD_REQUEST,
	    "process names");
	expect("{\"cmd\":\"start\",\"names\":[\"a\\nb\"]}", PROTO_BAD_REQUEST,
	    "process names");
	expect("{\"cmd\":\"start\",\"names\":[\"web\"],\"wait\":1}",
	    PROTO_BAD_REQUEST, "'wait' of 'start' must be a boolean");
	expect("{\"cmd\":\"start\",\"names\":[\"web\"],\"wait\":\"no\"}",
	    PROTO_BAD_REQUEST, "must be a boolean");
	expect("{\"cmd\":\"signal\",\"names\":[\"web\"]}", PROTO_BAD_REQUEST,
	    "'signal' needs 'signal'");
	expect("{\"cmd\":\"signal\",\"names\":[\"web\"],\"signal\":0}",
	    PROTO_BAD_REQUEST, "from 1 to 64");
	expect("{\"cmd\":\"signal\",\"names\":[\"web\"],\"signal\":1.5}",
	    PROTO_BAD_REQUEST, "from 1 to 64");
	expect("{\"cmd\":\"signal\",\"names\":[\"web\"],\"signal\":[]}",
	    PROTO_BAD_REQUEST, "signal name or number");
	expect("{\"cmd\":\"signal\",\"names\":[\"web\"],\"signal\":\"\"}",
	    PROTO_BAD_REQUEST, "signal name");
	expect("{\"cmd\":\"tail\"}", PROTO_BAD_REQUEST, "'tail' needs 'name'");
	expect("{\"cmd\":\"tail\",\"name\":7}", PROTO_BAD_REQUEST,
	    "must be a string");
	expect("{\"cmd\":\"tail\",\"name\":\"\"}", PROTO_BAD_REQUEST,
	    "1 to 256 bytes");
	expect("{\"cmd\":\"tail\",\"name\":\"w\",\"stream\":\"stdin\"}",
	    PROTO_BAD_REQUEST, "'stream' must be one of stdout, stderr");
	expect("{\"cmd\":\"tail\",\"name\":\"w\",\"bytes\":-1}",
	    PROTO_BAD_REQUEST, "from 0 to 1048576");
	expect("{\"cmd\":\"tail\",\"name\":\"w\",\"bytes\":1048577}",
	    PROTO_BAD_REQUEST, "from 0 to 1048576");
	expect("{\"cmd\":\"tail\",\"name\":\"w\",\"bytes\":\"10\"}",
	    PROTO_BAD_REQUEST, "must be an integer");
	expect("{\"cmd\":\"tail\",\"name\":\"w\",\"bytes\":1e300}",
	    PROTO_BAD_REQUEST, "from 0 to");
	expect("{\"cmd\":\"maintail\",\"follow\":null}", PROTO_BAD_REQUEST,
	    "must be a boolean");
}
END_TEST

START_TEST(test_names_bounds)
{
	struct proto_request	 req;
	const char		**names;
	char			*line, *p;
	size_t			 i, n;

	/* A name of PROTO_NAME_MAX bytes is fine, one more is not. */
	line = malloc(PROTO_NAME_MAX + 64);
	p = line + sprintf(line, "{\"cmd\":\"status\",\"names\":[\"");
	memset(p, 'a', PROTO_NAME_MAX);
	strcpy(p + PROTO_NAME_MAX, "\"]}");
	expect(line, PROTO_OK, NULL);
	p = line + sprintf(line, "{\"cmd\":\"status\",\"names\":[\"");
	memset(p, 'a', PROTO_NAME_MAX + 1);
	strcpy(p + PROTO_NAME_MAX + 1, "\"]}");
	expect(line, PROTO_BAD_REQUEST, "process names");
	free(line);

	/* More than PROTO_NAMES_MAX names is refused. */
	line = malloc((PROTO_NAMES_MAX + 1) * 4 + 64);
	p = line + sprintf(line, "{\"cmd\":\"status\",\"names\":[");
	for (i = 0; i <= PROTO_NAMES_MAX; i++)
		p += sprintf(p, "%s\"a\"", i ? "," : "");
	strcpy(p, "]}");
	expect(line, PROTO_BAD_REQUEST, "0 to 1024 names");
	free(line);

	ck_assert_int_eq(decode("{\"cmd\":\"stop\",\"names\":[\"a\",\"b:*\"]}",
	    &req), PROTO_OK);
	n = proto_get_names(&req, "names", &names);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "a");
	ck_assert_str_eq(names[1], "b:*");
	ck_assert(proto_get_bool(&req, "wait", true));
	free(names);
	proto_request_release(&req);
}
END_TEST

START_TEST(test_line_too_long)
{
	struct proto_request	 req;
	enum proto_code		 code;
	char			*line;

	line = malloc(PROTO_LINE_MAX + 1);
	memset(line, ' ', PROTO_LINE_MAX + 1);
	memcpy(line, "{\"cmd\":\"status\"}", 16);
	ck_assert_int_eq(proto_decode(&req, line, PROTO_LINE_MAX, &code,
	    cause, sizeof(cause)), 0);
	proto_request_release(&req);
	ck_assert_int_eq(proto_decode(&req, line, PROTO_LINE_MAX + 1, &code,
	    cause, sizeof(cause)), -1);
	ck_assert_int_eq(code, PROTO_LINE_TOO_LONG);
	proto_request_release(&req);
	free(line);
}
END_TEST

START_TEST(test_getters)
{
	struct proto_request	req;

	ck_assert_int_eq(decode("{\"cmd\":\"tail\",\"name\":\"web\","
	    "\"bytes\":42,\"follow\":true}", &req), PROTO_OK);
	ck_assert_int_eq(req.spec->cmd, PROTO_CMD_TAIL);
	ck_assert_str_eq(proto_get_string(&req, "name", NULL), "web");
	ck_assert_str_eq(proto_get_string(&req, "stream", "stdout"), "stdout");
	ck_assert_int_eq(proto_get_int(&req, "bytes", 1600), 42);
	ck_assert_int_eq(proto_get_int(&req, "lines", -1), -1);
	ck_assert(proto_get_bool(&req, "follow", false));
	ck_assert_ptr_null(proto_get(&req, "nothing"));
	proto_request_release(&req);
}
END_TEST

START_TEST(test_codes)
{
	enum proto_code	c, back;

	for (c = PROTO_OK; c < PROTO_CODE_COUNT; c++) {
		ck_assert_ptr_nonnull(proto_code_name(c));
		ck_assert_int_eq(proto_code_parse(proto_code_name(c), &back),
		    0);
		ck_assert_int_eq(back, c);
	}
	ck_assert_str_eq(proto_code_name(PROTO_NO_SUCH_PROCESS),
	    "no_such_process");
	ck_assert_str_eq(proto_code_name(PROTO_FORBIDDEN), "forbidden");
	ck_assert_int_eq(proto_code_parse("nope", &back), -1);
	ck_assert_ptr_null(proto_cmd_find("nope"));
	ck_assert_str_eq(proto_cmd_spec(PROTO_CMD_EVENTS)->name, "events");
	ck_assert_ptr_null(proto_cmd_spec(PROTO_CMD_COUNT));
}
END_TEST

START_TEST(test_replies)
{
	struct proto_request	 req;
	struct proto_reply	 r;
	cJSON			*res;
	char			*line;
	size_t			 len;

	ck_assert_int_eq(decode("{\"id\":\"q1\",\"cmd\":\"version\"}", &req),
	    PROTO_OK);
	res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "protocol", PROTO_VERSION);
	line = proto_reply_ok(req.id, res, &len);
	ck_assert_str_eq(line,
	    "{\"id\":\"q1\",\"ok\":true,\"result\":{\"protocol\":1}}\n");
	ck_assert_uint_eq(len, strlen(line));
	ck_assert_int_eq(proto_reply_decode(&r, line, len - 1, cause,
	    sizeof(cause)), 0);
	ck_assert(r.ok);
	ck_assert_ptr_null(r.stream);
	ck_assert_int_eq(cJSON_GetObjectItem(r.result, "protocol")->valueint,
	    1);
	proto_reply_release(&r);
	free(line);
	proto_request_release(&req);

	line = proto_reply_error(NULL, PROTO_NO_SUCH_PROCESS,
	    "no such process: x", NULL, &len);
	ck_assert_str_eq(line, "{\"ok\":false,\"error\":{\"code\":"
	    "\"no_such_process\",\"message\":\"no such process: x\"}}\n");
	ck_assert_int_eq(proto_reply_decode(&r, line, len, cause,
	    sizeof(cause)), 0);
	ck_assert(!r.ok);
	ck_assert_str_eq(r.code, "no_such_process");
	ck_assert_str_eq(r.message, "no such process: x");
	proto_reply_release(&r);
	free(line);

	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "to", "RUNNING");
	line = proto_stream("event", res, &len);
	ck_assert_str_eq(line,
	    "{\"ok\":true,\"stream\":\"event\",\"to\":\"RUNNING\"}\n");
	ck_assert_int_eq(proto_reply_decode(&r, line, len, cause,
	    sizeof(cause)), 0);
	ck_assert_str_eq(r.stream, "event");
	proto_reply_release(&r);
	free(line);

	ck_assert_int_eq(proto_reply_decode(&r, "{}", 2, cause,
	    sizeof(cause)), -1);
	proto_reply_release(&r);
	ck_assert_int_eq(proto_reply_decode(&r, "{\"ok\":false}", 12, cause,
	    sizeof(cause)), -1);
	proto_reply_release(&r);
}
END_TEST

/* Replies echo names and ids as they came: the line is UTF-8 anyway. */
START_TEST(test_reply_utf8)
{
	struct proto_request	 req;
	char			*line, *fixed;
	size_t			 len;

	ck_assert_int_eq(decode("{\"id\":\"\xc3\",\"cmd\":\"\xff\"}", &req),
	    PROTO_UNKNOWN_COMMAND);
	line = proto_reply_error(req.id, PROTO_UNKNOWN_COMMAND,
	    "no such process: \xe2\x82", NULL, &len);
	ck_assert_str_eq(line, "{\"id\":\"\xef\xbf\xbd\",\"ok\":false,"
	    "\"error\":{\"code\":\"unknown_command\",\"message\":"
	    "\"no such process: \xef\xbf\xbd\"}}\n");
	ck_assert_uint_eq(len, strlen(line));
	free(line);
	proto_request_release(&req);

	ck_assert_ptr_null(proto_utf8_repair("caf\xc3\xa9", 5, 0, &len));
	fixed = proto_utf8_repair("a\xff" "b\xf0\x9f", 5, 1, &len);
	ck_assert_uint_eq(len, 8);
	ck_assert(memcmp(fixed, "a\xef\xbf\xbd" "b\xef\xbf\xbd", 8) == 0);
	free(fixed);
}
END_TEST

/* status's "fields": known names only, as a bit set; pid has none. */
START_TEST(test_fields)
{
	struct proto_request	req;
	unsigned		f;

	ck_assert_int_eq(decode("{\"cmd\":\"status\"}", &req), PROTO_OK);
	ck_assert_uint_eq(proto_get_fields(&req), PROTO_FIELDS_ALL);
	proto_request_release(&req);

	ck_assert_int_eq(decode("{\"cmd\":\"status\",\"fields\":"
	    "[\"state\",\"fullname\",\"waiting_for\",\"state\"]}", &req),
	    PROTO_OK);
	f = proto_get_fields(&req);
	ck_assert_uint_eq(f, (1U << PROTO_F_STATE) | (1U << PROTO_F_FULLNAME) |
	    (1U << PROTO_F_WAITING_FOR));
	ck_assert(PROTO_FIELD(f, PROTO_F_STATE));
	ck_assert(!PROTO_FIELD(f, PROTO_F_PID));
	proto_request_release(&req);

	ck_assert_str_eq(proto_field_name(PROTO_F_LOG_DROPPED_BYTES),
	    "log_dropped_bytes");
	ck_assert_ptr_null(proto_field_name(PROTO_FIELD_COUNT));
	expect("{\"cmd\":\"status\",\"fields\":[\"bogus\"]}",
	    PROTO_BAD_REQUEST, "unknown name 'bogus'");
	expect("{\"cmd\":\"status\",\"fields\":[]}", PROTO_BAD_REQUEST,
	    "'fields' must hold 1 to 22 names");
	expect("{\"cmd\":\"status\",\"fields\":\"state\"}",
	    PROTO_BAD_REQUEST, "'fields' of 'status' must be an array");
	expect("{\"cmd\":\"status\",\"fields\":[1]}", PROTO_BAD_REQUEST,
	    "'fields' must hold");
	expect("{\"cmd\":\"pid\",\"fields\":[\"pid\"]}",
	    PROTO_BAD_REQUEST, "unknown argument 'fields' for 'pid'");
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite	*s = suite_create("proto");
	TCase	*tc = tcase_create("decode");

	tcase_add_test(tc, test_valid_requests);
	tcase_add_test(tc, test_not_json);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_control_characters);
	tcase_add_test(tc, test_not_object);
	tcase_add_test(tc, test_cmd_errors);
	tcase_add_test(tc, test_id);
	tcase_add_test(tc, test_arg_types);
	tcase_add_test(tc, test_names_bounds);
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_getters);
	tcase_add_test(tc, test_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_test(tc, test_codes);
	tcase_add_test(tc, test_replies);
	tcase_add_test(tc, test_reply_utf8);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(proto_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

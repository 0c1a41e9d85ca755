/*
 * libFuzzer target for the control protocol: what a client can send the
 * daemon.  The input is decoded as one request line, then fed as a byte
 * stream through the framing buffer in chunks, the way the control socket
 * reads it; every reply built from a request must be one line of valid
 * UTF-8 JSON that the client's decoder accepts with the right ok, code
 * and id, and no accepted request may hold a NUL (escaped), nor a control
 * character in a name or argument other than sendstdin's data.  The text
 * helpers used for log bytes are checked on it too,
 * and the JSON writer's strings against cJSON's text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "log.h"
#include "proto.h"

#define FUZZ_TARGET	"fuzz_proto"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_proto", LOG_LEVEL_CRIT);
	return 0;
}

/* RFC 3629 UTF-8, independent of proto_buf.c's own. */
static bool
utf8_valid(const uint8_t *s, size_t len)
{
	size_t	i = 0, need, k;
	uint8_t	lo, hi;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			need = 1;
		else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			need = 2;
			if (s[i] == 0xe0)
				lo = 0xa0;
			if (s[i] == 0xed)
				hi = 0x9f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			need = 3;
			if (s[i] == 0xf0)
				lo = 0x90;
			if (s[i] == 0xf4)
				hi = 0x8f;
		} else
			return false;
		for (k = 1; k <= need; k++) {
			if (i + k >= len || s[i + k] < lo || s[i + k] > hi)
				return false;
			lo = 0x80;
			hi = 0xbf;
		}
		i += need + 1;
	}
	return true;
}

/* A reply line as the daemon would send it: one line, UTF-8, decodable. */
static void
check_reply(char *line, size_t len, bool ok, enum proto_code code,
    const cJSON *id)
{
	struct proto_reply	 r;
	char			 cause[256];
	const cJSON		*rid;

	FUZZ_CHECK(len > 0 && line[len - 1] == '\n');
	FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
	FUZZ_CHECK(utf8_valid((const uint8_t *)line, len));
	FUZZ_CHECK(proto_reply_decode(&r, line, len - 1, cause,
	    sizeof(cause)) == 0);
	FUZZ_CHECK(r.ok == ok);
	FUZZ_CHECK(r.stream == NULL);
	if (!ok)
		FUZZ_CHECK(strcmp(r.code, proto_code_name(code)) == 0);
	rid = cJSON_GetObjectItemCaseSensitive(r.doc, "id");
	FUZZ_CHECK((id == NULL) == (rid == NULL));
	/* The id comes back as it was, but for invalid UTF-8 (U+FFFD). */
	if (id != NULL && (!cJSON_IsString(id) || utf8_valid((const uint8_t *)
	    id->valuestring, strlen(id->valuestring))))
		FUZZ_CHECK(cJSON_Compare(id, rid, true));
	else if (id != NULL)
		FUZZ_CHECK(cJSON_IsString(rid));
	proto_reply_release(&r);
	free(line);
}

/* No byte below 0x20 nor 0x7f: what every accepted argument holds. */
static bool
clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * Does a string of the line escape a NUL?  Independent of proto.c's
 * scan: a walk through the strings, escape by escape.
 */
static bool
escapes_nul(const char *line, size_t len)
{
	size_t	i;
	bool	in_string = false;

	for (i = 0; i < len; i++) {
		if (!in_string) {
			in_string = line[i] == '"';
			continue;
		}
		if (line[i] == '"')
			in_string = false;
		else if (line[i] == '\\' && i + 1 < len) {
			if (line[i + 1] == 'u' && i + 5 < len &&
			    memcmp(line + i + 2, "0000", 4) == 0)
				return true;
			i++;
		}
	}
	return false;
}

/* Read every argument of a valid request as a command handler would. */
static cJSON *
read_args(const struct proto_request *req)
{
	const struct proto_arg	*a;
	const char		**names, *s;
	cJSON			*result, *arr;
	size_t			 n, i;

	result = cJSON_CreateObject();
	FUZZ_CHECK(result != NULL);
	for (a = req->spec->args; a->name != NULL; a++) {
		switch (a->type) {
		case PROTO_T_BOOL:
			cJSON_AddBoolToObject(result, a->name,
			    proto_get_bool(req, a->name, false));
			break;
		case PROTO_T_INT:
			n = (size_t)proto_get_int(req, a->name, a->min);
			FUZZ_CHECK((long)n >= a->min && (long)n <= a->max);
			cJSON_AddNumberToObject(result, a->name, (double)n);
			break;
		case PROTO_T_STRING:
		case PROTO_T_SIGNAL:
			s = proto_get_string(req, a->name, NULL);
			FUZZ_CHECK(s == NULL || clean(s));
			if (s != NULL)
				cJSON_AddStringToObject(result, a->name, s);
			break;
		case PROTO_T_DATA:
			/* anything but a NUL, which the line refused */
			s = proto_get_string(req, a->name, NULL);
			FUZZ_CHECK(s == NULL || (strlen(s) >= (size_t)a->min &&
			    strlen(s) <= (size_t)a->max));
			if (s != NULL)
				cJSON_AddStringToObject(result, a->name, s);
			break;
		case PROTO_T_NAMES:
			n = proto_get_names(req, a->name, &names);
			FUZZ_CHECK(!a->required || n >= 1);
			arr = cJSON_AddArrayToObject(result, a->name);
			for (i = 0; i < n; i++) {
				FUZZ_CHECK(names[i] != NULL);
				FUZZ_CHECK(strlen(names[i]) >= 1 &&
				    strlen(names[i]) <= PROTO_NAME_MAX);
				FUZZ_CHECK(clean(names[i]));
				cJSON_AddItemToArray(arr,
				    cJSON_CreateString(names[i]));
			}
			free(names);
			break;
		}
	}
	return result;
}

/* One request line, answered as control.c answers it. */
static void
one_line(const char *line, size_t len)
{
	struct proto_request	 req;
	enum proto_code		 code = PROTO_OK;
	char			 cause[512], *out;
	size_t			 outlen;

	cause[0] = '\0';
	if (proto_decode(&req, line, len, &code, cause, sizeof(cause)) == 0) {
		FUZZ_CHECK(req.spec != NULL && code == PROTO_OK);
		FUZZ_CHECK(proto_cmd_find(req.spec->name) == req.spec);
		/* A NUL would cut a name or argument short: never accepted. */
		FUZZ_CHECK(!escapes_nul(line, len));
		out = proto_reply_ok(req.id, read_args(&req), &outlen);
		check_reply(out, outlen, true, PROTO_OK, req.id);
	} else {
		FUZZ_CHECK(req.spec == NULL);
		FUZZ_CHECK(code != PROTO_OK && code < PROTO_CODE_COUNT);
		FUZZ_CHECK(cause[0] != '\0');
		out = proto_reply_error(req.id, code, cause, NULL, &outlen);
		check_reply(out, outlen, false, code, req.id);
	}
	proto_request_release(&req);
}

/* Drain the whole lines; each must be the next line of the input. */
static bool
drain(struct proto_buf *b, const uint8_t *data, size_t size, size_t *pos)
{
	const uint8_t	*nl;
	char		*line;
	size_t		 len, want;

	while ((line = proto_buf_line(b, &len)) != NULL) {
		nl = memchr(data + *pos, '\n', size - *pos);
		want = nl != NULL ? (size_t)(nl - data) - *pos : size - *pos;
		if (want > 0 && data[*pos + want - 1] == '\r')
			want--;
		FUZZ_CHECK(len == want);
		FUZZ_CHECK(memcmp(line, data + *pos, len) == 0);
		FUZZ_CHECK(line[len] == '\0');
		*pos = nl != NULL ? (size_t)(nl - data) + 1 : size;
		if (strspn(line, " \t") != len)
			one_line(line, len);
	}
	/* control.c refuses a line that cannot end within the limit. */
	return proto_buf_used(b) <= PROTO_LINE_MAX;
}

/* The input as a byte stream, in chunks of a size it chooses. */
static void
frames(const uint8_t *data, size_t size)
{
	struct proto_buf	 b = { 0 };
	size_t			 off = 0, step, pos = 0, n;

	step = size > 0 ? 1 + data[0] % 97 : 1;
	while (off < size) {
		n = size - off < step ? size - off : step;
		proto_buf_add(&b, data + off, n);
		off += n;
		if (!drain(&b, data, size, &pos))
			goto release;
	}
	/* At EOF a last line without its newline still counts. */
	if (proto_buf_used(&b) > 0 && b.data[b.len - 1] != '\n') {
		proto_buf_add(&b, "\n", 1);
		drain(&b, data, size, &pos);
		FUZZ_CHECK(pos == size);
	}
release:
	proto_buf_release(&b);
}

/*
 * The writer's string: valid UTF-8 JSON for any bytes, and up to the
 * first NUL the very text cJSON printed and the reply repair made of it.
 */
static void
writer(const uint8_t *data, size_t size)
{
	struct proto_buf	 b = { 0 };
	struct jsonw		 w;
	cJSON			*s;
	char			*str, *ref, *fixed;
	size_t			 n;

	jsonw_init(&w, &b);
	jsonw_string_len(&w, NULL, data, size);
	FUZZ_CHECK(utf8_valid((const uint8_t *)b.data, b.len));
	s = cJSON_ParseWithLength(b.data, b.len);
	FUZZ_CHECK(cJSON_IsString(s));
	cJSON_Delete(s);
	proto_buf_release(&b);

	n = strnlen((const char *)data, size);
	str = malloc(n + 1);
	FUZZ_CHECK(str != NULL);
	memcpy(str, data, n);
	str[n] = '\0';
	jsonw_init(&w, &b);
	jsonw_string(&w, NULL, str);
	s = cJSON_CreateString(str);
	FUZZ_CHECK(s != NULL);
	ref = cJSON_PrintUnformatted(s);
	FUZZ_CHECK(ref != NULL);
	cJSON_Delete(s);
	n = strlen(ref);
	fixed = proto_utf8_repair(ref, n, 0, &n);
	FUZZ_CHECK(b.len == n && memcmp(b.data, fixed != NULL ? fixed : ref,
	    n) == 0);
	free(fixed);
	cJSON_free(ref);
	free(str);
	proto_buf_release(&b);
}

/* Log bytes as JSON text: always valid, and exact for valid UTF-8. */
static void
text(const uint8_t *data, size_t size)
{
	struct proto_reply	 r;
	cJSON			*s;
	char			*lit, cause[128];
	size_t			 len, whole, head;

	lit = proto_json_string(data, size, &len);
	FUZZ_CHECK(len == strlen(lit));
	FUZZ_CHECK(utf8_valid((const uint8_t *)lit, len));
	s = cJSON_ParseWithLength(lit, len);
	FUZZ_CHECK(cJSON_IsString(s));
	if (utf8_valid(data, size) && memchr(data, '\0', size) == NULL)
		FUZZ_CHECK(strlen(s->valuestring) == size &&
		    memcmp(s->valuestring, data, size) == 0);
	cJSON_Delete(s);
	free(lit);

	writer(data, size);

	whole = proto_utf8_whole(data, size);
	FUZZ_CHECK(whole <= size && size - whole <= 3);
	head = proto_utf8_partial_head(data, size);
	FUZZ_CHECK(head <= size && head <= 3);

	/* The client's side: any line from the socket. */
	if (proto_reply_decode(&r, (const char *)data, size, cause,
	    sizeof(cause)) == 0)
		FUZZ_CHECK(!(r.ok == false && r.code == NULL));
	proto_reply_release(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*line;

	/* An exact copy: reading past the length is caught by ASan. */
	line = malloc(size > 0 ? size : 1);
	FUZZ_CHECK(line != NULL);
	memcpy(line, data, size);
	one_line(line, size);
	free(line);
	frames(data, size);
	text(data, size);
	return 0;
}

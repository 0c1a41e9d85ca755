/*
 * Strict decoding of a request line (see proto.h): JSON, an object, a
 * known "cmd", each argument checked against the request's table entry,
 * with a reason for every refusal.  Nothing that could cut a string short
 * (an escaped NUL) or drive a terminal (a control character) gets in.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto.h"

static const struct proto_arg *
spec_arg(const struct proto_cmd_spec *spec, const char *name)
{
	const struct proto_arg	*a;

	for (a = spec->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* No control character (below 0x20, or 0x7f), tab included. */
static bool
text_clean(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * Does the line escape a NUL (\u0000) in a string?  cJSON keeps it, so
 * "victim\u0000junk" would read as "victim": refused wherever it is.  An
 * escape is a backslash preceded by an even run of backslashes.
 */
static bool
has_nul_escape(const char *line, size_t len)
{
	const char	*p = line, *end = line + len, *q;
	size_t		 run;

	while ((p = memmem(p, (size_t)(end - p), "u0000", 5)) != NULL) {
		for (run = 0, q = p; q > line && q[-1] == '\\'; q--)
			run++;
		if (run % 2 == 1)
			return true;
		p++;
	}
	return false;
}

/* A name is printable text: no control characters, no whitespace. */
static bool
name_valid(const char *s)
{
	size_t	len = strlen(s);

	if (len == 0 || len > PROTO_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool
number_integral(const cJSON *v, long min, long max)
{
	double	d = v->valuedouble;

	return isfinite(d) && d == floor(d) && d >= (double)min &&
	    d <= (double)max;
}

/* A string argument's length, bytes and choices (its type is checked). */
static int
string_check(const struct proto_arg *a, const cJSON *v, char *cause,
    size_t causelen)
{
	const char *const	*c;
	int			 n;

	if (strlen(v->valuestring) < (size_t)a->min ||
	    strlen(v->valuestring) > (size_t)a->max) {
		snprintf(cause, causelen, "'%s' must be %ld to %ld "
		    "bytes long", a->name, a->min, a->max);
		return -1;
	}
	if (a->type == PROTO_T_DATA)
		return 0;	/* a NUL was refused with the line */
	if (!text_clean(v->valuestring)) {
		snprintf(cause, causelen, "'%s' must not hold "
		    "control characters", a->name);
		return -1;
	}
	if (a->choices == NULL)
		return 0;
	for (c = a->choices; *c != NULL; c++)
		if (strcmp(*c, v->valuestring) == 0)
			return 0;
	n = snprintf(cause, causelen, "'%s' must be one of", a->name);
	for (c = a->choices; *c != NULL && n >= 0 &&
	    (size_t)n < causelen; c++)
		n += snprintf(cause + n, causelen - n, "%s%s",
		    c == a->choices ? " " : ", ", *c);
	return -1;
}

/* A names argument's count and each name (its type is checked). */
static int
names_check(const struct proto_arg *a, const cJSON *v, char *cause,
    size_t causelen)
{
	const char *const	*c;
	const cJSON		*e;
	int			 n;

	n = cJSON_GetArraySize(v);
	if (n < a->min || n > a->max) {
		snprintf(cause, causelen, "'%s' must hold %ld to %ld "
		    "names", a->name, a->min, a->max);
		return -1;
	}
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e) || !name_valid(e->valuestring)) {
			snprintf(cause, causelen, "'%s' must hold "
			    "process names (strings of 1 to %d bytes, "
			    "no spaces or control characters)",
			    a->name, PROTO_NAME_MAX);
			return -1;
		}
		if (a->choices == NULL)
			continue;
		for (c = a->choices; *c != NULL; c++)
			if (strcmp(*c, e->valuestring) == 0)
				break;
		if (*c == NULL) {
			snprintf(cause, causelen, "'%s': unknown name "
			    "'%.64s'", a->name, e->valuestring);
			return -1;
		}
	}
	return 0;
}

/* Check one argument's value against its spec; -1 with a reason. */
static int
arg_check(const char *cmd, const struct proto_arg *a, const cJSON *v,
    char *cause, size_t causelen)
{
	switch (a->type) {
	case PROTO_T_BOOL:
		if (!cJSON_IsBool(v))
			goto type;
		return 0;
	case PROTO_T_INT:
		if (!cJSON_IsNumber(v))
			goto type;
		if (!number_integral(v, a->min, a->max)) {
			snprintf(cause, causelen, "'%s' must be an integer "
			    "from %ld to %ld", a->name, a->min, a->max);
			return -1;
		}
		return 0;
	case PROTO_T_STRING:
	case PROTO_T_DATA:
		if (!cJSON_IsString(v))
			goto type;
		return string_check(a, v, cause, causelen);
	case PROTO_T_NAMES:
		if (!cJSON_IsArray(v))
			goto type;
		return names_check(a, v, cause, causelen);
	case PROTO_T_SIGNAL:
		if (cJSON_IsNumber(v)) {
			if (!number_integral(v, a->min, a->max)) {
				snprintf(cause, causelen, "'%s' must be a "
				    "signal name or a number from %ld to %ld",
				    a->name, a->min, a->max);
				return -1;
			}
			return 0;
		}
		if (!cJSON_IsString(v))
			goto type;
		if (!name_valid(v->valuestring) ||
		    strlen(v->valuestring) > PROTO_SIGNAL_MAX) {
			snprintf(cause, causelen, "'%s' must be a signal name",
			    a->name);
			return -1;
		}
		return 0;
	}
type:
	{
		static const char *const tn[] = {
			[PROTO_T_BOOL] = "a boolean",
			[PROTO_T_INT] = "an integer",
			[PROTO_T_STRING] = "a string",
			[PROTO_T_NAMES] = "an array of names",
			[PROTO_T_SIGNAL] = "a signal name or number",
			[PROTO_T_DATA] = "a string",
		};
		snprintf(cause, causelen, "'%s' of '%s' must be %s", a->name,
		    cmd, tn[a->type]);
	}
	return -1;
}

/* Error exits of proto_decode(): set the code and the reason. */
static int
decode_fail(enum proto_code *code, enum proto_code c, char *cause,
    size_t causelen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
decode_fail(enum proto_code *code, enum proto_code c, char *cause,
    size_t causelen, const char *fmt, ...)
{
	va_list	ap;

	*code = c;
	va_start(ap, fmt);
	vsnprintf(cause, causelen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The line as one JSON object and nothing else: its bound, no NUL byte
   or escaped NUL, cJSON's parse, nothing but white space after it. */
static int
decode_json(struct proto_request *req, const char *line, size_t len,
    enum proto_code *code, char *cause, size_t causelen)
{
	const char	*end = NULL;
	cJSON		*doc;
	size_t		 i;

	if (len > PROTO_LINE_MAX)
		return decode_fail(code, PROTO_LINE_TOO_LONG, cause, causelen,
		    "request line longer than %d bytes", PROTO_LINE_MAX);
	if (memchr(line, '\0', len) != NULL)
		return decode_fail(code, PROTO_BAD_REQUEST, cause, causelen,
		    "not JSON: NUL byte in the line");
	if (has_nul_escape(line, len))
		return decode_fail(code, PROTO_BAD_REQUEST, cause, causelen,
		    "a string holds a NUL character (\\u0000)");
	doc = cJSON_ParseWithLengthOpts(line, len, &end, false);
	if (doc == NULL) {
		end = cJSON_GetErrorPtr();
		i = end != NULL && end >= line && end <= line + len ?
		    (size_t)(end - line) : 0;
		return decode_fail(code, PROTO_BAD_REQUEST, cause, causelen,
		    "not JSON: syntax error at byte %zu", i + 1);
	}
	req->doc = doc;
	for (; end != NULL && end < line + len; end++) {
		if (strchr(" \t\r\n", *end) == NULL)
			return decode_fail(code, PROTO_BAD_REQUEST, cause,
			    causelen, "not JSON: text after the object at "
			    "byte %zu", (size_t)(end - line) + 1);
	}
	if (!cJSON_IsObject(doc))
		return decode_fail(code, PROTO_BAD_REQUEST, cause, causelen,
		    "request is not a JSON object");
	return 0;
}

/* Every key but "cmd" and "id" once, an argument of spec, of its type;
   every required argument present. */
static int
decode_args(const struct proto_cmd_spec *spec, const cJSON *doc,
    enum proto_code *code, char *cause, size_t causelen)
{
	const struct proto_arg	*a;
	const cJSON		*v, *w;

	cJSON_ArrayForEach(v, doc) {
		for (w = doc->child; w != v; w = w->next)
			if (strcmp(w->string, v->string) == 0)
				return decode_fail(code, PROTO_BAD_REQUEST,
				    cause, causelen, "duplicate key '%.64s'",
				    v->string);
		if (strcmp(v->string, "cmd") == 0 ||
		    strcmp(v->string, "id") == 0)
			continue;
		if ((a = spec_arg(spec, v->string)) == NULL)
			return decode_fail(code, PROTO_BAD_REQUEST, cause,
			    causelen, "unknown argument '%.64s' for '%s'",
			    v->string, spec->name);
		if (arg_check(spec->name, a, v, cause, causelen) != 0) {
			*code = PROTO_BAD_REQUEST;
			return -1;
		}
	}
	for (a = spec->args; a->name != NULL; a++) {
		if (a->required &&
		    cJSON_GetObjectItemCaseSensitive(doc, a->name) == NULL)
			return decode_fail(code, PROTO_BAD_REQUEST, cause,
			    causelen, "'%s' needs '%s'", spec->name, a->name);
	}
	return 0;
}

int
proto_decode(struct proto_request *req, const char *line, size_t len,
    enum proto_code *code, char *cause, size_t causelen)
{
	const struct proto_cmd_spec	*spec;
	cJSON				*doc, *v, *cmd;

	memset(req, 0, sizeof(*req));
	if (decode_json(req, line, len, code, cause, causelen) == -1)
		return -1;
	doc = req->doc;
	if ((v = cJSON_GetObjectItemCaseSensitive(doc, "id")) != NULL) {
		/* 1e999 parses as infinity, which would come back as null. */
		if ((!cJSON_IsString(v) && !cJSON_IsNumber(v) &&
		    !cJSON_IsNull(v)) ||
		    (cJSON_IsNumber(v) && !isfinite(v->valuedouble)))
			return decode_fail(code, PROTO_BAD_REQUEST, cause,
			    causelen, "'id' must be a string, a number or "
			    "null");
		req->id = v;
	}
	if ((cmd = cJSON_GetObjectItemCaseSensitive(doc, "cmd")) == NULL)
		return decode_fail(code, PROTO_BAD_REQUEST, cause, causelen,
		    "missing 'cmd'");
	if (!cJSON_IsString(cmd))
		return decode_fail(code, PROTO_BAD_REQUEST, cause, causelen,
		    "'cmd' must be a string");
	if ((spec = proto_cmd_find(cmd->valuestring)) == NULL)
		return decode_fail(code, PROTO_UNKNOWN_COMMAND, cause,
		    causelen, "unknown command '%.64s'", cmd->valuestring);
	if (decode_args(spec, doc, code, cause, causelen) == -1)
		return -1;
	req->spec = spec;
	*code = PROTO_OK;
	return 0;
}

void
proto_request_release(struct proto_request *req)
{
	cJSON_Delete(req->doc);
	memset(req, 0, sizeof(*req));
}

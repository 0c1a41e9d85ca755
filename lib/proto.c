/*
 * The control protocol's requests and replies: the table of requests and
 * their arguments, the readers of a decoded request's arguments, and the
 * reply builders both ends share.  Decoding is in proto_decode.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "proto.h"
#include "xmalloc.h"

/* Indexed by enum proto_code: the names are the stable wire codes. */
static const char *const code_names[PROTO_CODE_COUNT] = {
	[PROTO_OK] = "ok",
	[PROTO_BAD_REQUEST] = "bad_request",
	[PROTO_UNKNOWN_COMMAND] = "unknown_command",
	[PROTO_LINE_TOO_LONG] = "line_too_long",
	[PROTO_FORBIDDEN] = "forbidden",
	[PROTO_NO_SUCH_PROCESS] = "no_such_process",
	[PROTO_BAD_SIGNAL] = "bad_signal",
	[PROTO_ALREADY_STARTED] = "already_started",
	[PROTO_NOT_RUNNING] = "not_running",
	[PROTO_SPAWN_ERROR] = "spawn_error",
	[PROTO_ABNORMAL_TERMINATION] = "abnormal_termination",
	[PROTO_NO_LOG] = "no_log",
	[PROTO_LOG_ERROR] = "log_error",
	[PROTO_SHUTTING_DOWN] = "shutting_down",
	[PROTO_NOT_IMPLEMENTED] = "not_implemented",
	[PROTO_FAILED] = "failed",
	[PROTO_BAD_CONFIG] = "bad_config",
	[PROTO_NO_FILE] = "no_file",
	[PROTO_ALREADY_ADDED] = "already_added",
	[PROTO_STILL_RUNNING] = "still_running",
	[PROTO_BAD_NAME] = "bad_name",
};

static const char *const stream_choices[] = { "stdout", "stderr", NULL };

/*
 * In the order of enum proto_field (checked below), NULL-terminated for
 * the "fields" check.
 */
static const char *const field_names[] = {
	"name", "group", "fullname", "state", "statecode", "description",
	"pid", "start", "uptime", "since", "now", "restarts", "exitstatus",
	"exit", "spawnerr", "log_dropped_bytes", "stdout_logfile",
	"stderr_logfile", "ready", "status_text", "waiting_for",
	"stop_reason", NULL,
};
_Static_assert(sizeof(field_names) / sizeof(field_names[0]) ==
    PROTO_FIELD_COUNT + 1, "field_names and enum proto_field differ");

static const struct proto_arg args_none[] = {
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_status[] = {
	{ "names", PROTO_T_NAMES, false, 0, PROTO_NAMES_MAX, NULL },
	{ "fields", PROTO_T_NAMES, false, 1, PROTO_FIELD_COUNT, field_names },
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_pid[] = {
	{ "names", PROTO_T_NAMES, false, 0, PROTO_NAMES_MAX, NULL },
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_action[] = {
	{ "names", PROTO_T_NAMES, true, 1, PROTO_NAMES_MAX, NULL },
	{ "wait", PROTO_T_BOOL, false, 0, 0, NULL },
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_signal[] = {
	{ "names", PROTO_T_NAMES, true, 1, PROTO_NAMES_MAX, NULL },
	{ "signal", PROTO_T_SIGNAL, true, 1, 64, NULL },
	{ "group", PROTO_T_BOOL, false, 0, 0, NULL },	/* the process group */
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_reload[] = {
	{ "dry_run", PROTO_T_BOOL, false, 0, 0, NULL },
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_tail[] = {
	{ "name", PROTO_T_STRING, true, 1, PROTO_NAME_MAX, NULL },
	{ "stream", PROTO_T_STRING, false, 1, 6, stream_choices },
	{ "bytes", PROTO_T_INT, false, 0, PROTO_TAIL_MAX, NULL },
	{ "lines", PROTO_T_INT, false, 0, PROTO_LINES_MAX, NULL },
	{ "follow", PROTO_T_BOOL, false, 0, 0, NULL },
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_maintail[] = {
	{ "bytes", PROTO_T_INT, false, 0, PROTO_TAIL_MAX, NULL },
	{ "lines", PROTO_T_INT, false, 0, PROTO_LINES_MAX, NULL },
	{ "follow", PROTO_T_BOOL, false, 0, 0, NULL },
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_sendstdin[] = {
	{ "name", PROTO_T_STRING, true, 1, PROTO_NAME_MAX, NULL },
	{ "data", PROTO_T_DATA, true, 1, PROTO_STDIN_MAX, NULL },
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_names[] = {
	{ "names", PROTO_T_NAMES, true, 1, PROTO_NAMES_MAX, NULL },
	{ NULL, 0, false, 0, 0, NULL },
};
static const struct proto_arg args_update[] = {
	{ "names", PROTO_T_NAMES, false, 0, PROTO_NAMES_MAX, NULL },
	{ "dry_run", PROTO_T_BOOL, false, 0, 0, NULL },
	{ NULL, 0, false, 0, 0, NULL },
};

/* Indexed by enum proto_cmd. */
static const struct proto_cmd_spec cmd_specs[PROTO_CMD_COUNT] = {
	{ PROTO_CMD_STATUS, "status", args_status },
	{ PROTO_CMD_START, "start", args_action },
	{ PROTO_CMD_STOP, "stop", args_action },
	{ PROTO_CMD_RESTART, "restart", args_action },
	{ PROTO_CMD_SIGNAL, "signal", args_signal },
	{ PROTO_CMD_PID, "pid", args_pid },
	{ PROTO_CMD_RELOAD, "reload", args_reload },
	{ PROTO_CMD_SHUTDOWN, "shutdown", args_none },
	{ PROTO_CMD_VERSION, "version", args_none },
	{ PROTO_CMD_TAIL, "tail", args_tail },
	{ PROTO_CMD_MAINTAIL, "maintail", args_maintail },
	{ PROTO_CMD_EVENTS, "events", args_none },
	{ PROTO_CMD_SENDSTDIN, "sendstdin", args_sendstdin },
	{ PROTO_CMD_CLEAR, "clear", args_names },
	{ PROTO_CMD_CLEARLOG, "clearlog", args_none },
	{ PROTO_CMD_REREAD, "reread", args_none },
	{ PROTO_CMD_AVAIL, "avail", args_none },
	{ PROTO_CMD_UPDATE, "update", args_update },
	{ PROTO_CMD_ADD, "add", args_names },
	{ PROTO_CMD_REMOVE, "remove", args_names },
};

const char *
proto_code_name(enum proto_code code)
{
	if ((unsigned)code >= PROTO_CODE_COUNT)
		return "failed";
	return code_names[code];
}

int
proto_code_parse(const char *s, enum proto_code *out)
{
	size_t	i;

	for (i = 0; i < PROTO_CODE_COUNT; i++) {
		if (strcmp(s, code_names[i]) == 0) {
			*out = (enum proto_code)i;
			return 0;
		}
	}
	return -1;
}

const struct proto_cmd_spec *
proto_cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < PROTO_CMD_COUNT; i++)
		if (strcmp(cmd_specs[i].name, name) == 0)
			return &cmd_specs[i];
	return NULL;
}

const struct proto_cmd_spec *
proto_cmd_spec(enum proto_cmd cmd)
{
	if ((unsigned)cmd >= PROTO_CMD_COUNT)
		return NULL;
	return &cmd_specs[cmd];
}

const cJSON *
proto_get(const struct proto_request *req, const char *key)
{
	if (req->doc == NULL)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(req->doc, key);
}

bool
proto_get_bool(const struct proto_request *req, const char *key, bool def)
{
	const cJSON	*v = proto_get(req, key);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

long
proto_get_int(const struct proto_request *req, const char *key, long def)
{
	const cJSON	*v = proto_get(req, key);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : def;
}

const char *
proto_get_string(const struct proto_request *req, const char *key,
    const char *def)
{
	const cJSON	*v = proto_get(req, key);

	return cJSON_IsString(v) ? v->valuestring : def;
}

size_t
proto_get_names(const struct proto_request *req, const char *key,
    const char ***out)
{
	const cJSON	*v = proto_get(req, key), *e;
	size_t		 n = 0;

	*out = NULL;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return 0;
	*out = xreallocarray(NULL, cJSON_GetArraySize(v), sizeof(**out));
	cJSON_ArrayForEach(e, v)
		(*out)[n++] = e->valuestring;
	return n;
}

const char *
proto_field_name(enum proto_field f)
{
	if ((unsigned)f >= PROTO_FIELD_COUNT)
		return NULL;
	return field_names[f];
}

unsigned
proto_get_fields(const struct proto_request *req)
{
	const cJSON	*v = proto_get(req, "fields"), *e;
	unsigned	 set = 0, f;

	if (!cJSON_IsArray(v))
		return PROTO_FIELDS_ALL;
	cJSON_ArrayForEach(e, v) {
		for (f = 0; f < PROTO_FIELD_COUNT; f++)
			if (cJSON_IsString(e) &&
			    strcmp(field_names[f], e->valuestring) == 0)
				set |= 1U << f;
	}
	return set;
}

/* Render an object as one line; cJSON only fails when out of memory. */
static char *
render_line(cJSON *obj, size_t *len)
{
	char	*text, *line;
	size_t	 n;

	if ((text = cJSON_PrintUnformatted(obj)) == NULL)
		fatalx("cannot render a JSON reply");
	cJSON_Delete(obj);
	n = strlen(text);
	/* Names and messages may hold any bytes: the line is UTF-8. */
	if ((line = proto_utf8_repair(text, n, 2, &n)) == NULL) {
		line = xmalloc(n + 2);
		memcpy(line, text, n);
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	cJSON_free(text);
	*len = n + 1;
	return line;
}

/* The envelope of every reply: the echoed id first, then ok. */
static cJSON *
envelope(const cJSON *id, bool ok)
{
	cJSON	*obj = cJSON_CreateObject(), *copy;

	if (obj == NULL)
		fatalx("out of memory");
	if (id != NULL) {
		if ((copy = cJSON_Duplicate(id, true)) == NULL)
			fatalx("out of memory");
		cJSON_AddItemToObject(obj, "id", copy);
	}
	cJSON_AddBoolToObject(obj, "ok", ok);
	return obj;
}

char *
proto_reply_ok(const cJSON *id, cJSON *result, size_t *len)
{
	cJSON	*obj = envelope(id, true);

	if (result == NULL)
		result = cJSON_CreateObject();
	cJSON_AddItemToObject(obj, "result", result);
	return render_line(obj, len);
}

char *
proto_reply_error(const cJSON *id, enum proto_code code, const char *message,
    cJSON *result, size_t *len)
{
	cJSON	*obj = envelope(id, false), *err;

	err = cJSON_AddObjectToObject(obj, "error");
	cJSON_AddStringToObject(err, "code", proto_code_name(code));
	cJSON_AddStringToObject(err, "message", message);
	if (result != NULL)
		cJSON_AddItemToObject(obj, "result", result);
	return render_line(obj, len);
}

char *
proto_stream(const char *stream, cJSON *fields, size_t *len)
{
	cJSON	*obj = envelope(NULL, true), *v;

	cJSON_AddStringToObject(obj, "stream", stream);
	if (fields != NULL) {
		while ((v = fields->child) != NULL) {
			cJSON_DetachItemViaPointer(fields, v);
			cJSON_AddItemToObject(obj, v->string, v);
		}
		cJSON_Delete(fields);
	}
	return render_line(obj, len);
}

char *
proto_encode(cJSON *req, size_t *len)
{
	return render_line(req, len);
}

int
proto_reply_decode(struct proto_reply *r, const char *line, size_t len,
    char *cause, size_t causelen)
{
	cJSON	*doc, *ok, *v;

	memset(r, 0, sizeof(*r));
	if ((doc = cJSON_ParseWithLength(line, len)) == NULL) {
		snprintf(cause, causelen, "reply is not JSON");
		return -1;
	}
	r->doc = doc;
	ok = cJSON_GetObjectItemCaseSensitive(doc, "ok");
	if (!cJSON_IsObject(doc) || !cJSON_IsBool(ok)) {
		snprintf(cause, causelen, "reply has no 'ok'");
		return -1;
	}
	r->ok = cJSON_IsTrue(ok);
	v = cJSON_GetObjectItemCaseSensitive(doc, "stream");
	r->stream = cJSON_IsString(v) ? v->valuestring : NULL;
	v = cJSON_GetObjectItemCaseSensitive(doc, "result");
	r->result = cJSON_IsObject(v) ? v : NULL;
	v = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (!r->ok) {
		if (!cJSON_IsObject(v)) {
			snprintf(cause, causelen, "error reply has no 'error'");
			return -1;
		}
		r->error = v;
		r->code = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(v, "code"));
		r->message = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(v, "message"));
		if (r->code == NULL)
			r->code = "failed";
		if (r->message == NULL)
			r->message = r->code;
	}
	return 0;
}

void
proto_reply_release(struct proto_reply *r)
{
	cJSON_Delete(r->doc);
	memset(r, 0, sizeof(*r));
}

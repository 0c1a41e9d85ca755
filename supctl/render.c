/*
 * What supctl prints: supervisorctl's aligned status table, action
 * results, log data and events, with colour only on a terminal (and never
 * under NO_COLOR), or the daemon's JSON as is with --json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "supctl.h"

/* One JSON document on stdout. */
void
render_json(const cJSON *v)
{
	char	*text = cJSON_Print(v);

	if (text == NULL) {
		fprintf(stderr, "supctl: out of memory\n");
		exit(EXIT_FAILED);
	}
	printf("%s\n", text);
	cJSON_free(text);
	fflush(stdout);
}

/* An error reply as a document: ok, error and any result, no id. */
void
render_reply_json(const struct proto_reply *r)
{
	cJSON	*doc = cJSON_Duplicate(r->doc, true);

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "id");
	render_json(doc);
	cJSON_Delete(doc);
}

/* ANSI colour of a state name, as a user scans for trouble. */
const char *
render_color(struct ctx *ctx, const char *state)
{
	if (!ctx->color || state == NULL)
		return "";
	if (strcmp(state, "RUNNING") == 0)
		return "\033[32m";
	if (strcmp(state, "STARTING") == 0 || strcmp(state, "STOPPING") == 0 ||
	    strcmp(state, "BACKOFF") == 0)
		return "\033[33m";
	if (strcmp(state, "FATAL") == 0 || strcmp(state, "EXITED") == 0 ||
	    strcmp(state, "UNKNOWN") == 0 || strcmp(state, "ERROR") == 0)
		return "\033[31m";
	return "";
}

const char *
render_reset(struct ctx *ctx)
{
	return ctx->color ? "\033[0m" : "";
}

static const char *
str_field(const cJSON *obj, const char *key)
{
	const char	*s = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(obj, key));

	return s != NULL ? s : "";
}

/* s, then spaces up to width: printf's "%-*s". */
static void
put_padded(const char *s, size_t width)
{
	static const char	spaces[] = "                                ";
	size_t			n = strlen(s), k;

	fwrite(s, 1, n, stdout);
	for (; n < width; n += k) {
		k = width - n < sizeof(spaces) - 1 ? width - n :
		    sizeof(spaces) - 1;
		fwrite(spaces, 1, k, stdout);
	}
}

/*
 * supervisorctl's table: the name padded to the longest (at least 30)
 * plus 3, the state padded to 10, then the description.  Written piece by
 * piece: printf() of each line was a tenth of a status of 1000 programs.
 */
void
render_status(struct ctx *ctx, const cJSON *procs)
{
	const cJSON	*p;
	size_t		 width = 30, n;
	const char	*state, *desc, *text;

	cJSON_ArrayForEach(p, procs) {
		if ((n = strlen(str_field(p, "fullname"))) > width)
			width = n;
	}
	cJSON_ArrayForEach(p, procs) {
		state = str_field(p, "state");
		desc = str_field(p, "description");
		/* STATUS= of a ready=notify program, after the description. */
		text = str_field(p, "status_text");
		put_padded(str_field(p, "fullname"), width + 3);
		fputs(render_color(ctx, state), stdout);
		put_padded(state, 10);
		fputs(render_reset(ctx), stdout);
		fputs(desc, stdout);
		if (*text != '\0') {
			fputs(*desc != '\0' ? " - " : "- ", stdout);
			fputs(text, stdout);
		}
		putchar('\n');
	}
	fflush(stdout);
}

/* A request that failed as a whole: say so, exit 1. */
int
render_error(struct ctx *ctx, const struct proto_reply *r)
{
	if (ctx->json)
		render_reply_json(r);
	fprintf(stderr, "supctl: %s\n", r->message);
	return EXIT_FAILED;
}

/* The bytes of a JSON string (a cJSON string stops at NUL: so do we). */
void
render_data(const cJSON *v)
{
	const char	*s = cJSON_GetStringValue(v);

	if (s == NULL)
		return;
	fwrite(s, 1, strlen(s), stdout);
	fflush(stdout);
}

/* "2026-11-24 21:29:35.123 web:web_00 STARTING -> RUNNING (pid 1234)" */
void
render_event(struct ctx *ctx, const cJSON *e)
{
	const cJSON	*exit_info, *v;
	double		 t;
	time_t		 secs;
	struct tm	 tm;
	char		 when[64] = "";
	const char	*to = str_field(e, "to");

	v = cJSON_GetObjectItemCaseSensitive(e, "time");
	if (cJSON_IsNumber(v)) {
		t = v->valuedouble;
		secs = (time_t)t;
		if (localtime_r(&secs, &tm) != NULL) {
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
			snprintf(when + strlen(when), sizeof(when) -
			    strlen(when), ".%03d", (int)((t - secs) * 1000));
		}
	}
	printf("%s %s %s -> %s%s%s", when, str_field(e, "fullname"),
	    str_field(e, "from"), render_color(ctx, to), to,
	    render_reset(ctx));
	v = cJSON_GetObjectItemCaseSensitive(e, "pid");
	if (cJSON_IsNumber(v) && v->valuedouble > 0)
		printf(" (pid %.0f", v->valuedouble);
	else
		printf(" (no pid");
	exit_info = cJSON_GetObjectItemCaseSensitive(e, "exit");
	if (cJSON_IsObject(exit_info))
		printf(", %s", str_field(exit_info, "description"));
	if (*str_field(e, "spawnerr") != '\0' && strcmp(to, "RUNNING") != 0)
		printf(", %s", str_field(e, "spawnerr"));
	printf(")\n");
	fflush(stdout);
}

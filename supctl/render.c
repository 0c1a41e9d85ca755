/*
 * What supctl prints: supervisorctl's aligned status table, action
 * results, log data and events, with colour only on a terminal (and never
 * under NO_COLOR), or the daemon's JSON as is with --json.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <cjson/cJSON.h>

#include "proto.h"
#include "supctl.h"
#include "unctrl.h"

/* The code point of a valid UTF-8 sequence of n (2 to 4) bytes. */
static unsigned
utf8_codepoint(const unsigned char *s, int n)
{
	unsigned	cp = s[0] & (0xff >> (n + 1));
	int		i;

	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

/* One JSON document on stdout, indented or on one line. */
static void
print_json(const cJSON *v, bool indent)
{
	char	*text = indent ? cJSON_Print(v) : cJSON_PrintUnformatted(v);

	if (text == NULL) {
		fprintf(stderr, "supctl: out of memory\n");
		exit(EXIT_FAILED);
	}
	printf("%s\n", text);
	cJSON_free(text);
	fflush(stdout);
}

void
render_json(const cJSON *v)
{
	print_json(v, true);
}

/* A stream's messages: one compact document a line. */
void
render_json_line(const cJSON *v)
{
	print_json(v, false);
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

/*
 * wcwidth() needs a UTF-8 LC_CTYPE, whatever LANG says.  Set on the first
 * character beyond ASCII only: loading a locale is about a third of a
 * millisecond of CPU, a tenth of a `supctl status`, and ASCII names never
 * need it (nothing else in supctl depends on LC_CTYPE).
 */
static void
utf8_locale(void)
{
	static bool	done;

	if (done)
		return;
	done = true;
	if (setlocale(LC_CTYPE, "") == NULL ||
	    strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
}

/*
 * The columns s takes on a terminal as render_text() writes it: wide
 * characters (日本) take two, combining ones none, an escaped control
 * byte four, a byte that is not UTF-8 one (it shows as U+FFFD).
 */
size_t
render_width(const char *s)
{
	size_t	 len = strlen(s), i = 0, cols = 0;
	int	 n, w;
	wchar_t	 wc;

	while (i < len) {
		n = proto_utf8_seq(s + i, len - i);
		if (n <= 0) {
			cols++;
			i += n < 0 ? (size_t)-n : len - i;
			continue;
		}
		if (n == 1) {
			cols += unctrl_byte((unsigned char)s[i]) ? 4 : 1;
			i++;
			continue;
		}
		utf8_locale();
		wc = (wchar_t)utf8_codepoint((const unsigned char *)s + i, n);
		w = wcwidth(wc);
		cols += w < 0 ? 1 : (size_t)w;
		i += (size_t)n;
	}
	return cols;
}

/* Text from the daemon on stdout, its control bytes escaped. */
void
render_text(const char *s)
{
	unctrl_fputs(s, stdout);
}

/* s, then spaces up to width columns: printf's "%-*s" for a terminal. */
static void
put_padded(const char *s, size_t width)
{
	static const char	spaces[] = "                                ";
	size_t			n = render_width(s), k;

	render_text(s);
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
		if ((n = render_width(str_field(p, "fullname"))) > width)
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
		render_text(desc);
		if (*text != '\0') {
			fputs(*desc != '\0' ? " - " : "- ", stdout);
			render_text(text);
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
	unctrl_printf(stderr, "supctl: %s\n", r->message);
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
	unctrl_printf(stdout, "%s %s %s -> ", when, str_field(e, "fullname"),
	    str_field(e, "from"));
	fputs(render_color(ctx, to), stdout);
	render_text(to);
	fputs(render_reset(ctx), stdout);
	v = cJSON_GetObjectItemCaseSensitive(e, "pid");
	if (cJSON_IsNumber(v) && v->valuedouble > 0)
		printf(" (pid %.0f", v->valuedouble);
	else
		printf(" (no pid");
	exit_info = cJSON_GetObjectItemCaseSensitive(e, "exit");
	if (cJSON_IsObject(exit_info))
		unctrl_printf(stdout, ", %s", str_field(exit_info,
		    "description"));
	if (*str_field(e, "spawnerr") != '\0' && strcmp(to, "RUNNING") != 0)
		unctrl_printf(stdout, ", %s", str_field(e, "spawnerr"));
	printf(")\n");
	fflush(stdout);
}

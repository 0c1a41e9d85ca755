/*
 * A JSON writer into a protocol buffer.  A status reply of 1000 programs
 * built as a cJSON tree, printed, then checked for invalid UTF-8 cost the
 * daemon some 7 ms of mallocs, frees and copies; written here directly it
 * costs a fraction of that, with the same text byte for byte.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "log.h"

void
jsonw_init(struct jsonw *w, struct proto_buf *b)
{
	w->b = b;
	w->depth = 0;
	w->more = 0;
}

static void
put(struct jsonw *w, const char *s, size_t n)
{
	proto_buf_add(w->b, s, n);
}

/*
 * The string literal, with its quotes: escapes as cJSON's printer makes
 * them, and each invalid UTF-8 sequence as U+FFFD in UTF-8, as
 * proto_utf8_repair() makes the printed line valid.
 */
static void
put_string(struct jsonw *w, const void *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s = buf;
	char			*o;
	size_t			 i = 0;
	int			 n;

	/* Worst case: every byte a 6-byte escape, and the quotes. */
	if (len > (SIZE_MAX - 2) / 6)
		fatalx("string too long for a reply");
	o = proto_buf_reserve(w->b, 6 * len + 2);
	*o++ = '"';
	while (i < len) {
		if (s[i] >= 0x80) {
			if ((n = proto_utf8_seq(s + i, len - i)) == 0)
				n = -(int)(len - i);
			if (n < 0) {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i += -n;
			} else {
				memcpy(o, s + i, n);
				o += n;
				i += n;
			}
			continue;
		}
		switch (s[i]) {
		case '"':
		case '\\':
			*o++ = '\\';
			*o++ = s[i];
			break;
		case '\b':
			*o++ = '\\';
			*o++ = 'b';
			break;
		case '\f':
			*o++ = '\\';
			*o++ = 'f';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		default:
			if (s[i] < 0x20) {
				memcpy(o, "\\u00", 4);
				o[4] = hex[s[i] >> 4];
				o[5] = hex[s[i] & 0xf];
				o += 6;
			} else
				*o++ = s[i];
			break;
		}
		i++;
	}
	*o++ = '"';
	w->b->len = o - w->b->data;
}

/* Before a value: the comma after the previous member, and the key. */
static void
member(struct jsonw *w, const char *key)
{
	uint64_t	bit = 1ULL << w->depth;

	if (w->more & bit)
		put(w, ",", 1);
	w->more |= bit;
	if (key != NULL) {
		put_string(w, key, strlen(key));
		put(w, ":", 1);
	}
}

static void
open_container(struct jsonw *w, const char *key, const char *c)
{
	member(w, key);
	put(w, c, 1);
	if (++w->depth >= JSONW_DEPTH)
		fatalx("JSON reply nested too deep");
	w->more &= ~(1ULL << w->depth);
}

static void
close_container(struct jsonw *w, const char *c)
{
	if (w->depth == 0)
		fatalx("JSON reply closed more than opened");
	w->depth--;
	put(w, c, 1);
}

void
jsonw_object(struct jsonw *w, const char *key)
{
	open_container(w, key, "{");
}

void
jsonw_object_end(struct jsonw *w)
{
	close_container(w, "}");
}

void
jsonw_array(struct jsonw *w, const char *key)
{
	open_container(w, key, "[");
}

void
jsonw_array_end(struct jsonw *w)
{
	close_container(w, "]");
}

void
jsonw_string(struct jsonw *w, const char *key, const char *s)
{
	member(w, key);
	put_string(w, s, strlen(s));
}

void
jsonw_string_len(struct jsonw *w, const char *key, const void *s, size_t len)
{
	member(w, key);
	put_string(w, s, len);
}

void
jsonw_raw(struct jsonw *w, const char *key, const char *text)
{
	member(w, key);
	put(w, text, strlen(text));
}

/*
 * Digits of an integer at the end of buf, with a '-' when negative: the
 * start.  A status has five numbers a process, and snprintf() was a fifth
 * of the daemon's time writing it.
 */
static char *
fmt_int(char *end, unsigned long long u, bool neg)
{
	char	*p = end;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (neg)
		*--p = '-';
	return p;
}

static void
put_member_text(struct jsonw *w, const char *key, const char *s, size_t n)
{
	member(w, key);
	put(w, s, n);
}

void
jsonw_int(struct jsonw *w, const char *key, long long v)
{
	char			 buf[32], *p;
	unsigned long long	 u;

	u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	p = fmt_int(buf + sizeof(buf), u, v < 0);
	put_member_text(w, key, p, buf + sizeof(buf) - p);
}

/*
 * cJSON's choice: an integral value as an integer, else %1.15g when it
 * reads back the same, else %1.17g.  From 10^15 on, cJSON accepts 15
 * digits that read back only nearly the same; here they must read back
 * exactly (no field of ours comes near).
 */
void
jsonw_number(struct jsonw *w, const char *key, double d)
{
	char	buf[64];

	if (!isfinite(d))
		snprintf(buf, sizeof(buf), "null");
	else if (d == 0 && signbit(d))
		snprintf(buf, sizeof(buf), "-0");	/* as cJSON prints it */
	else if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, sizeof(buf), "%lld", (long long)d);
	else {
		snprintf(buf, sizeof(buf), "%1.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, sizeof(buf), "%1.17g", d);
	}
	jsonw_raw(w, key, buf);
}

void
jsonw_seconds(struct jsonw *w, const char *key, double t)
{
	char			 buf[64], *p;
	long long		 us;
	unsigned long long	 u;
	int			 i;

	if (!isfinite(t) || fabs(t) >= 9e12) {
		jsonw_number(w, key, t);
		return;
	}
	us = llround(t * 1e6);
	u = (unsigned long long)llabs(us);
	/* "%s%lld.%06lld": six decimals, then the whole seconds. */
	p = buf + sizeof(buf);
	for (i = 0; i < 6; i++, u /= 10)
		*--p = (char)('0' + u % 10);
	*--p = '.';
	p = fmt_int(p, u, us < 0);
	put_member_text(w, key, p, buf + sizeof(buf) - p);
}

void
jsonw_bool(struct jsonw *w, const char *key, bool v)
{
	jsonw_raw(w, key, v ? "true" : "false");
}

void
jsonw_null(struct jsonw *w, const char *key)
{
	jsonw_raw(w, key, "null");
}

/* Through the same repair as every cJSON line: the id may hold any text. */
void
jsonw_cjson(struct jsonw *w, const char *key, const cJSON *v)
{
	char	*text, *fixed;
	size_t	 n;

	if ((text = cJSON_PrintUnformatted(v)) == NULL)
		fatalx("cannot render a JSON value");
	n = strlen(text);
	member(w, key);
	if ((fixed = proto_utf8_repair(text, n, 0, &n)) != NULL) {
		put(w, fixed, n);
		free(fixed);
	} else
		put(w, text, n);
	cJSON_free(text);
}

void
jsonw_newline(struct jsonw *w)
{
	put(w, "\n", 1);
}

/* The envelopes of proto_reply_ok() and proto_reply_error(). */
void
proto_reply_open(struct jsonw *w, const cJSON *id, enum proto_code code,
    const char *message)
{
	jsonw_object(w, NULL);
	if (id != NULL)
		jsonw_cjson(w, "id", id);
	jsonw_bool(w, "ok", code == PROTO_OK);
	if (code != PROTO_OK) {
		jsonw_object(w, "error");
		jsonw_string(w, "code", proto_code_name(code));
		jsonw_string(w, "message", message);
		jsonw_object_end(w);
	}
	jsonw_object(w, "result");
}

void
proto_reply_close(struct jsonw *w)
{
	jsonw_object_end(w);
	jsonw_object_end(w);
	jsonw_newline(w);
}

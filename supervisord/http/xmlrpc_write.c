/*
 * The XML-RPC response writer: the bytes Python's xmlrpc.client writes
 * (Supervisor replies with its dumps()), so a client that compares bytes
 * sees no difference.  Text is made valid XML 1.0 on the way.
 */
#include <stdio.h>
#include <string.h>

#include "xmlrpc.h"

#define ADD(b, s)	put((b), (s), sizeof(s) - 1)

/* proto_buf_add() without its call when the room is there already: a
   large response is sized beforehand, and made of many small pieces. */
static inline void
put(struct proto_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->size - b->len >= n) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
	} else
		proto_buf_add(b, p, n);
}

/* The decimal digits of i, ended at end: where they begin. */
static char *
fmt_lld(char *end, long long i)
{
	unsigned long long	u = i < 0 ? 0ULL - (unsigned long long)i :
				    (unsigned long long)i;

	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (i < 0)
		*--end = '-';
	return end;
}

void
xw_int(struct proto_buf *b, long long i)
{
	char	 buf[24], *end = buf + sizeof(buf), *p = fmt_lld(end, i);

	/* Beyond 32 bits Python refuses to write it; <i8> reads back. */
	if (i < -2147483648LL || i > 2147483647LL) {
		ADD(b, "<value><i8>");
		put(b, p, (size_t)(end - p));
		ADD(b, "</i8></value>\n");
	} else {
		ADD(b, "<value><int>");
		put(b, p, (size_t)(end - p));
		ADD(b, "</int></value>\n");
	}
}

void
xw_bool(struct proto_buf *b, bool v)
{
	if (v)
		ADD(b, "<value><boolean>1</boolean></value>\n");
	else
		ADD(b, "<value><boolean>0</boolean></value>\n");
}

void
xw_double(struct proto_buf *b, double d)
{
	char	buf[64];
	int	n;

	n = snprintf(buf, sizeof(buf), "<value><double>%.17g</double>"
	    "</value>\n", d);
	proto_buf_add(b, buf, (size_t)n);
}

/* Whether the code point may appear in an XML 1.0 document. */
static bool
xml_char_ok(const unsigned char *s, int len)
{
	unsigned	c;

	if (len == 1)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' ||
		    s[0] == '\r';
	if (len == 3) {
		c = (s[0] & 0x0fU) << 12 | (s[1] & 0x3fU) << 6 | (s[2] & 0x3fU);
		return c != 0xfffe && c != 0xffff;
	}
	return true;
}

/* Text escaped as Python's escape() does, made valid XML. */
static void
text_escape(struct proto_buf *b, const char *s, size_t len)
{
	static const char	 bad[] = "\xef\xbf\xbd";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, run = 0;
	int			 n;

	while (i < len) {
		/* Printable ASCII, most of any text, in one test. */
		if (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '&' &&
		    p[i] != '<' && p[i] != '>') {
			i++;
			continue;
		}
		switch (p[i]) {
		case '&': case '<': case '>':
			put(b, s + run, i - run);
			if (p[i] == '&')
				ADD(b, "&amp;");
			else if (p[i] == '<')
				ADD(b, "&lt;");
			else
				ADD(b, "&gt;");
			run = ++i;
			continue;
		default:
			break;
		}
		n = proto_utf8_seq(p + i, len - i);
		if (n > 0 && xml_char_ok(p + i, n)) {
			i += (size_t)n;
			continue;
		}
		put(b, s + run, i - run);
		ADD(b, bad);
		i += n == 0 ? len - i : (size_t)(n < 0 ? -n : n);
		run = i;
	}
	put(b, s + run, i - run);
}

void
xw_stringn(struct proto_buf *b, const char *s, size_t len)
{
	ADD(b, "<value><string>");
	text_escape(b, s, len);
	ADD(b, "</string></value>\n");
}

void
xw_string(struct proto_buf *b, const char *s)
{
	xw_stringn(b, s, strlen(s));
}

void
xw_array_open(struct proto_buf *b)
{
	ADD(b, "<value><array><data>\n");
}

void
xw_array_close(struct proto_buf *b)
{
	ADD(b, "</data></array></value>\n");
}

void
xw_struct_open(struct proto_buf *b)
{
	ADD(b, "<value><struct>\n");
}

void
xw_struct_close(struct proto_buf *b)
{
	ADD(b, "</struct></value>\n");
}

void
xw_member(struct proto_buf *b, const char *name)
{
	ADD(b, "<member>\n<name>");
	text_escape(b, name, strlen(name));
	ADD(b, "</name>\n");
}

void
xw_member_close(struct proto_buf *b)
{
	ADD(b, "</member>\n");
}

void
xw_member_int(struct proto_buf *b, const char *name, long long i)
{
	xw_member(b, name);
	xw_int(b, i);
	xw_member_close(b);
}

void
xw_member_bool(struct proto_buf *b, const char *name, bool v)
{
	xw_member(b, name);
	xw_bool(b, v);
	xw_member_close(b);
}

void
xw_member_string(struct proto_buf *b, const char *name, const char *s)
{
	xw_member(b, name);
	xw_string(b, s);
	xw_member_close(b);
}

void
xw_value(struct proto_buf *b, const struct xr_value *v)
{
	size_t	i;

	switch (v->type) {
	case XR_INT:
		xw_int(b, v->i);
		break;
	case XR_BOOL:
		xw_bool(b, v->i != 0);
		break;
	case XR_DOUBLE:
		xw_double(b, v->d);
		break;
	case XR_NIL:
		ADD(b, "<value><nil/></value>\n");
		break;
	case XR_ARRAY:
		xw_array_open(b);
		for (i = 0; i < v->n; i++)
			xw_value(b, v->items[i]);
		xw_array_close(b);
		break;
	case XR_STRUCT:
		xw_struct_open(b);
		for (i = 0; i < v->n; i++) {
			xw_member(b, v->items[i]->name);
			xw_value(b, v->items[i]);
			xw_member_close(b);
		}
		xw_struct_close(b);
		break;
	default:
		xw_stringn(b, v->s, v->len);
		break;
	}
}

void
xw_response_head(struct proto_buf *out)
{
	ADD(out, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n"
	    "<param>\n");
}

void
xw_response_tail(struct proto_buf *out)
{
	ADD(out, "</param>\n</params>\n</methodResponse>\n");
}

void
xw_fault(struct proto_buf *out, int code, const char *text)
{
	ADD(out, "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n");
	xw_struct_open(out);
	xw_member_int(out, "faultCode", code);
	xw_member_string(out, "faultString", text);
	xw_struct_close(out);
	ADD(out, "</fault>\n</methodResponse>\n");
}

/*
 * The XML-RPC request decoder: expat events into a tree of values.  Every
 * element is checked against its parent, so a document is either a whole
 * methodCall or refused with the reason.  No DTD is accepted: a DOCTYPE
 * or an entity declaration stops the parser before anything is expanded.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "xmalloc.h"
#include "xmlrpc.h"

enum xr_tag {
	T_METHODCALL, T_METHODNAME, T_PARAMS, T_PARAM, T_VALUE, T_STRUCT,
	T_MEMBER, T_NAME, T_ARRAY, T_DATA, T_STRING, T_INT, T_I4, T_I8,
	T_BOOLEAN, T_DOUBLE, T_DATETIME, T_BASE64, T_NIL, T_COUNT
};

/* Each element, the parent it must have, and the type it gives a value. */
static const struct {
	const char	*name;
	int		 parent;	/* an enum xr_tag, -1: the root */
	enum xr_type	 type;
} tags[T_COUNT] = {
	[T_METHODCALL]	= { "methodCall", -1, 0 },
	[T_METHODNAME]	= { "methodName", T_METHODCALL, 0 },
	[T_PARAMS]	= { "params", T_METHODCALL, 0 },
	[T_PARAM]	= { "param", T_PARAMS, 0 },
	[T_VALUE]	= { "value", -2, 0 },	/* param, data or member */
	[T_STRUCT]	= { "struct", T_VALUE, XR_STRUCT },
	[T_MEMBER]	= { "member", T_STRUCT, 0 },
	[T_NAME]	= { "name", T_MEMBER, 0 },
	[T_ARRAY]	= { "array", T_VALUE, XR_ARRAY },
	[T_DATA]	= { "data", T_ARRAY, 0 },
	[T_STRING]	= { "string", T_VALUE, XR_STRING },
	[T_INT]		= { "int", T_VALUE, XR_INT },
	[T_I4]		= { "i4", T_VALUE, XR_INT },
	[T_I8]		= { "i8", T_VALUE, XR_INT },
	[T_BOOLEAN]	= { "boolean", T_VALUE, XR_BOOL },
	[T_DOUBLE]	= { "double", T_VALUE, XR_DOUBLE },
	[T_DATETIME]	= { "dateTime.iso8601", T_VALUE, XR_DATETIME },
	[T_BASE64]	= { "base64", T_VALUE, XR_BASE64 },
	[T_NIL]		= { "nil", T_VALUE, XR_NIL },
};

#define STACK_MAX	(3 * XR_DEPTH_MAX + 8)

struct frame {
	enum xr_tag	 tag;
	struct xr_value	*value;		/* VALUE: the value; MEMBER: its own */
	bool		 typed;		/* VALUE: a type element was seen */
	char		*name;		/* MEMBER: its <name> */
};

struct decoder {
	XML_Parser	 parser;
	struct xr_call	*call;
	struct frame	 stack[STACK_MAX];
	size_t		 depth;
	size_t		 nesting;	/* arrays and structs open */
	struct proto_buf text;		/* character data of the element */
	char		*cause;
	size_t		 causelen;
	bool		 failed;
};

static void	fail(struct decoder *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
fail(struct decoder *dc, const char *fmt, ...)
{
	va_list	ap;

	if (dc->failed)
		return;
	dc->failed = true;
	va_start(ap, fmt);
	vsnprintf(dc->cause, dc->causelen, fmt, ap);
	va_end(ap);
	XML_StopParser(dc->parser, XML_FALSE);
}

const char *
xr_type_name(enum xr_type t)
{
	static const char *const names[] = { "string", "int", "boolean",
	    "double", "dateTime.iso8601", "base64", "nil", "array", "struct" };

	return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

void
xr_value_free(struct xr_value *v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++)
		xr_value_free(v->items[i]);
	free(v->items);
	free(v->name);
	free(v->s);
	free(v);
}

void
xr_call_release(struct xr_call *call)
{
	size_t	i;

	for (i = 0; i < call->nparams; i++)
		xr_value_free(call->params[i]);
	free(call->params);
	free(call->method);
	memset(call, 0, sizeof(*call));
}

const struct xr_value *
xr_member(const struct xr_value *v, const char *name)
{
	size_t	i;

	if (v == NULL || v->type != XR_STRUCT)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->items[i]->name, name) == 0)
			return v->items[i];
	return NULL;
}

static void
list_add(struct xr_value ***list, size_t *n, struct xr_value *v)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = v;
}

/* Where a new <value> goes: a param, an array's data or a member. */
static void
value_start(struct decoder *dc, struct frame *parent, struct frame *f)
{
	struct xr_value	*v = xcalloc(1, sizeof(*v));
	struct frame	*array;

	f->value = v;
	switch (parent->tag) {
	case T_PARAM:
		if (parent->value != NULL)
			break;
		parent->value = v;
		list_add(&dc->call->params, &dc->call->nparams, v);
		return;
	case T_DATA:
		array = parent - 1;	/* <array>, inside its <value> */
		list_add(&(array - 1)->value->items, &(array - 1)->value->n,
		    v);
		return;
	case T_MEMBER:
		if (parent->value != NULL)
			break;
		parent->value = v;
		return;
	default:
		break;
	}
	free(v);
	f->value = NULL;
	fail(dc, "unexpected <value> in <%s>", tags[parent->tag].name);
}

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct decoder	*dc = arg;
	struct frame	*f, *parent = dc->depth ? &dc->stack[dc->depth - 1] :
			    NULL;
	int		 t;

	if (dc->failed)
		return;
	for (t = 0; t < T_COUNT; t++)
		if (strcmp(tags[t].name, name) == 0)
			break;
	if (t == T_COUNT) {
		fail(dc, "unknown element <%.64s>", name);
		return;
	}
	if (parent == NULL ? t != T_METHODCALL :
	    (t == T_VALUE ? !(parent->tag == T_PARAM || parent->tag == T_DATA ||
	    parent->tag == T_MEMBER) : tags[t].parent != (int)parent->tag)) {
		fail(dc, "unexpected <%s>%s%s%s", name, parent ? " in <" : "",
		    parent ? tags[parent->tag].name : " as the root",
		    parent ? ">" : "");
		return;
	}
	if (dc->depth == STACK_MAX || (tags[t].type >= XR_ARRAY &&
	    dc->nesting == XR_DEPTH_MAX)) {
		fail(dc, "nested deeper than %d", XR_DEPTH_MAX);
		return;
	}
	f = &dc->stack[dc->depth++];
	memset(f, 0, sizeof(*f));
	f->tag = t;
	dc->text.off = dc->text.len = 0;
	if (t == T_VALUE)
		value_start(dc, parent, f);
	else if (parent != NULL && parent->tag == T_VALUE) {
		if (parent->typed) {
			fail(dc, "a <value> with two types");
			return;
		}
		parent->typed = true;
		parent->value->type = tags[t].type;
		if (tags[t].type >= XR_ARRAY)
			dc->nesting++;
	}
}

static int
parse_int(struct decoder *dc, const char *s, enum xr_tag t, long long *out)
{
	char	*end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*s == '\0' || *end != '\0' || errno != 0 || (t != T_I8 &&
	    (*out < -2147483648LL || *out > 2147483647LL))) {
		fail(dc, "bad <%s> '%.64s'", tags[t].name, s);
		return -1;
	}
	return 0;
}

/* base64 as Python's decodebytes reads it: other characters skipped. */
static int
base64_decode(const char *in, char **out, size_t *outlen)
{
	static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned		 acc = 0, bits = 0;
	const char		*p;
	size_t			 n = 0;

	*out = xmalloc(strlen(in) * 3 / 4 + 2);
	for (p = in; *p != '\0' && *p != '='; p++) {
		const char *pos = strchr(alphabet, *p);

		if (pos == NULL)
			continue;
		acc = acc << 6 | (unsigned)(pos - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			(*out)[n++] = (char)(acc >> bits & 0xff);
		}
	}
	(*out)[n] = '\0';
	*outlen = n;
	return 0;
}

/* The end of a scalar's element: its text becomes the value. */
static void
scalar_end(struct decoder *dc, struct frame *f, struct xr_value *v)
{
	const char	*s;
	char		*end;

	proto_buf_add(&dc->text, "", 1);
	dc->text.len--;
	s = dc->text.data + dc->text.off;
	switch (f->tag) {
	case T_INT: case T_I4: case T_I8:
		parse_int(dc, s, f->tag, &v->i);
		break;
	case T_BOOLEAN:
		if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
			fail(dc, "bad <boolean> '%.64s'", s);
		v->i = s[0] == '1';
		break;
	case T_DOUBLE:
		v->d = strtod(s, &end);
		if (*s == '\0' || *end != '\0' || !isfinite(v->d))
			fail(dc, "bad <double> '%.64s'", s);
		break;
	case T_BASE64:
		base64_decode(s, &v->s, &v->len);
		break;
	case T_NIL:
		break;
	default:	/* string, dateTime.iso8601, a bare value */
		v->len = proto_buf_used(&dc->text);
		v->s = xmalloc(v->len + 1);
		memcpy(v->s, s, v->len + 1);
		break;
	}
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct decoder	*dc = arg;
	struct frame	*f, *parent;

	/* A refused <x/> still gets its end from expat. */
	if (dc->failed || dc->depth == 0)
		return;
	f = &dc->stack[dc->depth - 1];
	parent = dc->depth > 1 ? f - 1 : NULL;
	proto_buf_add(&dc->text, "", 1);
	dc->text.len--;
	switch (f->tag) {
	case T_METHODNAME:
		free(dc->call->method);
		dc->call->method = xstrdup(dc->text.data + dc->text.off);
		break;
	case T_NAME:
		free(parent->name);
		parent->name = xstrdup(dc->text.data + dc->text.off);
		break;
	case T_MEMBER:
		if (f->name == NULL || f->value == NULL) {
			fail(dc, "a <member> without its %s",
			    f->name == NULL ? "<name>" : "<value>");
			break;
		}
		f->value->name = f->name;
		f->name = NULL;
		/* The struct's value is in the <value> around <struct>. */
		list_add(&(parent - 1)->value->items, &(parent - 1)->value->n,
		    f->value);
		f->value = NULL;
		break;
	case T_VALUE:
		if (!f->typed)
			scalar_end(dc, f, f->value);
		break;
	case T_ARRAY:
	case T_STRUCT:
		dc->nesting--;
		break;
	case T_PARAM:
		if (f->value == NULL)
			fail(dc, "a <param> without its <value>");
		break;
	default:
		if (parent != NULL && parent->tag == T_VALUE)
			scalar_end(dc, f, parent->value);
		break;
	}
	free(f->name);
	/* A member's value not handed to its struct is freed here. */
	if (f->tag == T_MEMBER)
		xr_value_free(f->value);
	dc->depth--;
	dc->text.off = dc->text.len = 0;
}

static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct decoder	*dc = arg;
	struct frame	*f;
	int		 i;

	if (dc->failed || dc->depth == 0)
		return;
	f = &dc->stack[dc->depth - 1];
	switch (f->tag) {
	case T_METHODNAME: case T_NAME: case T_VALUE: case T_STRING:
	case T_INT: case T_I4: case T_I8: case T_BOOLEAN: case T_DOUBLE:
	case T_DATETIME: case T_BASE64:
		if (f->tag != T_VALUE || !f->typed)
			proto_buf_add(&dc->text, s, (size_t)len);
		return;
	default:
		for (i = 0; i < len; i++)
			if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
			    s[i] != '\r') {
				fail(dc, "text in <%s>", tags[f->tag].name);
				return;
			}
	}
}

static void XMLCALL
on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	fail(arg, "a DOCTYPE is not accepted");
}

static void XMLCALL
on_entity(void *arg, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	fail(arg, "an entity declaration is not accepted");
}

static void
decoder_unwind(struct decoder *dc)
{
	while (dc->depth > 0) {
		struct frame *f = &dc->stack[--dc->depth];

		free(f->name);
		if (f->tag == T_MEMBER)
			xr_value_free(f->value);
	}
}

int
xr_decode(struct xr_call *call, const char *body, size_t len, char *cause,
    size_t causelen)
{
	struct decoder	dc;
	enum XML_Status	st;

	memset(call, 0, sizeof(*call));
	memset(&dc, 0, sizeof(dc));
	dc.call = call;
	dc.cause = cause;
	dc.causelen = causelen;
	if ((dc.parser = XML_ParserCreate(NULL)) == NULL) {
		snprintf(cause, causelen, "cannot create an XML parser");
		return -1;
	}
	XML_SetUserData(dc.parser, &dc);
	XML_SetElementHandler(dc.parser, on_start, on_end);
	XML_SetCharacterDataHandler(dc.parser, on_text);
	XML_SetStartDoctypeDeclHandler(dc.parser, on_doctype);
	XML_SetEntityDeclHandler(dc.parser, on_entity);
	XML_SetParamEntityParsing(dc.parser, XML_PARAM_ENTITY_PARSING_NEVER);
	if (len > XR_BODY_MAX) {
		snprintf(cause, causelen, "request larger than %d bytes",
		    XR_BODY_MAX);
		dc.failed = true;
	} else {
		st = XML_Parse(dc.parser, body, (int)len, XML_TRUE);
		if (st == XML_STATUS_ERROR && !dc.failed) {
			snprintf(cause, causelen, "malformed XML at line %lu: "
			    "%s", (unsigned long)XML_GetCurrentLineNumber(
			    dc.parser), XML_ErrorString(XML_GetErrorCode(
			    dc.parser)));
			dc.failed = true;
		}
	}
	if (!dc.failed && call->method == NULL) {
		snprintf(cause, causelen, "no <methodName>");
		dc.failed = true;
	} else if (!dc.failed && call->method[0] == '\0') {
		snprintf(cause, causelen, "an empty <methodName>");
		dc.failed = true;
	}
	decoder_unwind(&dc);
	XML_ParserFree(dc.parser);
	proto_buf_release(&dc.text);
	if (dc.failed) {
		xr_call_release(call);
		return -1;
	}
	return 0;
}

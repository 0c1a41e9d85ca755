/*
 * %(name)s expansions: Python's "format % mapping", which is what
 * Supervisor's expand() and saneget() apply to values.  Widths, flags and
 * conversions behave as Python's, so %(process_num)02d and %(ENV_X).3s
 * give what Python Supervisor gives.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "log.h"
#include "xmalloc.h"

/* A growing output string. */
struct out {
	char	*s;
	size_t	 n;
	size_t	 cap;
};

static void
out_add(struct out *o, const char *p, size_t len)
{
	if (o->n + len + 1 > o->cap) {
		o->cap = (o->n + len + 1) * 2;
		o->s = xrealloc(o->s, o->cap);
	}
	memcpy(o->s + o->n, p, len);
	o->n += len;
	o->s[o->n] = '\0';
}

static void
out_pad(struct out *o, char c, size_t count)
{
	while (count-- > 0)
		out_add(o, &c, 1);
}

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("cannot allocate memory");
	out_add(o, s, (size_t)n);
	free(s);
}

static struct expn_item *
expn_find(const struct expn *e, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		if (strlen(e->v[i].name) == len &&
		    memcmp(e->v[i].name, name, len) == 0)
			return &e->v[i];
	return NULL;
}

static struct expn_item *
expn_slot(struct expn *e, const char *name)
{
	struct expn_item	*it;

	if ((it = expn_find(e, name, strlen(name))) != NULL) {
		free(it->sval);
		it->sval = NULL;
		return it;
	}
	e->v = xreallocarray(e->v, e->n + 1, sizeof(*e->v));
	it = &e->v[e->n++];
	memset(it, 0, sizeof(*it));
	it->name = xstrdup(name);
	return it;
}

void
expn_set(struct expn *e, const char *name, const char *val)
{
	struct expn_item	*it = expn_slot(e, name);

	it->is_int = false;
	it->sval = xstrdup(val);
}

void
expn_set_int(struct expn *e, const char *name, long long val)
{
	struct expn_item	*it = expn_slot(e, name);

	it->is_int = true;
	it->ival = val;
}

void
expn_merge(struct expn *dst, const struct expn *src)
{
	struct expn_item	*it;
	size_t			 i;

	/* Into an empty table (the usual case): a copy, no lookups. */
	if (dst->n == 0 && src->n > 0) {
		dst->v = xreallocarray(NULL, src->n, sizeof(*dst->v));
		for (i = 0; i < src->n; i++) {
			it = &dst->v[dst->n++];
			*it = src->v[i];
			it->name = xstrdup(src->v[i].name);
			it->sval = src->v[i].sval != NULL ?
			    xstrdup(src->v[i].sval) : NULL;
		}
		return;
	}
	for (i = 0; i < src->n; i++) {
		if (src->v[i].is_int)
			expn_set_int(dst, src->v[i].name, src->v[i].ival);
		else
			expn_set(dst, src->v[i].name, src->v[i].sval);
	}
}

void
expn_release(struct expn *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].name);
		free(e->v[i].sval);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

/* The conversion spec after %(name): flags, width, precision. */
struct spec {
	bool	 left, plus, space, alt, zero;
	long	 width;
	long	 prec;		/* -1: none */
	char	 conv;
};

/* Pad s (len bytes, ncp code points) to the width, as Python does. */
static void
put_padded(struct out *o, const struct spec *sp, const char *s, size_t len,
    size_t ncp)
{
	size_t	pad = sp->width > 0 && (size_t)sp->width > ncp ?
		    (size_t)sp->width - ncp : 0;

	if (!sp->left)
		out_pad(o, ' ', pad);
	out_add(o, s, len);
	if (sp->left)
		out_pad(o, ' ', pad);
}

/* Python's repr() (ascii_only: ascii()) of a string. */
static void
put_repr(struct out *o, const char *s, bool ascii_only)
{
	char		 quote = '\'';
	size_t		 len;
	unsigned	 cp;

	if (strchr(s, '\'') != NULL && strchr(s, '"') == NULL)
		quote = '"';
	out_add(o, &quote, 1);
	for (; *s != '\0'; s += len) {
		cp = value_decode(s, &len);
		if (cp == (unsigned char)quote || cp == '\\')
			out_printf(o, "\\%c", (char)cp);
		else if (cp == '\t')
			out_add(o, "\\t", 2);
		else if (cp == '\n')
			out_add(o, "\\n", 2);
		else if (cp == '\r')
			out_add(o, "\\r", 2);
		else if (cp < 0x20 || cp == 0x7f)
			out_printf(o, "\\x%02x", cp);
		else if (cp < 0x7f || (!ascii_only && value_printable(cp)))
			out_add(o, s, len);
		else if (cp <= 0xff)
			out_printf(o, "\\x%02x", cp);
		else if (cp <= 0xffff)
			out_printf(o, "\\u%04x", cp);
		else
			out_printf(o, "\\U%08x", cp);
	}
	out_add(o, &quote, 1);
}

/* A string conversion (%s %r %a) of a string: precision, then width. */
static void
put_string(struct out *o, const struct spec *sp, const char *s)
{
	struct out	 tmp = { 0 };
	size_t		 len, n, cps = 0;

	if (sp->conv == 'r' || sp->conv == 'a') {
		put_repr(&tmp, s, sp->conv == 'a');
		s = tmp.s;
	}
	for (n = 0; s[n] != '\0'; n += len) {
		if (sp->prec >= 0 && cps == (size_t)sp->prec)
			break;
		value_decode(s + n, &len);
		cps++;
	}
	put_padded(o, sp, s, n, cps);
	free(tmp.s);
}

/* An integer conversion (d i u o x X), Python's way with flags. */
static void
put_integer(struct out *o, const struct spec *sp, long long v)
{
	unsigned long long	 u = v < 0 ? 0ULL - (unsigned long long)v :
				    (unsigned long long)v;
	char			 digits[80], head[8];
	size_t			 nd, nh = 0, len, pad;
	const char		*fmt;

	fmt = sp->conv == 'o' ? "%llo" : sp->conv == 'x' ? "%llx" :
	    sp->conv == 'X' ? "%llX" : "%llu";
	nd = (size_t)snprintf(digits, sizeof(digits), fmt, u);
	if (v < 0)
		head[nh++] = '-';
	else if (sp->plus)
		head[nh++] = '+';
	else if (sp->space)
		head[nh++] = ' ';
	if (sp->alt && (sp->conv == 'o' || sp->conv == 'x' ||
	    sp->conv == 'X')) {
		head[nh++] = '0';
		head[nh++] = sp->conv == 'o' ? 'o' : sp->conv;
	}
	len = nh + (sp->prec > (long)nd ? (size_t)sp->prec : nd);
	pad = sp->width > 0 && (size_t)sp->width > len ?
	    (size_t)sp->width - len : 0;
	if (!sp->left && !sp->zero)
		out_pad(o, ' ', pad);
	out_add(o, head, nh);
	if (!sp->left && sp->zero)
		out_pad(o, '0', pad);
	if (sp->prec > (long)nd)
		out_pad(o, '0', (size_t)sp->prec - nd);
	out_add(o, digits, nd);
	if (sp->left)
		out_pad(o, ' ', pad);
}

/* A float conversion (e E f F g G) of an integer, as C and Python do. */
static void
put_float(struct out *o, const struct spec *sp, long long v)
{
	char	fmt[32], *s;
	int	n;

	snprintf(fmt, sizeof(fmt), "%%%s%s%s%s%s*.*%c", sp->left ? "-" : "",
	    sp->plus ? "+" : "", sp->space ? " " : "", sp->alt ? "#" : "",
	    sp->zero ? "0" : "", sp->conv);
	n = asprintf(&s, fmt, (int)sp->width, sp->prec < 0 ? 6 : (int)sp->prec,
	    (double)v);
	if (n < 0)
		fatalx("cannot allocate memory");
	out_add(o, s, (size_t)n);
	free(s);
}

/* Python's %c: a code point from an int, or a one-character string. */
static int
put_char(struct out *o, const struct spec *sp, const struct expn_item *it,
    char *cause, size_t causelen)
{
	char	buf[8];
	size_t	len, n;

	if (it->is_int) {
		if (it->ival < 0 || it->ival > 0x10ffff) {
			snprintf(cause, causelen, "%%c argument not in "
			    "range(0x110000)");
			return -1;
		}
		n = value_encode((unsigned)it->ival, buf);
		put_padded(o, sp, buf, n, 1);
		return 0;
	}
	value_decode(it->sval, &len);
	if (len == 0 || it->sval[len] != '\0') {
		snprintf(cause, causelen, "%%c requires an integer or a single "
		    "character");
		return -1;
	}
	put_padded(o, sp, it->sval, len, 1);
	return 0;
}

static int
convert(struct out *o, const struct spec *sp, const struct expn_item *it,
    char *cause, size_t causelen)
{
	struct spec	plain;
	char		num[32];

	switch (sp->conv) {
	case 's':
	case 'r':
	case 'a':
		if (it->is_int) {
			/* str() and repr() of an int are the same digits. */
			snprintf(num, sizeof(num), "%lld", it->ival);
			plain = *sp;
			plain.conv = 's';
			put_string(o, &plain, num);
		} else
			put_string(o, sp, it->sval);
		return 0;
	case 'c':
		return put_char(o, sp, it, cause, causelen);
	}
	if (!it->is_int) {
		snprintf(cause, causelen, "%%%c needs a number, and %%(%s) is "
		    "a string", sp->conv, it->name);
		return -1;
	}
	if (strchr("eEfFgG", sp->conv) != NULL)
		put_float(o, sp, it->ival);
	else
		put_integer(o, sp, it->ival);
	return 0;
}

/* A name that cannot be expanded: say which, and what can be. */
static void
unknown_name(const struct expn *e, const char *name, size_t len,
    char *cause, size_t causelen)
{
	struct out	 known = { 0 };
	size_t		 i;

	if (len > 4 && memcmp(name, "ENV_", 4) == 0) {
		snprintf(cause, causelen, "cannot expand %%(%.*s): %.*s is "
		    "not in the environment", (int)len, name, (int)len - 4,
		    name + 4);
		return;
	}
	for (i = 0; i < e->n; i++) {
		if (strncmp(e->v[i].name, "ENV_", 4) == 0)
			continue;
		if (known.n > 0)
			out_add(&known, ", ", 2);
		out_add(&known, e->v[i].name, strlen(e->v[i].name));
	}
	snprintf(cause, causelen, "cannot expand %%(%.*s): unknown name "
	    "(known here: %s%sENV_*)", (int)len, name,
	    known.s != NULL ? known.s : "", known.s != NULL ? ", " : "");
	free(known.s);
}

/* Parse one %-spec at *pp (just past the '%'); -1 with a cause. */
static int
parse_spec(const char **pp, const struct expn *e, struct spec *sp,
    const struct expn_item **itp, char *cause, size_t causelen)
{
	const char	*p = *pp, *name;
	int		 depth;

	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	if (*p != '(') {
		snprintf(cause, causelen, "'%%%c' has no name: use %%(name)s, "
		    "or %%%% for a literal %%", *p != '\0' ? *p : ' ');
		return -1;
	}
	name = ++p;
	for (depth = 1; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			break;
	}
	if (*p == '\0') {
		snprintf(cause, causelen, "incomplete format key");
		return -1;
	}
	if ((*itp = expn_find(e, name, (size_t)(p - name))) == NULL) {
		unknown_name(e, name, (size_t)(p - name), cause, causelen);
		return -1;
	}
	for (p++; *p != '\0' && strchr("-+ #0", *p) != NULL; p++) {
		sp->left |= *p == '-';
		sp->plus |= *p == '+';
		sp->space |= *p == ' ';
		sp->alt |= *p == '#';
		sp->zero |= *p == '0';
	}
	if (*p == '*') {
		snprintf(cause, causelen, "'*' width needs a number argument");
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		sp->width = sp->width < 100000 ? sp->width * 10 + *p - '0' :
		    sp->width;
	if (*p == '.') {
		sp->prec = 0;
		if (*++p == '*') {
			snprintf(cause, causelen, "'*' precision needs a "
			    "number argument");
			return -1;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			sp->prec = sp->prec < 100000 ? sp->prec * 10 + *p -
			    '0' : sp->prec;
	}
	while (*p == 'h' || *p == 'l' || *p == 'L')
		p++;
	if (*p == '\0') {
		snprintf(cause, causelen, "incomplete format");
		return -1;
	}
	if (strchr("sradiuoxXeEfFgGc", *p) == NULL) {
		snprintf(cause, causelen, "unsupported format character '%c'",
		    *p);
		return -1;
	}
	sp->conv = *p++;
	*pp = p;
	return 0;
}

int
expand(const char *fmt, const struct expn *e, char **result, char *cause,
    size_t causelen)
{
	struct out			 o = { 0 };
	const struct expn_item		*it;
	const char			*p = fmt, *pct;
	struct spec			 sp;

	out_add(&o, "", 0);
	while ((pct = strchr(p, '%')) != NULL) {
		out_add(&o, p, (size_t)(pct - p));
		p = pct + 1;
		if (*p == '%') {
			out_add(&o, "%", 1);
			p++;
			continue;
		}
		if (*p == '\0') {
			snprintf(cause, causelen, "incomplete format (a lone %% "
			    "at the end: write %%%%)");
			goto fail;
		}
		if (parse_spec(&p, e, &sp, &it, cause, causelen) == -1 ||
		    convert(&o, &sp, it, cause, causelen) == -1)
			goto fail;
	}
	out_add(&o, p, strlen(p));
	/* To fit: a value lives as long as its config, one a key and
	   program, and the doubling left up to half of it spare. */
	*result = xrealloc(o.s, o.n + 1);
	return 0;

fail:
	free(o.s);
	return -1;
}

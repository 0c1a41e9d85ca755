/*
 * Values as Python Supervisor's datatypes.py converts them: Python's int()
 * and int(x, 8), booleans, byte sizes, signals, exit codes, log
 * destinations, KEY=val lists, and the os.path functions it applies to
 * paths.  Each parser fills a cause on failure; the caller names the file,
 * line, section and key.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strv.h"
#include "config_priv.h"
#include "log.h"
#include "shlex.h"
#include "xmalloc.h"

unsigned
value_decode(const char *p, size_t *len)
{
	const unsigned char	*u = (const unsigned char *)p;
	unsigned		 cp;
	size_t			 n, i;

	if (u[0] < 0x80) {
		*len = u[0] == 0 ? 0 : 1;
		return u[0];
	}
	if (u[0] >= 0xc2 && u[0] < 0xe0) {
		n = 2;
		cp = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] < 0xf0) {
		n = 3;
		cp = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] < 0xf5) {
		n = 4;
		cp = u[0] & 0x07;
	} else {
		*len = 1;
		return 0xfffd;
	}
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*len = 1;
			return 0xfffd;
		}
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	*len = n;
	return cp;
}

/* Python's str.isspace() for one code point. */
static bool
cp_isspace(unsigned cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) ||
	    cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

size_t
value_encode(unsigned cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Python's str.isprintable() for a non-ASCII code point, as far as a table
 * without the Unicode database goes: controls, separators, format
 * characters, surrogates and private use are not printable.
 */
bool
value_printable(unsigned cp)
{
	return !(cp < 0xa1 || cp == 0xad || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
	    (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff ||
	    (cp >= 0xd800 && cp <= 0xf8ff) || (cp >= 0xfff9 && cp <= 0xfffb) ||
	    cp > 0x10ffff);
}

size_t
value_space(const char *p)
{
	size_t		len;
	unsigned	cp = value_decode(p, &len);

	return len > 0 && cp_isspace(cp) ? len : 0;
}

bool
value_space_before(const char *start, const char *p)
{
	const char	*q = p;

	if (q <= start)
		return false;
	q--;
	while (q > start && ((unsigned char)*q & 0xc0) == 0x80 && p - q < 4)
		q--;
	return value_space(q) == (size_t)(p - q);
}

size_t
value_codepoints(const char *p, size_t n)
{
	size_t	i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			count++;
	return count;
}

char *
value_strip_n(const char *s, size_t n)
{
	const char	*end = s + n;
	size_t		 len;

	while (s < end && (len = value_space(s)) > 0)
		s += len;
	while (end > s && value_space_before(s, end))
		do
			end--;
		while (end > s && ((unsigned char)*end & 0xc0) == 0x80);
	return xstrndup(s, (size_t)(end - s));
}

char *
value_strip(const char *s)
{
	return value_strip_n(s, strlen(s));
}

char **
value_split_ws(const char *s, size_t *n)
{
	char		**v = NULL;
	const char	 *start;
	size_t		  len;

	*n = 0;
	for (;;) {
		while (*s != '\0' && (len = value_space(s)) > 0)
			s += len;
		if (*s == '\0')
			break;
		start = s;
		while (*s != '\0' && value_space(s) == 0)
			s++;
		v = xreallocarray(v, *n + 2, sizeof(*v));
		v[(*n)++] = xstrndup(start, (size_t)(s - start));
		v[*n] = NULL;
	}
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	return v;
}

/* Digits of base with Python's underscores (between digits only). */
static int
parse_digits(const char **pp, int base, long long *out)
{
	const char	*p = *pp;
	long long	 v = 0;
	int		 d;
	bool		 any = false;

	for (;;) {
		if (*p == '_' && any && p[1] != '\0' && p[1] != '_')
			p++;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else
			break;
		if (d >= base)
			return -1;
		if (v > (LLONG_MAX - d) / base)
			return -2;
		v = v * base + d;
		any = true;
		p++;
	}
	if (!any)
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

/* Python's int(s, base) for bases 8 and 10, as far as a C long long. */
static int
py_int(const char *s, int base, long long *out, char *cause, size_t causelen)
{
	const char	*p = s;
	size_t		 len;
	bool		 neg = false;
	long long	 v;
	int		 r;

	while ((len = value_space(p)) > 0)
		p += len;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (base == 8 && p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		p += 2;
		if (*p == '_')
			p++;
	}
	if ((r = parse_digits(&p, base, &v)) == -2) {
		snprintf(cause, causelen, "number out of range");
		return -1;
	}
	while (r == 0 && (len = value_space(p)) > 0)
		p += len;
	if (r != 0 || *p != '\0') {
		snprintf(cause, causelen, base == 8 ? "not an octal number" :
		    "not an integer");
		return -1;
	}
	*out = neg ? -v : v;
	return 0;
}

int
value_int(const char *s, long long *out, char *cause, size_t causelen)
{
	return py_int(s, 10, out, cause, causelen);
}

int
value_octal(const char *s, int *out, char *cause, size_t causelen)
{
	long long	v;

	if (py_int(s, 8, &v, cause, causelen) == -1)
		return -1;
	if (v < 0 || v > 07777) {
		snprintf(cause, causelen, "octal mode out of range (0 to 7777)");
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
value_bool(const char *s, bool *out, char *cause, size_t causelen)
{
	static const char *const truthy[] = { "yes", "true", "on", "1" };
	static const char *const falsy[] = { "no", "false", "off", "0" };
	size_t	i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, truthy[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, falsy[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	snprintf(cause, causelen, "not a boolean (true, false, yes, no, on, "
	    "off, 1, 0)");
	return -1;
}

int
value_bytes(const char *s, uint64_t *out, char *cause, size_t causelen)
{
	static const struct {
		const char	*suffix;
		uint64_t	 mult;
	} suffixes[] = {
		{ "kb", 1024ULL },
		{ "mb", 1024ULL * 1024 },
		{ "gb", 1024ULL * 1024 * 1024 },
	};
	size_t		 len = strlen(s), i;
	uint64_t	 mult = 1;
	long long	 v;
	char		*num;
	int		 r;

	num = xstrdup(s);
	for (i = 0; i < 3 && len >= 2; i++) {
		if (strcasecmp(s + len - 2, suffixes[i].suffix) == 0) {
			num[len - 2] = '\0';
			mult = suffixes[i].mult;
			break;
		}
	}
	r = py_int(num, 10, &v, cause, causelen);
	free(num);
	if (r == -1) {
		snprintf(cause, causelen, "not a byte size (a number, with KB, "
		    "MB or GB)");
		return -1;
	}
	if (v < 0 || (uint64_t)v > UINT64_MAX / mult) {
		snprintf(cause, causelen, v < 0 ? "negative byte size" :
		    "byte size out of range");
		return -1;
	}
	*out = (uint64_t)v * mult;
	return 0;
}

int
value_exitcodes(const char *s, int **codes, size_t *n, char *cause,
    size_t causelen)
{
	const char	*p = s, *comma;
	long long	 v;
	char		*item;
	int		 r;

	*codes = NULL;
	*n = 0;
	if (*s == '\0')
		return 0;	/* "exitcodes=": no code is expected */
	for (;;) {
		comma = strchr(p, ',');
		item = comma != NULL ? xstrndup(p, (size_t)(comma - p)) :
		    xstrdup(p);
		r = py_int(item, 10, &v, cause, causelen);
		free(item);
		if (r == -1 || v < 0 || v > 255) {
			snprintf(cause, causelen, "not a list of exit codes "
			    "(numbers from 0 to 255, separated by commas)");
			free(*codes);
			*codes = NULL;
			*n = 0;
			return -1;
		}
		*codes = xreallocarray(*codes, *n + 1, sizeof(**codes));
		(*codes)[(*n)++] = (int)v;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

int
value_autorestart(const char *s, enum autorestart *out, char *cause,
    size_t causelen)
{
	bool	b;

	if (value_bool(s, &b, cause, causelen) == 0)
		*out = b ? AUTORESTART_TRUE : AUTORESTART_FALSE;
	else if (strcasecmp(s, "unexpected") == 0)
		*out = AUTORESTART_UNEXPECTED;
	else {
		snprintf(cause, causelen, "not an autorestart value (true, "
		    "false or unexpected)");
		return -1;
	}
	return 0;
}

/*
 * Supervisor's signal_number(): a number (only of a named signal: 0 stops
 * nothing), or a name.
 */
int
signal_parse(const char *s, int *sig)
{
	char		 cause[64], *name;
	long long	 num;
	int		 found;

	if (value_int(s, &num, cause, sizeof(cause)) == 0) {
		if (num <= 0 || num > SIGRTMAX || signal_name((int)num) == NULL)
			return -1;
		*sig = (int)num;
		return 0;
	}
	name = value_strip(s);
	found = signal_from_name(name);
	free(name);
	if (found == -1)
		return -1;
	*sig = found;
	return 0;
}

int
value_loglevel(const char *s, int *out, char *cause, size_t causelen)
{
	size_t	i;

	for (i = 0; i <= LOG_LEVEL_BLATHER; i++) {
		if (strcasecmp(s, log_level_name((enum log_level)i)) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	snprintf(cause, causelen, "not a log level (critical, error, warn, "
	    "info, debug, trace, blather)");
	return -1;
}

/* Python's s.strip('\'"'): every quote of either kind at either end. */
static char *
strip_quotes(const char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && (*s == '\'' || *s == '"')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == '\'' || s[n - 1] == '"'))
		n--;
	return xstrndup(s, n);
}

int
value_kv_pairs(const char *s, struct env *out, char *cause, size_t causelen)
{
	char	**tok, *val;
	size_t	  n, i;

	if (shlex_tokens(s, "/.+-():", &tok, &n, cause, causelen) == -1)
		return -1;
	/* KEY = VALUE, then one token skipped unchecked (the comma). */
	for (i = 0; i < n; i += 4) {
		if (n - i < 3 || strcmp(tok[i + 1], "=") != 0) {
			snprintf(cause, causelen, "unexpected end of key/value "
			    "pairs");
			strv_free(tok);
			return -1;
		}
		val = strip_quotes(tok[i + 2]);
		env_set(out, tok[i], val);
		free(val);
	}
	strv_free(tok);
	return 0;
}

char **
value_list(const char *s, size_t *n)
{
	char		**v = NULL;
	const char	 *p = s, *comma;

	*n = 0;
	if (*s != '\0') {
		for (;;) {
			comma = strchr(p, ',');
			v = xreallocarray(v, *n + 2, sizeof(*v));
			v[(*n)++] = value_strip_n(p, comma != NULL ?
			    (size_t)(comma - p) : strlen(p));
			v[*n] = NULL;
			if (comma == NULL)
				break;
			p = comma + 1;
		}
	}
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	return v;
}

int
value_name(const char *s, char **out, char *cause, size_t causelen)
{
	char	*name = value_strip(s);
	size_t	 bad;

	if (*name == '\0') {
		snprintf(cause, causelen, "empty name");
		free(name);
		return -1;
	}
	if ((bad = strcspn(name, " :/")) != strlen(name)) {
		snprintf(cause, causelen, "invalid name '%s' (no '%c' allowed)",
		    name, name[bad]);
		free(name);
		return -1;
	}
	*out = name;
	return 0;
}

void
value_logfile(const char *s, enum log_dest *dest, char **path,
    bool *syslog_magic)
{
	*path = NULL;
	*syslog_magic = false;
	if (strcasecmp(s, "none") == 0 || strcasecmp(s, "off") == 0 ||
	    *s == '\0')
		*dest = LOG_DEST_NONE;
	else if (strcasecmp(s, "auto") == 0)
		*dest = LOG_DEST_AUTO;
	else if (strcasecmp(s, "syslog") == 0) {
		*dest = LOG_DEST_NONE;
		*syslog_magic = true;
	} else {
		*dest = LOG_DEST_FILE;
		*path = value_expanduser(s);
	}
}

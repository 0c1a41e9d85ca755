/*
 * environment_file=: a character-level state machine that follows
 * systemd's EnvironmentFile= rules (see systemd.exec(5)), so a file shared
 * with a systemd unit means the same thing here; the lines systemd skips
 * with a warning (no '=', a bad name, "export", an unterminated quote)
 * are errors with their file:line instead.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envfile.h"
#include "xmalloc.h"

enum envstate {
	PRE_KEY,	/* before a name: blanks, comments */
	KEY,		/* in the name, up to '=' */
	PRE_VALUE,	/* after '=' or a closing quote */
	VALUE,		/* unquoted text */
	VALUE_ESC,	/* after '\' in unquoted text */
	SQUOTE,		/* in '...': every byte verbatim */
	DQUOTE,		/* in "...": shell escapes */
	DQUOTE_ESC,	/* after '\' in "..." */
	COMMENT,	/* '#' or ';' to the end of the line */
	SKIP,		/* a bad line, to its end */
};

/* A growing string, bounded by the size of the file. */
struct sbuf {
	char	*v;
	size_t	 n;
	size_t	 cap;
};

/* The parser's state between characters. */
struct envparse {
	const char	*file;
	const char	*prefix;
	struct env	*env;
	struct diags	*diags;
	size_t		 errors;
	int		 line;		/* the current line */
	int		 start;		/* where the assignment began */
	struct sbuf	 key;
	struct sbuf	 val;
	size_t		 key_ws;	/* where trailing blanks began, or -1 */
	size_t		 val_ws;
};

static void
sbuf_add(struct sbuf *b, char c)
{
	if (b->n + 2 > b->cap) {
		b->cap = b->cap == 0 ? 64 : b->cap * 2;
		b->v = xrealloc(b->v, b->cap);
	}
	b->v[b->n++] = c;
	b->v[b->n] = '\0';
}

static void
sbuf_cut(struct sbuf *b, size_t n)
{
	if (b->v != NULL && n < b->n) {
		b->n = n;
		b->v[n] = '\0';
	}
}

static bool
is_newline(char c)
{
	return c == '\n' || c == '\r';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool
envfile_valid_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	    *s == '_'))
		return false;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static void __attribute__((format(printf, 3, 4)))
parse_error(struct envparse *ep, int line, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	diags_add(ep->diags, true, ep->file, line, "%s%s", ep->prefix,
	    msg != NULL ? msg : "cannot allocate memory");
	free(msg);
	ep->errors++;
}

static void
reset_entry(struct envparse *ep)
{
	sbuf_cut(&ep->key, 0);
	sbuf_cut(&ep->val, 0);
	ep->key_ws = ep->val_ws = (size_t)-1;
}

/* The end of one assignment: check the name, then keep it. */
static void
push(struct envparse *ep, bool chomp)
{
	const char	*key, *val;

	if (ep->key_ws != (size_t)-1)
		sbuf_cut(&ep->key, ep->key_ws);
	if (chomp && ep->val_ws != (size_t)-1)
		sbuf_cut(&ep->val, ep->val_ws);
	key = ep->key.v != NULL ? ep->key.v : "";
	val = ep->val.v != NULL ? ep->val.v : "";
	if (strncmp(key, "export", 6) == 0 && is_blank(key[6]))
		parse_error(ep, ep->start, "'export' is not part of the "
		    "format: write '%s=...' alone",
		    key + 6 + strspn(key + 6, " \t"));
	else if (!envfile_valid_name(key))
		parse_error(ep, ep->start, "invalid variable name '%s'", key);
	else
		env_set(ep->env, key, val);
	reset_entry(ep);
}

/* One character of a value (after the '='); returns the next state. */
static enum envstate
step_value(struct envparse *ep, enum envstate st, char c)
{
	switch (st) {
	case PRE_VALUE:
		if (is_newline(c)) {
			push(ep, false);
			return PRE_KEY;
		}
		if (c == '\'')
			return SQUOTE;
		if (c == '"')
			return DQUOTE;
		if (c == '\\')
			return VALUE_ESC;
		if (is_blank(c))
			return PRE_VALUE;
		sbuf_add(&ep->val, c);
		return VALUE;
	case VALUE:
		if (is_newline(c)) {
			push(ep, true);
			return PRE_KEY;
		}
		if (c == '\\') {
			ep->val_ws = (size_t)-1;
			return VALUE_ESC;
		}
		if (!is_blank(c))
			ep->val_ws = (size_t)-1;
		else if (ep->val_ws == (size_t)-1)
			ep->val_ws = ep->val.n;
		sbuf_add(&ep->val, c);
		return VALUE;
	case VALUE_ESC:
		/* Backslash-newline joins lines; '\x' is x. */
		if (!is_newline(c))
			sbuf_add(&ep->val, c);
		return VALUE;
	case SQUOTE:
		if (c == '\'')
			return PRE_VALUE;
		sbuf_add(&ep->val, c);
		return SQUOTE;
	case DQUOTE:
		if (c == '"')
			return PRE_VALUE;
		if (c == '\\')
			return DQUOTE_ESC;
		sbuf_add(&ep->val, c);
		return DQUOTE;
	case DQUOTE_ESC:
		/* As a shell: \" \\ \` \$ unescape, \newline joins, others stay. */
		if (strchr("\"\\`$", c) != NULL)
			sbuf_add(&ep->val, c);
		else if (c != '\n') {
			sbuf_add(&ep->val, '\\');
			sbuf_add(&ep->val, c);
		}
		return DQUOTE;
	default:
		return st;
	}
}

/* One character; returns the next state. */
static enum envstate
step(struct envparse *ep, enum envstate st, char c)
{
	switch (st) {
	case PRE_KEY:
		if (c == '#' || c == ';')
			return COMMENT;
		if (is_blank(c) || is_newline(c))
			return PRE_KEY;
		ep->start = ep->line;
		if (c == '=') {
			parse_error(ep, ep->line, "no variable name before '='");
			return SKIP;
		}
		sbuf_add(&ep->key, c);
		return KEY;
	case KEY:
		if (is_newline(c)) {
			parse_error(ep, ep->start, "no '=' in '%s'", ep->key.v);
			reset_entry(ep);
			return PRE_KEY;
		}
		if (c == '=')
			return PRE_VALUE;
		if (!is_blank(c))
			ep->key_ws = (size_t)-1;
		else if (ep->key_ws == (size_t)-1)
			ep->key_ws = ep->key.n;
		sbuf_add(&ep->key, c);
		return KEY;
	case COMMENT:
	case SKIP:
		return is_newline(c) ? PRE_KEY : st;
	default:
		return step_value(ep, st, c);
	}
}

size_t
envfile_parse(const char *text, size_t len, const char *file,
    const char *prefix, struct env *env, struct diags *diags)
{
	struct envparse	 ep;
	enum envstate	 st = PRE_KEY;
	const char	*nul;
	size_t		 i;
	int		 quote_line = 0;

	memset(&ep, 0, sizeof(ep));
	ep.file = file;
	ep.prefix = prefix != NULL ? prefix : "";
	ep.env = env;
	ep.diags = diags;
	ep.line = 1;
	reset_entry(&ep);
	if ((nul = memchr(text, '\0', len)) != NULL) {
		for (i = 0; text + i < nul; i++)
			if (text[i] == '\n')
				ep.line++;
		parse_error(&ep, ep.line, "a NUL byte: not a text file");
		return ep.errors;
	}
	for (i = 0; i < len; i++) {
		if (st == PRE_VALUE && (text[i] == '\'' || text[i] == '"'))
			quote_line = ep.line;
		st = step(&ep, st, text[i]);
		if (text[i] == '\n')
			ep.line++;
	}
	switch (st) {
	case PRE_VALUE:
	case VALUE_ESC:
		push(&ep, false);
		break;
	case VALUE:
		push(&ep, true);
		break;
	case KEY:
		parse_error(&ep, ep.start, "no '=' in '%s'", ep.key.v);
		break;
	case SQUOTE:
	case DQUOTE:
	case DQUOTE_ESC:
		parse_error(&ep, quote_line, "unterminated %s quote",
		    st == SQUOTE ? "single" : "double");
		break;
	default:
		break;
	}
	free(ep.key.v);
	free(ep.val.v);
	return ep.errors;
}

const char *
envfile_path(const char *spec, bool *optional)
{
	*optional = spec[0] == '-';
	return *optional ? spec + 1 : spec;
}

/* The whole of a regular file, at most ENVFILE_MAX bytes; -1 and errno. */
static int
read_small(const char *path, char **out, size_t *len, const char **why)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd, error;

	*why = NULL;
	/* O_NONBLOCK: a FIFO put there by mistake must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto close_fd;
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		errno = EINVAL;
		goto close_fd;
	}
	buf = xmalloc(ENVFILE_MAX + 1);
	for (;;) {
		r = read(fd, buf + n, ENVFILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto free_buf;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > ENVFILE_MAX) {
			*why = "larger than 1 MiB";
			errno = EFBIG;
			goto free_buf;
		}
	}
	close(fd);
	*out = buf;
	*len = n;
	return 0;

free_buf:
	error = errno;
	free(buf);
	errno = error;
close_fd:
	error = errno;
	close(fd);
	errno = error;
	return -1;
}

size_t
envfile_load(const char *spec, const char *at_file, int at_line,
    const char *prefix, struct env *env, struct diags *diags)
{
	const char	*path, *why;
	char		*text;
	size_t		 len, errors;
	bool		 optional;

	if (prefix == NULL)
		prefix = "";
	path = envfile_path(spec, &optional);
	if (*path == '\0') {
		diags_add(diags, true, at_file, at_line, "%sempty file name",
		    prefix);
		return 1;
	}
	if (read_small(path, &text, &len, &why) == -1) {
		if (optional && errno == ENOENT)
			return 0;
		if (at_file == NULL) {
			at_file = path;
			at_line = 0;
		}
		diags_add(diags, true, at_file, at_line, "%scannot read '%s': %s",
		    prefix, path, why != NULL ? why : strerror(errno));
		return 1;
	}
	errors = envfile_parse(text, len, path, prefix, env, diags);
	free(text);
	return errors;
}

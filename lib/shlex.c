/*
 * Python's shlex state machine, ported rule for rule (Lib/shlex.py,
 * read_token) so that command= and environment= split exactly as Python
 * Supervisor splits them, quirks included.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "shlex.h"
#include "xmalloc.h"

#define SHLEX_WHITESPACE	" \t\r\n"
#define SHLEX_QUOTES		"'\""
#define SHLEX_WORDCHARS		"abcdfeghijklmnopqrstuvwxyz" \
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

/* A growing string, for the token being read. */
struct sbuf {
	char	*s;
	size_t	 n;
	size_t	 cap;
};

/* A growing NULL-terminated vector of strings. */
struct svec {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static void
sbuf_add(struct sbuf *b, const char *p, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, p, len);
	b->n += len;
	b->s[b->n] = '\0';
}

static char *
sbuf_take(struct sbuf *b)
{
	char	*s = b->s != NULL ? b->s : xstrdup("");

	b->s = NULL;
	b->n = b->cap = 0;
	return s;
}

static void
svec_add(struct svec *v, char *s)
{
	if (v->n + 2 > v->cap) {
		v->cap = (v->n + 2) * 2;
		v->v = xreallocarray(v->v, v->cap, sizeof(*v->v));
	}
	v->v[v->n++] = s;
	v->v[v->n] = NULL;
}

static void
svec_release(struct svec *v)
{
	size_t	i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

/* Bytes of the UTF-8 sequence at p: Python reads code points. */
static size_t
unit_len(const char *p)
{
	unsigned char	c = (unsigned char)*p;
	size_t		n, i;

	if (c < 0xc0)
		return 1;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : 1;
	for (i = 1; i < n; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

static bool
in_set(const char *set, char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* One token of shlex.split(); 1: got one, 0: end, -1: error. */
static int
split_token(const char **pp, char **out, char *cause, size_t causelen)
{
	const char	*p = *pp;
	struct sbuf	 tok = { 0 };
	char		 state = ' ', escapedstate = ' ', c;
	bool		 quoted = false;

	for (;;) {
		c = *p;
		if (c != '\0')
			p++;
		if (state == ' ') {
			if (c == '\0')
				break;
			if (in_set(SHLEX_WHITESPACE, c)) {
				if (tok.n > 0 || quoted)
					break;
				continue;
			}
			if (c == '\\') {
				escapedstate = 'a';
				state = c;
			} else if (in_set(SHLEX_QUOTES, c))
				state = c;
			else {
				sbuf_add(&tok, &c, 1);
				state = 'a';
			}
		} else if (state == '\'' || state == '"') {
			quoted = true;
			if (c == '\0') {
				snprintf(cause, causelen, "no closing quotation");
				goto fail;
			}
			if (c == state)
				state = 'a';
			else if (c == '\\' && state == '"') {
				escapedstate = state;
				state = c;
			} else
				sbuf_add(&tok, &c, 1);
		} else if (state == '\\') {
			if (c == '\0') {
				snprintf(cause, causelen, "no escaped character");
				goto fail;
			}
			/* In quotes, only the quote or the escape is escaped. */
			if (in_set(SHLEX_QUOTES, escapedstate) &&
			    c != state && c != escapedstate)
				sbuf_add(&tok, &state, 1);
			sbuf_add(&tok, &c, 1);
			state = escapedstate;
		} else {	/* 'a': in a word */
			if (c == '\0')
				break;
			if (in_set(SHLEX_WHITESPACE, c)) {
				state = ' ';
				if (tok.n > 0 || quoted)
					break;
				continue;
			}
			if (in_set(SHLEX_QUOTES, c))
				state = c;
			else if (c == '\\') {
				escapedstate = 'a';
				state = c;
			} else
				sbuf_add(&tok, &c, 1);
		}
	}
	*pp = p;
	if (tok.n == 0 && !quoted) {
		free(tok.s);
		return 0;
	}
	*out = sbuf_take(&tok);
	return 1;

fail:
	free(tok.s);
	return -1;
}

int
shlex_split(const char *s, char ***argv, int *argc, char *cause,
    size_t causelen)
{
	struct svec	 v = { 0 };
	char		*tok;
	int		 r;

	while ((r = split_token(&s, &tok, cause, causelen)) == 1)
		svec_add(&v, tok);
	if (r == -1) {
		svec_release(&v);
		return -1;
	}
	if (v.v == NULL)
		v.v = xcalloc(1, sizeof(*v.v));
	*argv = v.v;
	*argc = (int)v.n;
	return 0;
}

/* The non-POSIX lexer's state between tokens. */
struct lexer {
	const char	*p;
	const char	*wordchars;
	char		*pushback;	/* a one-character token put back */
	char		 state;		/* ' ', 'a', a quote, or 0 at EOF */
};

static bool
is_wordchar(const struct lexer *lx, const char *p, size_t n)
{
	return n == 1 && (in_set(SHLEX_WORDCHARS, *p) ||
	    in_set(lx->wordchars, *p));
}

/* Python's readline(): skip up to and including the next newline. */
static void
skip_line(struct lexer *lx)
{
	const char	*nl = strchr(lx->p, '\n');

	lx->p = nl != NULL ? nl + 1 : lx->p + strlen(lx->p);
}

/* read_token() in non-POSIX mode: 1 token, 0 EOF, -1 error. */
static int
lexer_token(struct lexer *lx, char **out, char *cause, size_t causelen)
{
	struct sbuf	 tok = { 0 };
	const char	*u;
	size_t		 n;

	if (lx->pushback != NULL) {
		*out = lx->pushback;
		lx->pushback = NULL;
		return 1;
	}
	for (;;) {
		if (lx->state == 0)
			break;
		u = lx->p;
		n = *u == '\0' ? 0 : unit_len(u);
		lx->p += n;
		if (lx->state == ' ') {
			if (n == 0) {
				lx->state = 0;
				break;
			}
			if (n == 1 && in_set(SHLEX_WHITESPACE, *u)) {
				if (tok.n > 0)
					break;
				continue;
			}
			if (n == 1 && *u == '#')
				skip_line(lx);
			else if (is_wordchar(lx, u, n)) {
				sbuf_add(&tok, u, n);
				lx->state = 'a';
			} else if (n == 1 && in_set(SHLEX_QUOTES, *u)) {
				sbuf_add(&tok, u, n);
				lx->state = *u;
			} else {
				sbuf_add(&tok, u, n);
				break;
			}
		} else if (lx->state == '\'' || lx->state == '"') {
			if (n == 0) {
				snprintf(cause, causelen, "no closing quotation");
				free(tok.s);
				return -1;
			}
			sbuf_add(&tok, u, n);
			if (n == 1 && *u == lx->state) {
				lx->state = ' ';
				break;
			}
		} else {	/* 'a' */
			if (n == 0) {
				lx->state = 0;
				break;
			}
			if (n == 1 && in_set(SHLEX_WHITESPACE, *u)) {
				lx->state = ' ';
				if (tok.n > 0)
					break;
				continue;
			}
			if (n == 1 && *u == '#')
				skip_line(lx);	/* and the word goes on */
			else if (is_wordchar(lx, u, n) ||
			    (n == 1 && in_set(SHLEX_QUOTES, *u)))
				sbuf_add(&tok, u, n);
			else {
				lx->pushback = xstrndup(u, n);
				lx->state = ' ';
				if (tok.n > 0)
					break;
				continue;
			}
		}
	}
	/* An empty token is EOF in non-POSIX mode, and ends the iteration. */
	if (tok.n == 0) {
		free(tok.s);
		return 0;
	}
	*out = sbuf_take(&tok);
	return 1;
}

int
shlex_tokens(const char *s, const char *wordchars, char ***tokens,
    size_t *ntokens, char *cause, size_t causelen)
{
	struct lexer	 lx = { s, wordchars != NULL ? wordchars : "", NULL,
			    ' ' };
	struct svec	 v = { 0 };
	char		*tok;
	int		 r;

	while ((r = lexer_token(&lx, &tok, cause, causelen)) == 1)
		svec_add(&v, tok);
	free(lx.pushback);
	if (r == -1) {
		svec_release(&v);
		return -1;
	}
	if (v.v == NULL)
		v.v = xcalloc(1, sizeof(*v.v));
	*tokens = v.v;
	*ntokens = v.n;
	return 0;
}

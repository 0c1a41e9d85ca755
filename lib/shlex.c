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

/* The vector once the tokens ran out (r: the last token's result):
   NULL-terminated even when empty; freed, -1, after an error. */
static int
svec_finish(struct svec *v, int r)
{
	if (r == -1) {
		svec_release(v);
		return -1;
	}
	/* No slack given back here: a program's argv is packed into one
	   block by strv_pack() (config_program.c), the other tokens are
	   freed at once. */
	if (v->v == NULL)
		v->v = xcalloc(1, sizeof(*v->v));
	return 0;
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

/* shlex.split()'s token being read: the state is ' ' (before it), 'a'
   (in a word), a quote, or '\\' (after an escape, from escapedstate). */
struct splitter {
	struct sbuf	tok;
	char		state;
	char		escapedstate;
	bool		quoted;
};

/* One character outside quotes (' ' and 'a' read alike): 1 ends the
   token, 0 goes on. */
static int
split_plain(struct splitter *sp, char c)
{
	if (c == '\0')
		return 1;
	if (in_set(SHLEX_WHITESPACE, c)) {
		sp->state = ' ';
		return sp->tok.n > 0 || sp->quoted;
	}
	if (c == '\\') {
		sp->escapedstate = 'a';
		sp->state = c;
	} else if (in_set(SHLEX_QUOTES, c))
		sp->state = c;
	else {
		sbuf_add(&sp->tok, &c, 1);
		sp->state = 'a';
	}
	return 0;
}

/* One character in quotes: 0 goes on, -1 the quote is not closed. */
static int
split_quoted(struct splitter *sp, char c, char *cause, size_t causelen)
{
	sp->quoted = true;
	if (c == '\0') {
		snprintf(cause, causelen, "no closing quotation");
		return -1;
	}
	if (c == sp->state)
		sp->state = 'a';
	else if (c == '\\' && sp->state == '"') {
		sp->escapedstate = sp->state;
		sp->state = c;
	} else
		sbuf_add(&sp->tok, &c, 1);
	return 0;
}

/* The character after an escape: 0 goes on, -1 there is none. */
static int
split_escaped(struct splitter *sp, char c, char *cause, size_t causelen)
{
	if (c == '\0') {
		snprintf(cause, causelen, "no escaped character");
		return -1;
	}
	/* In quotes, only the quote or the escape is escaped. */
	if (in_set(SHLEX_QUOTES, sp->escapedstate) &&
	    c != sp->state && c != sp->escapedstate)
		sbuf_add(&sp->tok, &sp->state, 1);
	sbuf_add(&sp->tok, &c, 1);
	sp->state = sp->escapedstate;
	return 0;
}

/* One token of shlex.split(); 1: got one, 0: end, -1: error. */
static int
split_token(const char **pp, char **out, char *cause, size_t causelen)
{
	const char		*p = *pp;
	struct splitter		 sp = { { 0 }, ' ', ' ', false };
	char			 c;
	int			 r;

	do {
		c = *p;
		if (c != '\0')
			p++;
		if (sp.state == ' ' || sp.state == 'a')
			r = split_plain(&sp, c);
		else if (sp.state == '\'' || sp.state == '"')
			r = split_quoted(&sp, c, cause, causelen);
		else
			r = split_escaped(&sp, c, cause, causelen);
	} while (r == 0);
	if (r == -1) {
		free(sp.tok.s);
		return -1;
	}
	*pp = p;
	if (sp.tok.n == 0 && !sp.quoted) {
		free(sp.tok.s);
		return 0;
	}
	*out = sbuf_take(&sp.tok);
	return 1;
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
	if (svec_finish(&v, r) == -1)
		return -1;
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

/* One unit (u, n bytes; n is 0 at the end) between tokens: 1 ends the
   token, 0 goes on. */
static int
lexer_space(struct lexer *lx, struct sbuf *tok, const char *u, size_t n)
{
	if (n == 0) {
		lx->state = 0;
		return 1;
	}
	if (n == 1 && in_set(SHLEX_WHITESPACE, *u))
		return tok->n > 0;
	if (n == 1 && *u == '#')
		skip_line(lx);
	else if (is_wordchar(lx, u, n)) {
		sbuf_add(tok, u, n);
		lx->state = 'a';
	} else if (n == 1 && in_set(SHLEX_QUOTES, *u)) {
		sbuf_add(tok, u, n);
		lx->state = *u;
	} else {
		sbuf_add(tok, u, n);
		return 1;
	}
	return 0;
}

/* One unit in quotes: 1 the closing quote, 0 goes on, -1 no closing. */
static int
lexer_quoted(struct lexer *lx, struct sbuf *tok, const char *u, size_t n,
    char *cause, size_t causelen)
{
	if (n == 0) {
		snprintf(cause, causelen, "no closing quotation");
		return -1;
	}
	sbuf_add(tok, u, n);
	if (n == 1 && *u == lx->state) {
		lx->state = ' ';
		return 1;
	}
	return 0;
}

/* One unit in a word: 1 ends the token, 0 goes on. */
static int
lexer_word(struct lexer *lx, struct sbuf *tok, const char *u, size_t n)
{
	if (n == 0) {
		lx->state = 0;
		return 1;
	}
	if (n == 1 && in_set(SHLEX_WHITESPACE, *u)) {
		lx->state = ' ';
		return tok->n > 0;
	}
	if (n == 1 && *u == '#')
		skip_line(lx);	/* and the word goes on */
	else if (is_wordchar(lx, u, n) ||
	    (n == 1 && in_set(SHLEX_QUOTES, *u)))
		sbuf_add(tok, u, n);
	else {
		lx->pushback = xstrndup(u, n);
		lx->state = ' ';
		return tok->n > 0;
	}
	return 0;
}

/* read_token() in non-POSIX mode: 1 token, 0 EOF, -1 error. */
static int
lexer_token(struct lexer *lx, char **out, char *cause, size_t causelen)
{
	struct sbuf	 tok = { 0 };
	const char	*u;
	size_t		 n;
	int		 r = 0;

	if (lx->pushback != NULL) {
		*out = lx->pushback;
		lx->pushback = NULL;
		return 1;
	}
	while (r == 0 && lx->state != 0) {
		u = lx->p;
		n = *u == '\0' ? 0 : unit_len(u);
		lx->p += n;
		if (lx->state == ' ')
			r = lexer_space(lx, &tok, u, n);
		else if (lx->state == '\'' || lx->state == '"')
			r = lexer_quoted(lx, &tok, u, n, cause, causelen);
		else
			r = lexer_word(lx, &tok, u, n);
	}
	if (r == -1) {
		free(tok.s);
		return -1;
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
	if (svec_finish(&v, r) == -1)
		return -1;
	*tokens = v.v;
	*ntokens = v.n;
	return 0;
}

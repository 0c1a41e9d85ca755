/*
 * Supervisor's capture mode (see logcap.h), as its dispatchers.py's
 * record_output() does it: a token is looked for only once more bytes
 * than the token's length are at hand, so up to that many are held back
 * until the next read; a token's prefix at the end of a read is held
 * back too.  Pieces outside the tokens go to the log as any output;
 * pieces inside go to a buffer that keeps the last capture_maxbytes
 * (Supervisor's BoundIO: a write that does not fit drops as many bytes
 * from the buffer's start as it brings), and at the end token that
 * buffer becomes one PROCESS_COMMUNICATION event.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logcap.h"
#include "xmalloc.h"

static const char begin_token[] = "<!--XSUPERVISOR:BEGIN-->";
static const char end_token[] = "<!--XSUPERVISOR:END-->";
#define HELD_MAX	(sizeof(begin_token) - 1)

struct capmode {
	bool	 on;			/* between the tokens */
	char	 held[HELD_MAX];	/* bytes held back, before the next */
	size_t	 nheld;
	char	*buf;			/* what was said between them */
	size_t	 len;
};

static char	scratch[LOGCAP_PIECE_MAX];

bool
capmode_on(const struct capture *c)
{
	return c->capmode->on;
}

/* BoundIO.write: drop as many bytes from the start as b brings, when
   it does not fit, then append b (which may exceed the bound). */
void
capmode_store(struct capture *c, const char *b, size_t n)
{
	struct capmode	*cm = c->capmode;
	size_t		 drop;

	if (cm->len + n > c->lc->capture_max) {
		drop = n < cm->len ? n : cm->len;
		memmove(cm->buf, cm->buf + drop, cm->len - drop);
		cm->len -= drop;
	}
	cm->buf = xrealloc(cm->buf, cm->len + n);
	memcpy(cm->buf + cm->len, b, n);
	cm->len += n;
}

/* Into or out of capture mode; out of it, what was said is an event. */
static void
toggle(struct capture *c)
{
	struct capmode	*cm = c->capmode;
	struct logcap	*lc = c->lc;
	struct daemon	*d = lc->proc->daemon;

	cm->on = !cm->on;
	if (cm->on)
		return;
	if (d != NULL && d->output_events != NULL)
		d->output_events->event(lc->proc, strcmp(lc->stream, "stderr") == 0 ?
		    EVT_PROCESS_COMMUNICATION_STDERR :
		    EVT_PROCESS_COMMUNICATION_STDOUT, c->pid,
		    cm->buf != NULL ? cm->buf : "", cm->len);
	log_debug("'%s' %s emitted a comm event", lc->proc->cfg->name,
	    lc->stream);
	free(cm->buf);
	cm->buf = NULL;
	cm->len = 0;
}

/* medusa's find_prefix_at_end: the longest proper prefix of the token
   that ends the data. */
static size_t
prefix_at_end(const char *data, size_t n, const char *token, size_t tlen)
{
	size_t	l;

	for (l = tlen - 1; l > 0; l--)
		if (l <= n && memcmp(data + n - l, token, l) == 0)
			return l;
	return 0;
}

/* record_output() on held + data (at most a scratch's worth). */
static void
record(struct capture *c, const char *data, size_t n)
{
	struct capmode	*cm = c->capmode;
	const char	*token, *at;
	size_t		 tlen, keep;

	memcpy(scratch, cm->held, cm->nheld);
	memcpy(scratch + cm->nheld, data, n);
	data = scratch;
	n += cm->nheld;
	cm->nheld = 0;
	while (n > 0) {
		token = cm->on ? end_token : begin_token;
		tlen = strlen(token);
		if (n <= tlen) {	/* not enough to look: held */
			memcpy(cm->held, data, n);
			cm->nheld = n;
			return;
		}
		if ((at = memmem(data, n, token, tlen)) == NULL) {
			keep = prefix_at_end(data, n, token, tlen);
			capture_piece(c, data, n - keep);
			memcpy(cm->held, data + n - keep, keep);
			cm->nheld = keep;
			return;
		}
		capture_piece(c, data, (size_t)(at - data));
		toggle(c);
		n -= (size_t)(at - data) + tlen;
		data = at + tlen;
	}
}

void
capmode_input(struct capture *c, const char *data, size_t n)
{
	size_t	room, take;

	if (c->capmode == NULL)
		c->capmode = xcalloc(1, sizeof(*c->capmode));
	while (n > 0) {
		room = sizeof(scratch) - c->capmode->nheld;
		take = n < room ? n : room;
		record(c, data, take);
		data += take;
		n -= take;
	}
}

/*
 * The end of the pipe.  Supervisor loses the bytes it held back (a
 * program's last words shorter than a token); we log them, unless they
 * were said in capture mode, whose unfinished buffer goes, as there.
 */
void
capmode_finish(struct capture *c)
{
	struct capmode	*cm = c->capmode;
	size_t		 n;

	if (cm == NULL)
		return;
	n = cm->nheld;
	cm->nheld = 0;
	if (!cm->on && n > 0) {
		memcpy(scratch, cm->held, n);
		capture_piece(c, scratch, n);
	}
	free(cm->buf);
	free(cm);
	c->capmode = NULL;
}

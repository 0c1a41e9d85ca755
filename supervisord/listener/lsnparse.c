/*
 * The listener's stdout protocol (see lsnparse.h), as Supervisor's
 * PEventListenerDispatcher reads it: READY\n when ACKNOWLEDGED, then
 * "RESULT <len>\n" and len bytes when BUSY; anything else is out of
 * protocol.  Pure: the input and the pending length only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lsnparse.h"

static const char ready[] = "READY\n";
static const char result[] = "RESULT ";
#define READY_LEN	(sizeof(ready) - 1)
#define RESULT_LEN	(sizeof(result) - 1)

/* "RESULT <digits>\n": the bytes of the line (0: incomplete), or -1. */
static long
result_line(const char *buf, size_t len, long *n)
{
	const char	*nl;
	char		 digits[LSN_LINE_MAX + 1], *end;
	size_t		 k;

	if ((nl = memchr(buf, '\n', len)) == NULL)
		return len > LSN_LINE_MAX ? -1 : 0;
	k = (size_t)(nl - buf);
	if (k > LSN_LINE_MAX || k <= RESULT_LEN ||
	    memcmp(buf, result, RESULT_LEN) != 0 ||
	    buf[RESULT_LEN] < '0' || buf[RESULT_LEN] > '9')
		return -1;
	/* A copy: the input is not a string. */
	memcpy(digits, buf + RESULT_LEN, k - RESULT_LEN);
	digits[k - RESULT_LEN] = '\0';
	errno = 0;
	*n = strtol(digits, &end, 10);
	if (*end != '\0' || errno != 0 || *n < 0 || *n > LSN_RESULT_MAX)
		return -1;
	return (long)k + 1;
}

/* BUSY: the result line if not consumed yet, then its bytes. */
static void
scan_busy(long *pending, const char *buf, size_t len, struct lsn_scan *s)
{
	long	line = 0, n;

	if (*pending < 0) {
		if ((line = result_line(buf, len, &n)) == 0)
			return;
		if (line < 0) {
			s->tok = LSN_TOK_BAD;
			s->why = "a bad result line";
			return;
		}
		*pending = n;
	}
	s->used = (size_t)line;
	if (len - (size_t)line < (size_t)*pending)
		return;
	s->tok = LSN_TOK_RESULT;
	s->result = buf + line;
	s->resultlen = (size_t)*pending;
	s->used += (size_t)*pending;
	*pending = -1;
}

void
lsn_scan(enum lsn_state state, long *pending, const char *buf, size_t len,
    struct lsn_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->tok = LSN_TOK_MORE;
	switch (state) {
	case LSN_UNKNOWN:
		s->tok = LSN_TOK_IGNORED;
		s->used = len;
		break;
	case LSN_ACKNOWLEDGED:
		if (len < READY_LEN)
			break;
		if (memcmp(buf, ready, READY_LEN) != 0) {
			s->tok = LSN_TOK_BAD;
			s->why = "bytes that are not READY";
			break;
		}
		s->tok = LSN_TOK_READY;
		s->used = READY_LEN;
		break;
	case LSN_READY:
		if (len > 0) {
			s->tok = LSN_TOK_BAD;
			s->why = "bytes before any event";
		}
		break;
	case LSN_BUSY:
		scan_busy(pending, buf, len, s);
		break;
	}
}

/*
 * libFuzzer target for the listener's stdout protocol scanner
 * (supervisord/listener/lsnparse.c): a listener writes any bytes, in any
 * pieces.  The first input byte chooses how the rest is cut into reads;
 * the harness keeps a buffer as lsnproc.c does (consuming what the
 * scanner used, going BUSY after READY as if an event were sent) and
 * checks that the scanner never reads or consumes past its input, that
 * a result lies within it and within LSN_RESULT_MAX, and that what must
 * be kept never exceeds the bound lsnproc.c's buffer has.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsnparse.h"

#define FUZZ_TARGET	"fuzz_listener"
#include "fuzz.h"

#define BUF_MAX	(LSN_LINE_MAX + 1 + LSN_RESULT_MAX)

struct sim {
	enum lsn_state	 state;
	long		 pending;
	char		*buf;		/* exactly len bytes: ASan sees over-reads */
	size_t		 len;
};

static void
sim_consume(struct sim *m, size_t n)
{
	FUZZ_CHECK(n <= m->len);
	memmove(m->buf, m->buf + n, m->len - n);
	m->len -= n;
}

/* lsnproc.c's parse(): scan until a token is incomplete. */
static void
sim_parse(struct sim *m)
{
	struct lsn_scan	s;

	while (m->len > 0) {
		lsn_scan(m->state, &m->pending, m->buf, m->len, &s);
		FUZZ_CHECK(s.used <= m->len);
		switch (s.tok) {
		case LSN_TOK_MORE:
			sim_consume(m, s.used);
			FUZZ_CHECK(m->len <= BUF_MAX);
			return;
		case LSN_TOK_IGNORED:
			FUZZ_CHECK(m->state == LSN_UNKNOWN);
			sim_consume(m, s.used);
			return;
		case LSN_TOK_BAD:
			FUZZ_CHECK(s.why != NULL && s.used == 0);
			m->state = LSN_UNKNOWN;
			m->pending = -1;
			m->len = 0;
			return;
		case LSN_TOK_READY:
			FUZZ_CHECK(m->state == LSN_ACKNOWLEDGED && s.used == 6);
			sim_consume(m, s.used);
			m->state = LSN_BUSY;	/* an event goes out at once */
			break;
		case LSN_TOK_RESULT:
			FUZZ_CHECK(m->state == LSN_BUSY && m->pending == -1);
			FUZZ_CHECK(s.resultlen <= LSN_RESULT_MAX);
			FUZZ_CHECK(s.result >= m->buf && s.result + s.resultlen
			    <= m->buf + m->len);
			FUZZ_CHECK(s.result + s.resultlen == m->buf + s.used);
			sim_consume(m, s.used);
			m->state = LSN_ACKNOWLEDGED;
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim	 m = { LSN_ACKNOWLEDGED, -1, NULL, 0 };
	size_t		 piece, take;
	char		*grown;

	if (size == 0)
		return 0;
	piece = (size_t)data[0] % 16 + 1;	/* bytes per read */
	data++;
	size--;
	while (size > 0) {
		take = size < piece ? size : piece;
		grown = malloc(m.len + take);
		FUZZ_CHECK(grown != NULL);
		if (m.len > 0)
			memcpy(grown, m.buf, m.len);
		memcpy(grown + m.len, data, take);
		free(m.buf);
		m.buf = grown;
		m.len += take;
		data += take;
		size -= take;
		sim_parse(&m);
	}
	free(m.buf);
	return 0;
}

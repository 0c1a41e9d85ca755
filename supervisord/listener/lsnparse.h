/*
 * The listener's stdout protocol as a pure scanner (lsnparse.c): what
 * the bytes a listener wrote mean in its state, with no process, pipe or
 * log behind it, so that the fuzz target (tests/fuzz/fuzz_listener.c)
 * runs it alone.  lsnproc.c applies what it finds.
 */
#ifndef LSNPARSE_H
#define LSNPARSE_H

#include <stddef.h>

#define LSN_LINE_MAX	64	/* "RESULT <len>" */
#define LSN_RESULT_MAX	4096	/* a result's bytes */

enum lsn_state {
	LSN_ACKNOWLEDGED,	/* waits for READY\n */
	LSN_READY,		/* may get an event */
	LSN_BUSY,		/* has one, waits for its RESULT */
	LSN_UNKNOWN,		/* spoke out of turn: gets nothing more */
};

enum lsn_tok {
	LSN_TOK_MORE,		/* incomplete: wait for more bytes */
	LSN_TOK_READY,		/* READY\n: now READY */
	LSN_TOK_RESULT,		/* a whole result: result, resultlen */
	LSN_TOK_BAD,		/* out of protocol: why */
	LSN_TOK_IGNORED,	/* UNKNOWN: the bytes mean nothing */
};

struct lsn_scan {
	enum lsn_tok	 tok;
	size_t		 used;		/* bytes to consume (MORE: a result
					   line already parsed; BAD: 0) */
	const char	*result;	/* RESULT: in the input */
	size_t		 resultlen;
	const char	*why;		/* BAD */
};

/*
 * Scan buf[0..len) in state.  *pending is the announced length of a
 * result whose line was consumed (-1: none yet); it is updated.  At most
 * LSN_LINE_MAX + 1 + LSN_RESULT_MAX bytes need be kept for a token.
 */
void	 lsn_scan(enum lsn_state, long *pending, const char *buf, size_t len,
	    struct lsn_scan *);

#endif

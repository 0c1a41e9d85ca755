/*
 * Supervisor's strip_ansi: drop "ESC [ ... terminator" sequences from a
 * stream read in pieces, keeping the state between pieces.
 */
#ifndef ANSI_H
#define ANSI_H

#include <stddef.h>

enum ansi_state {
	ANSI_TEXT = 0,
	ANSI_ESC,		/* an ESC ended the last piece */
	ANSI_SEQ,		/* inside ESC [ ... */
};

/* Strip in into out (which holds len + 1 bytes); returns out's length. */
size_t	ansi_strip(enum ansi_state *, const char *in, size_t len, char *out);

/* At end of stream: a lone ESC still held goes out (returns 0 or 1). */
size_t	ansi_finish(enum ansi_state *, char *out);

#endif

/*
 * Supervisor's strip_ansi (dispatchers.stripEscapes), as a state machine
 * so that a sequence cut between two reads of a pipe is still removed:
 * ESC [ starts a sequence, which ends with the first of Supervisor's
 * terminators (HfABCDRsuJKhlpm) and goes with it; an ESC that does not
 * start a sequence stays, as in Supervisor.
 */
#include <string.h>

#include "ansi.h"

size_t
ansi_strip(enum ansi_state *st, const char *in, size_t len, char *out)
{
	static const char	term[] = "HfABCDRsuJKhlpm";
	size_t			i, o = 0;

	for (i = 0; i < len; i++) {
		switch (*st) {
		case ANSI_TEXT:
			if (in[i] == '\033')
				*st = ANSI_ESC;
			else
				out[o++] = in[i];
			break;
		case ANSI_ESC:
			if (in[i] == '[') {
				*st = ANSI_SEQ;
				break;
			}
			/* Not a sequence after all: the ESC stays. */
			out[o++] = '\033';
			if (in[i] != '\033') {
				out[o++] = in[i];
				*st = ANSI_TEXT;
			}
			break;
		case ANSI_SEQ:
			if (in[i] != '\0' && strchr(term, in[i]) != NULL)
				*st = ANSI_TEXT;
			break;
		}
	}
	return o;
}

size_t
ansi_finish(enum ansi_state *st, char *out)
{
	if (*st != ANSI_ESC) {
		*st = ANSI_TEXT;
		return 0;
	}
	*st = ANSI_TEXT;
	out[0] = '\033';
	return 1;
}

/*
 * Python's shlex, the two ways Supervisor uses it: shlex.split() (POSIX
 * rules) turns command= into argv, and the non-POSIX lexer tokenises
 * environment= for datatypes.dict_of_key_value_pairs().
 */
#ifndef SHLEX_H
#define SHLEX_H

#include <stddef.h>

/*
 * shlex.split(s): POSIX quotes and backslashes, whitespace " \t\r\n", no
 * comments.  Fills a NULL-terminated argv (free with strv_free) and argc.
 * Returns -1 with Python's reason ("no closing quotation", "no escaped
 * character") in cause.
 */
int	shlex_split(const char *s, char ***argv, int *argc, char *cause,
	    size_t causelen);

/*
 * list(shlex.shlex(s)) with extra wordchars appended: the non-POSIX lexer,
 * where quotes stay in their token, '#' starts a comment up to the end of
 * the line, and any other character that is neither a word character, a
 * quote nor whitespace is a token of its own.  Characters are Unicode code
 * points (UTF-8 sequences), as Python reads them.
 */
int	shlex_tokens(const char *s, const char *wordchars, char ***tokens,
	    size_t *ntokens, char *cause, size_t causelen);

/* Free a vector from shlex_split or shlex_tokens (NULL-terminated). */

#endif

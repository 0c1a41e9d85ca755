/*
 * Text for a terminal: every byte below 0x20 but tab, and 0x7f, written
 * as \xNN.  A value from a configuration file, a program's STATUS= or a
 * peer's request must not retitle, clear or garble the operator's
 * terminal when a message shows it (the daemon's log, -t, supctl).
 */
#ifndef UNCTRL_H
#define UNCTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Is c a byte that is written escaped? */
bool	 unctrl_byte(unsigned char c);
/* src escaped into dst of size (> 0), always terminated, cut at a whole
   escape; the length the whole would take, as snprintf() returns. */
size_t	 unctrl_buf(char *dst, size_t size, const char *src);
/* The same allocated (never NULL). */
char	*unctrl_dup(const char *);
/* fputs() of the escaped text. */
void	 unctrl_fputs(const char *, FILE *);
/* fprintf() whose whole text is escaped, but for a '\n' at its end. */
int	 unctrl_printf(FILE *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif

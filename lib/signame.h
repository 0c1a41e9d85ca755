/*
 * Signal names as Python's signal module knows them on Linux, spelled as
 * Supervisor shows a stopsignal ("TERM"): the one table the configuration,
 * the state machine and the commands use.
 */
#ifndef SIGNAME_H
#define SIGNAME_H

#include <stddef.h>

/* "TERM" for SIGTERM; NULL for a signal without a name. */
const char *signal_name(int sig);
/* A name, with or without SIG, in any case ("term", "SIGTERM"); -1. */
int	 signal_from_name(const char *);
/* The name, or the number when there is none: "TERM", "33". */
const char *signal_label(int sig, char *buf, size_t len);

#endif

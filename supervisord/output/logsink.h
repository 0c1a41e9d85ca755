/*
 * What logsink.c (the standard streams, syslog) and logsink_daemon.c (the
 * daemon's own log) share: one exit handler, which closes the daemon's
 * log first, then gives the standard streams their last chance.
 */
#ifndef LOGSINK_H
#define LOGSINK_H

/* logsink.c: register the exit handler (once). */
void	logsink_atexit(void);
/* logsink_daemon.c: the daemon's log back to stderr, its file closed. */
void	logsink_daemon_close(void);

#endif

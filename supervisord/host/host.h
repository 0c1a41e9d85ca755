/*
 * The host (host/): main(), start-up, signals, the loop and the end of
 * its turns, shutdown, -d, systemd.  It may call every other folder.
 */
#ifndef HOST_H
#define HOST_H

#include "engine.h"

/* daemon.c: start-up, signals, the loop. */
struct daemon_opts {
	bool	 foreground;	/* -n: the default anyway */
	bool	 daemonize;	/* -d */
};
int	 daemon_main(const char *config_path, const struct daemon_opts *);

/*
 * detach.c: -d.  detach_begin() forks twice and returns, in the daemon,
 * the readiness pipe; the starting process waits on it and exits 0 at
 * detach_ready(), or prints what detach_fail() said and exits 1.
 * detach_fail() is for every start-up failure (fd -1 in the foreground):
 * it logs the message, tells the starting process, and exits 1.
 */
int	 detach_begin(void);
void	 detach_ready(int fd);
void	 detach_fail(int fd, const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));

/*
 * turn.c: the end of each loop turn, one ordered pass: held stops, the
 * removed processes that are down, then files (pidfiles, log files),
 * then words (events, replies): no client or subscriber is told of a
 * process before its files are on disk.  turn_init starts it.
 */
void	 turn_init(struct daemon *);
void	 turn_end(struct daemon *);
void	 turn_free(struct daemon *);

/* routes.c: the HTTP routes, served by http_init. */
struct http_route;
extern const struct http_route	*const host_routes;
extern const size_t		host_nroutes;

/* Stop everything (reverse priority), then leave the loop with status. */
void	 daemon_shutdown(struct daemon *, int status);
/*
 * shutdown_on.c: a program's shutdown_on= takes the daemon down when it
 * goes FATAL (or exits for good), so a container's orchestrator sees the
 * failure: the daemon stops everything and exits with this status.
 */
#define EXIT_SHUTDOWN_ON	3
void	 shutdown_on_init(struct daemon *);

/*
 * sdnotify.c: the daemon's own notifications to systemd when
 * NOTIFY_SOCKET is set (path or @abstract): READY=1, STATUS= with a count
 * of running programs, RELOADING=1, STOPPING=1, WATCHDOG=1.  Every call
 * returns at once and does nothing without systemd; failures are logged.
 * sdnotify_init reads and unsets NOTIFY_SOCKET, WATCHDOG_USEC and
 * WATCHDOG_PID, so no program inherits them.
 */
void	 sdnotify_init(struct daemon *);
/* Start-up done (socket listening, autostart launched), or a reload
   applied: READY=1 with the status. */
void	 sdnotify_ready(struct daemon *);
/* A reload begins: RELOADING=1 with MONOTONIC_USEC; sdnotify_ready()
   when it is applied (or refused). */
void	 sdnotify_reloading(struct daemon *);
void	 sdnotify_stopping(struct daemon *);
void	 sdnotify_free(struct daemon *);

#endif

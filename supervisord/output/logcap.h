/*
 * The capture of a process's output, shared by logcap.c (a stream's life
 * across spawns: destinations, pipes made at each spawn) and capture.c
 * (moving the bytes of each pipe to the destinations).
 */
#ifndef LOGCAP_H
#define LOGCAP_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ansi.h"
#include "engine.h"
#include "output.h"

/* Bytes read from a pipe at once (Supervisor reads 128 KiB too), and
   the most a piece of output given to capture_piece() holds (a read
   and what capture mode held back of the one before). */
#define LOGCAP_READ	(128 * 1024)
#define LOGCAP_PIECE_MAX (LOGCAP_READ + 64)

struct capmode;
struct capture_batch;

struct capture {
	struct logcap		*lc;
	int			 fd;		/* read end, non-blocking */
	ev_io			 io;
	struct capture_batch	*batch;		/* a writer of small pieces read
						   in batches: its timer; NULL
						   until it first batches */
	bool			 big;		/* the pipe was grown */
	bool			 small;		/* the writer writes small pieces */
	size_t			 pipesz;	/* the pipe's capacity */
	enum ansi_state		 ansi;		/* strip_ansi's state */
	pid_t			 pid;		/* the spawn's, for syslog */
	char			*line;		/* partial line, or NULL */
	size_t			 linelen;
	struct capmode		*capmode;	/* capture mode, or NULL */
	LIST_ENTRY(capture)	 entry;
};
LIST_HEAD(capture_list, capture);

struct logcap {
	struct proc		*proc;
	const char		*stream;	/* "stdout", "stderr" */
	char			*autopath;	/* AUTO name, kept across spawns */
	struct logfile		*file;		/* NULL: no file */
	int			 std;		/* /dev/stdout 1, /dev/stderr 2 */
	bool			 autonew;	/* the AUTO file not made yet */
	bool			 syslog;
	bool			 strip_ansi;	/* [supervisord] strip_ansi */
	bool			 events;	/* *_events_enabled */
	uint64_t		 capture_max;	/* *_capture_maxbytes */
	struct capture_list	 captures;
};

/* logcap.c */
struct ev_loop	*logcap_loop(struct proc *);
void		 logcap_who(struct logcap *, char *buf, size_t);
void		 logcap_tag(const struct logcap *, char *buf, size_t);

/* capture.c: a new pipe for a spawn (the child gets the write end), not
   watched yet; drain a stream's pipes as far as they go now; close one. */
int	 capture_new(struct logcap *, int *child_fd, struct capture **,
	    char *cause, size_t);
void	 capture_drain_all(struct logcap *);
void	 capture_close(struct capture *);
/* Output as Supervisor's _log() takes it: stripped if asked, to the
   log (or, in capture mode, to its buffer), and as a PROCESS_LOG event
   when the stream's events are enabled and a pool wants them. */
void	 capture_piece(struct capture *, const char *, size_t);
/* Whether a stream's output goes to the pools as events now. */
bool	 capture_events(const struct logcap *);

/*
 * capmode.c: Supervisor's capture mode (*_capture_maxbytes): what a
 * program writes between <!--XSUPERVISOR:BEGIN--> and
 * <!--XSUPERVISOR:END--> is kept (the last capture_maxbytes, as
 * Supervisor's BoundIO) and becomes one PROCESS_COMMUNICATION event
 * instead of reaching the log.  capmode_input() takes a read's bytes,
 * capmode_store() a piece said in capture mode, capmode_finish() the
 * end of the pipe.
 */
void	 capmode_input(struct capture *, const char *, size_t);
bool	 capmode_on(const struct capture *);
void	 capmode_store(struct capture *, const char *, size_t);
void	 capmode_finish(struct capture *);

#endif

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

#include "ansi.h"
#include "engine.h"
#include "output.h"

struct capture {
	struct logcap		*lc;
	int			 fd;		/* read end, non-blocking */
	ev_io			 io;
	ev_timer		 batch;		/* a pause between small reads */
	bool			 big;		/* the pipe was grown */
	bool			 small;		/* the writer writes small pieces */
	size_t			 pipesz;	/* the pipe's capacity */
	double			 pause;		/* between batches, seconds */
	enum ansi_state		 ansi;		/* strip_ansi's state */
	pid_t			 pid;		/* the spawn's, for syslog */
	char			*line;		/* partial line, or NULL */
	size_t			 linelen;
	LIST_ENTRY(capture)	 entry;
};
LIST_HEAD(capture_list, capture);

struct logcap {
	struct proc		*proc;
	const char		*stream;	/* "stdout", "stderr" */
	char			*autopath;	/* AUTO name, kept across spawns */
	bool			 autonew;	/* ... and its file not made yet */
	struct logfile		*file;		/* NULL: no file */
	int			 std;		/* /dev/stdout 1, /dev/stderr 2 */
	bool			 syslog;
	bool			 strip_ansi;	/* [supervisord] strip_ansi */
	char			 tag[128];	/* syslog tag: the name */
	struct capture_list	 captures;
};

/* logcap.c */
struct ev_loop	*logcap_loop(struct proc *);
void		 logcap_who(struct logcap *, char *buf, size_t);

/* capture.c: a new pipe for a spawn (the child gets the write end), not
   watched yet; drain a stream's pipes as far as they go now; close one. */
int	 capture_new(struct logcap *, int *child_fd, struct capture **,
	    char *cause, size_t);
void	 capture_drain_all(struct logcap *);
void	 capture_close(struct capture *);

#endif

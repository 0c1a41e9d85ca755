/*
 * A log file that rotates by size and never stops its writer: bytes land
 * up to maxbytes, then file -> file.1 -> ... -> file.N, each file ending
 * at a line boundary unless a line is longer than maxbytes; when the
 * disk is full or the file cannot be opened, bytes are dropped and
 * counted, and writing resumes as soon as it can.
 */
#ifndef LOGFILE_H
#define LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct logfile {
	char		*path;
	int		 fd;		/* -1 while it cannot be opened */
	int		 backups;	/* 0: truncate when maxbytes is hit */
	uint64_t	 maxbytes;	/* 0: never rotate */
	uint64_t	 size;		/* bytes in the current file */
	int		 refs;		/* users sharing this file (logcap) */
	bool		 regular;	/* a regular file: rotate, splice */
	bool		 nosplice;	/* splice(2) refused: read/write only */
	bool		 create;	/* the next open makes the file: nothing,
					   not even a link, may be there yet */
	bool		 exclusive;	/* an AUTO file, ours alone: opened
					   only as a new file, never through
					   a link, and locked (flock) while
					   open so that no clean-up removes it */

	/* Failure accounting: an episode runs from a failure to recovery. */
	bool		 failing;
	bool		 reported;	/* the episode's start was logged */
	int		 error;		/* errno of the failure */
	const char	*failed_op;	/* "open", "write", "rotate" */
	uint64_t	 dropped;	/* bytes dropped, in total */
	uint64_t	 episode_dropped;
	double		 retry_at;	/* monotonic time of the next open try */
	double		 retry_interval;	/* seconds between open tries */
};

/* Open (or start failing to open) path for appending.  Never NULL. */
struct logfile *logfile_open(const char *path, uint64_t maxbytes,
	    int backups);
/* The same, not opened yet: logfile_open_pending() or the first write
   opens it. */
struct logfile *logfile_new(const char *path, uint64_t maxbytes,
	    int backups);
/* Open a file logfile_new() made, unless that was done or tried. */
void	 logfile_open_pending(struct logfile *);
void	 logfile_free(struct logfile *);

/* Write len bytes, rotating at maxbytes; returns how many landed (the
   rest was dropped and counted). */
size_t	 logfile_write(struct logfile *, const void *, size_t);

/*
 * Move up to max bytes from a non-blocking pipe straight into the file
 * with splice(2).  Returns the bytes moved, 0 at end of file, or -1 with
 * errno EAGAIN (the pipe is empty) or EOPNOTSUPP (the bytes must be read
 * and given to logfile_write: no splice here, or the file is failing).
 */
ssize_t	 logfile_splice(struct logfile *, int fd, size_t max);

/* Close and open the path again (SIGUSR2, after an external rotation). */
int	 logfile_reopen(struct logfile *);

/* The same, the file emptied (clear): its backups stay.  -1 with
   lf->error when it cannot be opened (bytes are dropped until it can). */
int	 logfile_clear(struct logfile *);
/*
 * Whether the open file is no longer at its path: deleted, or moved away
 * (the path names another file or nothing).  False while nothing is open.
 */
bool	 logfile_moved(const struct logfile *);
/* Reopen the path when the open file is no longer there (at a spawn, as
   Supervisor does); 0 when it is, or was reopened. */
int	 logfile_refresh(struct logfile *);

/* Set a new size limit and backups count (configuration reload). */
void	 logfile_set_limits(struct logfile *, uint64_t maxbytes, int backups);

/*
 * Say once per episode in the daemon's log that bytes are being dropped,
 * and once that writing resumed, with how much was lost.  who prefixes
 * the message ("web stdout").
 */
void	 logfile_report(struct logfile *, const char *who);

/*
 * logcarry.c: what rotation at line boundaries needs.  logcarry_cut:
 * where the next file should begin (the size: nothing moves), with *rfd
 * a descriptor reading the file, or -1; logcarry_copy: n bytes at from
 * to wfd at to (another file, or the same one with to < from), -1 with
 * errno; logcarry_move: [cut, size) to the start of the new file fd, then
 * off the current one.
 */
uint64_t logcarry_cut(const struct logfile *, int *rfd);
int	 logcarry_copy(int rfd, uint64_t from, int wfd, uint64_t to,
	    uint64_t n);
void	 logcarry_move(struct logfile *, int fd, int rfd, uint64_t cut);

#endif

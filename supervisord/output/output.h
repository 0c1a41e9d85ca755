/*
 * Output (output/): the programs' pipes, log files and the daemon's own
 * log lines.  It calls lib/ only; the engine's types are its input.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include "engine.h"

/*
 * logcap.c: capture of a process's stdout and stderr.  The engine calls
 * these around each spawn; logcap owns the pipes, their watchers and the
 * log files, and drains every pipe until EOF, even after the process died.
 */
/* Before fork: child_fds[0]/[1] become the child's stdout/stderr (pipe
   write ends, a file, or /dev/null).  -1 with a reason on failure. */
int	 logcap_prepare(struct proc *, int child_fds[2], char *cause, size_t);
/* In the parent after a successful fork: close the child's ends, read. */
void	 logcap_spawned(struct proc *);
/* In the parent after a failed fork: undo logcap_prepare. */
void	 logcap_abort(struct proc *);
/* The process is dropped from the configuration: flush, close, free. */
void	 logcap_release(struct proc *);
/* Start-up: AUTO log clean-up (unless nocleanup), the daemon's own log. */
int	 logcap_init(struct daemon *, char *cause, size_t);
/* SIGUSR2: reopen every log file (external logrotate). */
void	 logcap_reopen_all(struct daemon *);
/*
 * The file a process's stdout (err false) or stderr goes to: the path
 * for a file, AUTO's file in childlogdir (named on first use, as
 * Supervisor does; stderr with redirect_stderr: the stdout file), or
 * NULL when the stream is not written to a file of ours (NONE, syslog
 * only, /dev/stdout, /dev/stderr).  For tail and status.
 */
const char *logcap_path(struct proc *, bool err);
/*
 * Whether that file is still written but no longer at its path (deleted
 * or moved away since the spawn that opened it; the next spawn opens the
 * path anew).  For tail, which then says so instead of an empty log.
 */
bool	 logcap_path_lost(struct proc *, bool err);
/* Append " (log: 33.5 MB dropped, disk full)" to a status description
   when output was lost: how much in all, and why while it still is. */
void	 logcap_describe_drops(const struct proc *, char *buf, size_t len);

/*
 * logreg.c: the programs' log files as one set (logcap_init and
 * logcap_reopen_all live there too).  logreg_get opens or shares the file
 * of a path; logreg_put lets it go with its last user.
 */
struct logfile;
struct logfile *logreg_get(const char *path, uint64_t maxbytes, int backups,
	    bool create, bool exclusive);
void	 logreg_put(struct logfile *);
/* Open the files made since the loop last waited (logreg_get makes them
   unopened, so that a burst of spawns forks first). */
void	 logreg_flush(void);
/* A new AUTO file name (allocated), as Supervisor names them. */
char	*logreg_autoname(const struct config *, const char *name,
	    const char *stream);

/*
 * logsink.c: line destinations that never block the loop: the daemon's
 * own stdout/stderr (bounded queues of whole lines) and syslog; and
 * logsink_daemon.c: the daemon's own log.  They return false when the
 * bytes were dropped.
 */
bool	 logsink_std_write(int fd, const char *, size_t, bool add_newline);
bool	 logsink_syslog(const char *tag, pid_t, bool err, const char *,
	    size_t);
int	 logsink_daemon_open(const struct supervisord_config *, char *cause,
	    size_t);
void	 logsink_daemon_reopen(void);
/* The daemon's own log file, NULL when it logs to stderr, syslog or
   the journal (maintail, clearlog). */
struct logfile *logsink_daemon_file(void);
/*
 * logfollow.c: a log file followed by path (tail -f, /logtail).  The
 * caller reads lf->fd at lf->off (advancing it) until the end, then asks
 * logfollow_at_end() what happened: nothing new (wait for a change of
 * the path), read again (the old file once more after a rotation, or
 * the new one), a new file began (ROTATED: bytes cut at the old one's
 * end stay cut), or the file was emptied (TRUNCATED: from its start).
 * fd is -1 between files: logfollow_reopen() (-1, errno ENOENT, while
 * the path names none).
 */
struct logfollow {
	char		*path;
	int		 fd;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 off;		/* the next byte to read */
	off_t		 carried;	/* read bytes a rotation moved to the
					   new file's start: skipped there */
	bool		 drained;	/* rotated: the old file read again */
};

enum logfollow_end {
	LOGFOLLOW_IDLE,
	LOGFOLLOW_AGAIN,
	LOGFOLLOW_ROTATED,
	LOGFOLLOW_TRUNCATED,
};

struct stat;
/* Open a log for reading: -1 with errno (ENOENT: no file) and cause. */
int	 logfollow_open(const char *path, struct stat *, char *cause, size_t);
/* Follow path from off in fd (taken; -1: no file yet) of st. */
void	 logfollow_init(struct logfollow *, const char *path, int fd,
	    const struct stat *, off_t off);
int	 logfollow_reopen(struct logfollow *, char *cause, size_t);
enum logfollow_end logfollow_at_end(struct logfollow *);
void	 logfollow_release(struct logfollow *);

/*
 * logclear.c: log files emptied in place (their backups stay, as
 * Supervisor's).  logclear_proc (clearProcessLogs): a process's stdout
 * and stderr files; the paths emptied go to paths (up to two,
 * NULL-terminated).  logclear_daemon (clearLog): the daemon's own.  -1
 * with a reason when a file could not be emptied, or (daemon) when it
 * has none.
 */
int	 logclear_proc(struct proc *, const char *paths[3], char *cause,
	    size_t);
int	 logclear_daemon(char *cause, size_t);
/* The file logclear_daemon() empties (and maintail reads), or NULL. */
const char *logclear_daemon_path(void);

#endif

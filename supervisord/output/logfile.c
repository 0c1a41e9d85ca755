/*
 * A size-rotated log file that drops and counts bytes it cannot write
 * instead of blocking or failing its writer (the daemon's event loop).
 *
 * The file is opened without O_APPEND (splice(2) refuses O_APPEND files)
 * and positioned at its end; every byte goes through this module, so the
 * size it keeps is the size of the file and no file exceeds maxbytes: a
 * write that crosses the limit is cut there, the file rotates, and the
 * rest of the write goes to the new file, after the partial last line
 * the full file ended with (logcarry.c): files end at line boundaries.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "xmalloc.h"

static const char op_open[] = "open";
static const char op_write[] = "write to";
static const char op_rotate[] = "rotate";

/* Seconds on the monotonic clock: open retries must not follow the wall. */
static double
logfile_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Enter (or stay in) a failure episode. */
static void
logfile_fail(struct logfile *lf, const char *op, int error)
{
	if (!lf->failing) {
		lf->failing = true;
		/* A recovery nobody logged yet merges with this episode. */
		if (!lf->reported)
			lf->episode_dropped = 0;
	}
	lf->failed_op = op;
	lf->error = error;
	if (op != op_write)
		lf->retry_at = logfile_now() + lf->retry_interval;
}

/*
 * Open a path for writing at its end, or truncated, or as a new file
 * (O_EXCL: an existing file or a symbolic link there is refused); an
 * exclusive file is never opened through a link.  -1 with errno.
 */
static int
logfile_open_path(const struct logfile *lf, const char *path, bool truncate,
    bool create)
{
	int	flags;

	flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	if (truncate)
		flags |= O_TRUNC;
	if (create)
		flags |= O_EXCL;
	if (lf->exclusive)
		flags |= O_NOFOLLOW;
	if (strlen(path) + 16 > PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, flags, 0666);
}

/*
 * A new exclusive file, locked before its name appears: made under a
 * temporary name no clean-up looks at, locked, then renamed to its name
 * without replacing anything there (refused as O_EXCL would), so another
 * daemon's clean-up never finds it unlocked.  Where the file system
 * cannot rename so: O_EXCL at the name, and the lock right after.
 * *locked: made and locked here (not by a fallback).  -1 with errno.
 */
static int
logfile_create_locked(const struct logfile *lf, const char *path,
    bool *locked)
{
	static unsigned	 serial;
	char		 tmp[PATH_MAX];
	const char	*slash = strrchr(path, '/');
	int		 fd = -1, saved, tries;

	if (strlen(path) + 48 > sizeof(tmp))
		return logfile_open_path(lf, path, false, true);
	for (tries = 0; tries < 10; tries++) {
		snprintf(tmp, sizeof(tmp), "%.*s.supervisord-%ld-%u.tmp",
		    slash == NULL ? 0 : (int)(slash - path + 1), path,
		    (long)getpid(), serial++);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NONBLOCK | O_NOCTTY | O_NOFOLLOW, 0666);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1)
		return logfile_open_path(lf, path, false, true);
	*locked = flock(fd, LOCK_SH | LOCK_NB) == 0;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return fd;
	*locked = false;
	saved = errno;
	close(fd);
	(void)unlink(tmp);
	if (saved == EINVAL || saved == ENOSYS)
		return logfile_open_path(lf, path, false, true);
	errno = saved;
	return -1;
}

/* Make fd the file's descriptor, learning its size and kind; a file
   logfile_create_locked() just made and locked (fresh) is known: a new
   empty regular file, locked, so no fstat, flock or lseek (three of a
   program's first start's system calls per stream). */
static int
logfile_adopt(struct logfile *lf, int fd, bool fresh)
{
	struct stat	st;
	off_t		end;

	if (fresh) {
		if (lf->fd != -1)
			close(lf->fd);
		lf->regular = true;
		lf->size = 0;
		lf->fd = fd;
		return 0;
	}
	if (fstat(fd, &st) == -1) {
		logfile_fail(lf, op_open, errno);
		close(fd);
		return -1;
	}
	if (lf->fd != -1)
		close(lf->fd);
	lf->regular = S_ISREG(st.st_mode);
	lf->size = 0;
	/* A shared lock for as long as it is open: the clean-up of another
	   daemon sharing childlogdir takes the file for stale only when it
	   gets an exclusive one.  Advisory: failing to lock costs nothing
	   but that protection. */
	if (lf->exclusive && lf->regular &&
	    flock(fd, LOCK_SH | LOCK_NB) == -1)
		log_warn("cannot lock '%s'", lf->path);
	if (lf->regular) {
		if ((end = lseek(fd, 0, SEEK_END)) == -1)
			end = st.st_size;
		lf->size = (uint64_t)end;
	}
	lf->fd = fd;
	return 0;
}

/* Open the path at its end (or truncated), learning its size and kind. */
static int
logfile_open_fd(struct logfile *lf, bool truncate)
{
	int	fd;
	bool	locked = false;

	if (lf->create && lf->exclusive && !truncate)
		fd = logfile_create_locked(lf, lf->path, &locked);
	else
		fd = logfile_open_path(lf, lf->path, truncate, lf->create);
	if (fd == -1) {
		logfile_fail(lf, op_open, errno);
		return -1;
	}
	lf->create = false;
	return logfile_adopt(lf, fd, locked);
}

struct logfile *
logfile_new(const char *path, uint64_t maxbytes, int backups)
{
	struct logfile	*lf;

	lf = xcalloc(1, sizeof(*lf));
	lf->path = xstrdup(path);
	lf->fd = -1;
	lf->maxbytes = maxbytes;
	lf->backups = backups < 0 ? 0 : backups;
	lf->retry_interval = 1.0;
	lf->refs = 1;
	return lf;
}

void
logfile_open_pending(struct logfile *lf)
{
	if (lf->fd == -1 && !lf->failing)
		(void)logfile_open_fd(lf, false);
}

struct logfile *
logfile_open(const char *path, uint64_t maxbytes, int backups)
{
	struct logfile	*lf;

	lf = logfile_new(path, maxbytes, backups);
	logfile_open_fd(lf, false);
	return lf;
}

void
logfile_free(struct logfile *lf)
{
	if (lf == NULL)
		return;
	if (lf->fd != -1)
		close(lf->fd);
	free(lf->path);
	free(lf);
}

void
logfile_set_limits(struct logfile *lf, uint64_t maxbytes, int backups)
{
	lf->maxbytes = maxbytes;
	lf->backups = backups < 0 ? 0 : backups;
}

/* Close the file after a failed rotation; the next write reopens it. */
static int
logfile_lose(struct logfile *lf, const char *op, int error)
{
	if (lf->fd != -1)
		close(lf->fd);
	lf->fd = -1;
	logfile_fail(lf, op, error);
	return -1;
}

/* No backups: truncate in place, keeping the partial last line at the
   start. */
static int
logfile_truncate(struct logfile *lf, int rfd, uint64_t cut)
{
	uint64_t	keep = 0;

	if (cut < lf->size && rfd != -1 &&
	    logcarry_copy(rfd, cut, lf->fd, 0, lf->size - cut) == 0)
		keep = lf->size - cut;
	else if (cut < lf->size) {
		/* Half moved, perhaps: what is left of the line is lost. */
		lf->dropped += lf->size - cut;
		lf->episode_dropped += lf->size - cut;
	}
	if (ftruncate(lf->fd, (off_t)keep) == -1 ||
	    lseek(lf->fd, (off_t)keep, SEEK_SET) == -1) {
		logfile_fail(lf, op_rotate, errno);
		return -1;
	}
	lf->size = keep;
	return 0;
}

/*
 * Shift file.N-1 -> file.N ... file.1 -> file.2 (file.N, the oldest, is
 * replaced), make the current file file.1 and start an empty one; with
 * no backups, truncate in place.  A partial last line moves to the new
 * file (logcarry.c), so that files end at line boundaries.  The
 * path never goes missing on the way (a hard link makes file.1, a rename
 * puts the new file in place), for readers following the file by name;
 * where hard links are refused, a plain rename does.  -1 when the file
 * could not be rotated (the episode says why): bytes are then dropped
 * until a retry succeeds, so the limit holds.
 */
static int
logfile_rotate_files(struct logfile *lf, int rfd, uint64_t cut)
{
	char	src[PATH_MAX], dst[PATH_MAX], tmp[PATH_MAX];
	int	i, fd, error;

	for (i = lf->backups - 1; i >= 1; i--) {
		snprintf(src, sizeof(src), "%s.%d", lf->path, i);
		snprintf(dst, sizeof(dst), "%s.%d", lf->path, i + 1);
		if (rename(src, dst) == -1 && errno != ENOENT) {
			logfile_fail(lf, op_rotate, errno);
			return -1;
		}
	}
	snprintf(dst, sizeof(dst), "%s.1", lf->path);
	snprintf(tmp, sizeof(tmp), "%s.rotating", lf->path);
	(void)unlink(tmp);
	if (link(lf->path, tmp) == -1) {
		if (rename(lf->path, dst) == -1 && errno != ENOENT) {
			logfile_fail(lf, op_rotate, errno);
			return -1;
		}
		if ((fd = logfile_open_path(lf, lf->path, true, false)) == -1)
			return logfile_lose(lf, op_open, errno);
		logcarry_move(lf, fd, rfd, cut);
		return logfile_adopt(lf, fd, false);
	}
	if (rename(tmp, dst) == -1) {
		error = errno;
		(void)unlink(tmp);
		logfile_fail(lf, op_rotate, error);
		return -1;
	}
	/* The file is both path and path.1 now: put a new one at path,
	   new (O_EXCL): whatever appeared at the name since the unlink is
	   not written through. */
	if ((fd = logfile_open_path(lf, tmp, true, true)) == -1 ||
	    rename(tmp, lf->path) == -1) {
		error = errno;
		if (fd != -1) {
			close(fd);
			(void)unlink(tmp);
		}
		/* Its bytes are safe in path.1; a retry starts path anew. */
		(void)unlink(lf->path);
		return logfile_lose(lf, op_open, error);
	}
	logcarry_move(lf, fd, rfd, cut);
	return logfile_adopt(lf, fd, false);
}

static int
logfile_rotate(struct logfile *lf)
{
	uint64_t	cut;
	int		rfd, rc;

	cut = logcarry_cut(lf, &rfd);
	if (lf->backups == 0)
		rc = logfile_truncate(lf, rfd, cut);
	else
		rc = logfile_rotate_files(lf, rfd, cut);
	if (rfd != -1)
		close(rfd);
	return rc;
}

/* Whether a write may be tried now: reopen a lost file when it is time. */
static bool
logfile_ready(struct logfile *lf)
{
	bool	waiting;

	waiting = lf->fd == -1 ||
	    (lf->failing && lf->failed_op == op_rotate);
	if (waiting && logfile_now() < lf->retry_at)
		return false;
	if (lf->fd == -1 && logfile_open_fd(lf, false) == -1)
		return false;
	return true;
}

/* How much may be written before the limit, rotating first when at it. */
static int
logfile_room(struct logfile *lf, size_t *n)
{
	uint64_t	room;

	if (!lf->regular || lf->maxbytes == 0)
		return 0;
	if (lf->size >= lf->maxbytes && logfile_rotate(lf) == -1)
		return -1;
	room = lf->maxbytes - lf->size;
	if (*n > room)
		*n = (size_t)room;
	return 0;
}

size_t
logfile_write(struct logfile *lf, const void *buf, size_t len)
{
	const char	*p = buf;
	size_t		 done = 0, n;
	ssize_t		 w;

	while (done < len) {
		if (!logfile_ready(lf))
			break;
		n = len - done;
		if (logfile_room(lf, &n) == -1)
			break;
		if ((w = write(lf->fd, p + done, n)) == -1) {
			if (errno == EINTR)
				continue;
			logfile_fail(lf, op_write, errno);
			break;
		}
		if (w == 0) {
			logfile_fail(lf, op_write, EIO);
			break;
		}
		lf->size += (uint64_t)w;
		done += (size_t)w;
		lf->failing = false;
	}
	if (done < len) {
		lf->dropped += len - done;
		lf->episode_dropped += len - done;
	}
	return done;
}

ssize_t
logfile_splice(struct logfile *lf, int fd, size_t max)
{
	ssize_t	n;

	/* A failure, or a recovery not yet reported, goes through
	   logfile_write, which meets and accounts for it. */
	if (lf->nosplice || lf->failing || lf->reported || lf->fd == -1 ||
	    !lf->regular || max == 0) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (logfile_room(lf, &max) == -1) {
		errno = EOPNOTSUPP;
		return -1;
	}
	for (;;) {
		n = splice(fd, NULL, lf->fd, NULL, max,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n >= 0) {
			lf->size += (uint64_t)n;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return -1;
		/* The file system cannot splice: read/write from now on. */
		if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
			lf->nosplice = true;
		/* Anything else (ENOSPC...) leaves the bytes in the pipe for
		   logfile_write to meet the error and account for them. */
		errno = EOPNOTSUPP;
		return -1;
	}
}

int
logfile_reopen(struct logfile *lf)
{
	/* Our AUTO name gone or taken: made anew, never someone else's
	   file or link put there. */
	if (lf->exclusive && logfile_moved(lf))
		lf->create = true;
	if (lf->fd != -1) {
		close(lf->fd);
		lf->fd = -1;
	}
	if (logfile_open_fd(lf, false) == -1)
		return -1;
	/* An open file ends an open or rotate episode; a full disk's ends
	   with the next write that lands. */
	if (lf->failing && lf->failed_op != op_write)
		lf->failing = false;
	return 0;
}

int
logfile_clear(struct logfile *lf)
{
	if (lf->fd != -1) {
		close(lf->fd);
		lf->fd = -1;
	}
	if (logfile_open_fd(lf, true) == -1)
		return -1;
	if (lf->failing && lf->failed_op != op_write)
		lf->failing = false;
	return 0;
}

bool
logfile_moved(const struct logfile *lf)
{
	struct stat	open_st, path_st;

	if (lf->fd == -1 || fstat(lf->fd, &open_st) == -1)
		return false;
	if (stat(lf->path, &path_st) == -1)
		return errno == ENOENT || errno == ENOTDIR;
	return open_st.st_dev != path_st.st_dev ||
	    open_st.st_ino != path_st.st_ino;
}

int
logfile_refresh(struct logfile *lf)
{
	if (!logfile_moved(lf))
		return 0;
	return logfile_reopen(lf);
}

void
logfile_report(struct logfile *lf, const char *who)
{
	if (lf->failing && !lf->reported) {
		log_warnx("%s: cannot %s '%s': %s; dropping output until it "
		    "can be written", who, lf->failed_op, lf->path,
		    strerror(lf->error));
		lf->reported = true;
	} else if (!lf->failing && lf->reported) {
		log_warnx("%s: writing to '%s' again after dropping %llu "
		    "bytes (%llu in all)", who, lf->path,
		    (unsigned long long)lf->episode_dropped,
		    (unsigned long long)lf->dropped);
		lf->reported = false;
		lf->episode_dropped = 0;
	}
}

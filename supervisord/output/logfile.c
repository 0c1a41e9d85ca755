/*
 * A size-rotated log file that drops and counts bytes it cannot write
 * instead of blocking or failing its writer (the daemon's event loop).
 *
 * The file is opened without O_APPEND (splice(2) refuses O_APPEND files)
 * and positioned at its end; every byte goes through this module, so the
 * size it keeps is the size of the file and rotation happens exactly at
 * maxbytes: a write that crosses the limit is cut there, the file rotates,
 * and the rest of the write goes to the new file.
 */
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
 * (O_EXCL: an existing file or a symbolic link there is refused); -1 with
 * errno.
 */
static int
logfile_open_path(const char *path, bool truncate, bool create)
{
	int	flags;

	flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	if (truncate)
		flags |= O_TRUNC;
	if (create)
		flags |= O_EXCL;
	if (strlen(path) + 16 > PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, flags, 0666);
}

/* Make fd the file's descriptor, learning its size and kind. */
static int
logfile_adopt(struct logfile *lf, int fd)
{
	struct stat	st;
	off_t		end;

	if (fstat(fd, &st) == -1) {
		logfile_fail(lf, op_open, errno);
		close(fd);
		return -1;
	}
	if (lf->fd != -1)
		close(lf->fd);
	lf->regular = S_ISREG(st.st_mode);
	lf->size = 0;
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

	if ((fd = logfile_open_path(lf->path, truncate, lf->create)) == -1) {
		logfile_fail(lf, op_open, errno);
		return -1;
	}
	lf->create = false;
	return logfile_adopt(lf, fd);
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

/*
 * Shift file.N-1 -> file.N ... file.1 -> file.2 (file.N, the oldest, is
 * replaced), make the current file file.1 and start an empty one; with
 * no backups, truncate in place.  The path never goes missing on the way
 * (a hard link makes file.1, a rename puts the new file in place), for
 * readers following the file by name; where hard links are refused, a
 * plain rename does.  -1 when the file could not be rotated (the episode
 * says why): bytes are then dropped until a retry succeeds, so the limit
 * holds.
 */
static int
logfile_rotate(struct logfile *lf)
{
	char	src[PATH_MAX], dst[PATH_MAX], tmp[PATH_MAX];
	int	i, fd, error;

	if (lf->backups == 0) {
		if (ftruncate(lf->fd, 0) == -1 ||
		    lseek(lf->fd, 0, SEEK_SET) == -1) {
			logfile_fail(lf, op_rotate, errno);
			return -1;
		}
		lf->size = 0;
		return 0;
	}
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
		if ((fd = logfile_open_path(lf->path, true, false)) == -1)
			return logfile_lose(lf, op_open, errno);
		return logfile_adopt(lf, fd);
	}
	if (rename(tmp, dst) == -1) {
		error = errno;
		(void)unlink(tmp);
		logfile_fail(lf, op_rotate, error);
		return -1;
	}
	/* The file is both path and path.1 now: put a new one at path. */
	if ((fd = logfile_open_path(tmp, true, false)) == -1 ||
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
	return logfile_adopt(lf, fd);
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

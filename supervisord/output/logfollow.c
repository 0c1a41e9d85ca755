/*
 * A log file followed by its path, for the streams that read it as it
 * grows (control/tail.c's tail -f, http/route_logtail.c's /logtail):
 * when the path names another file (rotated), the old one is read to
 * its end once more, then the new one opened; when the file shrinks in
 * place (cleared), reading starts over.  No watcher here: the caller
 * looks again when its ev_stat on the path says something changed.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "xmalloc.h"

int
logfollow_open(const char *path, struct stat *st, char *cause, size_t len)
{
	int	fd, saved;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) ==
	    -1) {
		saved = errno;
		snprintf(cause, len, "cannot open '%s': %s", path,
		    strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, st) == -1) {
		saved = errno;
		snprintf(cause, len, "cannot stat '%s': %s", path,
		    strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(cause, len, "'%s' is not a regular file", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

void
logfollow_init(struct logfollow *lf, const char *path, int fd,
    const struct stat *st, off_t off)
{
	memset(lf, 0, sizeof(*lf));
	lf->path = xstrdup(path);
	lf->fd = fd;
	lf->off = off;
	if (fd != -1) {
		lf->dev = st->st_dev;
		lf->ino = st->st_ino;
	}
}

int
logfollow_reopen(struct logfollow *lf, char *cause, size_t len)
{
	struct stat	st;
	int		fd;

	if ((fd = logfollow_open(lf->path, &st, cause, len)) == -1)
		return -1;
	lf->fd = fd;
	lf->dev = st.st_dev;
	lf->ino = st.st_ino;
	lf->off = lf->carried <= st.st_size ? lf->carried : 0;
	lf->carried = 0;
	return 0;
}

enum logfollow_end
logfollow_at_end(struct logfollow *lf)
{
	struct stat	st;

	if (stat(lf->path, &st) == -1)
		return LOGFOLLOW_IDLE;	/* moved away, not yet recreated */
	if (st.st_dev != lf->dev || st.st_ino != lf->ino) {
		/* Read the old file once more: its writer may have added
		   to it after we last read, before renaming it. */
		if (!lf->drained) {
			lf->drained = true;
			return LOGFOLLOW_AGAIN;
		}
		lf->drained = false;
		/*
		 * The old file shrank below what was read: our rotation
		 * moved its partial last line, read in part, to the new
		 * file's start.  Go on from there: the bytes continue.
		 */
		if (fstat(lf->fd, &st) == 0 && st.st_size < lf->off)
			lf->carried = lf->off - st.st_size;
		close(lf->fd);
		lf->fd = -1;
		return lf->carried > 0 ? LOGFOLLOW_AGAIN : LOGFOLLOW_ROTATED;
	}
	if (st.st_size < lf->off) {
		lf->off = 0;
		return LOGFOLLOW_TRUNCATED;
	}
	return LOGFOLLOW_IDLE;
}

void
logfollow_release(struct logfollow *lf)
{
	if (lf->fd != -1)
		close(lf->fd);
	lf->fd = -1;
	free(lf->path);
	lf->path = NULL;
}

/*
 * Rotation at line boundaries.  A file is rotated when it is full, and
 * the bytes that filled it were often spliced from the pipe without
 * being looked at; so at rotation the file's end is read back (from the
 * page cache, and only its last line) to find where its last line
 * begins, and a partial last line shorter than maxbytes moves, whole,
 * to the start of the next file.  Nothing is lost or written twice: when
 * the move fails, the line stays split.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"

/* Bytes read at once when looking back for a line's start or moving it. */
#define LOGCARRY_CHUNK	16384

/*
 * Where the next file should begin so that no line is split: just after
 * the current file's last newline, when its last line is partial and
 * shorter than maxbytes (that line moves to the next file, whole).
 * Otherwise the size: nothing moves (the file ends with a newline, or its
 * last line alone is longer than maxbytes and is cut at the limit).  Only
 * the last line's bytes are read, from the page cache they were just
 * written or spliced to, through *rfd (the file's own descriptor is
 * write-only; -1 when nothing could be read: nothing moves then).
 */
uint64_t
logcarry_cut(const struct logfile *lf, int *rfd)
{
	char		 buf[LOGCARRY_CHUNK], proc[64];
	const char	*nl;
	uint64_t	 pos = lf->size, low, want;
	ssize_t		 got;

	*rfd = -1;
	/* A cut at or below size - maxbytes would carry maxbytes or more. */
	low = lf->size > lf->maxbytes ? lf->size - lf->maxbytes : 0;
	if (lf->size == 0 || lf->maxbytes == 0)
		return lf->size;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", lf->fd);
	if ((*rfd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return lf->size;
	while (pos > low) {
		want = pos - low > sizeof(buf) ? sizeof(buf) : pos - low;
		got = pread(*rfd, buf, (size_t)want, (off_t)(pos - want));
		if (got == -1 && errno == EINTR)
			continue;
		if (got != (ssize_t)want)
			break;		/* changed under us: move nothing */
		if ((nl = memrchr(buf, '\n', (size_t)got)) != NULL)
			return pos - want + (uint64_t)(nl - buf) + 1;
		pos -= want;
	}
	return lf->size;
}

/* Copy n bytes at from (read through rfd) to wfd at to: another file, or
   the same one with to < from.  -1 with errno. */
int
logcarry_copy(int rfd, uint64_t from, int wfd, uint64_t to, uint64_t n)
{
	char	buf[LOGCARRY_CHUNK];
	ssize_t	got, w;
	size_t	done;

	while (n > 0) {
		got = pread(rfd, buf, n > sizeof(buf) ? sizeof(buf) : (size_t)n,
		    (off_t)from);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO;
			return -1;
		}
		for (done = 0; done < (size_t)got; done += (size_t)w) {
			w = pwrite(wfd, buf + done, (size_t)got - done,
			    (off_t)(to + done));
			if (w == -1 && errno == EINTR)
				w = 0;
			else if (w <= 0)
				return -1;
		}
		from += (uint64_t)got;
		to += (uint64_t)got;
		n -= (uint64_t)got;
	}
	return 0;
}

/*
 * Move the partial last line [cut, size) of the current file to the
 * start of the new file fd, then cut it off the current one.  When that
 * fails, the line stays split between the two files: nothing is lost or
 * written twice.
 */
void
logcarry_move(struct logfile *lf, int fd, int rfd, uint64_t cut)
{
	if (cut >= lf->size || rfd == -1)
		return;
	if (logcarry_copy(rfd, cut, fd, 0, lf->size - cut) == -1 ||
	    lseek(fd, (off_t)(lf->size - cut), SEEK_SET) == -1 ||
	    ftruncate(lf->fd, (off_t)cut) == -1) {
		log_warn("cannot move the last line of '%s' to the new file",
		    lf->path);
		(void)ftruncate(fd, 0);
		(void)lseek(fd, 0, SEEK_SET);
	}
}

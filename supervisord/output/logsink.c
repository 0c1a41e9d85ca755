/*
 * Line destinations that are not files of ours (the daemon's own log is
 * logsink_daemon.c): the daemon's own stdout and stderr (/dev/stdout, /dev/stderr: the container set-up, where lines
 * of different programs must never be interleaved mid-line) and syslog.
 *
 * Neither may block the loop.  A standard stream gets its own non-blocking
 * open file description (or MSG_DONTWAIT for a socket, as under systemd or
 * docker) and a bounded queue of whole lines flushed when it is writable;
 * when the queue is full, lines are dropped and counted.  Syslog is spoken
 * directly on a non-blocking datagram socket to /dev/log, one datagram per
 * line, tagged with the process name and pid (syslog(3) cannot tag each
 * line, and may block on a busy stream socket: it is only the fallback
 * when /dev/log is a stream socket).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"
#include "logsink.h"

/* Bytes of whole lines a standard stream may hold while it is slow. */
#define STDSINK_QUEUE	(1024 * 1024)
/* How long the daemon's exit waits for a slow standard stream. */
#define STDSINK_EXIT_MS	2000

struct stdsink {
	int		 which;		/* STDOUT_FILENO or STDERR_FILENO */
	const char	*name;
	int		 fd;		/* -1: not opened yet */
	bool		 sock;		/* a socket: send() with MSG_DONTWAIT */
	char		*buf;		/* queued bytes: [off, off + len) */
	size_t		 off, len;
	ev_io		 io;		/* EV_WRITE while bytes are queued */

	bool		 failing;	/* dropping: full queue or an error */
	bool		 reported;
	int		 error;		/* 0: the queue was full */
	uint64_t	 episode_dropped;
};

static struct stdsink	stdsinks[2] = {
	{ STDOUT_FILENO, "standard output", -1, false, NULL, 0, 0,
	  { 0 }, false, false, 0, 0 },
	{ STDERR_FILENO, "standard error", -1, false, NULL, 0, 0,
	  { 0 }, false, false, 0, 0 },
};
static bool	logsink_atexit_set;
static bool	stdsink_closed;		/* after exit: plain writes */
static bool	stdsink_in_report;

static int	syslog_fd = -1;
static bool	syslog_libc;		/* /dev/log is a stream socket */
static bool	syslog_failing;		/* dropping lines: reported once */
static uint64_t	syslog_dropped;		/* lines dropped in the episode */
static time_t	syslog_retry_at;	/* no socket: next connect attempt */

static void	stdsink_write_cb(struct ev_loop *, ev_io *, int);
static void	logsink_exit(void);

/* One exit handler for everything here, in the right order. */
void
logsink_atexit(void)
{
	if (!logsink_atexit_set) {
		atexit(logsink_exit);
		logsink_atexit_set = true;
	}
}

/*
 * Our own description of fd 1 or 2, non-blocking without touching the
 * shared one (a terminal or a pipe the daemon's parent also holds): a
 * socket is used through send(MSG_DONTWAIT), a regular file as it is
 * (it never blocks), anything else is opened again through /proc.
 */
static void
stdsink_open(struct stdsink *s)
{
	struct stat	st;
	char		path[64];
	int		fd;

	if (fstat(s->which, &st) == -1) {
		s->fd = -1;
		s->failing = true;
		s->error = errno;
		return;
	}
	s->sock = S_ISSOCK(st.st_mode);
	fd = -1;
	if (!s->sock && !S_ISREG(st.st_mode)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", s->which);
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	}
	/* A regular file, a socket, or no /proc: share the description. */
	if (fd == -1)
		fd = fcntl(s->which, F_DUPFD_CLOEXEC, 3);
	s->fd = fd;
	s->buf = xmalloc(STDSINK_QUEUE);
	ev_io_init(&s->io, stdsink_write_cb, fd, EV_WRITE);
	logsink_atexit();
}

/* One non-blocking write of an iovec; -1 with errno as write(2). */
static ssize_t
stdsink_writev(struct stdsink *s, struct iovec *iov, int n)
{
	struct msghdr	msg;
	ssize_t		r;

	do {
		if (s->sock) {
			memset(&msg, 0, sizeof(msg));
			msg.msg_iov = iov;
			msg.msg_iovlen = (size_t)n;
			r = sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		} else
			r = writev(s->fd, iov, n);
	} while (r == -1 && errno == EINTR);
	return r;
}

/* Say once that lines are dropped, and once that they flow again. */
static void
stdsink_report(struct stdsink *s)
{
	if (s->failing == s->reported || stdsink_in_report)
		return;
	s->reported = s->failing;
	stdsink_in_report = true;
	if (s->failing && s->error == 0)
		log_warnx("%s is not keeping up: dropping lines (queue of %d "
		    "bytes full)", s->name, STDSINK_QUEUE);
	else if (s->failing)
		log_warnx("cannot write to %s: %s; dropping lines", s->name,
		    strerror(s->error));
	else {
		log_warnx("%s: writing again after dropping %llu bytes",
		    s->name, (unsigned long long)s->episode_dropped);
		s->episode_dropped = 0;
	}
	stdsink_in_report = false;
}

/* Write what is queued; true when the queue is empty. */
static bool
stdsink_flush(struct stdsink *s)
{
	struct iovec	iov;
	ssize_t		n;

	while (s->len > 0) {
		iov.iov_base = s->buf + s->off;
		iov.iov_len = s->len;
		if ((n = stdsink_writev(s, &iov, 1)) == -1) {
			if (errno == EAGAIN)
				return false;
			/* The reader is gone: nothing queued can go out. */
			s->failing = true;
			s->error = errno;
			s->episode_dropped += s->len;
			s->off = s->len = 0;
			return true;
		}
		s->off += (size_t)n;
		s->len -= (size_t)n;
	}
	s->off = 0;
	return true;
}

static void
stdsink_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct stdsink	*s = container_of(w, struct stdsink, io);

	if (stdsink_flush(s))
		ev_io_stop(loop, &s->io);
	if (s->failing && s->error == 0 && s->len < STDSINK_QUEUE / 2)
		s->failing = false;
	stdsink_report(s);
}

/*
 * Queue whole lines (data ends at a line boundary, or nl adds one) for
 * the daemon's stdout (which 1) or stderr (2).  Returns false when they
 * were dropped: the stream is slow and its queue full, or broken.
 */
bool
logsink_std_write(int which, const char *data, size_t len, bool nl)
{
	struct stdsink	*s = &stdsinks[which == STDERR_FILENO ? 1 : 0];
	struct iovec	 iov[2];
	struct ev_loop	*loop;
	size_t		 total = len + (nl ? 1 : 0), done = 0;
	ssize_t		 n;

	if (stdsink_closed) {
		/* Exiting: the loop is gone, a plain write is all there is. */
		iov[0].iov_base = (void *)data;
		iov[0].iov_len = len;
		iov[1].iov_base = (void *)"\n";
		iov[1].iov_len = 1;
		return writev(which, iov, nl ? 2 : 1) == (ssize_t)total;
	}
	if (s->buf == NULL)
		stdsink_open(s);
	if (s->fd == -1)
		goto drop;
	if (s->failing && s->error != 0) {
		/* A broken stream: try again, it may have come back. */
		s->failing = false;
	}
	if (s->len == 0) {
		iov[0].iov_base = (void *)data;
		iov[0].iov_len = len;
		iov[1].iov_base = (void *)"\n";
		iov[1].iov_len = 1;
		if ((n = stdsink_writev(s, iov, nl ? 2 : 1)) == -1) {
			if (errno != EAGAIN) {
				s->failing = true;
				s->error = errno;
				goto drop;
			}
			n = 0;
		}
		done = (size_t)n;
		if (done == total)
			goto out;
	}
	/* The part that did not go out must not be cut: it is queued. */
	if (s->off + s->len + (total - done) > STDSINK_QUEUE) {
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	if (s->len + (total - done) > STDSINK_QUEUE) {
		s->failing = true;
		s->error = 0;
		goto drop;
	}
	if (done < len) {
		memcpy(s->buf + s->off + s->len, data + done, len - done);
		s->len += len - done;
		done = len;
	}
	if (nl && done == len)
		s->buf[s->off + s->len++] = '\n';
	/* The daemon's loop, if it runs (not before start-up nor after
	   the loop is gone): else what is queued waits for exit. */
	if (!ev_is_active(&s->io) && (loop = EV_DEFAULT_UC) != NULL)
		ev_io_start(loop, &s->io);
out:
	if (s->failing && s->error == 0 && s->len < STDSINK_QUEUE / 2)
		s->failing = false;
	stdsink_report(s);
	return true;

drop:
	s->episode_dropped += total - done;
	stdsink_report(s);
	return false;
}

/* At exit: give a slow reader a little time for what is queued, then
   let the memory go. */
static void
stdsink_exit(void)
{
	struct pollfd	 pfd;
	struct stdsink	*s;
	int		 i, waited = 0;

	for (i = 0; i < 2; i++) {
		s = &stdsinks[i];
		while (s->fd != -1 && s->len > 0 && waited < STDSINK_EXIT_MS) {
			if (stdsink_flush(s))
				break;
			pfd.fd = s->fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 100) == 0)
				waited += 100;
		}
		if (s->fd != -1)
			close(s->fd);
		s->fd = -1;
		free(s->buf);
		s->buf = NULL;
		s->len = 0;
	}
	stdsink_closed = true;
}

/* Connect to the syslog socket (SUPERVISORD_SYSLOG_SOCKET for tests). */
static void
logsink_syslog_open(void)
{
	struct sockaddr_un	 sun;
	const char		*path;

	if ((path = getenv("SUPERVISORD_SYSLOG_SOCKET")) == NULL)
		path = "/dev/log";
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (syslog_fd == -1)
		return;
	if (connect(syslog_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return;
	if (errno == EPROTOTYPE) {
		/* A stream socket: syslog(3) knows its framing. */
		syslog_libc = true;
		openlog("supervisord", LOG_NDELAY, LOG_USER);
	}
	close(syslog_fd);
	syslog_fd = -1;
}

/* Say once that syslog drops lines, and once that it takes them again
   (not through syslog: the daemon's log may be syslog itself). */
static bool
logsink_syslog_result(bool sent, int error)
{
	if (!sent) {
		syslog_dropped++;
		if (!syslog_failing && !stdsink_in_report) {
			syslog_failing = true;
			stdsink_in_report = true;
			log_warnx("cannot send to syslog: %s; dropping lines "
			    "until it takes them", strerror(error));
			stdsink_in_report = false;
		}
	} else if (syslog_failing && !stdsink_in_report) {
		syslog_failing = false;
		stdsink_in_report = true;
		log_warnx("syslog takes lines again after %llu were dropped",
		    (unsigned long long)syslog_dropped);
		stdsink_in_report = false;
		syslog_dropped = 0;
	}
	return sent;
}

/*
 * One line to syslog, "<PRI>Mmm dd hh:mm:ss TAG[PID]: line" (RFC 3164 as
 * syslog(3) sends it), stdout at LOG_INFO, stderr at LOG_ERR.  Returns
 * false when the line was dropped (no syslog, or its queue is full).
 */
bool
logsink_syslog(const char *tag, pid_t pid, bool err, const char *line,
    size_t len)
{
	char		 head[256];
	struct iovec	 iov[2];
	struct msghdr	 msg;
	struct tm	 tm;
	time_t		 now;
	size_t		 n;
	int		 prio, tries, error;

	prio = LOG_USER | (err ? LOG_ERR : LOG_INFO);
	now = time(NULL);
	/* No syslog: try again once a second, not once a line. */
	if (syslog_fd == -1 && !syslog_libc && now >= syslog_retry_at) {
		logsink_syslog_open();
		if (syslog_fd == -1)
			syslog_retry_at = now + 1;
	}
	if (syslog_libc) {
		syslog(prio, "%s[%ld]: %.*s", tag, (long)pid,
		    len > 8192 ? 8192 : (int)len, line);
		return true;
	}
	localtime_r(&now, &tm);
	n = (size_t)snprintf(head, sizeof(head), "<%d>", prio);
	n += strftime(head + n, sizeof(head) - n, "%b %e %H:%M:%S ", &tm);
	n += (size_t)snprintf(head + n, sizeof(head) - n, "%.64s[%ld]: ", tag,
	    (long)pid);
	iov[0].iov_base = head;
	iov[0].iov_len = n;
	iov[1].iov_base = (void *)line;
	iov[1].iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	error = ENOTCONN;
	for (tries = 0; tries < 2; tries++) {
		if (syslog_fd == -1)
			break;
		if (sendmsg(syslog_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) != -1)
			return logsink_syslog_result(true, 0);
		error = errno;
		if (errno == EINTR) {
			tries--;
			continue;
		}
		if (errno != ECONNREFUSED && errno != ENOTCONN)
			break;
		/* The syslog daemon restarted: connect again, once. */
		close(syslog_fd);
		syslog_fd = -1;
		logsink_syslog_open();
	}
	return logsink_syslog_result(false, error);
}

/* The daemon's log closed first: its last lines may go to stderr. */
static void
logsink_exit(void)
{
	logsink_daemon_close();
	stdsink_exit();
}

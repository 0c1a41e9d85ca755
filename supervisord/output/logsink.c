/*
 * Line destinations that are not files of ours: the daemon's own stdout
 * and stderr (/dev/stdout, /dev/stderr: the container set-up, where lines
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
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"

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
static void
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

/*
 * The daemon's own log: a rotating file ([supervisord] logfile), syslog
 * (logfile=syslog), or a standard stream (unset: stderr).  Under systemd
 * (stderr is the journal's stream) every line also goes to stderr with
 * a "<N>" priority prefix and no timestamp of ours, which the journal
 * reads; otherwise, in the foreground (nodaemon) and not silent, lines
 * are echoed to stdout as Supervisor does.
 */
static struct {
	struct logfile	*file;
	int		 std;		/* 1, 2, or 0 */
	bool		 syslog;
	int		 echo;		/* also to this fd (1 or 2), or 0 */
	bool		 journal;	/* stderr is systemd's journal */
} dlog;

/* Whether stderr is the journal's stream (systemd sets JOURNAL_STREAM
   to its "device:inode"). */
static bool
logsink_under_journal(void)
{
	struct stat	 st;
	const char	*js;
	unsigned long	 dev, ino;

	if ((js = getenv("JOURNAL_STREAM")) == NULL ||
	    sscanf(js, "%lu:%lu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return false;
	return (unsigned long)st.st_dev == dev &&
	    (unsigned long)st.st_ino == ino;
}

/* A line for the journal: "<prio>message", without our timestamp and
   level (the journal keeps its own). */
static void
logsink_journal_write(enum log_level level, const char *line, size_t len)
{
	static const int prio[] = { 2, 3, 4, 6, 7, 7, 7 };
	const char	*sp;
	char		 buf[8192 + 8];
	int		 n;

	if (len > 24 && line[23] == ' ' &&
	    (sp = memchr(line + 24, ' ', len - 24)) != NULL) {
		len -= (size_t)(sp + 1 - line);
		line = sp + 1;
	}
	if (len > 8192)
		len = 8192;
	n = snprintf(buf, sizeof(buf), "<%d>",
	    prio[(size_t)level < sizeof(prio) / sizeof(prio[0]) ? level : 3]);
	memcpy(buf + n, line, len);
	logsink_std_write(STDERR_FILENO, buf, (size_t)n + len, true);
}

/* The daemon log file's own failures cannot be logged through it. */
static void
logsink_daemon_file_report(struct logfile *lf)
{
	char	msg[PATH_MAX + 256];
	int	n;

	if (lf->failing == lf->reported)
		return;
	if (lf->failing)
		n = snprintf(msg, sizeof(msg), "supervisord: cannot %s '%s': "
		    "%s; dropping the daemon's log until it can be written",
		    lf->failed_op, lf->path, strerror(lf->error));
	else
		n = snprintf(msg, sizeof(msg), "supervisord: writing to '%s' "
		    "again after dropping %llu bytes", lf->path,
		    (unsigned long long)lf->episode_dropped);
	lf->reported = lf->failing;
	if (!lf->failing)
		lf->episode_dropped = 0;
	if (n > 0)
		logsink_std_write(STDERR_FILENO, msg, (size_t)n, true);
}

static void
logsink_daemon_sink(enum log_level level, const char *line, size_t len,
    void *arg)
{
	char	buf[8192 + 1];
	const char *msg;

	if (dlog.file != NULL) {
		if (len > sizeof(buf) - 1)
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\n';
		logfile_write(dlog.file, buf, len + 1);
		logsink_daemon_file_report(dlog.file);
	} else if (dlog.syslog) {
		/* syslog stamps its own time: skip ours ("date time,ms "). */
		msg = line;
		if (len > 24 && line[23] == ' ') {
			msg = line + 24;
			len -= 24;
		}
		logsink_syslog("supervisord", getpid(),
		    level <= LOG_LEVEL_WARN, msg, len);
	} else if (dlog.journal && dlog.std == STDERR_FILENO) {
		logsink_journal_write(level, line, len);
		return;
	} else
		logsink_std_write(dlog.std, line, len, true);
	if (dlog.journal)
		logsink_journal_write(level, line, len);
	else if (dlog.echo != 0)
		logsink_std_write(dlog.echo, line, len, true);
}

static void
logsink_exit(void)
{
	log_set_sink(NULL, NULL);
	logfile_free(dlog.file);
	dlog.file = NULL;
	stdsink_exit();
}

int
logsink_daemon_open(const struct supervisord_config *sd, char *cause,
    size_t len)
{
	const char	*path = sd->logfile;
	struct logfile	*lf;

	if (path != NULL && strcmp(path, "/dev/stdout") != 0 &&
	    strcmp(path, "/dev/stderr") != 0 && strcmp(path, "syslog") != 0) {
		if (dlog.file != NULL && strcmp(dlog.file->path, path) == 0)
			lf = dlog.file;
		else {
			lf = logfile_open(path, sd->logfile_maxbytes,
			    sd->logfile_backups);
			if (lf->fd == -1) {
				snprintf(cause, len, "cannot open '%s': %s",
				    path, strerror(lf->error));
				logfile_free(lf);
				return -1;
			}
		}
		logfile_set_limits(lf, sd->logfile_maxbytes,
		    sd->logfile_backups);
	} else
		lf = NULL;
	if (dlog.file != NULL && dlog.file != lf)
		logfile_free(dlog.file);
	dlog.file = lf;
	dlog.syslog = path != NULL && strcmp(path, "syslog") == 0;
	dlog.std = path != NULL && strcmp(path, "/dev/stdout") == 0 ?
	    STDOUT_FILENO : STDERR_FILENO;
	dlog.journal = logsink_under_journal();
	dlog.echo = 0;
	if (sd->nodaemon && !sd->silent && path != NULL &&
	    strcmp(path, "/dev/stdout") != 0)
		dlog.echo = STDOUT_FILENO;
	logsink_atexit();
	log_set_sink(logsink_daemon_sink, NULL);
	return 0;
}

struct logfile *
logsink_daemon_file(void)
{
	return dlog.file;
}

void
logsink_daemon_reopen(void)
{
	if (dlog.file != NULL) {
		logfile_reopen(dlog.file);
		logsink_daemon_file_report(dlog.file);
	}
}

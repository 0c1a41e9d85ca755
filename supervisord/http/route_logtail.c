/*
 * GET /logtail/NAME[/CHANNEL] and /mainlogtail: Supervisor's tail -f, a
 * chunked stream of a log file from 1024 bytes before its end, following
 * it as it grows, across rotations and truncations (output/logfollow.c,
 * which control/tail.c's streams use too).
 *
 * MHD asks the reader for more only when its connection buffer drained,
 * so the bytes read go straight from the file into that bounded buffer;
 * a client that stops reading makes no progress and MHD drops it after
 * the connection timeout.  A reader at the end of the file suspends the
 * connection; a watch on the path (ev_stat: inotify) resumes it when the
 * file changes, as control/tail.c's streams are told.  Only while the
 * path names no file (moved away, the old one maybe still written) does
 * a timer look again.  While suspended, MHD does not see the peer close:
 * a read watch on its socket does; nor a peer that stopped reading with
 * the socket's queue full of what was sent: control's stall.c, the rule
 * of every stream, closes it once it has taken nothing for the client
 * timeout.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "output.h"
#include "route.h"
#include "xmalloc.h"

/* Supervisor's tail_f_producer starts this far before the end. */
#define LOGTAIL_HEAD	1024
/* The most one reader call is asked for. */
#define LOGTAIL_BLOCK	(16 * 1024)
/* control/tail.c's intervals: ev_stat where inotify cannot, and the
   look again at a file no longer at its path. */
#define LOGTAIL_STAT	1.0
#define LOGTAIL_POLL	0.25

static const char truncated[] = "==> File truncated <==\n";

struct logtail {
	struct http_req	*req;
	struct ev_loop	*loop;
	struct logfollow lf;		/* lf.off: the next byte to send */
	size_t		 notice;	/* bytes of "truncated" still owed */
	bool		 gone;		/* the peer closed while suspended */
	ev_stat		 stat_w;
	ev_timer	 poll_w;
	ev_io		 peer_w;
	struct stall	 stall;		/* a peer that takes nothing */
};

/* Up to max new bytes into buf: 0 when there are none, -1 on error. */
static ssize_t
logtail_next(struct logtail *lt, char *buf, size_t max)
{
	char	cause[512];
	ssize_t	n;
	size_t	from;

	for (;;) {
		if (lt->notice > 0) {
			from = sizeof(truncated) - 1 - lt->notice;
			n = lt->notice < max ? lt->notice : max;
			memcpy(buf, truncated + from, n);
			lt->notice -= n;
			return n;
		}
		if (lt->lf.fd == -1 && logfollow_reopen(&lt->lf, cause,
		    sizeof(cause)) == -1) {
			if (errno == ENOENT)
				return 0;
			log_warnx("http: %s", cause);
			return -1;
		}
		n = pread(lt->lf.fd, buf, max, lt->lf.off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("http: cannot read '%s'", lt->lf.path);
			return -1;
		}
		if (n > 0) {
			lt->lf.off += n;
			return n;
		}
		switch (logfollow_at_end(&lt->lf)) {
		case LOGFOLLOW_IDLE:
			return 0;
		case LOGFOLLOW_TRUNCATED:
			/* Supervisor's words, then the file from its start. */
			lt->notice = sizeof(truncated) - 1;
			break;
		default:
			break;
		}
	}
}

static void
logtail_unwatch(struct logtail *lt)
{
	ev_stat_stop(lt->loop, &lt->stat_w);
	ev_timer_stop(lt->loop, &lt->poll_w);
	ev_io_stop(lt->loop, &lt->peer_w);
	stall_stop(&lt->stall);
}

/* Something changed: let the reader look (it suspends again if not). */
static void
logtail_wake(struct logtail *lt)
{
	logtail_unwatch(lt);
	http_req_resume(lt->req);	/* may end the request: lt freed */
}

static void
logtail_stat_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
	logtail_wake(container_of(w, struct logtail, stat_w));
}

static void
logtail_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct logtail	*lt = container_of(w, struct logtail, poll_w);
	struct stat	 st;

	/* The old file grew, or the path names a file again. */
	if ((lt->lf.fd != -1 && fstat(lt->lf.fd, &st) == 0 &&
	    st.st_size > lt->lf.off) || access(lt->lf.path, F_OK) == 0)
		logtail_wake(lt);
}

/*
 * The suspended peer's socket is readable: closed, or sending more.
 * What it sends after its request (supervisorctl's extra blank line)
 * would only be read once the endless stream ended: dropped here, so
 * that a close behind it is seen now.
 */
static void
logtail_peer_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct logtail	*lt = container_of(w, struct logtail, peer_w);
	char		 buf[512];
	ssize_t		 n;

	n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n > 0)
		return;
	lt->gone = true;
	logtail_wake(lt);
}

/* What was sent lies unread in the socket's queue: end the stream. */
static void
logtail_stalled(struct stall *st)
{
	struct logtail	*lt = container_of(st, struct logtail, stall);

	log_info("http: pid %ld: dropping the stream of '%s': output not "
	    "read in time", (long)lt->req->peer.pid, lt->lf.path);
	lt->gone = true;
	logtail_wake(lt);
}

/* Nothing to send: watch for more, then suspend (unless it came). */
static void
logtail_wait(struct logtail *lt)
{
	const union MHD_ConnectionInfo	*ci;

	ev_stat_start(lt->loop, &lt->stat_w);
	if (lt->lf.fd != -1 && access(lt->lf.path, F_OK) == -1)
		ev_timer_start(lt->loop, &lt->poll_w);
	ci = sym_MHD_get_connection_info(lt->req->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL && ci->connect_fd != MHD_INVALID_SOCKET) {
		ev_io_set(&lt->peer_w, ci->connect_fd, EV_READ);
		ev_io_start(lt->loop, &lt->peer_w);
		stall_watch(&lt->stall, ci->connect_fd);
	}
	http_req_suspend(lt->req);
}

/*
 * MHD's content reader: bytes, or 0 after suspending the connection
 * (the documented way: from within the reader, never a busy retry),
 * or the end: a clean one when the daemon stops, an error when the
 * file cannot be read or the peer is gone.
 */
static ssize_t
logtail_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct logtail	*lt = cls;
	ssize_t		 n;

	if (lt->req->closing)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (lt->gone)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if ((n = logtail_next(lt, buf, max)) != 0)
		return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
	/* Watch first, then look once more: a write in between is seen. */
	ev_stat_start(lt->loop, &lt->stat_w);
	if ((n = logtail_next(lt, buf, max)) != 0) {
		ev_stat_stop(lt->loop, &lt->stat_w);
		return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
	}
	logtail_wait(lt);
	return 0;
}

/* An HTTP date (RFC 7231 IMF-fixdate) of t. */
static void
http_date(time_t t, char *buf, size_t len)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Start the stream of the log at path: 404 when there is no file. */
static enum MHD_Result
logtail_start(struct http_req *r, const char *path, bool proxy_header)
{
	struct MHD_Response	*resp;
	struct logtail		*lt;
	struct stat		 st;
	enum MHD_Result		 rc;
	char			 date[64], cause[512];
	int			 fd;

	if (path == NULL || (fd = logfollow_open(path, &st, cause,
	    sizeof(cause))) == -1) {
		if (path != NULL && errno != ENOENT)
			log_warnx("http: %s", cause);
		return http_reply_text(r->conn, MHD_HTTP_NOT_FOUND,
		    "not found");
	}
	lt = xcalloc(1, sizeof(*lt));
	lt->req = r;
	lt->loop = r->daemon->loop;
	logfollow_init(&lt->lf, path, fd, &st, st.st_size > LOGTAIL_HEAD ?
	    st.st_size - LOGTAIL_HEAD : 0);
	ev_stat_init(&lt->stat_w, logtail_stat_cb, lt->lf.path, LOGTAIL_STAT);
	ev_timer_init(&lt->poll_w, logtail_poll_cb, LOGTAIL_POLL,
	    LOGTAIL_POLL);
	ev_init(&lt->peer_w, logtail_peer_cb);
	stall_init(&lt->stall, lt->loop, logtail_stalled);
	r->state = lt;

	resp = sym_MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    LOGTAIL_BLOCK, logtail_read, lt, NULL);
	if (resp == NULL)
		return MHD_NO;
	http_date(st.st_mtime, date, sizeof(date));
	sym_MHD_add_response_header(resp, "Last-Modified", date);
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain;charset=utf-8");
	if (proxy_header)
		sym_MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	rc = sym_MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	sym_MHD_destroy_response(resp);
	return rc;
}

/*
 * The log of "/logtail/NAME[/CHANNEL]" as Supervisor finds it: NAME is
 * "group:name" or a name that is its own group's, CHANNEL stdout (the
 * default) or stderr, none when stderr goes to stdout.  NULL when
 * there is none (404).
 */
static const char *
logtail_path(struct http_req *r)
{
	const char	*spec = r->url + strlen("/logtail/"), *slash, *colon;
	const char	*chan = "stdout", *path = NULL;
	char		*name, *pname;
	struct proc	**members;
	size_t		 i, n;

	if ((slash = strchr(spec, '/')) != NULL)
		chan = slash + 1;
	name = slash ? xstrndup(spec, slash - spec) : xstrdup(spec);
	if ((colon = strchr(name, ':')) != NULL) {
		name[colon - name] = '\0';
		pname = name + (colon - name) + 1;
	} else
		pname = name;
	n = daemon_find_group(r->daemon, name, &members);
	for (i = 0; i < n; i++) {
		if (strcmp(members[i]->cfg->name, pname) != 0)
			continue;
		if (strcmp(chan, "stdout") == 0)
			path = logcap_path(members[i], false);
		else if (strcmp(chan, "stderr") == 0 &&
		    !members[i]->cfg->redirect_stderr)
			path = logcap_path(members[i], true);
	}
	free(members);
	free(name);
	return path;
}

enum MHD_Result
route_logtail_serve(struct http_req *r)
{
	return logtail_start(r, logtail_path(r), true);
}

enum MHD_Result
route_mainlogtail_serve(struct http_req *r)
{
	return logtail_start(r, logclear_daemon_path(), false);
}

void
route_logtail_release(struct http_req *r)
{
	struct logtail	*lt = r->state;

	if (lt == NULL)
		return;
	logtail_unwatch(lt);
	logfollow_release(&lt->lf);
	free(lt);
	r->state = NULL;
}

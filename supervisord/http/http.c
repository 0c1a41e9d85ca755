/*
 * The HTTP server: libmicrohttpd run from our libev loop.  MHD owns no
 * listening socket and no thread: connections we accepted and sniffed
 * are handed to it (MHD_add_connection), its epoll descriptor is watched
 * by one ev_io, and MHD_get_timeout() drives one ev_timer, stopped when
 * MHD has no deadline, so an idle daemon never wakes up.  Each request
 * passes one gate and is served by its route (host/routes.c); a request that
 * waits (startProcess with wait, a stream with nothing new) suspends
 * its connection and is resumed from the loop.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "route.h"
#include "rpc.h"
#include "xmalloc.h"

/* Connections served at once; more are closed at once. */
#define HTTP_CONN_MAX	8192
/* The largest body of a refused request read before its answer. */
#define HTTP_DISCARD_MAX	(1024 * 1024)
/* Bytes of one connection's buffers (headers must fit). */
#define HTTP_CONN_MEM	(64 * 1024)
/* Allocations from this size up are mappings of their own (mallopt). */
#define HTTP_MMAP_MIN	(256 * 1024)

static struct {
	struct daemon		*daemon;
	struct MHD_Daemon	*mhd;
	ev_io			 io;		/* MHD's epoll descriptor */
	ev_timer		 timer;		/* MHD's next deadline */
	struct http_peer	 adding;	/* the peer being added */
	size_t			 nconns;	/* connections served now */
	TAILQ_HEAD(, http_req)	 reqs;		/* requests being served */
	char			 failed[256];	/* why it cannot start */
} http = { .reqs = TAILQ_HEAD_INITIALIZER(http.reqs) };

/* Let MHD do what is due, then sleep until its next deadline. */
static void
http_run(void)
{
	struct ev_loop			*loop = http.daemon->loop;
	MHD_UNSIGNED_LONG_LONG		 ms;

	sym_MHD_run(http.mhd);
	ev_timer_stop(loop, &http.timer);
	if (sym_MHD_get_timeout(http.mhd, &ms) == MHD_YES) {
		ev_timer_set(&http.timer, (ev_tstamp)ms / 1000., 0.);
		ev_timer_start(loop, &http.timer);
	}
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	http_run();
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	http_run();
}

static int	http_start_lazily(void);

void
http_add_connection(int fd, const struct http_peer *peer,
    const struct sockaddr *addr, socklen_t addrlen)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };

	if (http.mhd == NULL && http_start_lazily() == -1) {
		close(fd);
		return;
	}
	if (addr == NULL) {
		addr = (struct sockaddr *)&sun;
		addrlen = sizeof(sun);
	}
	http.adding = *peer;
	/* MHD closes fd when it cannot take it. */
	if (sym_MHD_add_connection(http.mhd, fd, addr, addrlen) != MHD_YES)
		log_warn("http: cannot serve a connection of pid %ld",
		    (long)peer->pid);
	http_run();
}

/* struct daemon's http_accept: a connection of the control socket that
   speaks HTTP (control/sniff.c), with its peer's credentials. */
static void
accept_unix(struct daemon *d, int fd, const struct ucred *cr, bool allowed)
{
	struct http_peer	peer;

	memset(&peer, 0, sizeof(peer));
	peer.uid = cr->uid;
	peer.gid = cr->gid;
	peer.pid = cr->pid;
	peer.allowed = allowed;
	http_add_connection(fd, &peer, NULL, 0);
}

/*
 * A connection: its peer, and the deadline of the request headers being
 * received.  MHD's own timeout counts idleness only: a client dripping a
 * header line now and then would hold its connection for ever.  The
 * deadline runs from the connection's start, and again from the end of
 * each request, to the next request's headers being whole; at it, the
 * socket is shut down (MHD sees the end and closes it).
 */
struct http_conn {
	struct http_peer	 peer;		/* first: conn_peer() */
	ev_timer		 deadline;
	int			 fd;
};

static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct http_conn	*hc = container_of(w, struct http_conn, deadline);

	/* Debug only: an idle keep-alive connection ends here too. */
	log_debug("http: pid %ld: no whole request after %.0f s: closed",
	    (long)hc->peer.pid, w->repeat);
	if (shutdown(hc->fd, SHUT_RDWR) == -1 && errno != ENOTCONN)
		log_warn("http: cannot shut a connection down");
	http_run();
}

/* The peer of each connection, from http_add_connection(). */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo	*ci;
	struct http_conn		*hc;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		hc = xcalloc(1, sizeof(*hc));
		hc->peer = http.adding;
		ci = sym_MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		hc->fd = ci != NULL ? ci->connect_fd : -1;
		ev_init(&hc->deadline, deadline_cb);
		hc->deadline.repeat = control_client_timeout();
		if (hc->fd != -1)
			ev_timer_again(http.daemon->loop, &hc->deadline);
		*socket_context = hc;
		http.nconns++;
	} else if ((hc = *socket_context) != NULL) {
		ev_timer_stop(http.daemon->loop, &hc->deadline);
		http.nconns--;
		free(hc);
		*socket_context = NULL;
	}
}

size_t
http_connection_count(void)
{
	return http.nconns;
}

static struct http_conn *
conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*ci;

	ci = sym_MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

static const struct http_peer *
conn_peer(struct MHD_Connection *conn)
{
	struct http_conn	*hc = conn_of(conn);

	return hc != NULL ? &hc->peer : NULL;
}

/* The headers are whole (true), or the next request may begin. */
static void
conn_headers_whole(struct MHD_Connection *conn, bool whole)
{
	struct http_conn	*hc = conn_of(conn);

	if (hc == NULL || hc->fd == -1)
		return;
	if (whole)
		ev_timer_stop(http.daemon->loop, &hc->deadline);
	else
		ev_timer_again(http.daemon->loop, &hc->deadline);
}

/*
 * A refused request whose body is small and on its way is answered once
 * the body is read: answered at once, the connection would close under
 * a client still writing it (supervisorctl writes the headers and the
 * body apart, and got EPIPE instead of the 401).  A large or unsized
 * body is not waited for.
 */
static bool
body_worth_reading(struct MHD_Connection *conn)
{
	const char		*cl;
	unsigned long long	 n;

	cl = http_header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl == NULL)
		return false;
	n = strtoull(cl, NULL, 10);
	return n > 0 && n <= HTTP_DISCARD_MAX;
}

static struct http_req *
request_new(struct MHD_Connection *conn, const struct http_route *rt,
    const struct http_peer *peer, const char *url)
{
	struct http_req	*r;

	r = xcalloc(1, sizeof(*r));
	r->conn = conn;
	r->route = rt;
	r->daemon = http.daemon;
	r->peer = *peer;
	r->url = xstrdup(url);
	TAILQ_INSERT_TAIL(&http.reqs, r, entry);
	return r;
}

/* The first call for a request: its headers are in, no body yet. */
static enum MHD_Result
request_begin(struct MHD_Connection *conn, const char *url,
    const char *method, void **con_cls)
{
	const struct http_peer	*peer = conn_peer(conn);
	const struct http_route	*rt;
	struct http_refusal	 no;
	struct http_req		*r;

	conn_headers_whole(conn, true);
	rt = http_gate(conn, http.daemon->config, peer, url, method, &no);
	if (rt != NULL && !http_body_refused(conn, rt, &no)) {
		*con_cls = request_new(conn, rt, peer, url);
		return MHD_YES;
	}
	if (peer == NULL || !body_worth_reading(conn))
		return http_refusal_queue(conn, &no);
	r = *con_cls = request_new(conn, rt, peer, url);
	r->refusal = xmalloc(sizeof(*r->refusal));
	*r->refusal = no;
	return MHD_YES;
}

void
http_req_suspend(struct http_req *r)
{
	if (r->suspended)
		return;
	r->suspended = true;
	sym_MHD_suspend_connection(r->conn);
}

/* From the loop (never inside MHD): resume and let MHD run now. */
void
http_req_resume(struct http_req *r)
{
	if (!r->suspended)
		return;
	r->suspended = false;
	sym_MHD_resume_connection(r->conn);
	http_run();
}

void
http_req_answer(struct http_req *r, unsigned status,
    struct MHD_Response *resp)
{
	if (r->answer != NULL)
		sym_MHD_destroy_response(r->answer);
	r->answer = resp;
	r->answer_status = status;
	if (resp == NULL)
		r->closing = true;
	http_req_resume(r);
}

/* The body is whole: let the route serve, or queue its late answer. */
static enum MHD_Result
request_serve(struct http_req *r)
{
	enum MHD_Result	rc;
	char		msg[64];

	if (r->answer != NULL) {
		rc = sym_MHD_queue_response(r->conn, r->answer_status, r->answer);
		sym_MHD_destroy_response(r->answer);
		r->answer = NULL;
		return rc;
	}
	if (r->closing)
		return MHD_NO;
	if (r->served)
		return MHD_YES;		/* still waiting */
	r->served = true;
	if (r->too_large) {
		snprintf(msg, sizeof(msg), "payload too large: more than %zu "
		    "bytes", r->route->body_max);
		return http_reply_text(r->conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    msg);
	}
	return r->route->serve(r);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_req	*r = *con_cls;

	if (r == NULL)
		return request_begin(conn, url, method, con_cls);
	if (r->refusal != NULL) {
		/* Read and dropped: the answer is the refusal. */
		if (*upload_data_size == 0)
			return http_refusal_queue(conn, r->refusal);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (proto_buf_used(&r->body) + *upload_data_size >
		    r->route->body_max) {
			r->too_large = true;
			proto_buf_release(&r->body);
		} else if (!r->too_large)
			proto_buf_add(&r->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return request_serve(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode code)
{
	struct http_req	*r = *con_cls;

	conn_headers_whole(conn, false);
	if (r == NULL)
		return;
	TAILQ_REMOVE(&http.reqs, r, entry);
	if (r->route != NULL && r->route->release != NULL)
		r->route->release(r);
	free(r->refusal);
	if (r->answer != NULL)
		sym_MHD_destroy_response(r->answer);
	proto_buf_release(&r->body);
	free(r->url);
	free(r);
	*con_cls = NULL;
}

/*
 * MHD's messages at debug level, but not its socket-option ones: it
 * tries TCP_CORK and TCP_NODELAY on Unix sockets at every send, and a
 * line per send would feed /mainlogtail's stream of this very log.
 */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	buf[512];
	size_t	n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (strstr(buf, "TCP_CORK") != NULL ||
	    strstr(buf, "TCP_NODELAY") != NULL ||
	    strstr(buf, "Failed to push the data") != NULL)
		return;
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("http: %s", buf);
}

/* Load libmicrohttpd (mhd.c) and run it without a thread or a
   listening socket of its own. */
static int
http_start(char *cause, size_t causelen)
{
	const union MHD_DaemonInfo	*info;
	unsigned			 timeout;

	if (mhd_load(cause, causelen) == -1)
		return -1;
	timeout = (unsigned)ceil(control_client_timeout());
	http.mhd = sym_MHD_start_daemon(MHD_USE_EPOLL |
	    MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_TURBO | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout > 0 ? timeout : 1,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_MAX,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEM,
	    MHD_OPTION_END);
	if (http.mhd == NULL) {
		snprintf(cause, causelen, "libmicrohttpd cannot start");
		return -1;
	}
	info = sym_MHD_get_daemon_info(http.mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || info->epoll_fd < 0) {
		snprintf(cause, causelen, "libmicrohttpd has no epoll "
		    "descriptor");
		sym_MHD_stop_daemon(http.mhd);
		http.mhd = NULL;
		return -1;
	}
	ev_io_init(&http.io, io_cb, info->epoll_fd, EV_READ);
	ev_io_start(http.daemon->loop, &http.io);
	ev_init(&http.timer, timer_cb);
	return 0;
}

/*
 * At an HTTP connection of the Unix socket while the server is not
 * started: each tries again (out of descriptors is not for ever), and a
 * cause is told once, not at each connection.
 */
static int
http_start_lazily(void)
{
	char	cause[sizeof(http.failed)];

	if (http_start(cause, sizeof(cause)) == 0) {
		if (http.failed[0] != '\0')
			log_info("http: the HTTP server is started");
		http.failed[0] = '\0';
		return 0;
	}
	if (strcmp(cause, http.failed) != 0)
		log_warnx("http: %s: HTTP connections are refused", cause);
	snprintf(http.failed, sizeof(http.failed), "%s", cause);
	return -1;
}

/*
 * The HTTP side: the route table, [inet_http_server]'s listener and the
 * hook through which control hands HTTP connections over.  libmicrohttpd
 * itself starts here only for [inet_http_server] (a missing library is
 * then told at start); else at the first HTTP connection (mhd.c).
 */
int
http_init(struct daemon *d, const struct http_route *routes, size_t nroutes,
    char *cause, size_t causelen)
{
	char	why[256];

	http.daemon = d;
	http.failed[0] = '\0';
	route_table_set(routes, nroutes);
	/* A large response (getAllProcessInfo: 1 MB at 1000 programs) gets
	   its own mapping, grown by mremap and given back when freed,
	   instead of a heap that glibc's moving threshold keeps grown. */
	mallopt(M_MMAP_THRESHOLD, HTTP_MMAP_MIN);
	if (http_listen_init(d, cause, causelen) == -1)
		return -1;
	if (http_listen_active() && http_start(why, sizeof(why)) == -1) {
		snprintf(cause, causelen, "[inet_http_server] cannot be "
		    "served: %s", why);
		http_listen_free(d);
		return -1;
	}
	d->http_accept = accept_unix;
	return 0;
}

void
http_free(struct daemon *d)
{
	struct http_req		*r;
	struct MHD_Response	*resp;

	d->http_accept = NULL;
	http_listen_free(d);
	if (http.mhd == NULL)
		return;
	/* MHD must not stop with a suspended connection: end each. */
	TAILQ_FOREACH(r, &http.reqs, entry) {
		if (!r->suspended)
			continue;
		resp = r->route->stopping != NULL ? r->route->stopping(r) :
		    NULL;
		if (resp == NULL)
			r->closing = true;
		r->answer = resp;
		r->answer_status = MHD_HTTP_OK;
		r->suspended = false;
		sym_MHD_resume_connection(r->conn);
	}
	sym_MHD_run(http.mhd);
	ev_io_stop(d->loop, &http.io);
	ev_timer_stop(d->loop, &http.timer);
	sym_MHD_stop_daemon(http.mhd);
	http.mhd = NULL;
	rpc_config_free();
}

/*
 * The HTTP server: libmicrohttpd run from our libev loop.  MHD owns no
 * listening socket and no thread: connections we accepted and sniffed
 * are handed to it (MHD_add_connection), its epoll descriptor is watched
 * by one ev_io, and MHD_get_timeout() drives one ev_timer, stopped when
 * MHD has no deadline, so an idle daemon never wakes up.  A call that
 * waits (startProcess with wait) suspends its connection and resumes it
 * when the answer is ready.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sha1.h>		/* libmd */

#include "control.h"
#include "http.h"
#include "log.h"
#include "rpc.h"
#include "xmalloc.h"
#include "xmlrpc.h"

/* Connections served at once; more are closed at once. */
#define HTTP_CONN_MAX	8192
/* Bytes of one connection's buffers (headers must fit). */
#define HTTP_CONN_MEM	(64 * 1024)

struct http_req {
	TAILQ_ENTRY(http_req)	 entry;
	struct MHD_Connection	*conn;
	struct http_peer	 peer;
	struct proto_buf	 body;
	bool			 too_large;
	bool			 suspended;
	struct rpc_req		*rpc;		/* a call in flight */
	char			*reply;		/* ready response body */
	size_t			 reply_len;
};

static struct {
	struct daemon		*daemon;
	struct MHD_Daemon	*mhd;
	ev_io			 io;		/* MHD's epoll descriptor */
	ev_timer		 timer;		/* MHD's next deadline */
	struct http_peer	 adding;	/* the peer being added */
	TAILQ_HEAD(, http_req)	 reqs;		/* requests being served */
} http = { .reqs = TAILQ_HEAD_INITIALIZER(http.reqs) };

/* Let MHD do what is due, then sleep until its next deadline. */
static void
http_run(void)
{
	struct ev_loop			*loop = http.daemon->loop;
	MHD_UNSIGNED_LONG_LONG		 ms;

	MHD_run(http.mhd);
	ev_timer_stop(loop, &http.timer);
	if (MHD_get_timeout(http.mhd, &ms) == MHD_YES) {
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

void
http_add_connection(int fd, const struct http_peer *peer,
    const struct sockaddr *addr, socklen_t addrlen)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };

	if (http.mhd == NULL) {
		close(fd);
		return;
	}
	if (addr == NULL) {
		addr = (struct sockaddr *)&sun;
		addrlen = sizeof(sun);
	}
	http.adding = *peer;
	/* MHD closes fd when it cannot take it. */
	if (MHD_add_connection(http.mhd, fd, addr, addrlen) != MHD_YES)
		log_warn("http: cannot serve a connection of pid %ld",
		    (long)peer->pid);
	http_run();
}

/* The peer of each connection, from http_add_connection(). */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct http_peer	*peer;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		peer = xmalloc(sizeof(*peer));
		*peer = http.adding;
		*socket_context = peer;
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static const struct http_peer *
conn_peer(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* A response with a short text body and the given status. */
static enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;
	char			*body;

	xasprintf(&body, "%s\n", text);
	resp = MHD_create_response_from_buffer(strlen(body), body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result
reply_xml(struct http_req *r)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;

	resp = MHD_create_response_from_buffer(r->reply_len, r->reply,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO;
	r->reply = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/xml");
	rc = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* A deferred call is answered: wake its connection up. */
static void
rpc_done(struct rpc_req *rpc, void *arg)
{
	struct http_req	*r = arg;

	r->reply = rpc_take_body(rpc, &r->reply_len);
	if (r->suspended) {
		r->suspended = false;
		MHD_resume_connection(r->conn);
		/* From the loop (rpc.c), never inside MHD: run it now. */
		http_run();
	}
}

/*
 * Cross-site requests: a browser names the page's origin; a request
 * from another site is refused whatever it carries (cached Basic
 * credentials included).  Our own clients send neither header.
 */
static bool
cross_site(struct MHD_Connection *conn)
{
	const char	*site, *origin, *host, *p;
	size_t		 n;

	site = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Sec-Fetch-Site");
	if (site != NULL && strcasecmp(site, "cross-site") == 0)
		return true;
	origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	if (origin == NULL)
		return false;
	host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	if (host == NULL || strcmp(origin, "null") == 0)
		return true;
	/* "http://HOST" must be the Host the request was sent to. */
	if (strncasecmp(origin, "http://", 7) != 0)
		return true;
	p = origin + 7;
	n = strlen(p);
	if (n > 0 && p[n - 1] == '/')
		n--;
	return strlen(host) != n || strncasecmp(p, host, n) != 0;
}

/* Equal strings, in a time that depends on their lengths only. */
static bool
same_secret(const char *a, const char *b)
{
	size_t		la = strlen(a), lb = strlen(b), i;
	unsigned char	diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/*
 * HTTP Basic against the listener's username and password (plain, or
 * "{SHA}" and the hex SHA-1 of the password, as Supervisor).  True when
 * none are set.
 */
static bool
authorized(struct MHD_Connection *conn, const struct http_peer *peer)
{
	const struct config	*cfg = http.daemon->config;
	const char		*user, *want;
	char			*got_user, *got_pass = NULL;
	char			 hex[SHA1_DIGEST_STRING_LENGTH];
	bool			 ok;

	user = peer->tcp ? cfg->inet_server.username :
	    cfg->unix_server.username;
	want = peer->tcp ? cfg->inet_server.password :
	    cfg->unix_server.password;
	if (user == NULL || want == NULL)
		return true;
	got_user = MHD_basic_auth_get_username_password(conn, &got_pass);
	if (got_user == NULL || got_pass == NULL)
		ok = false;
	else if (strncmp(want, "{SHA}", 5) == 0) {
		SHA1Data((const uint8_t *)got_pass, strlen(got_pass), hex);
		ok = same_secret(got_user, user) & same_secret(hex, want + 5);
	} else
		ok = same_secret(got_user, user) & same_secret(got_pass, want);
	if (got_user != NULL)
		MHD_free(got_user);
	if (got_pass != NULL)
		MHD_free(got_pass);
	return ok;
}

static enum MHD_Result
reply_unauthorized(struct MHD_Connection *conn)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;
	static char		 body[] = "unauthorized\n";

	resp = MHD_create_response_from_buffer(sizeof(body) - 1, body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	rc = MHD_queue_basic_auth_fail_response(conn, "default", resp);
	MHD_destroy_response(resp);
	return rc;
}

/* "text/xml", possibly with parameters ("text/xml; charset=utf-8"). */
static bool
content_type_xml(struct MHD_Connection *conn)
{
	const char	*ct;

	ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct == NULL || strncasecmp(ct, "text/xml", 8) != 0)
		return false;
	return ct[8] == '\0' || ct[8] == ';' || ct[8] == ' ';
}

/* The first call for a request: its headers are in, no body yet. */
static enum MHD_Result
request_begin(struct MHD_Connection *conn, const char *url,
    const char *method, void **con_cls)
{
	const struct http_peer	*peer = conn_peer(conn);
	struct http_req		*r;
	const char		*cl;

	if (peer == NULL || !peer->allowed)
		return reply_text(conn, MHD_HTTP_FORBIDDEN, "forbidden: uid "
		    "not allowed on this socket");
	if (cross_site(conn))
		return reply_text(conn, MHD_HTTP_FORBIDDEN, "forbidden: "
		    "cross-site request");
	if (!authorized(conn, peer)) {
		log_info("http: %s: wrong or missing credentials",
		    peer->tcp ? "tcp" : "unix socket");
		return reply_unauthorized(conn);
	}
	if (strcmp(url, "/RPC2") != 0 && strcmp(url, "/") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found");
	if (strcmp(method, "POST") != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed: XML-RPC is POST");
	if (!content_type_xml(conn))
		return reply_text(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported media type: XML-RPC needs Content-Type: "
		    "text/xml");
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > XR_BODY_MAX)
		return reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "payload too large: more than 1048576 bytes");
	r = xcalloc(1, sizeof(*r));
	r->conn = conn;
	r->peer = *peer;
	TAILQ_INSERT_TAIL(&http.reqs, r, entry);
	*con_cls = r;
	return MHD_YES;
}

/* The whole body is in: run the call, answer now or suspend. */
static enum MHD_Result
request_run(struct http_req *r)
{
	char	cause[256];
	int	rc;

	if (r->reply != NULL)
		return reply_xml(r);
	if (r->rpc != NULL)
		return MHD_YES;		/* still waiting */
	if (r->too_large)
		return reply_text(r->conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "payload too large: more than 1048576 bytes");
	r->rpc = rpc_new(http.daemon, &r->peer, rpc_done, r);
	rc = rpc_run(r->rpc, r->body.data + r->body.off,
	    proto_buf_used(&r->body), cause, sizeof(cause));
	proto_buf_release(&r->body);
	if (rc == -1) {
		log_info("http: uid %ld pid %ld: bad XML-RPC request: %s",
		    (long)r->peer.uid, (long)r->peer.pid, cause);
		return reply_text(r->conn, MHD_HTTP_BAD_REQUEST, cause);
	}
	if (rc == 1) {
		r->reply = rpc_take_body(r->rpc, &r->reply_len);
		return reply_xml(r);
	}
	r->suspended = true;
	MHD_suspend_connection(r->conn);
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_req	*r = *con_cls;

	if (r == NULL)
		return request_begin(conn, url, method, con_cls);
	if (*upload_data_size > 0) {
		if (proto_buf_used(&r->body) + *upload_data_size > XR_BODY_MAX) {
			r->too_large = true;
			proto_buf_release(&r->body);
		} else if (!r->too_large)
			proto_buf_add(&r->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return request_run(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode code)
{
	struct http_req	*r = *con_cls;

	if (r == NULL)
		return;
	TAILQ_REMOVE(&http.reqs, r, entry);
	if (r->rpc != NULL)
		rpc_free(r->rpc);
	proto_buf_release(&r->body);
	free(r->reply);
	free(r);
	*con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	buf[512];
	size_t	n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("http: %s", buf);
}

int
http_init(struct daemon *d, char *cause, size_t causelen)
{
	const union MHD_DaemonInfo	*info;
	unsigned			 timeout;

	http.daemon = d;
	timeout = (unsigned)ceil(control_client_timeout());
	http.mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout > 0 ? timeout : 1,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_MAX,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEM,
	    MHD_OPTION_END);
	if (http.mhd == NULL) {
		snprintf(cause, causelen, "cannot start the HTTP server "
		    "(libmicrohttpd)");
		return -1;
	}
	info = MHD_get_daemon_info(http.mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || info->epoll_fd < 0) {
		snprintf(cause, causelen, "libmicrohttpd has no epoll "
		    "descriptor");
		MHD_stop_daemon(http.mhd);
		http.mhd = NULL;
		return -1;
	}
	ev_io_init(&http.io, io_cb, info->epoll_fd, EV_READ);
	ev_io_start(d->loop, &http.io);
	ev_init(&http.timer, timer_cb);
	if (http_listen_init(d, cause, causelen) == -1) {
		http_free(d);
		return -1;
	}
	return 0;
}

void
http_free(struct daemon *d)
{
	struct http_req		*r;
	struct proto_buf	 b = { 0 };

	if (http.mhd == NULL)
		return;
	http_listen_free(d);
	/* MHD must not stop with a suspended connection: answer each. */
	TAILQ_FOREACH(r, &http.reqs, entry) {
		if (!r->suspended)
			continue;
		xw_fault(&b, 6, "SHUTDOWN_STATE");
		free(r->reply);
		r->reply_len = proto_buf_used(&b);
		r->reply = b.data;
		memset(&b, 0, sizeof(b));
		r->suspended = false;
		MHD_resume_connection(r->conn);
	}
	MHD_run(http.mhd);
	ev_io_stop(d->loop, &http.io);
	ev_timer_stop(d->loop, &http.timer);
	MHD_stop_daemon(http.mhd);
	http.mhd = NULL;
	rpc_config_free();
}

/*
 * Server-Sent Events over a client of the command table without a
 * socket: each reply or stream line the command produces (the events
 * subscription, a followed log) becomes one "data:" event.  The lines
 * wait in a bounded buffer that libmicrohttpd's reader drains; with
 * nothing to send the connection is suspended (no timer, no timeout:
 * an idle daemon stays asleep) and resumed from the loop when a line
 * comes, or closed when its peer leaves.  A client that lets more than
 * SSE_OUT_MAX pile up is dropped; a followed log reads only while the
 * buffer is below control's high-water mark, so it never overflows.
 * While suspended, a client that takes nothing of what its socket's
 * queue holds is dropped by the rule of the socket's streams (control's
 * stall.c), in their words: "output not read in time".
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"
#include "web.h"
#include "xmalloc.h"

struct sse {
	struct http_req		*r;		/* NULL once it is over */
	struct ev_loop		*loop;
	struct ctl_client	*client;
	struct proto_buf	 out;		/* events MHD has not read */
	char			*first;		/* the command's reply line */
	bool			 dropped;	/* close at once */
	bool			 ended;		/* end once out is sent */
	bool			 resp_gone;	/* the response was freed */
	ev_timer		 kick;		/* resumes from the loop */
	ev_io			 hup;		/* the peer leaving, while
						   suspended */
	struct stall		 stall;		/* a peer that takes nothing */
};

/* The command still streams: no error ended it (tail.c closes its
   client then; only sse_release() drops it). */
static bool
sse_streaming(const struct sse *s)
{
	return (s->client->flags & (CLIENT_DEAD | CLIENT_CLOSING)) == 0;
}

static void
sse_kick(struct sse *s)
{
	if (!ev_is_active(&s->kick)) {
		ev_timer_set(&s->kick, 0., 0.);
		ev_timer_start(s->loop, &s->kick);
	}
}

/* A line of the command: one event, within the bound. */
static void
sse_sink(struct ctl_client *c, const char *line, size_t len, void *arg)
{
	struct sse	*s = arg;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (s->first == NULL)
		s->first = xstrndup(line, len);
	if (s->dropped)
		return;
	if (proto_buf_used(&s->out) + len + 8 > SSE_OUT_MAX) {
		/* Closed from the loop; the client goes with the request. */
		s->dropped = true;
		proto_buf_release(&s->out);
		log_info("http: uid %ld pid %ld: dropping an event stream: "
		    "more than %d bytes unread", (long)c->uid, (long)c->pid,
		    SSE_OUT_MAX);
	} else {
		proto_buf_add(&s->out, "data: ", 6);
		proto_buf_add(&s->out, line, len);
		proto_buf_add(&s->out, "\n\n", 2);
	}
	if (s->r != NULL && s->r->suspended)
		sse_kick(s);
}

static size_t
sse_pending(void *arg)
{
	struct sse	*s = arg;

	return proto_buf_used(&s->out);
}

/* From the loop: read the followed log again, wake the connection. */
static void
kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sse	*s = container_of(w, struct sse, kick);

	if (!s->dropped && sse_streaming(s) && s->client->tail != NULL &&
	    proto_buf_used(&s->out) < CTL_OUT_HIGH)
		tail_resume(s->client->tail);
	if (s->r == NULL || !s->r->suspended)
		return;
	if (proto_buf_used(&s->out) > 0 || s->dropped || s->ended ||
	    !sse_streaming(s)) {
		ev_io_stop(loop, &s->hup);
		stall_stop(&s->stall);
		http_req_resume(s->r);
	}
}

/*
 * Suspended, with what was sent left unread: dropped, in client.c's
 * words.  Closed from the loop; the client goes with the request
 * (sse_release), not now: it would be freed under this stream.
 */
static void
sse_stalled(struct stall *st)
{
	struct sse	*s = container_of(st, struct sse, stall);

	log_info("http: uid %ld pid %ld: dropping an event stream: output "
	    "not read in time", (long)s->client->uid, (long)s->client->pid);
	s->dropped = true;
	proto_buf_release(&s->out);
	sse_kick(s);
}

/* The suspended connection is readable: its peer closed it?  What it
   sends meanwhile is read and dropped (a stream takes no request), so
   that a close behind those bytes is seen too, as /logtail does. */
static void
hup_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sse	*s = container_of(w, struct sse, hup);
	char		 buf[512];
	ssize_t		 n;

	n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n > 0)
		return;
	ev_io_stop(loop, w);
	s->dropped = true;
	sse_kick(s);
}

/* libmicrohttpd wants bytes: what is buffered, or suspend. */
static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse			*s = cls;
	const union MHD_ConnectionInfo	*ci;
	size_t				 n = proto_buf_used(&s->out);

	if (s->r == NULL || s->dropped)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n > 0) {
		if (n > max)
			n = max;
		memcpy(buf, s->out.data + s->out.off, n);
		proto_buf_consume(&s->out, n);
		if (proto_buf_used(&s->out) == 0)
			proto_buf_release(&s->out);
		if (s->client->tail != NULL && sse_streaming(s))
			sse_kick(s);
		return n;
	}
	if (s->ended || !sse_streaming(s))
		return MHD_CONTENT_READER_END_OF_STREAM;
	http_req_suspend(s->r);
	ci = sym_MHD_get_connection_info(s->r->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL && !ev_is_active(&s->hup)) {
		ev_io_set(&s->hup, ci->connect_fd, EV_READ);
		ev_io_start(s->loop, &s->hup);
	}
	if (ci != NULL)
		stall_watch(&s->stall, ci->connect_fd);
	return 0;
}

static void
sse_free(struct sse *s)
{
	proto_buf_release(&s->out);
	free(s->first);
	free(s);
}

/* The response is freed: the stream goes with the request's end. */
static void
sse_response_free(void *cls)
{
	struct sse	*s = cls;

	s->resp_gone = true;
	if (s->r == NULL)
		sse_free(s);
}

/* Run the request (consumed) on a client whose lines are events. */
static struct sse *
sse_run(struct http_req *r, cJSON *request)
{
	struct proto_request	 req;
	struct sse		*s;
	enum proto_code		 code;
	char			 cause[256], *line;
	size_t			 len;

	s = xcalloc(1, sizeof(*s));
	s->r = r;
	s->loop = r->daemon->loop;
	s->resp_gone = true;	/* until there is one */
	ev_init(&s->kick, kick_cb);
	ev_init(&s->hup, hup_cb);
	stall_init(&s->stall, s->loop, sse_stalled);
	proto_buf_add(&s->out, "retry: 2000\n\n", 13);
	s->client = client_new_sink(r->daemon, r->peer.uid, r->peer.pid,
	    sse_sink, s);
	s->client->sink_pending = sse_pending;
	line = proto_encode(request, &len);
	while (len > 0 && line[len - 1] == '\n')
		len--;
	if (proto_decode(&req, line, len, &code, cause, sizeof(cause)) == 0)
		cmd_dispatch(s->client, &req);
	else
		client_reply_error(s->client, req.id, code, cause, NULL);
	proto_request_release(&req);
	free(line);
	return s;
}

/*
 * Serve a stream of the request's lines, or, when the command made no
 * stream (an unknown name, no log), its error reply with 404.
 */
enum MHD_Result
sse_serve(struct http_req *r, cJSON *request)
{
	struct MHD_Response	*resp;
	struct sse		*s = sse_run(r, request);
	enum MHD_Result		 rc;
	char			*line;

	r->state = s;
	if (s->client->tail == NULL &&
	    (s->client->flags & CLIENT_EVENTS) == 0) {
		line = s->first != NULL ? s->first : xstrdup("{}");
		s->first = NULL;
		return web_reply_json(r, MHD_HTTP_NOT_FOUND, line,
		    strlen(line));
	}
	resp = sym_MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
	    sse_read, s, sse_response_free);
	if (resp == NULL)
		return MHD_NO;
	s->resp_gone = false;
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/event-stream");
	web_headers(resp);
	rc = sym_MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	sym_MHD_destroy_response(resp);
	return rc;
}

/* The request is over: the response may still hold the stream. */
void
sse_release(struct http_req *r)
{
	struct sse	*s = r->state;

	if (s == NULL)
		return;
	r->state = NULL;
	ev_timer_stop(s->loop, &s->kick);
	ev_io_stop(s->loop, &s->hup);
	stall_stop(&s->stall);
	client_drop(s->client, NULL);
	s->r = NULL;
	if (s->resp_gone)
		sse_free(s);
}

/* The daemon stops: end the stream (the browser comes back later). */
struct MHD_Response *
sse_stopping(struct http_req *r)
{
	struct sse	*s = r->state;

	if (s != NULL) {
		s->ended = true;
		ev_io_stop(s->loop, &s->hup);
		stall_stop(&s->stall);
	}
	return NULL;
}

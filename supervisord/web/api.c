/*
 * POST /api: one request object of the control socket's protocol, run
 * by the same command table (cmd.c) through a client without a socket,
 * answered with the same reply object.  A request that waits (start
 * with wait) suspends the connection and is answered from the loop.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"
#include "web.h"
#include "xmalloc.h"

struct api_req {
	struct http_req		*r;
	struct ctl_client	*client;
	char			*reply;		/* the reply line, once in */
	size_t			 len;
	bool			 waiting;	/* suspended for the reply */
	ev_timer		 kick;		/* answers from the loop */
};

/* The reply line: kept; a late one is answered from the loop, never
   from inside the observer that produced it. */
static void
api_sink(struct ctl_client *c, const char *line, size_t len, void *arg)
{
	struct api_req	*a = arg;

	if (a->reply != NULL)
		return;		/* one reply a request */
	a->reply = xstrndup(line, len);
	a->len = len;
	if (a->waiting && !ev_is_active(&a->kick)) {
		ev_timer_set(&a->kick, 0., 0.);
		ev_timer_start(c->daemon->loop, &a->kick);
	}
}

static void
kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct api_req	*a = container_of(w, struct api_req, kick);
	struct http_req	*r = a->r;

	a->waiting = false;
	http_req_answer(r, MHD_HTTP_OK, web_response(a->reply, a->len,
	    "application/json"));
	a->reply = NULL;
}

/* A request that streams is refused here: the GET routes stream. */
static const char *
api_stream_refused(const struct proto_request *req)
{
	switch (req->spec->cmd) {
	case PROTO_CMD_EVENTS:
		return "events is a stream: GET /api/events";
	case PROTO_CMD_TAIL:
	case PROTO_CMD_MAINTAIL:
		if (proto_get_bool(req, "follow", false))
			return "a followed log is a stream: GET "
			    "/api/log/NAME/stdout";
		return NULL;
	default:
		return NULL;
	}
}

/* 400 with the protocol's error reply. */
static enum MHD_Result
api_bad(struct http_req *r, const cJSON *id, enum proto_code code,
    const char *cause)
{
	char	*line;
	size_t	 len;

	log_info("http: uid %ld pid %ld: bad /api request: %s",
	    (long)r->peer.uid, (long)r->peer.pid, cause);
	line = proto_reply_error(id, code, cause, NULL, &len);
	return web_reply_json(r, MHD_HTTP_BAD_REQUEST, line, len);
}

enum MHD_Result
api_serve(struct http_req *r)
{
	struct proto_request	 req;
	struct api_req		*a;
	enum proto_code		 code;
	enum MHD_Result		 rc;
	const char		*refused;
	char			 cause[512];

	if (proto_decode(&req, r->body.data + r->body.off,
	    proto_buf_used(&r->body), &code, cause, sizeof(cause)) == -1) {
		rc = api_bad(r, req.id, code, cause);
		proto_request_release(&req);
		return rc;
	}
	if ((refused = api_stream_refused(&req)) != NULL) {
		rc = api_bad(r, req.id, PROTO_BAD_REQUEST, refused);
		proto_request_release(&req);
		return rc;
	}
	proto_buf_release(&r->body);
	a = xcalloc(1, sizeof(*a));
	a->r = r;
	ev_init(&a->kick, kick_cb);
	r->state = a;
	a->client = client_new_sink(r->daemon, r->peer.uid, r->peer.pid,
	    api_sink, a);
	cmd_dispatch(a->client, &req);
	proto_request_release(&req);
	if (a->reply == NULL) {
		a->waiting = true;
		http_req_suspend(r);
		return MHD_YES;
	}
	rc = web_reply_json(r, MHD_HTTP_OK, a->reply, a->len);
	a->reply = NULL;
	return rc;
}

void
api_release(struct http_req *r)
{
	struct api_req	*a = r->state;

	if (a == NULL)
		return;
	ev_timer_stop(r->daemon->loop, &a->kick);
	client_drop(a->client, NULL);
	free(a->reply);
	free(a);
	r->state = NULL;
}

/* The daemon stops while the request waits. */
struct MHD_Response *
api_stopping(struct http_req *r)
{
	char	*line;
	size_t	 len;

	line = proto_reply_error(NULL, PROTO_SHUTTING_DOWN, "the daemon is "
	    "shutting down", NULL, &len);
	return web_response(line, len, "application/json");
}

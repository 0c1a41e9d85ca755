/*
 * The HTTP routes' private header: one request being served
 * (struct http_req), a route (the table is host/routes.c) and what a route's
 * handler may use of the server (http.c, http_reply.c).
 *
 * Every request goes through the same gate before its route sees it:
 * the socket's uid check, the cross-site refusal, the DNS-rebinding
 * check of Host and Basic auth (http_auth.c); then its path picks the
 * route (404 when none, 405 when the method differs), its body must be
 * of the route's Content-Type and within its bound (a refused request
 * whose small body is on its way is answered once that body is read),
 * and serve() answers, now or later (suspend, then http_req_answer from
 * the loop).
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>

#include "mhd.h"	/* libmicrohttpd, through sym_MHD_*() */

#include "http.h"
#include "proto.h"

struct http_req;

/* A request the gate or its route refuses: what to answer. */
struct http_refusal {
	unsigned	 status;	/* 401: with WWW-Authenticate */
	char		 text[160];
};

struct http_route {
	const char	*path;		/* exact; a prefix when it ends in '/' */
	const char	*method;	/* "GET" or "POST" */
	/* A POST's body: the media type it must have (parameters allowed),
	   and its size bound.  NULL for a route without a body. */
	const char	*content_type;
	size_t		 body_max;
	/* The request is whole: queue a response (http_reply_*), or
	   suspend the connection and answer later. */
	enum MHD_Result	(*serve)(struct http_req *);
	/* The request is over, answered or its connection gone: free what
	   serve() left in r->state.  May be NULL. */
	void		(*release)(struct http_req *);
	/* The daemon stops while the request is suspended: its last
	   response, or NULL to close the connection.  May be NULL. */
	struct MHD_Response *(*stopping)(struct http_req *);
};

struct http_req {
	TAILQ_ENTRY(http_req)	 entry;		/* http.c's list */
	struct MHD_Connection	*conn;
	const struct http_route	*route;
	struct daemon		*daemon;
	struct http_peer	 peer;
	char			*url;
	struct proto_buf	 body;
	bool			 too_large;
	bool			 suspended;
	bool			 served;	/* serve() was called */
	bool			 closing;	/* end without an answer */
	void			*state;		/* the route's */
	struct MHD_Response	*answer;	/* a deferred response */
	unsigned		 answer_status;
	struct http_refusal	*refusal;	/* answered after the body */
};

/* route.c: the route of a path and method, with the status to answer
   when there is none (404, 405). */
const struct http_route *route_find(const char *url, const char *method,
	    unsigned *status);
void	 route_table_set(const struct http_route *, size_t);

/*
 * http_auth.c: the gate every request passes (uid, cross-site, Basic
 * auth, a route for the path and method): the route, or NULL and why
 * not.  Then the body's type and size against the route's.
 */
const struct http_route *http_gate(struct MHD_Connection *,
	    const struct config *, const struct http_peer *, const char *url,
	    const char *method, struct http_refusal *);
bool	 http_body_refused(struct MHD_Connection *, const struct http_route *,
	    struct http_refusal *);
enum MHD_Result http_refusal_queue(struct MHD_Connection *,
	    const struct http_refusal *);
bool	 http_cross_site(struct MHD_Connection *);

/* http_reply.c: responses. */
enum MHD_Result http_reply_text(struct MHD_Connection *, unsigned status,
	    const char *text);
/* Queue body (taken: freed with the response) with its type. */
enum MHD_Result http_reply_body(struct MHD_Connection *, unsigned status,
	    const char *content_type, char *body, size_t len);
/* The header's value (a request header), or NULL. */
const char *http_header(struct MHD_Connection *, const char *name);
/* The request's Content-Type is this media type (parameters allowed). */
bool	 http_media_type_is(struct MHD_Connection *, const char *type);

/*
 * http.c: deferred answers and streams.  serve() suspends the
 * connection and returns MHD_YES; the loop later hands a response over
 * (taken), which resumes it.  A streamed response's reader that has
 * nothing to send suspends too, and is resumed when there is more.
 */
void	 http_req_suspend(struct http_req *);
void	 http_req_resume(struct http_req *);
void	 http_req_answer(struct http_req *, unsigned status,
	    struct MHD_Response *);
/* The connections the server has now (GET /metrics). */
size_t	 http_connection_count(void);

/* The handlers, one file each. */
enum MHD_Result route_rpc_serve(struct http_req *);
void	 route_rpc_release(struct http_req *);
struct MHD_Response *route_rpc_stopping(struct http_req *);
enum MHD_Result route_logtail_serve(struct http_req *);
enum MHD_Result route_mainlogtail_serve(struct http_req *);
void	 route_logtail_release(struct http_req *);

enum MHD_Result route_metrics_serve(struct http_req *);
void	 route_metrics_release(struct http_req *);
struct MHD_Response *route_metrics_stopping(struct http_req *);

#endif

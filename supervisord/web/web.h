/*
 * The web side of the HTTP routes: the JSON API (api.c), its
 * Server-Sent Events streams (sse.c, api_stream.c) and the page compiled
 * into the daemon (page.c).  Every route runs requests of control's
 * command table through a client without a socket, as XML-RPC does.
 */
#ifndef WEB_H
#define WEB_H

#include "control.h"
#include "route.h"

struct cJSON;

/* What one SSE stream may hold unsent, as a socket client: a client
   that lets more pile up is dropped (it does not read); one whose
   output stalls is closed after the connection timeout. */
#define SSE_OUT_MAX		CTL_OUT_MAX
/* The log the page shows first, then follows. */
#define WEB_LOG_BYTES		65536

/* web_reply.c: responses with the headers every web route sends. */
struct MHD_Response *web_response(char *body, size_t len,
	    const char *content_type);
void	 web_headers(struct MHD_Response *);
enum MHD_Result web_reply_json(struct http_req *, unsigned status,
	    char *line, size_t len);

/* api.c: POST /api, one request of the socket's protocol. */
enum MHD_Result api_serve(struct http_req *);
void	 api_release(struct http_req *);
struct MHD_Response *api_stopping(struct http_req *);

/* sse.c: the reply and stream lines of a request (consumed) as
   Server-Sent Events; its error reply with 404 when it makes no stream.
   r->state is the stream's: sse_release() and sse_stopping() end it. */
enum MHD_Result sse_serve(struct http_req *, struct cJSON *request);
void	 sse_release(struct http_req *);
struct MHD_Response *sse_stopping(struct http_req *);

/* api_stream.c: GET /api/events and GET /api/log/NAME[/STREAM]. */
enum MHD_Result api_events_serve(struct http_req *);
enum MHD_Result api_log_serve(struct http_req *);

/* page.c: GET / and its script and styles. */
enum MHD_Result page_serve(struct http_req *);

#endif

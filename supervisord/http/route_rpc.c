/*
 * The XML-RPC route: a POSTed methodCall run by rpc.c, answered at once
 * or, for a call that waits for processes, once it is done.
 */
#include <malloc.h>
#include <stdlib.h>

#include "log.h"
#include "route.h"
#include "xmlrpc.h"

/* A body this large is followed by a trim of the heap when freed. */
#define RPC_TRIM_MIN	(256 * 1024)

/*
 * A large body is sent and freed: give back the heap pages its call
 * freed as well (glibc keeps them otherwise), so the daemon's memory is
 * what it was before the call.
 */
static void
body_free_trim(void *body)
{
	free(body);
	malloc_trim(0);
}

/* The body as it is (no copy), freed by libmicrohttpd once sent. */
static struct MHD_Response *
xml_response(char *body, size_t len)
{
	struct MHD_Response	*resp;

	resp = sym_MHD_create_response_from_buffer_with_free_callback(len, body,
	    len >= RPC_TRIM_MIN ? body_free_trim : free);
	if (resp == NULL) {
		free(body);
		return NULL;
	}
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/xml");
	return resp;
}

/* A deferred call is answered, from the loop: hand the body over. */
static void
rpc_done(struct rpc_req *rpc, void *arg)
{
	struct http_req	*r = arg;
	char		*body;
	size_t		 len;

	body = rpc_take_body(rpc, &len);
	http_req_answer(r, MHD_HTTP_OK, xml_response(body, len));
}

enum MHD_Result
route_rpc_serve(struct http_req *r)
{
	struct rpc_req		*rpc;
	struct MHD_Response	*resp;
	enum MHD_Result		 mrc;
	char			 cause[256], *body;
	size_t			 len;
	int			 rc;

	rpc = rpc_new(r->daemon, &r->peer, rpc_done, r);
	r->state = rpc;
	rc = rpc_run(rpc, r->body.data + r->body.off, proto_buf_used(&r->body),
	    cause, sizeof(cause));
	proto_buf_release(&r->body);
	if (rc == -1) {
		log_info("http: uid %ld pid %ld: bad XML-RPC request: %s",
		    (long)r->peer.uid, (long)r->peer.pid, cause);
		return http_reply_text(r->conn, MHD_HTTP_BAD_REQUEST, cause);
	}
	if (rc == 0) {
		http_req_suspend(r);
		return MHD_YES;
	}
	body = rpc_take_body(rpc, &len);
	if ((resp = xml_response(body, len)) == NULL)
		return MHD_NO;
	mrc = sym_MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	sym_MHD_destroy_response(resp);
	return mrc;
}

void
route_rpc_release(struct http_req *r)
{
	if (r->state != NULL)
		rpc_free(r->state);
	r->state = NULL;
}

/* The daemon stops while the call waits: Supervisor's SHUTDOWN_STATE. */
struct MHD_Response *
route_rpc_stopping(struct http_req *r)
{
	struct proto_buf	b = { 0 };

	xw_fault(&b, 6, "SHUTDOWN_STATE");
	return xml_response(b.data, proto_buf_used(&b));
}

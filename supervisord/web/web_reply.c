/*
 * The web routes' responses: every one carries headers that keep a
 * browser from sniffing, framing or caching it, and from running any
 * script but the page's own; never a CORS header.
 */
#include <stdlib.h>

#include "web.h"

void
web_headers(struct MHD_Response *resp)
{
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	sym_MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	sym_MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	sym_MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	sym_MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data:; "
	    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'");
}

/* A response of body (taken, freed with it) and its type; NULL when
   libmicrohttpd cannot make one. */
struct MHD_Response *
web_response(char *body, size_t len, const char *content_type)
{
	struct MHD_Response	*resp;

	resp = sym_MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return NULL;
	}
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    content_type);
	web_headers(resp);
	return resp;
}

/* Queue a JSON reply line (taken). */
enum MHD_Result
web_reply_json(struct http_req *r, unsigned status, char *line, size_t len)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;

	resp = web_response(line, len, "application/json");
	if (resp == NULL)
		return MHD_NO;
	rc = sym_MHD_queue_response(r->conn, status, resp);
	sym_MHD_destroy_response(resp);
	return rc;
}

/*
 * HTTP responses and request headers, for every route.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "route.h"
#include "xmalloc.h"

const char *
http_header(struct MHD_Connection *conn, const char *name)
{
	return sym_MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* "text/xml" matches "text/xml" and "text/xml; charset=utf-8". */
bool
http_media_type_is(struct MHD_Connection *conn, const char *type)
{
	const char	*ct;
	size_t		 n = strlen(type);

	ct = http_header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct == NULL || strncasecmp(ct, type, n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

enum MHD_Result
http_reply_body(struct MHD_Connection *conn, unsigned status,
    const char *content_type, char *body, size_t len)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;

	resp = sym_MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    content_type);
	rc = sym_MHD_queue_response(conn, status, resp);
	sym_MHD_destroy_response(resp);
	return rc;
}

/* A response with a short text body and the given status. */
enum MHD_Result
http_reply_text(struct MHD_Connection *conn, unsigned status,
    const char *text)
{
	char	*body;

	xasprintf(&body, "%s\n", text);
	return http_reply_body(conn, status, "text/plain; charset=utf-8",
	    body, strlen(body));
}

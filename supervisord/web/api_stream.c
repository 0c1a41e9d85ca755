/*
 * The JSON API's streams, as Server-Sent Events (sse.c): GET
 * /api/events, the socket's events request; GET /api/log/NAME[/STREAM],
 * its tail request with follow (the last 64 KiB, then what is
 * appended).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "web.h"
#include "xmalloc.h"

#define LOG_PREFIX	"/api/log/"

enum MHD_Result
api_events_serve(struct http_req *r)
{
	cJSON	*req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "cmd", "events");
	return sse_serve(r, req);
}

/* NAME, or NAME/stdout, NAME/stderr (the URL is decoded already). */
enum MHD_Result
api_log_serve(struct http_req *r)
{
	const char	*stream = "stdout";
	char		*name, *slash;
	cJSON		*req;
	enum MHD_Result	 rc;

	name = xstrdup(r->url + strlen(LOG_PREFIX));
	if ((slash = strrchr(name, '/')) != NULL &&
	    (strcmp(slash + 1, "stdout") == 0 ||
	    strcmp(slash + 1, "stderr") == 0)) {
		stream = strcmp(slash + 1, "stdout") == 0 ? "stdout" :
		    "stderr";
		*slash = '\0';
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "tail");
	cJSON_AddStringToObject(req, "name", name);
	cJSON_AddStringToObject(req, "stream", stream);
	cJSON_AddNumberToObject(req, "bytes", WEB_LOG_BYTES);
	cJSON_AddBoolToObject(req, "follow", true);
	rc = sse_serve(r, req);
	free(name);
	return rc;
}

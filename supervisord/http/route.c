/*
 * The HTTP routes: the one list of what the HTTP side serves, on the
 * control socket and on [inet_http_server] alike.  A route is a path
 * (a prefix when it ends in '/'), a method, what its body may be, and
 * the handler that answers it (route.h).
 */
#include <stddef.h>
#include <string.h>

#include "route.h"
#include "web.h"
#include "xmlrpc.h"

static const struct http_route routes[] = {
	/* Supervisor's XML-RPC, at both the paths its clients use. */
	{ "/RPC2", "POST", "text/xml", XR_BODY_MAX,
	    route_rpc_serve, route_rpc_release, route_rpc_stopping },
	{ "/", "POST", "text/xml", XR_BODY_MAX,
	    route_rpc_serve, route_rpc_release, route_rpc_stopping },
	/* supervisorctl's tail -f and maintail -f: chunked streams. */
	{ "/logtail/", "GET", NULL, 0,
	    route_logtail_serve, route_logtail_release, NULL },
	{ "/mainlogtail", "GET", NULL, 0,
	    route_mainlogtail_serve, route_logtail_release, NULL },
	/* Prometheus's scrapes: the text format. */
	{ "/metrics", "GET", NULL, 0,
	    route_metrics_serve, route_metrics_release, NULL },
	/* The web page and its JSON API (supervisord/web/). */
	{ "/api", "POST", "application/json", PROTO_LINE_MAX,
	    api_serve, api_release, api_stopping },
	{ "/api/events", "GET", NULL, 0,
	    api_events_serve, sse_release, sse_stopping },
	{ "/api/log/", "GET", NULL, 0,
	    api_log_serve, sse_release, sse_stopping },
	{ "/", "GET", NULL, 0, page_serve, NULL, NULL },
	{ "/static/", "GET", NULL, 0, page_serve, NULL, NULL },
};

static bool
route_matches(const struct http_route *rt, const char *url)
{
	size_t	n = strlen(rt->path);

	if (n > 1 && rt->path[n - 1] == '/')
		return strncmp(url, rt->path, n) == 0 && url[n] != '\0';
	return strcmp(url, rt->path) == 0;
}

const struct http_route *
route_find(const char *url, const char *method, unsigned *status)
{
	const struct http_route	*rt;
	size_t			 i;
	bool			 path_known = false;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		rt = &routes[i];
		if (!route_matches(rt, url))
			continue;
		if (strcmp(rt->method, method) == 0)
			return rt;
		path_known = true;
	}
	*status = path_known ? MHD_HTTP_METHOD_NOT_ALLOWED :
	    MHD_HTTP_NOT_FOUND;
	return NULL;
}

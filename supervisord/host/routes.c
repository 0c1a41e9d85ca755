/*
 * The HTTP routes: the one list of what the HTTP side serves, on the
 * control socket and on [inet_http_server] alike.  A route is a path
 * (a prefix when it ends in '/'), a method, what its body may be, and
 * the handler that answers it (http/route.h).  The table lives with the
 * host, which wires the folders: http serves it without naming the
 * handlers of web/ (no circle between them).
 */
#include <stddef.h>

#include "host.h"
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
	    route_metrics_serve, route_metrics_release,
	    route_metrics_stopping },
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

const struct http_route *const host_routes = routes;
const size_t host_nroutes = sizeof(routes) / sizeof(routes[0]);

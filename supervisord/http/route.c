/*
 * Finding a request's route in the table of routes (host/routes.c,
 * given to http_init): a path is exact, or a prefix when it ends in '/'.
 */
#include <stddef.h>
#include <string.h>

#include "route.h"

/* The table, from http_init (the host's, routes.c). */
static const struct http_route	*routes;
static size_t			 nroutes;

void
route_table_set(const struct http_route *table, size_t n)
{
	routes = table;
	nroutes = n;
}


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

	for (i = 0; i < nroutes; i++) {
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

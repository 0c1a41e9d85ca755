/*
 * The gate of every HTTP request: the socket's uid check, cross-site
 * refusal, DNS rebinding on a listener without credentials, HTTP Basic
 * against the listener's username and password, a
 * route for the path and method, and a body the route takes.
 */
#include <arpa/inet.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sha1.h>		/* libmd */

#include "config.h"
#include "log.h"
#include "route.h"

/*
 * Cross-site requests: a browser names the page's origin; a request
 * from another site is refused whatever it carries (cached Basic
 * credentials included).  Our own clients send neither header.
 */
bool
http_cross_site(struct MHD_Connection *conn)
{
	const char	*site, *origin, *host, *p;
	size_t		 n;

	site = http_header(conn, "Sec-Fetch-Site");
	if (site != NULL && strcasecmp(site, "cross-site") == 0)
		return true;
	origin = http_header(conn, "Origin");
	if (origin == NULL)
		return false;
	host = http_header(conn, "Host");
	if (host == NULL || strcmp(origin, "null") == 0)
		return true;
	/* "http://HOST" must be the Host the request was sent to. */
	if (strncasecmp(origin, "http://", 7) != 0)
		return true;
	p = origin + 7;
	n = strlen(p);
	if (n > 0 && p[n - 1] == '/')
		n--;
	return strlen(host) != n || strncasecmp(p, host, n) != 0;
}

/* name (n bytes) is an address literal, localhost, or this host's name. */
static bool
names_this_machine(const char *name, size_t n, const char *listen_host)
{
	char		buf[256], mine[HOST_NAME_MAX + 1];
	struct in6_addr	a6;
	struct in_addr	a4;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, name, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1 ||
	    inet_pton(AF_INET6, buf, &a6) == 1 ||
	    strcasecmp(buf, "localhost") == 0)
		return true;
	if (listen_host != NULL && strcasecmp(buf, listen_host) == 0)
		return true;
	if (gethostname(mine, sizeof(mine)) == -1)
		return false;
	mine[sizeof(mine) - 1] = '\0';
	return strcasecmp(buf, mine) == 0;
}

/*
 * DNS rebinding: a hostile page whose own name is made to resolve to
 * this machine is same-origin with itself, so the Origin check passes,
 * and a listener without credentials would obey it.  So without
 * credentials a browser's request over TCP (one that names its Origin
 * or Sec-Fetch-Site, as browsers do) must name this machine in its
 * Host: an address, localhost, the listener's host, or the machine's
 * name.  Other clients (supervisorctl, Prometheus, curl) are not held
 * to it: a fleet scrapes and drives hosts by their DNS names.
 */
static bool
host_rebound(struct MHD_Connection *conn, const struct config *cfg,
    const struct http_peer *peer)
{
	const char	*host, *end;

	if (!peer->tcp || cfg->inet_server.username != NULL)
		return false;
	if (http_header(conn, "Origin") == NULL &&
	    http_header(conn, "Sec-Fetch-Site") == NULL)
		return false;
	if ((host = http_header(conn, "Host")) == NULL)
		return true;
	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return true;
		return !names_this_machine(host + 1, (size_t)(end - host - 1),
		    NULL);
	}
	if ((end = strrchr(host, ':')) == NULL)
		end = host + strlen(host);
	return !names_this_machine(host, (size_t)(end - host),
	    cfg->inet_server.host);
}

/* Equal strings, in a time that depends on their lengths only. */
static bool
same_secret(const char *a, const char *b)
{
	size_t		la = strlen(a), lb = strlen(b), i;
	unsigned char	diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/*
 * HTTP Basic against the listener's username and password (plain, or
 * "{SHA}" and the hex SHA-1 of the password, as Supervisor).  True when
 * none are set.
 */
static bool
http_authorized(struct MHD_Connection *conn, const struct config *cfg,
    const struct http_peer *peer)
{
	const char	*user, *want;
	char		*got_user, *got_pass = NULL;
	char		 hex[SHA1_DIGEST_STRING_LENGTH];
	bool		 ok;

	user = peer->tcp ? cfg->inet_server.username :
	    cfg->unix_server.username;
	want = peer->tcp ? cfg->inet_server.password :
	    cfg->unix_server.password;
	if (user == NULL || want == NULL)
		return true;
	got_user = sym_MHD_basic_auth_get_username_password(conn, &got_pass);
	if (got_user == NULL || got_pass == NULL)
		ok = false;
	else if (strncmp(want, "{SHA}", 5) == 0) {
		SHA1Data((const uint8_t *)got_pass, strlen(got_pass), hex);
		ok = same_secret(got_user, user) & same_secret(hex, want + 5);
	} else
		ok = same_secret(got_user, user) & same_secret(got_pass, want);
	if (got_user != NULL)
		sym_MHD_free(got_user);
	if (got_pass != NULL)
		sym_MHD_free(got_pass);
	return ok;
}

static void
refuse(struct http_refusal *no, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
refuse(struct http_refusal *no, unsigned status, const char *fmt, ...)
{
	va_list	ap;

	no->status = status;
	va_start(ap, fmt);
	vsnprintf(no->text, sizeof(no->text), fmt, ap);
	va_end(ap);
}

const struct http_route *
http_gate(struct MHD_Connection *conn, const struct config *cfg,
    const struct http_peer *peer, const char *url, const char *method,
    struct http_refusal *no)
{
	const struct http_route	*rt;
	unsigned		 status;

	if (peer == NULL || !peer->allowed) {
		refuse(no, MHD_HTTP_FORBIDDEN, "forbidden: uid not allowed on "
		    "this socket");
		return NULL;
	}
	if (http_cross_site(conn)) {
		refuse(no, MHD_HTTP_FORBIDDEN, "forbidden: cross-site request");
		return NULL;
	}
	if (host_rebound(conn, cfg, peer)) {
		refuse(no, MHD_HTTP_FORBIDDEN, "forbidden: Host names another "
		    "machine (DNS rebinding?); without a username only an "
		    "address, localhost or this machine's name is served");
		return NULL;
	}
	if (!http_authorized(conn, cfg, peer)) {
		log_info("http: %s: wrong or missing credentials",
		    peer->tcp ? "tcp" : "unix socket");
		refuse(no, MHD_HTTP_UNAUTHORIZED, "unauthorized");
		return NULL;
	}
	if ((rt = route_find(url, method, &status)) == NULL)
		refuse(no, status, status == MHD_HTTP_NOT_FOUND ? "not found" :
		    "method not allowed");
	return rt;
}

/* A body of the route's type, within its bound, or none at all. */
bool
http_body_refused(struct MHD_Connection *conn, const struct http_route *rt,
    struct http_refusal *no)
{
	const char	*cl;

	cl = http_header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (rt->content_type == NULL) {
		if (cl == NULL || strtoull(cl, NULL, 10) == 0)
			return false;
		refuse(no, MHD_HTTP_BAD_REQUEST, "bad request: %s %s takes no "
		    "body", rt->method, rt->path);
	} else if (!http_media_type_is(conn, rt->content_type))
		refuse(no, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported media "
		    "type: %s %s needs Content-Type: %s", rt->method, rt->path,
		    rt->content_type);
	else if (cl != NULL && strtoull(cl, NULL, 10) > rt->body_max)
		refuse(no, MHD_HTTP_CONTENT_TOO_LARGE, "payload too large: more "
		    "than %zu bytes", rt->body_max);
	else
		return false;
	return true;
}

enum MHD_Result
http_refusal_queue(struct MHD_Connection *conn, const struct http_refusal *no)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;
	static char		 body[] = "unauthorized\n";

	if (no->status != MHD_HTTP_UNAUTHORIZED)
		return http_reply_text(conn, no->status, no->text);
	resp = sym_MHD_create_response_from_buffer(sizeof(body) - 1, body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	rc = sym_MHD_queue_basic_auth_fail_response(conn, "default", resp);
	sym_MHD_destroy_response(resp);
	return rc;
}

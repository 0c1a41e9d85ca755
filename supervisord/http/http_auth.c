/*
 * The gate of every HTTP request: cross-site refusal and HTTP Basic
 * against the listener's username and password.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <sha1.h>		/* libmd */

#include "config.h"
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
bool
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
	got_user = MHD_basic_auth_get_username_password(conn, &got_pass);
	if (got_user == NULL || got_pass == NULL)
		ok = false;
	else if (strncmp(want, "{SHA}", 5) == 0) {
		SHA1Data((const uint8_t *)got_pass, strlen(got_pass), hex);
		ok = same_secret(got_user, user) & same_secret(hex, want + 5);
	} else
		ok = same_secret(got_user, user) & same_secret(got_pass, want);
	if (got_user != NULL)
		MHD_free(got_user);
	if (got_pass != NULL)
		MHD_free(got_pass);
	return ok;
}

enum MHD_Result
http_reply_unauthorized(struct MHD_Connection *conn)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;
	static char		 body[] = "unauthorized\n";

	resp = MHD_create_response_from_buffer(sizeof(body) - 1, body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	rc = MHD_queue_basic_auth_fail_response(conn, "default", resp);
	MHD_destroy_response(resp);
	return rc;
}

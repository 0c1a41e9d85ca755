/*
 * The HTTP servers' keys: [inet_http_server] port, and the username and
 * password of it and of [unix_http_server], read as Supervisor 4.2's
 * server_configs_from_parser() reads them: inet_address() for the port,
 * both or neither of username and password.  A "{SHA}" password is
 * checked here, so that a digest that could never match is a load error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config_priv.h"
#include "xmalloc.h"

#define SHA_PREFIX	"{SHA}"
#define SHA_HEX_DIGITS	40

/*
 * Supervisor's inet_address(): "HOST:PORT", or "*:PORT", ":PORT" and
 * "PORT" for every interface (*host NULL).  The host is lowercased.
 */
int
value_inet_address(const char *s, char **host, int *port, char *cause,
    size_t len)
{
	const char	*colon = strrchr(s, ':');
	char		 ignored[64], *h;
	long long	 n;
	size_t		 hlen;

	if (colon != NULL && colon[1] == '\0') {
		snprintf(cause, len, "no port number after ':'");
		return -1;
	}
	if (value_int(colon != NULL ? colon + 1 : s, &n, ignored,
	    sizeof(ignored)) == -1 || n < 1 || n > 65535) {
		snprintf(cause, len, "not a port number (1 to 65535)");
		return -1;
	}
	*port = (int)n;
	*host = NULL;
	hlen = colon != NULL ? (size_t)(colon - s) : 0;
	if (hlen == 0 || (hlen == 1 && *s == '*'))
		return 0;
	*host = h = xstrndup(s, hlen);
	for (; *h != '\0'; h++)
		*h = (char)tolower((unsigned char)*h);
	return 0;
}

/* "{SHA}" and 40 hex digits (stored lowercase, as sha1's hexdigest). */
int
value_password(char *s, char *cause, size_t len)
{
	char	*p;

	if (strncmp(s, SHA_PREFIX, strlen(SHA_PREFIX)) != 0)
		return 0;
	p = s + strlen(SHA_PREFIX);
	if (strlen(p) != SHA_HEX_DIGITS || strspn(p, "0123456789abcdefABCDEF")
	    != SHA_HEX_DIGITS) {
		snprintf(cause, len, "a {SHA} password needs the 40 hex digits "
		    "of a SHA-1 digest");
		return -1;
	}
	for (; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* username and password of a server section: both or neither. */
void
sect_http_auth(struct sect *sc, const struct expn *ex, char **user,
    char **pass)
{
	const struct ini_entry	*ue, *pe;
	char			 cause[128];

	if (sect_get(sc, "username", ex, 1, user, &ue) != 1)
		*user = NULL;
	if (sect_get(sc, "password", ex, 1, pass, &pe) != 1)
		*pass = NULL;
	if ((ue == NULL) != (pe == NULL)) {
		sect_error(sc, ue != NULL ? ue : pe, ue != NULL ? "password" :
		    "username", NULL, "missing: username and password are set "
		    "together or not at all");
	} else if (*pass != NULL && value_password(*pass, cause,
	    sizeof(cause)) == -1)
		sect_error(sc, pe, "password", NULL, "%s", cause);
	else
		return;
	free(*user);
	free(*pass);
	*user = *pass = NULL;
}

/* [inet_http_server]: without port, an error, as in Supervisor. */
void
config_inet_load(struct loader *ld)
{
	struct inet_server_config	*is = &ld->cfg->inet_server;
	struct sect			 sc = { ld, NULL, 0 };
	const struct ini_entry		*e;
	char				*s, cause[128];

	if ((sc.sec = ini_section(ld->ini, "inet_http_server")) == NULL)
		return;
	is->enabled = true;
	sect_http_auth(&sc, &ld->env, &is->username, &is->password);
	switch (sect_get(&sc, "port", &ld->env, 1, &s, &e)) {
	case 0:
		sect_error(&sc, NULL, "port", NULL, "missing: the section needs "
		    "one (HOST:PORT, or PORT for every interface)");
		break;
	case 1:
		if (value_inet_address(s, &is->host, &is->port, cause,
		    sizeof(cause)) == -1)
			sect_error(&sc, e, "port", s, "%s", cause);
		free(s);
		break;
	}
}

/* port: the host (null for every interface) and the port number. */
void
opt_json_inet_port(cJSON *j, const struct config_option *o, const void *obj)
{
	const struct inet_server_config	*is = obj;

	opt_json_string(j, "host", is->host);
	cJSON_AddNumberToObject(j, "port", is->port);
}

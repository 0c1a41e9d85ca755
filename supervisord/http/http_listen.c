/*
 * [inet_http_server]: Supervisor's TCP listener for XML-RPC.  Ours, not
 * MHD's: accepted without blocking by control's accept loop (accept.c: a
 * bounded batch a turn, a pause when out of descriptors) and handed to the
 * HTTP server, which asks for the section's Basic credentials.  HTTP only.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "http.h"
#include "log.h"

static struct acceptor	tcp = { .fd = -1, .reserve = -1 };

/* A TCP connection: no credentials, Basic auth decides (http_auth.c). */
static void
accept_tcp(struct acceptor *a, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct http_peer	peer;

	memset(&peer, 0, sizeof(peer));
	peer.uid = (uid_t)-1;
	peer.allowed = true;
	peer.tcp = true;
	http_add_connection(fd, &peer, sa, salen);
}

/* Whether the address only this host can reach. */
static bool
loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	if (sa->sa_family == AF_INET)
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	return false;
}

/* Resolved at start-up only: the loop never waits on DNS. */
int
http_listen_init(struct daemon *d, char *cause, size_t causelen)
{
	const struct inet_server_config	*is = &d->config->inet_server;
	struct addrinfo			 hints, *res, *ai;
	char				 port[16];
	int				 fd = -1, rc, one = 1, saved = 0;

	if (!is->enabled)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof(port), "%d", is->port);
	if ((rc = getaddrinfo(is->host, port, &hints, &res)) != 0) {
		snprintf(cause, causelen, "[inet_http_server] cannot resolve "
		    "'%s': %s", is->host ? is->host : "*", gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, SOMAXCONN) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	if (fd == -1) {
		freeaddrinfo(res);
		snprintf(cause, causelen, "[inet_http_server] cannot listen on "
		    "%s:%d: %s", is->host ? is->host : "*", is->port,
		    strerror(saved));
		return -1;
	}
	if (is->username == NULL && (is->host == NULL ||
	    !loopback(ai->ai_addr)))
		log_warnx("http: [inet_http_server] listens on %s:%d without a "
		    "username: anyone who can reach it controls every program",
		    is->host ? is->host : "*", is->port);
	freeaddrinfo(res);
	tcp.name = "http";
	tcp.accepted = accept_tcp;
	acceptor_start(&tcp, d->loop, fd);
	log_info("http: listening on %s:%d", is->host ? is->host : "*",
	    is->port);
	return 0;
}

void
http_listen_free(struct daemon *d)
{
	acceptor_stop(&tcp);
}

/* Whether [inet_http_server] listens. */
bool
http_listen_active(void)
{
	return tcp.fd != -1;
}

/*
 * The HTTP side of the control socket: libmicrohttpd inside our libev
 * loop (http.c) and Supervisor's XML-RPC interface on it (rpc*.c).  The
 * host sees http_init() and http_free(); control hands connections over
 * through the hook http_init sets (struct daemon's http_accept).
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "proto.h"
#include "supervisord.h"

/* Who is at the other end of a connection (SO_PEERCRED on the socket). */
struct http_peer {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	bool		 allowed;	/* may use the socket (control.c) */
	bool		 tcp;		/* [inet_http_server]'s, not the
					   Unix socket's: its credentials */
};

/* http.c: the server, started by the host after control_init (the
   socket's timeout) and stopped before control_free; http_init sets
   struct daemon's http_accept, through which control hands over. */
struct http_route;
int	 http_init(struct daemon *, const struct http_route *routes,
	    size_t nroutes, char *cause, size_t);
void	 http_free(struct daemon *);
/* Serve an accepted connection (fd taken, closed on failure); addr NULL
   for the Unix socket. */
void	 http_add_connection(int fd, const struct http_peer *,
	    const struct sockaddr *addr, socklen_t addrlen);

/* http_listen.c: [inet_http_server]'s TCP listener. */
int	 http_listen_init(struct daemon *, char *cause, size_t);
bool	 http_listen_active(void);
void	 http_listen_free(struct daemon *);

/*
 * rpc.c: one XML-RPC request from decoding to its response body.  A call
 * that waits for processes (startProcess with wait) answers later: done
 * is then called once, from the loop, when the body is ready.
 */
struct rpc_req;
typedef void (*rpc_done_fn)(struct rpc_req *, void *arg);

struct rpc_req *rpc_new(struct daemon *, const struct http_peer *,
	    rpc_done_fn, void *arg);
/* Decode and run; true when the response is ready now.  A body that is
   no methodCall gets -1 and the reason (HTTP 400). */
int	 rpc_run(struct rpc_req *, const char *body, size_t len, char *cause,
	    size_t causelen);
/* The response body (allocated, taken), once ready. */
char	*rpc_take_body(struct rpc_req *, size_t *len);
/* The request is over (answered or its connection gone). */
void	 rpc_free(struct rpc_req *);

#endif

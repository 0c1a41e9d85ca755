/*
 * supctl's connection to the daemon: connect, send a request line, read
 * reply lines, every wait bounded by the command's deadline.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "supctl.h"
#include "unctrl.h"

/* Replies can be large (a 1 MiB tail, escaped); anything beyond is not. */
#define CONN_IN_MAX	(64 * 1024 * 1024)

double
now_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Milliseconds left before the deadline for poll(2): -1 for none. */
static int
conn_wait_ms(const struct conn *c)
{
	double	left;

	if (c->deadline == 0)
		return -1;
	left = c->deadline - now_mono();
	if (left <= 0)
		return 0;
	return left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
}

/* Wait until fd is ready for events; -1 with ETIMEDOUT at the deadline. */
static int
conn_poll(struct conn *c, short events)
{
	struct pollfd	pfd = { .fd = c->fd, .events = events };
	int		n;

	for (;;) {
		n = poll(&pfd, 1, conn_wait_ms(c));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		return 0;
	}
}

/* Connect to path; loud: say why it failed on stderr. */
static int
conn_connect(struct conn *c, const char *path, double deadline, bool loud)
{
	struct sockaddr_un	sun;
	double			give_up;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = path;
	c->deadline = deadline;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		if (loud)
			unctrl_printf(stderr, "supctl: socket path too long: "
			    "'%s'\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		if (loud)
			unctrl_printf(stderr, "supctl: socket: %s\n",
			    strerror(errno));
		return -1;
	}
	/* A full backlog says EAGAIN: the daemon is busy, not gone. */
	give_up = deadline != 0 ? deadline : now_mono() + 30;
	while (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && now_mono() < give_up) {
			usleep(10000);
			continue;
		}
		if (loud)
			unctrl_printf(stderr, "supctl: cannot connect to the "
			    "daemon on '%s': %s%s\n", path, strerror(errno),
			    errno == ENOENT || errno == ECONNREFUSED ?
			    " (is supervisord running?)" : "");
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

int
conn_open(struct conn *c, const char *path, double deadline)
{
	return conn_connect(c, path, deadline, true);
}

/*
 * The first request ends in "\r\n\r\n": the daemon skips the blank line,
 * while an HTTP server (Python Supervisor's socket) takes the request as
 * a whole bad request and answers it at once instead of waiting for more
 * headers, which tells us what it is (conn_sniff).
 */
int
conn_send(struct conn *c, cJSON *req)
{
	struct proto_buf	 out = { 0 };
	size_t			 len;
	char			*line = proto_encode(req, &len);

	if (!c->sent) {
		proto_buf_add(&out, line, len - 1);
		proto_buf_add(&out, "\r\n\r\n", 4);
		c->sent = true;
	} else
		proto_buf_add(&out, line, len);
	free(line);
	while (proto_buf_used(&out) > 0) {
		if (proto_buf_send(&out, c->fd) == -1) {
			if (errno != EAGAIN || conn_poll(c, POLLOUT) == -1) {
				proto_buf_release(&out);
				return -1;
			}
		}
	}
	proto_buf_release(&out);
	return 0;
}

/* An HTTP server answered: Python Supervisor's says "Server: Medusa". */
static void
say_http(const char *path, const char *reply, size_t len)
{
	if (memmem(reply, len, "\nServer: Medusa", 15) != NULL)
		unctrl_printf(stderr, "supctl: the server at '%s' answered "
		    "HTTP, not supervisord's JSON protocol: it is Python "
		    "Supervisor's socket (use supervisorctl there)\n", path);
	else
		unctrl_printf(stderr, "supctl: the server at '%s' answered "
		    "HTTP, not supervisord's JSON protocol: is it Python "
		    "Supervisor's socket?\n", path);
}

/*
 * A server that closed without a byte: ours answers every request, so ask
 * it in HTTP what it is (Python Supervisor closes on our JSON line).  -1
 * when it answered HTTP (said on stderr), 0 when nothing tells.
 */
static int
conn_probe_http(struct conn *c)
{
	static const char	 get[] = "GET / HTTP/1.0\r\n\r\n";
	struct conn		 probe;
	struct proto_buf	*b = &probe.in;
	ssize_t			 n;
	int			 rc = 0;

	if (conn_connect(&probe, c->path, c->deadline != 0 ? c->deadline :
	    now_mono() + 5, false) == -1)
		return 0;
	if (send(probe.fd, get, sizeof(get) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(get) - 1)
		goto out;
	for (;;) {
		n = proto_buf_read(b, probe.fd, 4096);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN && conn_poll(&probe, POLLIN) == 0)
			continue;
		break;		/* EOF, full, an error or the deadline */
	}
	if (proto_buf_used(b) >= 5 && memcmp(b->data + b->off, "HTTP/", 5) ==
	    0) {
		say_http(c->path, b->data + b->off, proto_buf_used(b));
		rc = -1;
	}
out:
	conn_close(&probe);
	return rc;
}

/*
 * Is what answers supervisord?  Its replies are JSON objects: anything
 * else in the first bytes is another server, named when it can be.  -1
 * (said on stderr, errno EPROTO) when it is not; 0 when it is, or when
 * too little came to tell (eof: nothing more will).
 */
static int
conn_sniff(struct conn *c, bool eof)
{
	const char	*p = c->in.data + c->in.off;
	size_t		 n = proto_buf_used(&c->in), i;
	char		 head[33];

	if (c->answered || n == 0)
		return 0;
	if (p[0] == '{') {
		c->answered = true;
		return 0;
	}
	if (n < 5 && !eof && memchr(p, '\n', n) == NULL &&
	    strncmp(p, "HTTP/", n) == 0)
		return 0;		/* may still be "HTTP/" */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		say_http(c->path, p, n);
	else {
		for (i = 0; i < n && i < sizeof(head) - 1 && p[i] != '\n' &&
		    p[i] != '\r'; i++)
			head[i] = p[i];
		head[i] = '\0';
		unctrl_printf(stderr, "supctl: the server at '%s' does not "
		    "speak supervisord's JSON protocol: it answered '%s'\n",
		    c->path, head);
	}
	errno = EPROTO;
	return -1;
}

int
conn_recv(struct conn *c, struct proto_reply *r)
{
	char	*line, cause[128];
	size_t	 len;
	ssize_t	 n;

	for (;;) {
		if (conn_sniff(c, false) == -1)
			return -1;
		if ((line = proto_buf_line(&c->in, &len)) != NULL) {
			if (proto_reply_decode(r, line, len, cause,
			    sizeof(cause)) == 0)
				return 0;
			proto_reply_release(r);
			unctrl_printf(stderr, "supctl: bad reply from the "
			    "daemon: %s\n", cause);
			errno = EPROTO;
			return -1;
		}
		n = proto_buf_read(&c->in, c->fd, CONN_IN_MAX);
		if (n > 0)
			continue;
		if (n == 0) {
			if (conn_sniff(c, true) == -1)
				return -1;
			errno = 0;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || conn_poll(c, POLLIN) == -1)
			return -1;
	}
}

/* Say why no reply came, as supctl(1) promises: which socket, why. */
int
conn_failed(struct conn *c)
{
	if (errno == 0 && !c->answered && c->in.len == 0 &&
	    conn_probe_http(c) == -1)
		return EXIT_UNREACHABLE;
	if (errno == 0)
		unctrl_printf(stderr, "supctl: the daemon on '%s' closed the "
		    "connection\n", c->path);
	else if (errno == ETIMEDOUT)
		unctrl_printf(stderr, "supctl: no answer from the daemon on "
		    "'%s' in time (--timeout)\n", c->path);
	else if (errno != EPROTO)
		unctrl_printf(stderr, "supctl: lost the daemon on '%s': %s\n",
		    c->path, strerror(errno));
	return EXIT_UNREACHABLE;
}

int
conn_call(struct conn *c, cJSON *req, struct proto_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (conn_send(c, req) == -1 || conn_recv(c, r) == -1)
		return conn_failed(c);
	if (!r->ok && strcmp(r->code, "forbidden") == 0) {
		unctrl_printf(stderr, "supctl: the daemon on '%s' refused us: "
		    "%s\n", c->path, r->message);
		proto_reply_release(r);
		return EXIT_UNREACHABLE;
	}
	return 0;
}

pid_t
conn_peer_pid(const struct conn *c)
{
	struct ucred	cr;
	socklen_t	len = sizeof(cr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return -1;
	return cr.pid;
}

int
conn_wait_eof(struct conn *c)
{
	char	buf[4096];
	ssize_t	n;

	for (;;) {
		n = read(c->fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n > 0 || errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return 0;
		if (errno != EAGAIN || conn_poll(c, POLLIN) == -1)
			return -1;
	}
}

void
conn_close(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	proto_buf_release(&c->in);
}

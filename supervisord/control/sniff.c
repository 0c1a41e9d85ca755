/*
 * One socket, two protocols: a new connection's first bytes, peeked
 * (MSG_PEEK) and never consumed, say whether it speaks our JSON (client.c)
 * or HTTP (http.c, for supervisorctl and every XML-RPC client, reached
 * through the hook http_init sets in struct daemon).  HTTP starts with a
 * method name and a space; anything else is JSON, whose requests start
 * with '{'.  A connection that says nothing is closed
 * after the idle timeout, as a JSON client would be.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "xmalloc.h"

/* The longest method name with its space: "OPTIONS ", "CONNECT ". */
#define SNIFF_LEN	8

struct sniff {
	TAILQ_ENTRY(sniff)	 entry;
	struct daemon	*daemon;
	int		 fd;
	struct ucred	 cr;
	bool		 allowed;
	ev_io		 read_w;
	ev_timer	 timer;		/* idle deadline, or the next peek */
	ev_tstamp	 deadline;
};

/* A part of a method name: peek again this soon (the bytes stay
   readable, so waiting for readability would spin). */
#define SNIFF_RETRY	0.01

static TAILQ_HEAD(, sniff) sniffs = TAILQ_HEAD_INITIALIZER(sniffs);

static const char *const http_methods[] = {
	"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ",
	"CONNECT ", "TRACE ",
};

enum sniff_verdict { SNIFF_JSON, SNIFF_HTTP, SNIFF_MORE };

/* What n peeked bytes say: HTTP, JSON, or wait for more. */
static enum sniff_verdict
sniff_verdict(const char *buf, size_t n)
{
	size_t	i, len;
	bool	prefix = false;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		len = strlen(http_methods[i]);
		if (n >= len && memcmp(buf, http_methods[i], len) == 0)
			return SNIFF_HTTP;
		if (n < len && memcmp(buf, http_methods[i], n) == 0)
			prefix = true;
	}
	return prefix ? SNIFF_MORE : SNIFF_JSON;
}

static void
sniff_free(struct sniff *s)
{
	struct ev_loop	*loop = s->daemon->loop;

	ev_io_stop(loop, &s->read_w);
	ev_timer_stop(loop, &s->timer);
	TAILQ_REMOVE(&sniffs, s, entry);
	free(s);
}

/* HTTP goes to the server through its hook (struct daemon's
   http_accept), JSON to client.c; the descriptor is theirs. */
static void
sniff_hand_over(struct sniff *s, enum sniff_verdict v)
{
	struct daemon	*d = s->daemon;

	if (v != SNIFF_HTTP)
		client_new(d, s->fd, &s->cr, s->allowed);
	else if (d->http_accept != NULL)
		d->http_accept(d, s->fd, &s->cr, s->allowed);
	else
		close(s->fd);
	s->fd = -1;
}

/* Peek: -1 when the connection is gone or handed over, 0 to wait for
   bytes, 1 to peek again soon (a part of a method name came). */
static int
sniff_try(struct sniff *s)
{
	char			buf[SNIFF_LEN];
	ssize_t			n;
	enum sniff_verdict	v;

	n = recv(s->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		close(s->fd);	/* gone before a word (a probe) */
		s->fd = -1;
		return -1;
	}
	v = sniff_verdict(buf, (size_t)n);
	/* A prefix of a method that cannot grow: the peer sent all. */
	if (v == SNIFF_MORE && (size_t)n == sizeof(buf))
		v = SNIFF_JSON;
	if (v == SNIFF_MORE) {
		ev_io_stop(s->daemon->loop, &s->read_w);
		return 1;
	}
	sniff_hand_over(s, v);
	return -1;
}

static void
sniff_arm(struct sniff *s, bool retry)
{
	struct ev_loop	*loop = s->daemon->loop;
	ev_tstamp	 left = s->deadline - ev_now(loop);

	ev_timer_stop(loop, &s->timer);
	if (retry && left > SNIFF_RETRY)
		left = SNIFF_RETRY;
	ev_timer_set(&s->timer, left > 0 ? left : 0., 0.);
	ev_timer_start(loop, &s->timer);
}

static void
sniff_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sniff	*s = container_of(w, struct sniff, read_w);
	int		 rc = sniff_try(s);

	if (rc == -1)
		sniff_free(s);
	else if (rc == 1)
		sniff_arm(s, true);
}

static void
sniff_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sniff	*s = container_of(w, struct sniff, timer);
	int		 rc;

	if (ev_now(loop) < s->deadline) {
		if ((rc = sniff_try(s)) == -1) {
			sniff_free(s);
			return;
		}
		if (rc == 0)
			ev_io_start(loop, &s->read_w);
		sniff_arm(s, rc == 1);
		return;
	}
	log_info("control: dropping a connection (uid %ld, pid %ld): idle "
	    "timeout", (long)s->cr.uid, (long)s->cr.pid);
	close(s->fd);
	sniff_free(s);
}

/* A connection control.c accepted and checked: which protocol is it? */
void
sniff_start(struct daemon *d, int fd, const struct ucred *cr, bool allowed)
{
	struct sniff	*s = xcalloc(1, sizeof(*s));

	s->daemon = d;
	s->fd = fd;
	s->cr = *cr;
	s->allowed = allowed;
	s->deadline = ev_now(d->loop) + control_client_timeout();
	TAILQ_INSERT_TAIL(&sniffs, s, entry);
	ev_io_init(&s->read_w, sniff_read_cb, fd, EV_READ);
	ev_init(&s->timer, sniff_timer_cb);
	switch (sniff_try(s)) {
	case -1:
		sniff_free(s);
		return;
	case 0:
		ev_io_start(d->loop, &s->read_w);
		sniff_arm(s, false);
		return;
	default:
		sniff_arm(s, true);
		return;
	}
}

/* The daemon stops: connections still silent are closed. */
void
sniff_free_all(void)
{
	struct sniff	*s;

	while ((s = TAILQ_FIRST(&sniffs)) != NULL) {
		close(s->fd);
		sniff_free(s);
	}
}

/*
 * One control connection: bounded buffers both ways, requests read and
 * run one at a time in order, replies written without ever blocking, and
 * the deadlines that close an idle or stuck client.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "event.h"
#include "log.h"
#include "xmalloc.h"

static void	client_input(struct ctl_client *);
static void	client_flush(struct ctl_client *);
static void	client_flush_soon(struct ctl_client *);
static void	client_arm_timer(struct ctl_client *);
static void	client_discard(struct ctl_client *);

/*
 * EOF on a stream (events, tail -f): a half-closed peer still reads, but
 * one that closed for good (POLLHUP: both directions shut) reads nothing
 * more, and nothing else would notice it before the next write.
 */
static bool
peer_gone(struct ctl_client *c)
{
	struct pollfd	pfd = { .fd = c->fd, .events = 0 };

	if (c->tail == NULL && (c->flags & CLIENT_EVENTS) == 0)
		return false;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client	*c = container_of(w, struct ctl_client, read_w);
	ssize_t			 n;

	if (revents & EV_CUSTOM) {
		/* client_done(): the previous request finished. */
		client_input(c);
		return;
	}
	if (c->flags & CLIENT_LINGER) {
		client_discard(c);
		return;
	}
	n = proto_buf_read(&c->in, c->fd, PROTO_LINE_MAX + 2);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == ENOBUFS) {
			/* Full of requests behind a running one: wait. */
			ev_io_stop(loop, &c->read_w);
			return;
		}
		client_drop(c, strerror(errno));
		return;
	}
	c->activity = ev_now(loop);
	if (n == 0 && peer_gone(c)) {
		/* A stream's reader left: do not wait for a write to fail. */
		client_drop(c, NULL);
		return;
	}
	if (n == 0) {
		/* A last request without its newline still counts. */
		c->flags |= CLIENT_EOF;
		ev_io_stop(loop, &c->read_w);
		if (proto_buf_used(&c->in) > 0 &&
		    c->in.data[c->in.len - 1] != '\n')
			proto_buf_add(&c->in, "\n", 1);
	}
	client_input(c);
}

/* Read and forget until the peer closes (see client_linger()). */
static void
client_discard(struct ctl_client *c)
{
	char	buf[4096];
	ssize_t	n;
	int	i;

	for (i = 0; i < 16; i++) {
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		client_drop(c, NULL);
		return;
	}
}

/*
 * All is said: half-close, then discard input until the peer closes.
 * Closing with unread input would make the peer's kernel report a reset,
 * possibly before the peer read our last reply (a forbidden, a line too
 * long).
 */
static void
client_linger(struct ctl_client *c)
{
	struct ev_loop	*loop = c->daemon->loop;

	if (c->flags & CLIENT_LINGER)
		return;
	c->flags |= CLIENT_LINGER;
	if ((c->flags & CLIENT_EOF) || shutdown(c->fd, SHUT_WR) == -1) {
		client_drop(c, NULL);
		return;
	}
	ev_io_start(loop, &c->read_w);
	c->timer.repeat = control_client_timeout();
	ev_timer_again(loop, &c->timer);
	client_discard(c);
}

/* Writable again: at the end of the turn, after its files (turn.c). */
static void
client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client	*c = container_of(w, struct ctl_client,
				    write_w);

	client_flush_soon(c);
}

/* Idle without a request, or output that does not drain: close it. */
static void
client_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client	*c = container_of(w, struct ctl_client, timer);
	ev_tstamp		 left = c->activity + control_client_timeout() - ev_now(loop);

	if (c->flags & CLIENT_LINGER) {
		client_drop(c, NULL);
		return;
	}
	if (left > 0) {
		w->repeat = left;
		ev_timer_again(loop, w);
		return;
	}
	if (proto_buf_used(&c->out) > 0)
		client_drop(c, "output not read in time");
	else
		client_drop(c, "idle timeout");
}

/* A stream's reader took nothing of what the kernel holds for it. */
static void
client_stalled(struct stall *st)
{
	client_drop(container_of(st, struct ctl_client, stall),
	    "output not read in time");
}

/* Whether the idle timer should run: nothing in flight we wait for. */
static void
client_arm_timer(struct ctl_client *c)
{
	struct ev_loop	*loop = c->daemon->loop;
	bool		 waiting;

	if (c->flags & CLIENT_LINGER)
		return;		/* its own deadline runs */
	/* Output pending always counts; an idle stream or job does not. */
	waiting = proto_buf_used(&c->out) > 0 ||
	    (c->job == NULL && c->tail == NULL &&
	    (c->flags & (CLIENT_EVENTS | CLIENT_HOLD)) == 0);
	if (waiting && !ev_is_active(&c->timer)) {
		c->timer.repeat = control_client_timeout();
		ev_timer_again(loop, &c->timer);
	} else if (!waiting && ev_is_active(&c->timer))
		ev_timer_stop(loop, &c->timer);
}

/*
 * Clients with output (or a state change) to write at the end of the
 * loop's turn: words go out after the turn's files are written.
 */
static TAILQ_HEAD(, ctl_client) flush_list =
    TAILQ_HEAD_INITIALIZER(flush_list);

static void
client_flush_soon(struct ctl_client *c)
{
	if (c->flags & (CLIENT_DEAD | CLIENT_FLUSH))
		return;
	c->flags |= CLIENT_FLUSH;
	TAILQ_INSERT_TAIL(&flush_list, c, flush_entry);
}

void
client_flush_all(void)
{
	struct ctl_client	*c;

	while ((c = TAILQ_FIRST(&flush_list)) != NULL) {
		TAILQ_REMOVE(&flush_list, c, flush_entry);
		c->flags &= ~CLIENT_FLUSH;
		client_flush(c);
	}
}

/* Send what the socket takes; drop the client on a write error. */
static void
client_flush(struct ctl_client *c)
{
	struct ev_loop	*loop = c->daemon->loop;
	ssize_t		 n;

	if (c->flags & CLIENT_DEAD)
		return;
	n = proto_buf_send(&c->out, c->fd);
	if (n == -1 && errno != EAGAIN) {
		client_drop(c, strerror(errno));
		return;
	}
	if (n > 0) {
		c->activity = ev_now(loop);
		ev_timer_stop(loop, &c->timer);
	}
	if (proto_buf_used(&c->out) > 0) {
		stall_stop(&c->stall);
		ev_io_start(loop, &c->write_w);
		client_arm_timer(c);
		return;
	}
	ev_io_stop(loop, &c->write_w);
	/* All is with the kernel: does the stream's reader take it? */
	if (c->tail != NULL || (c->flags & CLIENT_EVENTS))
		stall_watch(&c->stall, c->fd);
	if (c->flags & CLIENT_CLOSING) {
		client_linger(c);
		return;
	}
	if ((c->flags & CLIENT_EOF) && c->job == NULL && c->tail == NULL &&
	    (c->flags & CLIENT_EVENTS) == 0 && proto_buf_used(&c->in) == 0) {
		client_drop(c, NULL);
		return;
	}
	client_arm_timer(c);
	if (c->tail != NULL && proto_buf_used(&c->out) < CTL_OUT_HIGH)
		tail_resume(c->tail);
}

/* Queue a line for the client (taking it), within the output bound. */
void
client_send(struct ctl_client *c, char *line, size_t len)
{
	if (c->flags & CLIENT_DEAD) {
		free(line);
		return;
	}
	if (c->sink != NULL) {
		c->sink(c, line, len, c->sink_arg);
		free(line);
		return;
	}
	if (proto_buf_used(&c->out) + len > CTL_OUT_MAX) {
		free(line);
		client_drop(c, "output buffer full (the client does not read)");
		return;
	}
	proto_buf_add(&c->out, line, len);
	free(line);
	client_flush_soon(c);
}

/*
 * Queue a reply written into b (emptied): its bytes become the output
 * buffer itself when nothing else waits there, else they are appended.
 */
void
client_send_buf(struct ctl_client *c, struct proto_buf *b)
{
	struct proto_buf	tmp;

	if (c->flags & CLIENT_DEAD) {
		proto_buf_release(b);
		return;
	}
	if (c->sink != NULL) {
		c->sink(c, b->data + b->off, proto_buf_used(b), c->sink_arg);
		proto_buf_release(b);
		return;
	}
	if (proto_buf_used(&c->out) + proto_buf_used(b) > CTL_OUT_MAX) {
		proto_buf_release(b);
		client_drop(c, "output buffer full (the client does not read)");
		return;
	}
	if (proto_buf_used(&c->out) == 0) {
		tmp = c->out;
		c->out = *b;
		*b = tmp;
	} else
		proto_buf_add(&c->out, b->data + b->off, proto_buf_used(b));
	proto_buf_release(b);
	client_flush_soon(c);
}

void
client_reply_ok(struct ctl_client *c, const cJSON *id, cJSON *result)
{
	size_t	 len;
	char	*line = proto_reply_ok(id, result, &len);

	client_send(c, line, len);
}

void
client_reply_error(struct ctl_client *c, const cJSON *id,
    enum proto_code code, const char *message, cJSON *result)
{
	size_t	 len;
	char	*line = proto_reply_error(id, code, message, result, &len);

	log_debug("control: client %u: %s: %s", c->id, proto_code_name(code),
	    message);
	client_send(c, line, len);
}

void
client_stream(struct ctl_client *c, const char *stream, cJSON *fields)
{
	size_t	 len;
	char	*line = proto_stream(stream, fields, &len);

	client_send(c, line, len);
}

void
client_close(struct ctl_client *c)
{
	if (c->flags & CLIENT_DEAD)
		return;
	c->flags |= CLIENT_CLOSING;
	/* A client without a socket is dropped by its owner, who sees this
	   flag: it may hold the client until then. */
	if (c->sink != NULL)
		return;
	ev_io_stop(c->daemon->loop, &c->read_w);
	client_flush_soon(c);
}

bool
client_alive(const struct ctl_client *c)
{
	return (c->flags & CLIENT_DEAD) == 0;
}

size_t
client_pending(const struct ctl_client *c)
{
	if (c->sink_pending != NULL)
		return c->sink_pending(c->sink_arg);
	return proto_buf_used(&c->out);
}

void
client_subscribe_events(struct ctl_client *c)
{
	if (c->flags & (CLIENT_EVENTS | CLIENT_DEAD))
		return;
	c->flags |= CLIENT_EVENTS;
	event_subscribe(c->daemon, EVENT_MASK(EVENT_PROCESS_STATE),
	    EVENT_END_OF_TURN, cmd_event_send, c);
	client_arm_timer(c);
}

/*
 * The request in flight is over.  The next one is read from the loop,
 * not from here: this runs while the events of the turn are delivered.
 */
void
client_done(struct ctl_client *c)
{
	c->job = NULL;
	if ((c->flags & CLIENT_DEAD) || c->sink != NULL)
		return;
	ev_feed_event(c->daemon->loop, &c->read_w, EV_CUSTOM);
	client_arm_timer(c);
}

/* Read and run the buffered requests, one at a time, in order. */
static void
client_input(struct ctl_client *c)
{
	struct ev_loop		*loop = c->daemon->loop;
	struct proto_request	 req;
	enum proto_code		 code;
	char			 cause[512], *line;
	size_t			 len;

	while ((c->flags & (CLIENT_DEAD | CLIENT_CLOSING)) == 0 &&
	    c->job == NULL) {
		if ((line = proto_buf_line(&c->in, &len)) == NULL) {
			if (proto_buf_used(&c->in) > PROTO_LINE_MAX) {
				client_reply_error(c, NULL,
				    PROTO_LINE_TOO_LONG, "request line longer "
				    "than 65536 bytes", NULL);
				c->flags |= CLIENT_CLOSING;
				ev_io_stop(loop, &c->read_w);
				client_flush_soon(c);
				return;
			}
			break;
		}
		/* A stream takes no more requests; blank lines are none. */
		if (c->tail != NULL || (c->flags & CLIENT_EVENTS))
			continue;
		if (strspn(line, " \t") == len)
			continue;
		if (proto_decode(&req, line, len, &code, cause,
		    sizeof(cause)) == -1) {
			client_reply_error(c, req.id, code, cause, NULL);
			proto_request_release(&req);
			continue;
		}
		/* CMD_WAIT has set c->job, which ends this loop. */
		cmd_dispatch(c, &req);
		proto_request_release(&req);
	}
	if ((c->flags & (CLIENT_DEAD | CLIENT_CLOSING | CLIENT_EOF)) == 0 &&
	    !ev_is_active(&c->read_w) &&
	    proto_buf_used(&c->in) <= PROTO_LINE_MAX)
		ev_io_start(loop, &c->read_w);
	if ((c->flags & CLIENT_DEAD) == 0)
		client_flush_soon(c);
}

/* Stop serving a client now; it is freed before the loop waits again. */
void
client_drop(struct ctl_client *c, const char *why)
{
	struct ev_loop	*loop = c->daemon->loop;

	if (c->flags & CLIENT_DEAD)
		return;
	if (why != NULL)
		log_info("control: dropping client %u (uid %ld, pid %ld): %s",
		    c->id, (long)c->uid, (long)c->pid, why);
	else
		log_debug("control: client %u closed", c->id);
	if (c->flags & CLIENT_FLUSH)
		TAILQ_REMOVE(&flush_list, c, flush_entry);
	c->flags &= ~CLIENT_FLUSH;
	c->flags |= CLIENT_DEAD;
	ev_io_stop(loop, &c->read_w);
	ev_io_stop(loop, &c->write_w);
	ev_timer_stop(loop, &c->timer);
	stall_stop(&c->stall);
	if (c->job != NULL)
		job_client_gone(c->job);
	c->job = NULL;
	if (c->tail != NULL)
		tail_free(c->tail);
	c->tail = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	control_client_gone(c);
}

/* A connection control.c accepted and checked: serve it, or refuse it. */
void
client_new(struct daemon *d, int fd, const struct ucred *cr, bool allowed)
{
	struct ev_loop		*loop = d->loop;
	struct ctl_client	*c;

	c = xcalloc(1, sizeof(*c));
	c->daemon = d;
	c->fd = fd;
	c->uid = cr->uid;
	c->gid = cr->gid;
	c->pid = cr->pid;
	/* The turn's time may be old after a long turn: a new client's
	   deadline counts from now, not from the turn's start. */
	ev_now_update(loop);
	c->activity = ev_now(loop);
	ev_io_init(&c->read_w, client_read_cb, fd, EV_READ);
	ev_io_init(&c->write_w, client_write_cb, fd, EV_WRITE);
	ev_init(&c->timer, client_timer_cb);
	stall_init(&c->stall, loop, client_stalled);
	control_client_add(c);
	if (!allowed) {
		c->flags |= CLIENT_CLOSING;
		client_reply_error(c, NULL, PROTO_FORBIDDEN, "permission "
		    "denied: uid not allowed on this socket", NULL);
		return;
	}
	log_debug("control: client %u connected (uid %ld, pid %ld)", c->id,
	    (long)c->uid, (long)c->pid);
	ev_io_start(loop, &c->read_w);
	client_arm_timer(c);
	/* sniff.c hands a connection over on bytes it peeked: they are
	   read in this turn, not after another wait for readability. */
	ev_feed_event(loop, &c->read_w, EV_READ);
}

struct ctl_client *
client_new_sink(struct daemon *d, uid_t uid, pid_t pid,
    void (*sink)(struct ctl_client *, const char *, size_t, void *),
    void *arg)
{
	struct ctl_client	*c;

	c = xcalloc(1, sizeof(*c));
	c->daemon = d;
	c->fd = -1;
	c->uid = uid;
	c->pid = pid;
	c->sink = sink;
	c->sink_arg = arg;
	ev_init(&c->read_w, client_read_cb);
	ev_init(&c->write_w, client_write_cb);
	ev_init(&c->timer, client_timer_cb);
	stall_init(&c->stall, d->loop, client_stalled);
	control_client_add(c);
	return c;
}

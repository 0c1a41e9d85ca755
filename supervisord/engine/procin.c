/*
 * A program's stdin: a pipe whose write end the daemon holds, as
 * Supervisor's, so that an operator can send it bytes (sendstdin, supctl
 * fg).  The write end is non-blocking: what the pipe does not take at
 * once waits in a bounded queue of the process's, written as the program
 * reads.  A send that does not fit in the queue is refused whole, so a
 * program that never reads its stdin costs the daemon PROCIN_QUEUE_MAX
 * bytes at most and never blocks it.  The pipe is made at each spawn and
 * closed when the process is gone (or when the program closes its end).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "proto.h"
#include "xmalloc.h"
#include "engine.h"

struct procin {
	int		 fd;		/* our write end, or -1 */
	int		 child_fd;	/* the read end, until the fork */
	bool		 closed;	/* the program closed its end (EPIPE) */
	ev_io		 write_w;	/* the queue waits for room */
	struct proc	*proc;
	struct proto_buf queue;
};

static bool	procin_observing;

static void
queue_drop(struct procin *in)
{
	proto_buf_release(&in->queue);
	memset(&in->queue, 0, sizeof(in->queue));
}

/* Close our end: the process is gone, or its end is closed. */
static void
procin_close(struct proc *p)
{
	struct procin	*in = p->in;

	if (in == NULL)
		return;
	ev_io_stop(p->daemon->loop, &in->write_w);
	if (in->fd != -1)
		close(in->fd);
	in->fd = -1;
	queue_drop(in);
}

/* A process that went down has no stdin any more. */
static void
procin_observer(const struct event *ev, void *arg)
{
	struct proc	*p = ev->proc;

	if (p != NULL && p->pid == 0 && p->in != NULL && p->in->fd != -1)
		procin_close(p);
}

/*
 * Write what the pipe takes: 0 when all of it went or the rest must wait
 * (EAGAIN), -1 when the program closed its stdin (EPIPE: closed here).
 */
static int
procin_flush(struct proc *p)
{
	struct procin	*in = p->in;
	ssize_t		 n;

	while (proto_buf_used(&in->queue) > 0) {
		n = write(in->fd, in->queue.data + in->queue.off,
		    proto_buf_used(&in->queue));
		if (n > 0) {
			proto_buf_consume(&in->queue, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n == -1 && errno != EPIPE)
			log_warn("%s: cannot write to its stdin", p->cfg->name);
		in->closed = true;
		procin_close(p);
		return -1;
	}
	queue_drop(in);
	return 0;
}

static void
procin_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct procin	*in = container_of(w, struct procin, write_w);

	if (procin_flush(in->proc) == 0 && proto_buf_used(&in->queue) == 0)
		ev_io_stop(loop, w);
}

int
procin_prepare(struct proc *p, int *child_fd, char *cause, size_t len)
{
	struct procin	*in;
	int		 fds[2];

	if (!procin_observing) {
		event_subscribe(p->daemon, EVENT_MASK(EVENT_PROCESS_STATE),
		    EVENT_AFTER_INPUT, procin_observer, NULL);
		procin_observing = true;
	}
	if (p->in == NULL) {
		p->in = xcalloc(1, sizeof(*p->in));
		p->in->proc = p;
		p->in->fd = p->in->child_fd = -1;
		ev_io_init(&p->in->write_w, procin_write_cb, -1, EV_WRITE);
	}
	in = p->in;
	procin_close(p);	/* a run before whose exit was not seen */
	if (pipe2(fds, O_CLOEXEC) == -1 ||
	    fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1) {
		snprintf(cause, len, "cannot make the stdin pipe: %s",
		    errno == EMFILE || errno == ENFILE ?
		    "too many open files" : strerror(errno));
		return -1;
	}
	in->fd = fds[1];
	in->child_fd = *child_fd = fds[0];
	in->closed = false;
	ev_io_set(&in->write_w, in->fd, EV_WRITE);
	return 0;
}

void
procin_spawned(struct proc *p)
{
	if (p->in != NULL && p->in->child_fd != -1) {
		close(p->in->child_fd);
		p->in->child_fd = -1;
	}
}

void
procin_abort(struct proc *p)
{
	procin_spawned(p);
	procin_close(p);
}

void
procin_release(struct proc *p)
{
	if (p->in == NULL)
		return;
	procin_abort(p);
	free(p->in);
	p->in = NULL;
}

/* Queue head and body (either may be empty) and write what the pipe
   takes now; the caller checked the room. */
static enum procin_error
procin_queue(struct proc *p, const void *head, size_t hlen,
    const void *body, size_t blen)
{
	struct procin	*in = p->in;

	if (hlen > 0)
		proto_buf_add(&in->queue, head, hlen);
	if (blen > 0)
		proto_buf_add(&in->queue, body, blen);
	if (ev_is_active(&in->write_w))
		return PROCIN_OK;	/* the queue waits for room already */
	if (procin_flush(p) == -1)
		return PROCIN_NO_FILE;
	if (proto_buf_used(&in->queue) > 0)
		ev_io_start(p->daemon->loop, &in->write_w);
	return PROCIN_OK;
}

/* Whether the process has a stdin we may write: PROCIN_OK, or why not. */
static enum procin_error
procin_usable(const struct proc *p)
{
	if (p->pid == 0 || p->state == PROC_STOPPING || p->in == NULL)
		return PROCIN_NOT_RUNNING;
	if (p->in->fd == -1)
		return PROCIN_NO_FILE;
	return PROCIN_OK;
}

/*
 * Send bytes to a running process's stdin: all of them are taken (some
 * maybe queued) or none.  See the header for the errors.
 */
enum procin_error
procin_send(struct proc *p, const void *data, size_t len)
{
	enum procin_error	err;

	if ((err = procin_usable(p)) != PROCIN_OK)
		return err;
	if (proto_buf_used(&p->in->queue) + len > PROCIN_QUEUE_MAX)
		return PROCIN_FULL;
	return procin_queue(p, data, len, NULL, 0);
}

enum procin_error
procin_send_one(struct proc *p, const void *head, size_t hlen,
    const void *body, size_t blen)
{
	enum procin_error	err;

	if ((err = procin_usable(p)) != PROCIN_OK)
		return err;
	if (proto_buf_used(&p->in->queue) > 0)
		return PROCIN_FULL;
	return procin_queue(p, head, hlen, body, blen);
}

size_t
procin_queued(const struct proc *p)
{
	return p->in != NULL ? proto_buf_used(&p->in->queue) : 0;
}

const char *
procin_error_text(enum procin_error e)
{
	switch (e) {
	case PROCIN_OK:
		return "ok";
	case PROCIN_NOT_RUNNING:
		return "not running";
	case PROCIN_NO_FILE:
		return "stdin is closed";
	case PROCIN_FULL:
		return "stdin buffer full: the program does not read its "
		    "stdin fast enough";
	}
	return "unknown error";
}

/*
 * A listening socket's accept loop that never blocks the daemon: the
 * control socket's (control.c) and [inet_http_server]'s (http/, which may
 * call control/).  A bounded batch a turn; out of descriptors, a pause.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

/* Connections taken in one turn: the loop stays fair to everyone else. */
#define ACCEPT_BATCH	64

/*
 * Out of descriptors: stop accepting for a moment so clients finish and
 * free theirs.  Said once per episode, not at every pause; the episode
 * ends when every waiting connection was taken (EAGAIN), and that says
 * how many pauses it took and how long it lasted.
 */
static void
acceptor_pause(struct acceptor *a)
{
	if (a->pauses++ == 0) {
		log_warn("%s: cannot accept, pausing", a->name);
		a->paused_at = ev_now(a->loop);
	}
	ev_io_stop(a->loop, &a->accept_w);
	ev_timer_set(&a->pause_w, CTL_ACCEPT_PAUSE, 0.);
	ev_timer_start(a->loop, &a->pause_w);
}

static void
acceptor_resumed(struct acceptor *a)
{
	if (a->pauses == 0)
		return;
	log_warnx("%s: accepting again after %u pause%s over %.1f s out of "
	    "descriptors", a->name, a->pauses, a->pauses == 1 ? "" : "s",
	    ev_now(a->loop) - a->paused_at);
	a->pauses = 0;
}

/* Out of descriptors: give the reserve up, if there is one, and go on. */
static bool
acceptor_spend_reserve(struct acceptor *a)
{
	if (a->reserve == -1)
		return false;
	close(a->reserve);
	a->reserve = -1;
	return true;
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct acceptor		*a = container_of(w, struct acceptor, accept_w);
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		fd = accept4(a->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			a->accepted(a, fd, (struct sockaddr *)&ss, len);
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
			continue;
		case EAGAIN:
			acceptor_resumed(a);
			return;
		case EMFILE:
		case ENFILE:
			if (acceptor_spend_reserve(a))
				continue;
			/* FALLTHROUGH */
		case ENOBUFS:
		case ENOMEM:
			acceptor_pause(a);
			return;
		default:
			log_warn("%s: accept", a->name);
			return;
		}
	}
}

static void
pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct acceptor	*a = container_of(w, struct acceptor, pause_w);

	acceptor_reserve(a);
	ev_io_start(loop, &a->accept_w);
}

void
acceptor_start(struct acceptor *a, struct ev_loop *loop, int fd)
{
	a->loop = loop;
	a->fd = fd;
	a->reserve = -1;
	a->pauses = 0;
	ev_io_init(&a->accept_w, accept_cb, fd, EV_READ);
	ev_io_start(loop, &a->accept_w);
	ev_init(&a->pause_w, pause_cb);
	acceptor_reserve(a);
}

/* A descriptor in reserve (with_reserve), closed when the daemon ran out
   of them so that one operator still gets in, to see why and stop
   something; taken again at the end of each turn. */
void
acceptor_reserve(struct acceptor *a)
{
	if (a->with_reserve && a->fd != -1 && a->reserve == -1)
		a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void
acceptor_stop(struct acceptor *a)
{
	if (a->fd == -1)
		return;
	ev_io_stop(a->loop, &a->accept_w);
	ev_timer_stop(a->loop, &a->pause_w);
	close(a->fd);
	a->fd = -1;
	if (a->reserve != -1)
		close(a->reserve);
	a->reserve = -1;
}

/*
 * A stream's peer that takes no byte: the one rule every subscriber
 * obeys, the socket's `events` and `tail -f` clients (client.c) as the
 * HTTP streams (/logtail, /mainlogtail, /api/events, /api/log: http's
 * stream.c).  Once the daemon has handed all it had to the kernel, the
 * socket's send queue (SIOCOUTQ) holds what the peer has not read: a
 * peer that stopped reading, or that vanished without a word, leaves it
 * there for ever, and nothing else would notice.  While it is not
 * empty, a timer looks at it every tenth of the timeout; a peer whose
 * queue neither shrank nor emptied for control_client_timeout() is
 * reported, once.  An empty queue stops the timer: an idle stream
 * costs nothing.  While the daemon itself still has bytes queued, its
 * own deadline governs (client.c's timer, libmicrohttpd's timeout).
 */
#include <sys/ioctl.h>
#include <sys/types.h>

#include <linux/sockios.h>

#include <errno.h>

#include "control.h"
#include "log.h"

/* What the peer has not read yet (bytes, or the kernel's buffers for
   them on a Unix socket); 0 when it cannot be told. */
static int
stall_unread(const struct stall *st)
{
	int	n = 0;

	if (st->fd == -1 || ioctl(st->fd, SIOCOUTQ, &n) == -1)
		return 0;
	return n;
}

/* Look at the queue: the peer took bytes, or owes none. */
static void
stall_look(struct stall *st)
{
	ev_tstamp	now = ev_now(st->loop);
	int		n = stall_unread(st);

	/* A queue that was empty and is not: owing starts now. */
	if (n == 0 || st->unread == 0 || n < st->unread)
		st->since = now;
	st->unread = n;
}

static void
stall_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stall	*st = container_of(w, struct stall, tick);

	stall_look(st);
	if (st->unread == 0) {
		ev_timer_stop(loop, w);
		return;
	}
	if (ev_now(loop) - st->since < control_client_timeout())
		return;
	ev_timer_stop(loop, w);
	st->fired = true;
	st->stalled(st);	/* may free st */
}

void
stall_init(struct stall *st, struct ev_loop *loop,
    void (*stalled)(struct stall *))
{
	ev_tstamp	every = control_client_timeout() / 10;

	st->loop = loop;
	st->fd = -1;
	st->unread = 0;
	st->since = ev_now(loop);
	st->fired = false;
	st->stalled = stalled;
	ev_timer_init(&st->tick, stall_tick_cb, every, every);
}

void
stall_watch(struct stall *st, int fd)
{
	if (st->fired)
		return;
	st->fd = fd;
	stall_look(st);
	if (st->unread > 0 && !ev_is_active(&st->tick))
		ev_timer_again(st->loop, &st->tick);
	else if (st->unread == 0)
		ev_timer_stop(st->loop, &st->tick);
}

void
stall_stop(struct stall *st)
{
	ev_timer_stop(st->loop, &st->tick);
}

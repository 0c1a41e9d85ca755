/*
 * One listener process (see listener.h): its stdout pipe, read without
 * blocking, and the protocol state it drives, as Supervisor's
 * PEventListenerDispatcher.  What a listener writes is scanned as it
 * comes (lsnparse.c, pure) and kept only as far as a token is
 * incomplete, so its memory is bounded: a RESULT line longer than
 * LSN_LINE_MAX or announcing more than LSN_RESULT_MAX bytes is a bad
 * result line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "xmalloc.h"

#define LSN_READ	4096	/* bytes read at once */
#define LSN_SHOWN_MAX	256	/* bytes of garbage shown in the log */

struct listener {
	struct proc	*proc;
	int		 fd;		/* our read end of its stdout */
	int		 child_fd;	/* its end, until the fork */
	ev_io		 io;
	enum lsn_state	 state;
	struct pevent	*event;		/* BUSY: the event it has */
	char		 buf[LSN_LINE_MAX + 1 + LSN_RESULT_MAX];
	size_t		 len;		/* unparsed bytes in buf */
	long		 resultlen;	/* -1: the RESULT line is awaited */
	uint64_t	 ignored;	/* bytes dropped while UNKNOWN */
};

static const char *const state_names[] = {
	[LSN_ACKNOWLEDGED] = "ACKNOWLEDGED",
	[LSN_READY] = "READY",
	[LSN_BUSY] = "BUSY",
	[LSN_UNKNOWN] = "UNKNOWN",
};

const char *
lsn_state_name(enum lsn_state s)
{
	return state_names[s];
}

enum lsn_state
lsn_state(const struct proc *p)
{
	return p->lsn != NULL ? p->lsn->state : LSN_ACKNOWLEDGED;
}

/* Bytes as Python's repr shows them: \n, \xNN, \\; cut with "...". */
static void
escape(const char *s, size_t n, char *out, size_t size)
{
	size_t		 i, k = 0;
	unsigned char	 c;

	for (i = 0; i < n && k + 8 < size; i++) {
		c = (unsigned char)s[i];
		if (c == '\n')
			k += (size_t)snprintf(out + k, size - k, "\\n");
		else if (c == '\\')
			k += (size_t)snprintf(out + k, size - k, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			k += (size_t)snprintf(out + k, size - k, "\\x%02x", c);
		else
			out[k++] = (char)c;
	}
	if (i < n)
		k += (size_t)snprintf(out + k, size - k, "...");
	out[k] = '\0';
}

static void
set_state(struct listener *l, enum lsn_state s)
{
	log_debug("%s: %s -> %s", l->proc->cfg->name, state_names[l->state],
	    state_names[s]);
	l->state = s;
}

/* Its event goes back to the head of the pool's queue. */
static void
give_back(struct listener *l)
{
	struct pevent	*pe = l->event;

	if (pe == NULL)
		return;
	l->event = NULL;
	pool_requeue(l->proc->daemon, l->proc->cfg->group, pe);
}

/* Out of protocol: say what it wrote and give up on it, as Supervisor. */
static void
garbage(struct listener *l, const char *what)
{
	char	shown[LSN_SHOWN_MAX * 4 + 8];

	escape(l->buf, l->len, shown, sizeof(shown));
	log_warnx("%s: %s in state %s: '%s': it gets no more events until "
	    "it is restarted", l->proc->cfg->name, what,
	    state_names[l->state], shown);
	give_back(l);
	set_state(l, LSN_UNKNOWN);
	l->len = 0;
	l->resultlen = -1;
}

static void
consume(struct listener *l, size_t n)
{
	memmove(l->buf, l->buf + n, l->len - n);
	l->len -= n;
}

/* A whole result: OK frees the event, anything else gives it back. */
static void
handle_result(struct listener *l, const char *res, size_t n)
{
	char	shown[LSN_RESULT_MAX + 8];

	if (n == 2 && memcmp(res, "OK", 2) == 0) {
		log_debug("%s: event was processed", l->proc->cfg->name);
		pevent_free(l->event);
		l->event = NULL;
	} else {
		escape(res, n, shown, sizeof(shown));
		log_warnx("%s: event was rejected: '%s'", l->proc->cfg->name,
		    shown);
		give_back(l);
	}
}

/* Parse what is buffered, as far as it goes. */
static void
parse(struct listener *l)
{
	struct lsn_scan	s;

	while (l->len > 0) {
		lsn_scan(l->state, &l->resultlen, l->buf, l->len, &s);
		switch (s.tok) {
		case LSN_TOK_MORE:
			consume(l, s.used);
			return;
		case LSN_TOK_IGNORED:
			l->ignored += s.used;
			consume(l, s.used);
			return;
		case LSN_TOK_BAD:
			garbage(l, s.why);
			return;
		case LSN_TOK_READY:
			consume(l, s.used);
			set_state(l, LSN_READY);
			break;
		case LSN_TOK_RESULT:
			handle_result(l, s.result, s.resultlen);
			consume(l, s.used);
			set_state(l, LSN_ACKNOWLEDGED);
			break;
		}
	}
}

static void
lsn_close(struct listener *l)
{
	ev_io_stop(l->proc->daemon->loop, &l->io);
	if (l->fd != -1)
		close(l->fd);
	l->fd = -1;
}

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct listener	*l = container_of(w, struct listener, io);
	ssize_t		 n;
	size_t		 room;

	room = sizeof(l->buf) - l->len;
	if (room > LSN_READ)
		room = LSN_READ;
	n = read(l->fd, l->buf + l->len, room);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n == -1)
			log_warn("%s: cannot read its stdout",
			    l->proc->cfg->name);
		lsn_close(l);
		return;
	}
	l->len += (size_t)n;
	parse(l);
	if (l->state == LSN_READY)
		pool_dispatch(l->proc->daemon, l->proc->cfg->group);
}

int
lsn_send(struct proc *p, struct pevent *pe)
{
	struct listener	*l = p->lsn;
	char		 head[512];
	int		 n;
	enum procin_error err;

	if (l == NULL || l->state != LSN_READY || procin_queued(p) > 0)
		return -1;
	n = pool_header(p->daemon, p->cfg->group, pe, head, sizeof(head));
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	err = procin_send_one(p, head, (size_t)n, pe->payload, pe->len);
	if (err != PROCIN_OK) {
		log_debug("%s: cannot send event %llu: %s", p->cfg->name,
		    (unsigned long long)pe->serial, procin_error_text(err));
		return -1;
	}
	l->event = pe;
	set_state(l, LSN_BUSY);
	return 0;
}

void
lsn_down(struct proc *p)
{
	if (p->lsn != NULL)
		give_back(p->lsn);
}

static void	listener_abort(struct proc *);

static int
listener_prepare(struct proc *p, int *child_fd, char *cause, size_t len)
{
	struct listener	*l;
	int		 fds[2];

	if (p->lsn == NULL) {
		l = p->lsn = xcalloc(1, sizeof(*l));
		l->proc = p;
		l->fd = l->child_fd = -1;
		ev_io_init(&l->io, read_cb, -1, EV_READ);
	}
	l = p->lsn;
	listener_abort(p);
	give_back(l);
	if (pipe2(fds, O_CLOEXEC) == -1 ||
	    fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1) {
		snprintf(cause, len, "cannot make the listener's stdout "
		    "pipe: %s", errno == EMFILE || errno == ENFILE ?
		    "too many open files" : strerror(errno));
		return -1;
	}
	l->fd = fds[0];
	l->child_fd = *child_fd = fds[1];
	l->state = LSN_ACKNOWLEDGED;
	l->len = 0;
	l->resultlen = -1;
	ev_io_set(&l->io, l->fd, EV_READ);
	return 0;
}

static void
listener_spawned(struct proc *p)
{
	struct listener	*l = p->lsn;

	if (l == NULL || l->child_fd == -1)
		return;
	close(l->child_fd);
	l->child_fd = -1;
	ev_io_start(p->daemon->loop, &l->io);
}

static void
listener_abort(struct proc *p)
{
	struct listener	*l = p->lsn;

	if (l == NULL)
		return;
	if (l->child_fd != -1)
		close(l->child_fd);
	l->child_fd = -1;
	lsn_close(l);
}

static void
listener_release(struct proc *p)
{
	if (p->lsn == NULL)
		return;
	listener_abort(p);
	give_back(p->lsn);
	free(p->lsn);
	p->lsn = NULL;
}

/* The engine's hooks for a listener's stdout (struct daemon's
   listener_io). */
const struct proc_stdout_hooks listener_stdout = {
	.prepare = listener_prepare,
	.spawned = listener_spawned,
	.abort = listener_abort,
	.release = listener_release,
};

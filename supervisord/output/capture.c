/*
 * The bytes of a process's pipes, moved to their stream's destinations
 * without ever blocking the writer or the loop: into the log file as they
 * come (spliced when nothing else wants them), and line by line to the
 * line destinations (/dev/stdout, /dev/stderr, syslog), each pipe keeping
 * a bounded line buffer; a line longer than the bound, or the partial
 * line left at end of file, goes out with a newline added so that lines
 * of different programs never run into each other.  A pipe drains until
 * end of file, even after its process was respawned.
 */
#include <sys/ioctl.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ansi.h"
#include "log.h"
#include "logcap.h"
#include "logfile.h"
#include "xmalloc.h"

/* Bytes one pipe may move in one turn of the loop: the others' turn. */
#define LOGCAP_BUDGET	(1024 * 1024)
/*
 * A stream that moved half its pipe's capacity in one turn is busy: its
 * pipe grows to this (idle streams keep the default, which costs less
 * kernel memory and stays within an unprivileged user's pipe quota; the
 * system may refuse, and the pipe then keeps its size).
 */
#define LOGCAP_PIPE_BIG	(1024 * 1024)
/* The kernel's default capacity, when it cannot be asked. */
#define LOGCAP_PIPE_DEFAULT (64 * 1024)
/*
 * A move that finds less than LOGCAP_BATCH_MIN means the writer writes
 * small pieces: the pipe is then no longer watched but read every
 * LOGCAP_BATCH_S to LOGCAP_BATCH_MAX_S, so each turn takes a batch
 * instead of a piece per wake-up, at the cost of at most that much
 * latency.  The pause adapts so that a turn finds the pipe between a
 * quarter and half full: the writer never waits on a full pipe for
 * longer than one pause (a 1 MiB pipe absorbs 1 GB/s for 1 ms).
 */
#define LOGCAP_BATCH_S	0.001
#define LOGCAP_BATCH_MAX_S 0.008
#define LOGCAP_BATCH_MIN (16 * 1024)
/*
 * Bytes read at once.  In a batch, a move into a regular file ends at a
 * multiple of this in the file, and the batch at a multiple of
 * LOGCAP_ALIGN, so the file system gets whole aligned blocks, which cost
 * it much less than ragged ones (a line writer's pipe holds any amount).
 */
#define LOGCAP_ALIGN	(64 * 1024)
/* The longest line a line destination gets in one piece. */
#define LOGCAP_LINE_MAX	(16 * 1024)

static char	logcap_buf[LOGCAP_READ];
static char	logcap_stripped[LOGCAP_PIECE_MAX + 1];

static void	capture_cb(struct ev_loop *, ev_io *, int);

/* Account for bytes that did not land, and say so once per episode. */
static void
logcap_dropped(struct logcap *lc, size_t n)
{
	char	who[256];

	lc->proc->dropped_bytes += n;
	if (lc->file != NULL && (lc->file->failing != lc->file->reported)) {
		logcap_who(lc, who, sizeof(who));
		logfile_report(lc->file, who);
	}
}

/* One line (without its newline) to the line destinations. */
static void
capture_emit(struct capture *c, const char *line, size_t len)
{
	struct logcap	*lc = c->lc;
	char		 tag[128];
	bool		 lost = false;

	if (lc->std != 0 && !logsink_std_write(lc->std, line, len, true))
		lost = true;
	if (lc->syslog)
		logcap_tag(lc, tag, sizeof(tag));
	if (lc->syslog && !logsink_syslog(tag, c->pid,
	    strcmp(lc->stream, "stderr") == 0, line, len))
		lost = true;
	if (lost)
		logcap_dropped(lc, len + 1);
}

/* Cut bytes into lines, keeping a partial line for the next read. */
static void
capture_lines(struct capture *c, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 n, take;

	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) : len;
		if (c->linelen == 0 && nl != NULL && n <= LOGCAP_LINE_MAX) {
			capture_emit(c, buf, n);
			buf += n + 1;
			len -= n + 1;
			continue;
		}
		if (c->line == NULL)
			c->line = xmalloc(LOGCAP_LINE_MAX);
		take = LOGCAP_LINE_MAX - c->linelen;
		if (take > n)
			take = n;
		memcpy(c->line + c->linelen, buf, take);
		c->linelen += take;
		buf += take;
		len -= take;
		if (nl != NULL && take == n) {
			/* The line is complete: its newline goes with it. */
			capture_emit(c, c->line, c->linelen);
			c->linelen = 0;
			buf++;
			len--;
		} else if (c->linelen == LOGCAP_LINE_MAX) {
			capture_emit(c, c->line, c->linelen);
			c->linelen = 0;
		}
	}
}

/* Give bytes to the destinations. */
static void
capture_output(struct capture *c, const char *buf, size_t len)
{
	struct logcap	*lc = c->lc;
	size_t		 n;

	if (lc->file != NULL) {
		n = logfile_write(lc->file, buf, len);
		logcap_dropped(lc, len - n);
	}
	if (lc->std != 0 || lc->syslog)
		capture_lines(c, buf, len);
}

bool
capture_events(const struct logcap *lc)
{
	return lc->events && lc->proc->daemon != NULL &&
	    lc->proc->daemon->output_events != NULL;
}

/* The PROCESS_LOG type of a stream. */
static enum evtype
capture_log_type(const struct logcap *lc)
{
	return strcmp(lc->stream, "stderr") == 0 ? EVT_PROCESS_LOG_STDERR :
	    EVT_PROCESS_LOG_STDOUT;
}

/* Whether a pool would keep the PROCESS_LOG event of the next read:
   when none would, its bytes need not be looked at (capture_skipped). */
static bool
capture_wanted(const struct capture *c)
{
	struct logcap	*lc = c->lc;

	return lc->proc->daemon->output_events->wanted(lc->proc,
	    capture_log_type(lc), c->pid);
}

/* Reads' worth of output that no pool would keep, not made into events:
   as many events counted as dropped. */
static void
capture_skipped(const struct capture *c, size_t events)
{
	struct logcap	*lc = c->lc;

	lc->proc->daemon->output_events->skipped(lc->proc,
	    capture_log_type(lc), c->pid, events);
}

void
capture_piece(struct capture *c, const char *buf, size_t len)
{
	struct logcap	*lc = c->lc;

	if (len == 0)
		return;
	if (lc->strip_ansi) {
		len = ansi_strip(&c->ansi, buf, len, logcap_stripped);
		buf = logcap_stripped;
	}
	if (c->capmode != NULL && capmode_on(c))
		capmode_store(c, buf, len);
	else
		capture_output(c, buf, len);
	if (len == 0 || !capture_events(lc))
		return;
	if (capture_wanted(c))
		lc->proc->daemon->output_events->event(lc->proc,
		    capture_log_type(lc), c->pid, buf, len);
	else
		capture_skipped(c, 1);
}

/* Give bytes read from a pipe to the destinations, per Supervisor's
   read: through capture mode's tokens when it is on, else at once. */
static void
capture_deliver(struct capture *c, const char *buf, size_t len)
{
	if (c->lc->capture_max > 0)
		capmode_input(c, buf, len);
	else
		capture_piece(c, buf, len);
}

/*
 * Move up to budget bytes from the pipe: straight into the file when no
 * byte needs looking at, else through a read.  Returns the bytes moved,
 * 0 at end of file, -1 when the pipe is empty for now.
 *
 * PROCESS_LOG events that no pool would keep (each is full of this
 * stream's undelivered events: the listener is slow or hung) need no
 * look either: the bytes go straight into the file as without a
 * listener, each LOGCAP_READ of them (a read of Supervisor's) counted as
 * a dropped event, so a listener never slows the capture down.
 *
 * splice(2) holds the pipe's lock while it writes the file, and a writer
 * of small pieces waits on it: such a writer (read in batches) is moved
 * in pieces of LOGCAP_READ, each ending on a multiple of it in the file,
 * so that the lock is held briefly and the file gets aligned blocks.
 */
static ssize_t
capture_move(struct capture *c, size_t budget)
{
	struct logcap	*lc = c->lc;
	ssize_t		 n;
	bool		 skip;

	if (c->small && lc->file != NULL && lc->file->regular &&
	    budget > LOGCAP_READ - lc->file->size % LOGCAP_READ)
		budget = LOGCAP_READ - lc->file->size % LOGCAP_READ;
	if (lc->file != NULL && !lc->syslog && !lc->strip_ansi &&
	    lc->capture_max == 0 &&
	    (!capture_events(lc) || !capture_wanted(c))) {
		skip = capture_events(lc);
		n = logfile_splice(lc->file, c->fd, budget);
		if (n > 0 && skip)
			capture_skipped(c, ((size_t)n + LOGCAP_READ - 1) /
			    LOGCAP_READ);
		if (n >= 0)
			return n;
		if (errno == EAGAIN)
			return -1;
	}
	if (budget > sizeof(logcap_buf))
		budget = sizeof(logcap_buf);
	for (;;) {
		n = read(c->fd, logcap_buf, budget);
		if (n > 0) {
			capture_deliver(c, logcap_buf, (size_t)n);
			return n;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return -1;
		log_warn("%s %s: cannot read output", lc->proc->cfg->name,
		    lc->stream);
		return 0;
	}
}

/*
 * The timer of a capture read in batches, and the pause between them
 * (kept from one batching to the next).  Made the first time a capture
 * batches: most pipes never do, and a thousand programs' two pipes would
 * carry 96 KB of idle timers.
 */
struct capture_batch {
	ev_timer	 timer;
	double		 pause;		/* between batches, seconds */
	struct capture	*capture;
};

/* End of one spawn's pipe: stop watching it and let it go. */
void
capture_close(struct capture *c)
{
	struct logcap	*lc = c->lc;

	/* Unconditionally: a stop also forgets a pending event (a pause
	   that ended in this loop turn), which would run after the free. */
	ev_io_stop(logcap_loop(lc->proc), &c->io);
	if (c->batch != NULL)
		ev_timer_stop(logcap_loop(lc->proc), &c->batch->timer);
	free(c->batch);
	capmode_finish(c);
	if (lc->strip_ansi && ansi_finish(&c->ansi, logcap_stripped) > 0)
		capture_output(c, logcap_stripped, 1);
	if (c->linelen > 0)
		capture_emit(c, c->line, c->linelen);
	free(c->line);
	close(c->fd);
	LIST_REMOVE(c, entry);
	free(c);
}

/* What capture_drain stopped at. */
enum drain_end {
	DRAIN_CLOSED,	/* end of file: the capture is gone */
	DRAIN_EMPTY,	/* the pipe is empty for now */
	DRAIN_BUDGET,	/* the budget is spent: more to come */
};

/* Move what is in the pipe now, up to budget; close at end of file. */
static enum drain_end
capture_drain(struct capture *c, size_t budget)
{
	ssize_t	n;

	while (budget > 0) {
		if ((n = capture_move(c, budget)) == -1)
			return DRAIN_EMPTY;
		if (n == 0) {
			capture_close(c);
			return DRAIN_CLOSED;
		}
		budget -= (size_t)n < budget ? (size_t)n : budget;
	}
	return DRAIN_BUDGET;
}

/*
 * One turn on a pipe: move up to a budget.  A batch takes what the pipe
 * holds when it starts, not what the writer adds meanwhile (chasing it
 * piece by piece is what batches avoid), and ends the file at a multiple
 * of LOGCAP_ALIGN when the pipe holds that much (the rest waits for the
 * next batch).  Returns the bytes moved, -1 when the capture is gone
 * (end of file); *small when a move found little.
 */
static ssize_t
capture_turn(struct capture *c, bool batch, bool *small)
{
	struct logfile	*lf = c->lc->file;
	size_t		 moved = 0, want = LOGCAP_BUDGET;
	ssize_t		 n;
	int		 avail, size;

	*small = false;
	if (batch && ioctl(c->fd, FIONREAD, &avail) == 0 && avail > 0 &&
	    (size_t)avail < want) {
		want = (size_t)avail;
		if (lf != NULL && lf->regular && want >= LOGCAP_ALIGN)
			want -= (size_t)((lf->size + want) % LOGCAP_ALIGN);
	}
	while (moved < want) {
		if ((n = capture_move(c, want - moved)) == 0) {
			capture_close(c);
			return -1;
		}
		if (n == -1) {
			*small = moved < LOGCAP_BATCH_MIN;
			break;
		}
		moved += (size_t)n;
		if (!batch && (size_t)n < LOGCAP_BATCH_MIN) {
			*small = true;
			break;
		}
	}
	if (moved >= c->pipesz / 2 && !c->big) {
		/* Busy: more room, fewer turns (the system may refuse). */
		if ((size = fcntl(c->fd, F_SETPIPE_SZ, LOGCAP_PIPE_BIG)) == -1)
			size = fcntl(c->fd, F_GETPIPE_SZ);
		if (size > 0)
			c->pipesz = (size_t)size;
		c->big = true;
	}
	return (ssize_t)moved;
}

static void	capture_batch_cb(struct ev_loop *, ev_timer *, int);

static struct capture_batch *
capture_batch_get(struct capture *c)
{
	struct capture_batch	*b = c->batch;

	if (b == NULL) {
		b = c->batch = xmalloc(sizeof(*b));
		b->capture = c;
		b->pause = LOGCAP_BATCH_S;
		ev_timer_init(&b->timer, capture_batch_cb, b->pause,
		    b->pause);
	}
	return b;
}

/* Watch the pipe again: the writer went quiet, or outruns batches. */
static void
capture_unbatch(struct ev_loop *loop, struct capture *c)
{
	ev_timer_stop(loop, &c->batch->timer);
	c->small = false;
	ev_io_start(loop, &c->io);
}

/*
 * The pipe is readable.  Move while it holds plenty; once a move finds
 * little (the writer writes small pieces, and chasing it would cost a
 * wake-up and a system call per piece), stop watching the pipe and read
 * it in batches from the timer.  A budget per turn keeps the other pipes
 * served.
 */
static void
capture_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct capture		*c = container_of(w, struct capture, io);
	struct capture_batch	*b;
	bool			 small;

	if (capture_turn(c, false, &small) == -1 || !small)
		return;
	b = capture_batch_get(c);
	c->small = true;
	ev_io_stop(loop, &c->io);
	ev_timer_set(&b->timer, b->pause, b->pause);
	ev_timer_start(loop, &b->timer);
}

/*
 * A batch.  An empty pipe ends batching, and so does a pipe found half
 * full at the shortest pause (the writer is fast: chase it); otherwise
 * the pause shortens when the pipe was found half full and lengthens
 * when it held less than a quarter.
 */
static void
capture_batch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct capture_batch	*b = container_of(w, struct capture_batch,
				    timer);
	struct capture		*c = b->capture;
	ssize_t			 moved;
	bool			 small;
	double			 pause = b->pause;

	if ((moved = capture_turn(c, true, &small)) == -1)
		return;
	if (moved == 0 || (size_t)moved >= LOGCAP_BUDGET ||
	    ((size_t)moved >= c->pipesz / 2 && pause <= LOGCAP_BATCH_S)) {
		capture_unbatch(loop, c);
		return;
	}
	if ((size_t)moved >= c->pipesz / 2)
		pause /= 2;
	else if ((size_t)moved < c->pipesz / 4)
		pause *= 2;
	if (pause < LOGCAP_BATCH_S)
		pause = LOGCAP_BATCH_S;
	if (pause > LOGCAP_BATCH_MAX_S)
		pause = LOGCAP_BATCH_MAX_S;
	if (pause != b->pause) {
		b->pause = pause;
		w->repeat = pause;
		ev_timer_again(loop, w);
	}
}

/*
 * Drain every pipe of a stream as far as it goes now, without waiting:
 * what a dead process left is at most a pipe's worth; a live writer
 * (a grandchild holding the pipe) is cut off after a few budgets.
 */
void
capture_drain_all(struct logcap *lc)
{
	struct capture	*c, *next;
	int		 i;

	for (c = LIST_FIRST(&lc->captures); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		for (i = 0; i < 4; i++)
			if (capture_drain(c, LOGCAP_BUDGET) != DRAIN_BUDGET)
				break;
	}
}

/* A new pipe for a spawn of the stream; the child gets the write end. */
int
capture_new(struct logcap *lc, int *child_fd, struct capture **out,
    char *cause, size_t len)
{
	struct capture	*c;
	int		 fds[2], size;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(cause, len, "cannot make a pipe for %s: %s",
		    lc->stream, strerror(errno));
		return -1;
	}
	/* Only our end is non-blocking: the child's stdout must block. */
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1) {
		snprintf(cause, len, "cannot set up the pipe for %s: %s",
		    lc->stream, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	c->lc = lc;
	c->fd = fds[0];
	ev_io_init(&c->io, capture_cb, c->fd, EV_READ);
	if ((size = fcntl(c->fd, F_GETPIPE_SZ)) == -1)
		size = LOGCAP_PIPE_DEFAULT;
	c->pipesz = (size_t)size;
	*child_fd = fds[1];
	*out = c;
	return 0;
}


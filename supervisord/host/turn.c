/*
 * The end of each loop turn, in one place: what the turn's events left
 * to do, in an order that shows.  One ev_prepare watcher runs it before
 * the loop waits again; it wakes nothing (an idle daemon sleeps), and
 * each step costs a test when it has nothing to do.
 *
 * 0. The guardian: the process groups of the turn's spawns, in one
 *    write (guardian.c).
 * 1. Held stops (depends_on): every stop of the turn's requests is
 *    issued, so what is held for a dependent that stays up goes on.
 * 2. Reload's collection: removed processes that are down are freed.
 * 3. Files: pidfiles and log files of the turn's spawns and exits,
 *    written after every fork of a burst.
 * 4. Words: the events to their subscribers (streams, requests waiting
 *    for an outcome), then every client's output.  Files before words:
 *    nobody is told of a process before its files are on disk.
 */
#include "event.h"
#include "control.h"
#include "supervisord.h"

/*
 * A watcher fed during the pass (a client whose request finished reads
 * its next one, an exec known at once) runs right after it, in the same
 * turn: its own end must come before the loop sleeps.  An active idle
 * watcher makes the loop poll without waiting, then end that turn too.
 */
static void
turn_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct daemon	*d = ev_userdata(loop);

	ev_idle_stop(loop, &d->turn_again);
	turn_end(d);
	if (ev_pending_count(loop) > 0)
		ev_idle_start(loop, &d->turn_again);
}

static void
again_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	ev_idle_stop(loop, w);
}

void
turn_end(struct daemon *d)
{
	guardian_flush(d);
	if (d->settle_due)
		depend_settle(d);
	reload_collect(d);
	pidfile_flush(d);
	logreg_flush();
	if (event_flush_due(d))
		event_flush(d);
	control_flush(d);
}

void
turn_init(struct daemon *d)
{
	ev_prepare_init(&d->turn_end, turn_cb);
	ev_prepare_start(d->loop, &d->turn_end);
	ev_idle_init(&d->turn_again, again_cb);
}

void
turn_free(struct daemon *d)
{
	ev_prepare_stop(d->loop, &d->turn_end);
	ev_idle_stop(d->loop, &d->turn_again);
}

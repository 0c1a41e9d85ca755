/*
 * shutdown_on=: one program's end takes the whole daemon down with a
 * non-zero status, so that a container's orchestrator (or systemd's
 * Restart=on-failure) sees the failure instead of a half-dead daemon.
 * A subscriber of the engine's events; the state machine knows nothing
 * of it.
 */
#include "event.h"
#include "log.h"
#include "supervisord.h"

static void
shutdown_on_event(const struct event *e, void *arg)
{
	struct daemon	*d = arg;
	struct proc	*p = e->proc;
	enum proc_state	 to = e->to;
	enum shutdown_on when = p->cfg->shutdown_on;
	char		 name[512], how[128];

	if (d->shutting_down || when == SHUTDOWN_ON_NEVER)
		return;
	proc_fullname(p, name, sizeof(name));
	if (to == PROC_FATAL) {
		log_error("%s entered FATAL state and has shutdown_on=%s: "
		    "shutting down with exit status %d", name,
		    shutdown_on_name(when), EXIT_SHUTDOWN_ON);
		daemon_shutdown(d, EXIT_SHUTDOWN_ON);
		return;
	}
	/* EXITED is entered before autorestart decides; ask it. */
	if (to != PROC_EXITED || when != SHUTDOWN_ON_EXIT ||
	    proc_will_restart(p))
		return;
	exit_describe(&e->exit, how, sizeof(how));
	log_error("%s exited (%s) and will not be restarted, and it has "
	    "shutdown_on=exit: shutting down with exit status %d", name, how,
	    EXIT_SHUTDOWN_ON);
	daemon_shutdown(d, EXIT_SHUTDOWN_ON);
}

void
shutdown_on_init(struct daemon *d)
{
	event_subscribe(d, EVENT_MASK(EVENT_PROCESS_STATE), EVENT_AFTER_INPUT,
	    shutdown_on_event, d);
}

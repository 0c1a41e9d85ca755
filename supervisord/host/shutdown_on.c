/*
 * shutdown_on=: one program's end takes the whole daemon down with a
 * non-zero status, so that a container's orchestrator (or systemd's
 * Restart=on-failure) sees the failure instead of a half-dead daemon.
 * An observer of the engine's transitions; the state machine knows
 * nothing of it.
 */
#include "log.h"
#include "supervisord.h"

static void
shutdown_on_observer(struct proc *p, enum proc_state from,
    enum proc_state to, void *arg)
{
	struct daemon	*d = arg;
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
	exit_describe(&p->last_exit, how, sizeof(how));
	log_error("%s exited (%s) and will not be restarted, and it has "
	    "shutdown_on=exit: shutting down with exit status %d", name, how,
	    EXIT_SHUTDOWN_ON);
	daemon_shutdown(d, EXIT_SHUTDOWN_ON);
}

void
shutdown_on_init(struct daemon *d)
{
	daemon_add_observer(d, shutdown_on_observer, d);
}

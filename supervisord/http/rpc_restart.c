/*
 * supervisor.restart, what `supervisorctl reload` calls.  Supervisor
 * stops every program, reads its file again and starts afresh.  We keep
 * what the caller sees (True, then every program that was up runs again,
 * with a new pid and the reread configuration) on top of our live reload:
 * the file is read and applied as SIGHUP does, then every process that
 * was up and that the reload did not already restart is restarted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "rpc.h"
#include "xmalloc.h"

/* A process that was up before the reload: its name and its pid. */
struct was_up {
	char	*name;
	pid_t	 pid;
};

static size_t
snapshot(struct daemon *d, struct was_up **out)
{
	char	full[2 * PROTO_NAME_MAX + 2];
	size_t	i, n = 0;

	*out = xreallocarray(NULL, d->nprocs + 1, sizeof(**out));
	for (i = 0; i < d->nprocs; i++) {
		if (!cmd_state_running(d->procs[i]->state))
			continue;
		proc_fullname(d->procs[i], full, sizeof(full));
		(*out)[n].name = xstrdup(full);
		(*out)[n++].pid = d->procs[i]->pid;
	}
	return n;
}

/* Restart what is still the same run it was before the reload. */
static void
restart_unchanged(struct daemon *d, struct was_up *v, size_t n)
{
	struct proc	*p;
	char		 cause[256];
	size_t		 i;

	for (i = 0; i < n; i++) {
		p = daemon_find_proc(d, v[i].name);
		if (p == NULL || !cmd_state_running(p->state) ||
		    p->pid != v[i].pid)
			continue;	/* removed, stopped or restarted */
		/* Stopped, it starts again once down (its wish is kept). */
		if (proc_stop(p, cause, sizeof(cause)) == -1 ||
		    proc_start(p, cause, sizeof(cause)) == -1)
			log_warnx("restart: %s: %s", v[i].name, cause);
	}
}

enum rpc_status
rpc_restart(struct rpc_req *r, struct xr_value **argv, size_t argc)
{
	struct daemon	*d = r->daemon;
	struct was_up	*v;
	char		 cause[1024];
	size_t		 i, n;
	int		 code;

	log_info("restart requested over XML-RPC by uid %ld pid %ld: "
	    "reloading, then restarting every program",
	    (long)r->peer.uid, (long)r->peer.pid);
	n = snapshot(d, &v);
	if (reload_run(d, false, NULL, &code, cause, sizeof(cause)) == -1) {
		/* A file that does not load: nothing changes, and says why
		   (Supervisor's daemon would exit on it). */
		if (code == PROTO_SHUTTING_DOWN)
			rpc_fault(r, RPC_SHUTDOWN_STATE, NULL);
		else
			rpc_fault(r, RPC_FAILED, "%s", cause);
	} else {
		restart_unchanged(d, v, n);
		xw_bool(&r->value, true);
	}
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	return RPC_DONE;
}

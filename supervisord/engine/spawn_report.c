/*
 * The words of a failed spawn: "spawn error: " and then what the child's
 * report says, naming the step, the file or user, and errno.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "spawn_report.h"

/* "spawn error: " follows in the state; this is the rest. */
void
spawn_report_format(const struct proc *p, const struct spawn_report *r,
    char *buf, size_t len)
{
	const struct proc_config *c = p->cfg;
	const char		 *why = strerror(r->error);

	switch (r->step) {
	case STEP_SIGNALS:
		snprintf(buf, len, "cannot reset signals: %s", why);
		break;
	case STEP_SETPGID:
		snprintf(buf, len, "cannot create a process group: %s", why);
		break;
	case STEP_PDEATHSIG:
		snprintf(buf, len, "cannot set the parent death signal: %s",
		    why);
		break;
	case STEP_CHDIR:
		snprintf(buf, len, "cannot change directory to '%s': %s",
		    c->directory, why);
		break;
	case STEP_ENVFILE:
		snprintf(buf, len, "%s", r->msg);
		break;
	case STEP_NO_USER:
		snprintf(buf, len, "cannot find user '%s'%s%s", c->user,
		    r->error != 0 ? ": " : "", r->error != 0 ? why : "");
		break;
	case STEP_NOT_ROOT:
		snprintf(buf, len, "cannot switch to user '%s': the daemon "
		    "is not running as root", c->user);
		break;
	case STEP_INITGROUPS:
	case STEP_SETGID:
	case STEP_SETUID:
		snprintf(buf, len, "cannot switch to user '%s' (%s): %s",
		    c->user, r->step == STEP_INITGROUPS ? "initgroups" :
		    r->step == STEP_SETGID ? "setgid" : "setuid", why);
		break;
	case STEP_STDIN:
		snprintf(buf, len, "cannot set up stdin: %s", why);
		break;
	case STEP_STDOUT:
		snprintf(buf, len, "cannot set up stdout and stderr: %s", why);
		break;
	case STEP_CLOSE_FDS:
		snprintf(buf, len, "cannot close descriptors: %s", why);
		break;
	case STEP_ENVIRON:
		snprintf(buf, len, "cannot build the environment: %s", why);
		break;
	case STEP_NOT_FOUND:
		snprintf(buf, len, "can't find command '%s'", c->argv[0]);
		break;
	case STEP_EXEC:
	default:
		snprintf(buf, len, "%s: %s", c->argv[0], why);
		break;
	}
}

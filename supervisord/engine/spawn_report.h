/*
 * spawn_report.h: what a child that could not exec tells the daemon (the
 * step of its set-up that failed and errno), shared by spawn.c, which
 * sends and reads it, and spawn_report.c, which words it.
 */
#ifndef SPAWN_REPORT_H
#define SPAWN_REPORT_H

#include <stddef.h>

struct proc;

/* The steps of the child's set-up, in order; each can fail. */
enum spawn_step {
	STEP_SIGNALS,
	STEP_SETPGID,
	STEP_PDEATHSIG,
	STEP_CHDIR,
	STEP_ENVFILE,
	STEP_NO_USER,
	STEP_NOT_ROOT,
	STEP_INITGROUPS,
	STEP_SETGID,
	STEP_SETUID,
	STEP_STDIN,
	STEP_STDOUT,
	STEP_CLOSE_FDS,
	STEP_ENVIRON,
	STEP_NOT_FOUND,
	STEP_EXEC,
};

/* What the child writes to the report pipe before _exit(127): one
   write, well under PIPE_BUF, so it arrives whole. */
struct spawn_report {
	int	 step;
	int	 error;
	char	 msg[200];	/* STEP_ENVFILE: "file:line: what" */
};

void	 spawn_report_format(const struct proc *, const struct spawn_report *,
	    char *buf, size_t);

#endif

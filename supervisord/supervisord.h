/*
 * supervisord's private header, sectioned by file.  The daemon is one
 * single-threaded process on libev's default loop; nothing here blocks.
 */
#ifndef SUPERVISORD_H
#define SUPERVISORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "config.h"

#define SUPERVISORD_VERSION	"0.1.0"

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

/*
 * proc.c: the per-process state machine.  Supervisor's states, with its
 * numeric codes (what supervisorctl and its XML-RPC report).
 */
enum proc_state {
	PROC_STOPPED = 0,
	PROC_STARTING = 10,
	PROC_RUNNING = 20,
	PROC_BACKOFF = 30,
	PROC_STOPPING = 40,
	PROC_EXITED = 100,
	PROC_FATAL = 200,
	PROC_UNKNOWN = 1000,
};

struct logcap;		/* logcap.c: one captured output stream */
struct daemon;

/* How the last run of a process ended. */
struct exit_info {
	bool	 valid;
	bool	 signaled;	/* killed by a signal (else exited) */
	int	 code;		/* exit code, or the signal number */
	bool	 core;		/* dumped core */
	bool	 expected;	/* code in exitcodes */
};

struct proc {
	struct proc_config *cfg;	/* owned by the daemon's config */
	struct daemon	*daemon;

	/* What the operator wants (runit's up/down) apart from the state. */
	bool		 want_up;
	enum proc_state	 state;

	pid_t		 pid;		/* 0 when not running */
	pid_t		 pgid;		/* process group still to reap, or 0 */
	ev_tstamp	 state_since;	/* ev_time() of the last transition */
	ev_tstamp	 started_at;	/* ev_time() of the last spawn */
	unsigned	 restarts;	/* spawns after the first */
	unsigned	 retries;	/* failed starts in this start attempt */
	unsigned	 quick_exits;	/* crash-loop counter (backoff_reset) */
	struct exit_info last_exit;
	char		 spawn_error[256];	/* "" when none */

	ev_timer	 timer;		/* startsecs, backoff or stop deadline */
	ev_io		 exec_watcher;	/* close-on-exec pipe from spawn */
	int		 exec_fd;

	struct logcap	*out;		/* NULL when the stream is NONE */
	struct logcap	*err;		/* NULL when NONE or redirected */
	uint64_t	 dropped_bytes;	/* log bytes lost (ENOSPC, ...) */
};

const char *proc_state_name(enum proc_state);
int	 proc_state_parse(const char *, enum proc_state *);

/*
 * The daemon: the running configuration and every process.  One instance,
 * reached through the libev loop's userdata where callbacks need it.
 */
struct daemon {
	struct ev_loop	*loop;
	struct config	*config;
	char		*config_path;
	struct proc	**procs;	/* in config order (priority) */
	size_t		 nprocs;
	bool		 shutting_down;
	int		 exit_status;
	ev_tstamp	 started_at;
};

/*
 * The engine's interface to the rest of the daemon (control.c, logcap.c,
 * reload).  Implemented in proc.c / daemon.c; every call returns at once.
 */

/* Observers see every state transition, in order (events, waiters). */
typedef void (*proc_observer_fn)(struct proc *, enum proc_state from,
	    enum proc_state to, void *arg);
void	 daemon_add_observer(struct daemon *, proc_observer_fn, void *arg);
void	 daemon_remove_observer(struct daemon *, proc_observer_fn, void *arg);

/* "name", "group:name"; NULL when unknown. */
struct proc *daemon_find_proc(struct daemon *, const char *);
/* "group:*" or a group name: fills out (allocated), returns the count. */
size_t	 daemon_find_group(struct daemon *, const char *, struct proc ***out);

/*
 * Ask for a process to run / not run.  They return 0 when the request was
 * taken (the outcome arrives through the observers), or -1 with a reason
 * in cause (e.g. already started, not running).
 */
int	 proc_start(struct proc *, char *cause, size_t);
int	 proc_stop(struct proc *, char *cause, size_t);
int	 proc_signal(struct proc *, int sig, char *cause, size_t);

/* "pid 1234, uptime 1:02:03", "Exited too quickly ...", as supervisorctl. */
void	 proc_describe(const struct proc *, char *buf, size_t);
/* "group:name", or "name" when the group has the program's own name. */
void	 proc_fullname(const struct proc *, char *buf, size_t);

/*
 * logcap.c: capture of a process's stdout and stderr.  The engine calls
 * these around each spawn; logcap owns the pipes, their watchers and the
 * log files, and drains every pipe until EOF, even after the process died.
 */
/* Before fork: child_fds[0]/[1] become the child's stdout/stderr (pipe
   write ends, a file, or /dev/null).  -1 with a reason on failure. */
int	 logcap_prepare(struct proc *, int child_fds[2], char *cause, size_t);
/* In the parent after a successful fork: close the child's ends, read. */
void	 logcap_spawned(struct proc *);
/* In the parent after a failed fork: undo logcap_prepare. */
void	 logcap_abort(struct proc *);
/* The process is dropped from the configuration: flush, close, free. */
void	 logcap_release(struct proc *);
/* Start-up: AUTO log clean-up (unless nocleanup), the daemon's own log. */
int	 logcap_init(struct daemon *, char *cause, size_t);
/* SIGUSR2: reopen every log file (external logrotate). */
void	 logcap_reopen_all(struct daemon *);

/* daemon.c: start-up, signals, the loop. */
struct daemon_opts {
	bool	 foreground;	/* -n: the default anyway */
	bool	 daemonize;	/* -d */
};
int	 daemon_main(const char *config_path, const struct daemon_opts *);

/* Stop everything (reverse priority), then leave the loop with status. */
void	 daemon_shutdown(struct daemon *, int status);

#endif

/*
 * The engine (engine/): the processes, their state machine and its
 * effects, the daemon's process list, spawn, reap, depends_on, readiness
 * and pidfiles.  It calls output/ (a spawn opens its log streams) and
 * lib/; never control/, reload/ or host/: the outside hears of it
 * through its events (event.h) and reaches it through these calls.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include <ev.h>

#include "config.h"
#include "evtype.h"

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

/*
 * Why a STOPPING process is stopping: one reason, set with the stop and
 * cleared when it is over (stop_reason_name() in procinfo.c).
 */
enum stop_reason {
	STOP_NONE = 0,		/* not stopping */
	STOP_ASKED,		/* the operator, shutdown or a reload: signalled */
	STOP_HELD,		/* asked, no signal yet: its dependents go down
				   first (depends_on) */
	STOP_GROUP_LEFT,	/* its leader exited; the rest of its process
				   group is stopped before the exit counts */
	STOP_READY_TIMEOUT,	/* ready=notify: no READY=1 within startsecs,
				   a failed start once it is gone */
	STOP_WATCHDOG,		/* no WATCHDOG=1 in time (or =trigger): an
				   unexpected exit once it is gone */
};

struct logcap;		/* logcap.c: one captured output stream */
struct procin;		/* procin.c: the write end of a stdin pipe */
struct group_probe;	/* reap.c: a probe of a group whose leader left */
struct listener;	/* listener/lsnproc.c: a listener's protocol */
struct pools;		/* listener/pool.c: [eventlistener:x] pools */
struct output_hooks;	/* ... and what output/ gives them */
struct daemon;
struct event_bus;	/* event.c: the event queue, its subscribers */
struct notify;		/* notify.c: the programs' sd_notify socket */
struct sdnotify;	/* sdnotify.c: the daemon's own, to systemd */
struct cJSON;

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
	char		*spawn_error;	/* NULL when none: proc_error() */

	ev_timer	 timer;		/* startsecs, backoff or stop deadline */
	ev_io		 exec_watcher;	/* close-on-exec pipe from spawn */
	int		 exec_fd;

	struct logcap	*out;		/* NULL when the stream is NONE */
	struct logcap	*err;		/* NULL when NONE or redirected */
	struct procin	*in;		/* its stdin pipe, NULL before a spawn */
	struct listener	*lsn;		/* an event listener's stdout and
					   protocol state; NULL otherwise */
	uint64_t	 dropped_bytes;	/* log bytes lost (ENOSPC, ...) */

	/* Engine bookkeeping (proc.c, spawn.c, reap.c). */
	ev_tstamp	 stopped_at;	/* ev_time() of the last exit, or 0 */
	bool		 ever_started;	/* spawned at least once */
	bool		 pidfile_due;	/* its pidfile is to be written ... */
	bool		 pidfile_gone;	/* ... or removed (pidfile.c) */
	bool		 execd;		/* exec succeeded in this run */
	bool		 startsecs_done;	/* startsecs elapsed in this run */
	enum stop_reason stop_reason;	/* STOPPING: why */
	bool		 killed;	/* SIGKILL sent in this stop */
	bool		 exit_in_starting;	/* a stop that stands for an exit
					   (GROUP_LEFT...): in STARTING */
	pid_t		 last_pid;	/* the pid of this run (events) */
	struct group_probe *group_probe;	/* reap.c: probes a group whose
					   leader left; NULL when none */
	struct proc	*pid_next;	/* reap.c: pid hash chain */
	uint64_t	 start_ticks;	/* spawn.c: CLOCK_BOOTTIME at the
					   spawn, in /proc's clock ticks */
	int		 priority[2];	/* group, process: start/stop order */

	/* Readiness and dependencies (proc.c, notify.c, depend.c). */
	bool		 waiting;	/* STARTING, not forked: waits for its
					   dependencies to be RUNNING */
	bool		 ready_seen;	/* ready=notify: READY=1 in this run */
	char		*status_text;	/* STATUS=, NULL when none */
	struct proc	**deps;		/* what it depends on (depend.c) */
	size_t		 ndeps;
	struct proc	**dependents;	/* what depends on it, start order */
	size_t		 ndependents;
};

/*
 * Why the last start failed, "" when it did not.  Kept apart from struct
 * proc, allocated the first time, since most programs never have one:
 * a thousand programs would carry 256 idle bytes each.
 */
#define PROC_TEXT_MAX	256
const char *proc_error(const struct proc *);
void	 proc_set_error(struct proc *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 proc_clear_error(struct proc *);
/* The texts a process owns (daemon_proc_free). */
void	 proc_free_texts(struct proc *);

/* procinfo.c: names and descriptions (the rest of it in the API below). */
const char *proc_state_name(enum proc_state);
/* "asked", "held", "group_left", "ready_timeout", "watchdog"; NULL for
   STOP_NONE. */
const char *stop_reason_name(enum stop_reason);
int	 proc_state_parse(const char *, enum proc_state *);

/*
 * What the state machine asks of the world.  The daemon's are real
 * (fork, kill, ev_timer); tests/unit/test_proc.c records them instead.
 */
struct proc_effects {
	/* fork and exec: set pid and pgid; -1 with a reason if no child */
	int	 (*spawn)(struct proc *, char *cause, size_t);
	/* signal the process group, or the leader only: 0 or an errno */
	int	 (*kill)(struct proc *, int sig, bool group);
	/* arm p->timer after secs, or stop it when secs < 0 */
	void	 (*timer)(struct proc *, ev_tstamp secs);
	/* probe p->pgid until it is empty, then call proc_group_empty() */
	void	 (*watch_group)(struct proc *);
	ev_tstamp (*now)(struct proc *);
};

/* The state machine's inputs (proc.c): every one is a transition. */
void	 proc_init(struct proc *, struct daemon *, struct proc_config *);
void	 proc_timer_fired(struct proc *);
void	 proc_exec_ok(struct proc *);
void	 proc_exec_failed(struct proc *, const char *error);
void	 proc_exited(struct proc *, int wstatus, bool group_left);
void	 proc_group_empty(struct proc *);
/* sd_notify from its process group (notify.c): READY=1, WATCHDOG=1 (or
   WATCHDOG=trigger, a failure on purpose). */
void	 proc_ready(struct proc *);
void	 proc_watchdog(struct proc *, bool trigger);
/* A dependency became RUNNING or a dependent went down (depend.c). */
void	 proc_deps_changed(struct proc *);
/* Not running and nothing of it left: what shutdown waits for. */
bool	 proc_is_down(const struct proc *);
/* In EXITED: autorestart will start it again (subscribers may ask). */
bool	 proc_will_restart(const struct proc *);
/* "exit status 1", "terminated by SIGKILL (core dumped)", as Supervisor. */
void	 exit_describe(const struct exit_info *, char *buf, size_t);
/* Restart delay n (1, 2, ...) with the program's growth and cap. */
ev_tstamp proc_backoff_delay(const struct proc_config *, unsigned n);

struct ucred;

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
	/* How the daemon is taken down (daemon.c's daemon_shutdown): set by
	   the host, so that control reaches it through the engine. */
	void		(*shutdown)(struct daemon *, int status);
	/* During the shutdown, something the engine waited for ended (an
	   adopted process): look again whether all is down.  Set by the
	   host likewise; NULL does nothing. */
	void		(*shutdown_continue)(struct daemon *);
	ev_tstamp	 started_at;

	/* Engine internals (daemon.c, reap.c, pidfile.c). */
	const struct proc_effects *effects;
	struct event_bus *events;	/* event.c: queue and subscribers */
	struct proc	**pidtab;	/* reap.c: pid -> proc hash */
	size_t		 pidtab_size;
	size_t		 pidtab_count;
	ev_child	 child_watcher;	/* pid 0: every child */
	ev_signal	 sig_watchers[5];
	int		 pidfile_fd;	/* locked for our lifetime, or -1 */
	bool		 stepping;	/* shutdown_step() is running */
	bool		 step_again;
	struct reload	*reload;	/* reload.c: removed processes still
					   stopping, configurations they use */
	bool		 settle_due;	/* depend.c: held stops to decide */
	ev_prepare	 turn_end;	/* turn.c: the end of each turn */
	ev_idle		 turn_again;	/* ... once more, no sleep before */
	struct proc	**pidfile_due;	/* ... of these (NULL: forgotten) */
	size_t		 npidfile_due;
	size_t		 pidfile_due_cap;
	struct notify	*notify;	/* notify.c, NULL until needed */
	struct sdnotify	*sdnotify;	/* sdnotify.c, NULL without systemd */
	struct pools	*pools;		/* listener/pool.c */
	const struct proc_stdout_hooks *listener_io;	/* set by pools_init */
	/* A program's output for the pools (PROCESS_LOG_*,
	   PROCESS_COMMUNICATION_*): set by listener/pool.c while a pool
	   subscribes to them, called by output/ (struct output_hooks). */
	const struct output_hooks *output_events;
	/* A connection of the control socket that speaks HTTP: set by
	   http_init (http/), called by control/sniff.c, which so names no
	   symbol of http/ (http calls control, never the reverse); NULL
	   while the HTTP server is down: the connection is closed. */
	void		(*http_accept)(struct daemon *, int fd,
			    const struct ucred *, bool allowed);
	struct guardian	*guardian;	/* guardian.c, NULL until started */
	struct adopted	*adopted;	/* adopt.c: processes programs left */
	char		*record_path;	/* pidfile.c: pidfile + ".json" */
};

/*
 * The engine's interface to the rest of the daemon (control.c, logcap.c,
 * reload).  Implemented in proc.c / daemon.c; every call returns at once.
 */

/* "name", "group:name"; NULL when unknown. */
struct proc *daemon_find_proc(struct daemon *, const char *);
/* "group:*" or a group name: fills out (allocated), returns the count. */
size_t	 daemon_find_group(struct daemon *, const char *, struct proc ***out);

/*
 * Ask for a process to run / not run.  They return 0 when the request was
 * taken (the outcome arrives as events, engine/event.h), or -1 with a reason
 * in cause (e.g. already started, not running).
 */
int	 proc_start(struct proc *, char *cause, size_t);
int	 proc_stop(struct proc *, char *cause, size_t);
int	 proc_signal(struct proc *, int sig, bool group, char *cause, size_t);

/* "pid 1234, uptime 1:02:03", "Exited too quickly ...", as supervisorctl. */
void	 proc_describe(const struct proc *, char *buf, size_t);
/* "group:name", or "name" when the group has the program's own name. */
void	 proc_fullname(const struct proc *, char *buf, size_t);
/* qsort() of struct proc *: lexical order, as supervisorctl lists them
   (group, then name). */
int	 proc_lexical_cmp(const void *, const void *);

/*
 * procs.c: the process list.  One process for a configuration entry
 * (not yet in d->procs), its release, d->procs back in start order after
 * priorities changed, and the list made from (freed with) the
 * configuration at start-up (exit).  daemon_effects are the real
 * effects (fork, kill, ev_timer).
 */
extern const struct proc_effects daemon_effects;
/* Stop everything, then exit with status: d->shutdown (a request's). */
void	 daemon_request_shutdown(struct daemon *, int status);
void	 daemon_procs_create(struct daemon *);
void	 daemon_procs_free(struct daemon *);
/* Start order: group priority, then process priority. */
int	 proc_priority_cmp(const struct proc *, const struct proc *);
struct proc *daemon_proc_new(struct daemon *, const struct group_config *,
	    struct proc_config *);
void	 daemon_proc_free(struct daemon *, struct proc *);
void	 daemon_procs_sort(struct daemon *);

/*
 * procin.c: each program's stdin is a pipe the daemon writes to
 * (sendstdin, supctl fg, Supervisor's sendProcessStdin).  Writes never
 * block: what the pipe does not take waits in a queue of at most
 * PROCIN_QUEUE_MAX bytes per process.
 */
#define PROCIN_QUEUE_MAX	(64 * 1024)
enum procin_error {
	PROCIN_OK = 0,
	PROCIN_NOT_RUNNING,	/* no pid, or being stopped (NOT_RUNNING) */
	PROCIN_NO_FILE,		/* the program closed its stdin (NO_FILE) */
	PROCIN_FULL,		/* the queue has no room for all of it */
};
/* Before the fork: *child_fd becomes the child's stdin. */
int	 procin_prepare(struct proc *, int *child_fd, char *cause, size_t);
/* After a fork (close the child's end), a failed one (undo), and when
   the process is freed. */
void	 procin_spawned(struct proc *);
void	 procin_abort(struct proc *);
void	 procin_release(struct proc *);
/* Send len bytes: every one taken (some maybe queued), or none. */
enum procin_error procin_send(struct proc *, const void *, size_t len);
/* A listener's event (listener/lsnproc.c), head then body, one at a
   time: taken whatever its size when nothing waits in the queue (its
   bound is then the pool's largest event), else PROCIN_FULL. */
enum procin_error procin_send_one(struct proc *, const void *head,
	    size_t hlen, const void *body, size_t blen);
/* Bytes waiting in the queue. */
size_t	 procin_queued(const struct proc *);
const char *procin_error_text(enum procin_error);

/*
 * A listener's stdout is the protocol channel of its pool, not a log: the
 * engine reaches it through the hooks listener/ sets in struct daemon
 * (d->listener_io), naming none of its symbols.  Before the fork
 * *child_fd becomes its stdout; then as procin's.
 */
struct proc_stdout_hooks {
	int	(*prepare)(struct proc *, int *child_fd, char *cause, size_t);
	void	(*spawned)(struct proc *);
	void	(*abort)(struct proc *);
	void	(*release)(struct proc *);
};

/*
 * What output/ calls while a pool subscribes to a program's output
 * (d->output_events).  event: a read's bytes (or capture mode's) as
 * one event.  wanted: whether some pool would keep a new PROCESS_LOG
 * event of this process's channel now; when none would (each one that
 * takes the type is full and its oldest event is this channel's own),
 * output/ need not read the bytes: it moves them to the log file
 * untouched and calls skipped, which counts and logs that many events
 * (one per read's worth of bytes) as dropped.
 */
struct output_hooks {
	void	(*event)(struct proc *, enum evtype, pid_t, const char *,
		    size_t);
	bool	(*wanted)(struct proc *, enum evtype, pid_t);
	void	(*skipped)(struct proc *, enum evtype, pid_t, size_t events);
};

/* listener/: [eventlistener:x] pools (listener/listener.h), for the host
   and reload. */
void	 pools_init(struct daemon *);
void	 pools_reconfigure(struct daemon *);
void	 pools_free(struct daemon *);
/* XML-RPC's sendRemoteCommEvent: REMOTE_COMMUNICATION to the pools. */
void	 pools_remote_comm(struct daemon *, const char *type,
	    const char *data, size_t len);

/* spawn.c: fork and exec with the child's set-up, every step checked. */
int	 spawn_proc(struct proc *, char *cause, size_t);
/* Read a pending exec report without waiting (before an exit counts). */
void	 spawn_exec_drain(struct proc *);
/* The child's environment: ours, SUPERVISOR_*, [supervisord], program's. */
char	**spawn_environ(const struct proc *, char *const *base);
/* The same with the environment files read for this start (or NULL):
   each below the environment= of its section. */
char	**spawn_environ_files(const struct proc *, char *const *base,
	    const struct env *sd_file, const struct env *prog_file);

/* reap.c: every child is reaped here; pid -> proc lookup. */
void	 reap_init(struct daemon *);
void	 reap_free(struct daemon *);
void	 reap_track(struct daemon *, struct proc *);
void	 reap_untrack(struct daemon *, struct proc *);
struct proc *reap_find(struct daemon *, pid_t);
void	 reap_watch_group(struct proc *);
void	 reap_stop_watch(struct proc *);

/*
 * depend.c: depends_on= between processes.  depend_init links every
 * process to the processes of the programs it names and watches the
 * transitions that let a dependent start or a dependency stop; call
 * depend_link again after d->procs changed (reload).
 */
void	 depend_init(struct daemon *);
void	 depend_link(struct daemon *);
void	 depend_free(struct daemon *);
/* A process leaves d->procs (reload) or is freed: no links of its own;
   depend_link() then drops the others' links to it. */
void	 depend_forget(struct proc *);
/* Every dependency RUNNING: the process may be forked. */
bool	 depend_ready(const struct proc *);
/* A dependent is being stopped and is not down yet: stop later. */
bool	 depend_hold_stop(const struct proc *);
/*
 * A stop was held because something depends on the process: once the
 * current event is handled (every stop of one request issued), stop it
 * at once unless a dependent is being stopped too (then it waits for
 * that one).  depend_settle is that pass, at the end of the loop's turn
 * (turn.c) when depend_settle_soon() asked for it.
 */
void	 depend_settle_soon(struct daemon *);
void	 depend_settle(struct daemon *);
/* A dependent is not down: shutdown stops that one first. */
bool	 depend_has_live_dependents(const struct proc *);
/* Start what p depends on that is not up (STOPPED, EXITED, FATAL). */
void	 depend_start(struct proc *);
/* "waiting for db (FATAL), cache (STARTING)"; for a held stop,
   "stopping after web (STOPPING)" */
void	 depend_describe(const struct proc *, char *buf, size_t);

/*
 * notify.c: one datagram socket for every ready=notify (or watchdog=)
 * program, given to it as NOTIFY_SOCKET; a message counts for the
 * program whose process group its sender is in (SO_PASSCRED).
 */
bool	 notify_wanted(const struct proc_config *);
/* Open it if not open yet: spawn_proc calls it before the fork. */
int	 notify_open(struct daemon *, char *cause, size_t);
/* The NOTIFY_SOCKET value ("/path" or "@abstract"), NULL if not open. */
const char *notify_socket_name(const struct daemon *);
void	 notify_close(struct daemon *);
/* The status entry's fields of readiness (cmd.c): ready, status_text,
   waiting_for, those of them in fields (enum proto_field bits). */
struct jsonw;
void	 notify_status_write(const struct proc *, struct jsonw *,
	    unsigned fields);

/*
 * pidfile.c: the daemon's locked pidfile (its pid in decimal, as
 * Supervisor writes it), the JSON record beside it (pidfile + ".json":
 * pid, start time, socket, version, guardian), one JSON pidfile per
 * process.  pidfile_record_write() writes the record again (the
 * guardian changed).
 */
int	 pidfile_acquire(struct daemon *, char *cause, size_t);
void	 pidfile_record_write(struct daemon *);
void	 pidfile_release(struct daemon *);
/*
 * A process's pidfile is written (or removed) once the burst of events
 * that spawned it (or reaped it) is handled, at the end of the loop's
 * turn (turn.c): a thousand programs are forked before a thousand files
 * are created, and a crashed program is replaced before its file is.
 * pidfile_flush() does the due work now; pidfile_proc_forget() does a
 * due removal now and drops a due write (the process is being freed).
 */
void	 pidfile_proc_write(struct proc *);
void	 pidfile_proc_remove(struct proc *);
void	 pidfile_proc_forget(struct proc *);
void	 pidfile_flush(struct daemon *);
int	 pidfile_proc_clean(struct daemon *, char *cause, size_t);

/*
 * stale.c: what a previous daemon left running.  The stale pidfiles of
 * its processes name their process groups; pidfile_proc_clean() hands
 * each to stale_note(), then stale_kill() kills, with SIGKILL, every
 * process still in one of those groups that is provably the same (its
 * start time, its session, this boot), waits (a second at most) for
 * them to be gone, and logs it.
 */
struct stale_group {
	char		 name[128];	/* "group:name" */
	pid_t		 pid;		/* the leader */
	pid_t		 pgid;
	pid_t		 session;
	uint64_t	 starttime;	/* the leader's, /proc clock ticks */
};
struct stale_set {
	struct stale_group *v;
	size_t		 n;
};
/* Note a stale pidfile's group (its JSON object): ignored unless it
   names a start time of this boot. */
void	 stale_note(struct stale_set *, const struct cJSON *);
void	 stale_kill(struct stale_set *);

/*
 * guardian.c, guardian_run.c: the process that kills, when the daemon
 * dies, the process groups the daemon still answered for.  spawn.c and
 * adopt.c call guardian_watch() for each new group; reap.c calls
 * guardian_forget() once a group is empty, guardian_linger() for a group
 * that outlives its leader with nothing else watching it, and
 * guardian_recheck() when an orphan is reaped.  guardian_reaped() says
 * whether a reaped child was the guardian (then another one starts).
 * guardian_init() comes before the first spawn (the groups are kept from
 * then on), guardian_start() once the autostart programs are launched.
 */
#define GUARDIAN_ARGV0	"supervisord-guardian"
void	 guardian_init(struct daemon *);
void	 guardian_start(struct daemon *);
void	 guardian_stop(struct daemon *);
void	 guardian_flush(struct daemon *);
pid_t	 guardian_pid(const struct daemon *);
void	 guardian_watch(struct daemon *, pid_t pgid);
void	 guardian_forget(struct daemon *, pid_t pgid);
void	 guardian_linger(struct daemon *, pid_t pgid);
void	 guardian_recheck(struct daemon *);
bool	 guardian_reaped(struct daemon *, pid_t, int wstatus);
/* main() of the guardian process (argv[0] is GUARDIAN_ARGV0), and the
   signals it ignores (blocked from its start until it ignores them). */
int	 guardian_main(int argc, char **argv);
void	 guardian_ignored_set(sigset_t *);

/*
 * adopt.c: a program that daemonizes (forks, calls setsid() and exits,
 * as nginx does without "daemon off;") leaves a process that becomes our
 * child.  After each exit of a program's leader (and once its group is
 * empty) adopt_scan() looks among our children for one in a session of
 * its own started since the program was: it is logged, shown in the
 * program's status, watched by the guardian, and stopped (the program's
 * stopsignal, SIGKILL after stopwaitsecs) at shutdown.
 */
void	 adopt_scan(struct proc *);
/* A reaped child that is not a program's: true if it was adopted. */
bool	 adopt_reaped(struct daemon *, pid_t, int wstatus);
/* Is something the process left still alive (shutdown waits)? */
bool	 adopt_live(const struct daemon *, const struct proc *);
/* Anything left by processes no longer configured? */
bool	 adopt_orphans_live(const struct daemon *);
/* Stop what p left (NULL: what freed processes left). */
void	 adopt_stop(struct daemon *, const struct proc *);
/* "daemonized: left pid 123 (nginx: master process) running; " into
   buf: the length written (0 when it left nothing). */
size_t	 adopt_describe(const struct proc *, char *buf, size_t);
/* The process is freed: its adopted processes keep its name only. */
void	 adopt_forget(struct proc *);
void	 adopt_free(struct daemon *);
/* "2026-11-24T21:29:35.123Z" */
void	 rfc3339(ev_tstamp, char *buf, size_t);

#endif

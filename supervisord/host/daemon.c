/*
 * The daemon: start-up (configuration, limits, pidfile, subreaper), the
 * signal watchers, the processes in priority order, the libev loop, and
 * the shutdown that stops them all in reverse order before exiting.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "xmalloc.h"
#include "control.h"
#include "http.h"
#include "supervisord.h"

static const struct {
	int	 sig;
	bool	 shutdown;
} watched_signals[] = {
	{ SIGTERM, true }, { SIGINT, true }, { SIGQUIT, true },
	{ SIGHUP, false }, { SIGUSR2, false },
};
/* Down for shutdown: not running, and nothing it left behind alive. */
static bool
shutdown_down(const struct daemon *d, const struct proc *p)
{
	return proc_is_down(p) && !adopt_live(d, p);
}

static bool
procs_down(const struct daemon *d)
{
	size_t	i;

	for (i = 0; i < d->nprocs; i++)
		if (!shutdown_down(d, d->procs[i]))
			return false;
	return !adopt_orphans_live(d);
}

/* Stop each process of tier's priority (and what it left behind), but
   those that wait for a dependent to be down first. */
static void
shutdown_tier(struct daemon *d, const struct proc *tier, bool by_deps)
{
	struct proc	*p;
	char		 cause[128];
	size_t		 i;

	for (i = d->nprocs; i > 0; i--) {
		p = d->procs[i - 1];
		if (proc_priority_cmp(p, tier) != 0 || shutdown_down(d, p) ||
		    (by_deps && depend_has_live_dependents(p)))
			continue;
		if (p->want_up || p->state == PROC_BACKOFF)
			(void)proc_stop(p, cause, sizeof(cause));
		adopt_stop(d, p);
	}
}

/*
 * One step of the shutdown: stop the processes of the highest priority
 * still up (equal priorities together), with what they left behind by
 * daemonizing, and leave the loop once every process is down and nothing
 * they left is alive.  Called again on each transition.  depends_on
 * comes first: a process waits until what depends on it is down.
 */
static void
shutdown_step(struct daemon *d)
{
	struct proc	*tier, *free_first;
	size_t		 i;

	if (d->stepping) {
		d->step_again = true;
		return;
	}
	d->stepping = true;
	do {
		d->step_again = false;
		tier = NULL;
		for (i = d->nprocs; i > 0; i--) {
			if (!shutdown_down(d, d->procs[i - 1])) {
				tier = d->procs[i - 1];
				break;
			}
		}
		if (tier == NULL && !reload_procs_down(d))
			break;	/* removed by a reload, still stopping */
		if (tier == NULL && adopt_orphans_live(d)) {
			adopt_stop(d, NULL);	/* left by removed ones */
			break;
		}
		if (tier == NULL) {
			log_info("every process is down, exiting");
			ev_break(d->loop, EVBREAK_ALL);
			break;
		}
		free_first = NULL;
		for (i = d->nprocs; i > 0 && free_first == NULL; i--)
			if (!shutdown_down(d, d->procs[i - 1]) &&
			    !depend_has_live_dependents(d->procs[i - 1]))
				free_first = d->procs[i - 1];
		if (free_first != NULL)	/* else a cycle: the loader refuses */
			tier = free_first;
		shutdown_tier(d, tier, free_first != NULL);
	} while (d->step_again);
	d->stepping = false;
}

/* The engine's hook: something adopted ended during the shutdown. */
static void
daemon_shutdown_continue(struct daemon *d)
{
	if (d->shutting_down)
		shutdown_step(d);
}

/* Each transition during the shutdown may let the next tier go. */
static void
shutdown_event(const struct event *e, void *arg)
{
	struct daemon	*d = arg;

	if (d->shutting_down)
		shutdown_step(d);
}

void
daemon_shutdown(struct daemon *d, int status)
{
	if (d->shutting_down) {
		log_info("already shutting down");
		return;
	}
	d->shutting_down = true;
	d->exit_status = status;
	event_daemon_state(d, DAEMON_STOPPING);
	shutdown_step(d);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon	*d = ev_userdata(loop);

	switch (w->signum) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		log_warnx("received SIG%s indicating exit request",
		    signal_name(w->signum));
		daemon_shutdown(d, 0);
		break;
	case SIGHUP:
		log_info("received SIGHUP indicating reload request");
		(void)reload_run(d, false, NULL, NULL, NULL, 0);
		break;
	case SIGUSR2:
		log_info("received SIGUSR2 indicating log reopen request");
		logcap_reopen_all(d);
		break;
	}
}

static void
syserr_cb(const char *msg)
{
	fatal("%s", msg);
}

/* libev's allocator: realloc semantics, size 0 frees, never NULL. */
static void *
ev_alloc(void *ptr, long size)
{
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	return xrealloc(ptr, (size_t)size);
}

/* minfds and minprocs raise our limits (and the children's), as Supervisor. */
static void
set_rlimits(const struct config *cfg)
{
	const struct {
		int		 resource;
		long		 min;
		const char	*key;
	} limits[] = {
		{ RLIMIT_NOFILE, cfg->sd.minfds, "minfds" },
		{ RLIMIT_NPROC, cfg->sd.minprocs, "minprocs" },
	};
	struct rlimit	 rl;
	size_t		 i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (limits[i].min <= 0)
			continue;
		if (getrlimit(limits[i].resource, &rl) == -1)
			fatal("cannot get the limit for %s", limits[i].key);
		if (rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur >= (rlim_t)limits[i].min)
			continue;
		if (rl.rlim_cur == RLIM_INFINITY)
			continue;
		rl.rlim_cur = (rlim_t)limits[i].min;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(limits[i].resource, &rl) == -1)
			fatal("cannot raise the limit to %ld as %s asks (the "
			    "environment allows less: raise it, or lower %s)",
			    limits[i].min, limits[i].key, limits[i].key);
	}
}

/* [supervisord] user: drop root for good before anything runs. */
static void
switch_user(const char *user)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL)
		fatalx("cannot switch to user '%s': no such user", user);
	if (geteuid() != 0) {
		if (pw->pw_uid == geteuid())
			return;
		fatalx("cannot switch to user '%s': not running as root", user);
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1)
		fatal("cannot set the groups of user '%s'", user);
	if (setgid(pw->pw_gid) == -1)
		fatal("cannot set gid %d", (int)pw->pw_gid);
	if (setuid(pw->pw_uid) == -1)
		fatal("cannot set uid %d", (int)pw->pw_uid);
}

/* Descriptors 0-2 open, so no pipe or file of ours ever lands there. */
static int
open_std_fds(void)
{
	int	fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

/* Remove the control socket's file, if it is one, at exit. */
static void
remove_socket(const struct config *cfg)
{
	struct stat	st;

	if (cfg->unix_server.file == NULL)
		return;
	if (lstat(cfg->unix_server.file, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    unlink(cfg->unix_server.file) == -1)
		log_warn("cannot remove %s", cfg->unix_server.file);
}

static struct config *
load_config(const char *path)
{
	struct diags	 diags = { 0 };
	struct config	*cfg;

	cfg = config_load(path, &diags);
	diags_print(&diags, STDERR_FILENO);
	diags_release(&diags);
	if (cfg == NULL)
		fatalx("cannot load the configuration from %s", path);
	config_drop_text(cfg);
	return cfg;
}

/* The process before the loop: user, limits, -d's detach (its ready pipe
   is returned), umask, directory, descriptors 0-2, SIGPIPE, the pidfile. */
static int
daemon_prepare(struct daemon *d, const struct daemon_opts *opts)
{
	char	cause[512];
	int	ready_fd = -1;

	if (d->config->sd.user != NULL)
		switch_user(d->config->sd.user);
	set_rlimits(d->config);
	if (opts->daemonize) {
		if (d->config->sd.logfile == NULL)
			log_warnx("no [supervisord] logfile: once detached, "
			    "the daemon's log goes to /dev/null (set logfile, "
			    "or logfile=syslog)");
		ready_fd = detach_begin();
	}
	if (d->config->sd.umask >= 0)
		umask((mode_t)d->config->sd.umask);
	if (d->config->sd.directory != NULL &&
	    chdir(d->config->sd.directory) == -1)
		detach_fail(ready_fd, "cannot change directory to %s: %s",
		    d->config->sd.directory, strerror(errno));
	if (open_std_fds() == -1)
		detach_fail(ready_fd, "cannot open /dev/null: %s",
		    strerror(errno));
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		detach_fail(ready_fd, "cannot ignore SIGPIPE: %s",
		    strerror(errno));

	if (pidfile_acquire(d, cause, sizeof(cause)) == -1)
		detach_fail(ready_fd, "%s", cause);
	return ready_fd;
}

/* libev's default loop, the subreaper and the signal watchers. */
static void
daemon_loop_init(struct daemon *d, int ready_fd)
{
	size_t	i;

	ev_set_allocator(ev_alloc);
	ev_set_syserr_cb(syserr_cb);
	if ((d->loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		pidfile_release(d);
		detach_fail(ready_fd, "cannot initialise the event loop");
	}
	ev_set_userdata(d->loop, d);

	/* Orphans of our children become ours, to reap (as PID 1 does). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("cannot become a child subreaper");
	for (i = 0; i < sizeof(watched_signals) / sizeof(watched_signals[0]);
	    i++) {
		ev_signal_init(&d->sig_watchers[i], signal_cb,
		    watched_signals[i].sig);
		ev_signal_start(d->loop, &d->sig_watchers[i]);
	}
}

/* Every module of the daemon, in the order they depend on each other:
   the processes, their logs, the stale groups' kill, the socket, then
   systemd and the guardian. */
static void
daemon_modules_init(struct daemon *d, int ready_fd)
{
	char	cause[512];

	reap_init(d);
	turn_init(d);
	event_subscribe(d, EVENT_MASK(EVENT_PROCESS_STATE), EVENT_AFTER_INPUT,
	    shutdown_event, d);
	shutdown_on_init(d);

	daemon_procs_create(d);
	pools_init(d);
	reload_init(d);
	depend_init(d);
	if (logcap_init(d, cause, sizeof(cause)) == -1) {
		pidfile_release(d);
		detach_fail(ready_fd, "cannot set up logging: %s", cause);
	}
	/* Into the log: what a previous daemon left is killed here. */
	if (pidfile_proc_clean(d, cause, sizeof(cause)) == -1) {
		pidfile_release(d);
		detach_fail(ready_fd, "%s", cause);
	}
	if (control_init(d, cause, sizeof(cause)) == -1) {
		pidfile_release(d);
		detach_fail(ready_fd, "cannot set up the control socket: %s",
		    cause);
	}
	/* The socket's other protocol, and [inet_http_server]. */
	if (http_init(d, host_routes, host_nroutes, cause, sizeof(cause)) ==
	    -1) {
		control_free(d);
		pidfile_release(d);
		detach_fail(ready_fd, "cannot set up the HTTP server: %s",
		    cause);
	}
	log_info("supervisord %s started with pid %d", SUPERVISORD_VERSION,
	    (int)getpid());
	sdnotify_init(d);
	/* Before anything is spawned: every group is kept for it. */
	guardian_init(d);
}

/* As Supervisor: each group added before the starts (what a listener
   pool hears first); RUNNING once they are launched. */
static void
daemon_autostart(struct daemon *d, int ready_fd)
{
	char	cause[512];
	size_t	i;

	for (i = 0; i < d->config->ngroups; i++)
		event_process_group(d, d->config->groups[i]->name, true);
	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i]->cfg->autostart)
			(void)proc_start(d->procs[i], cause, sizeof(cause));
	/* After the socket listens (clients wait for it once the pidfile
	   is) and the spawns, before their groups are written (turn_end). */
	guardian_start(d);
	/* Ready: the socket listens, the autostart programs were launched
	   and their files are written. */
	turn_end(d);
	detach_ready(ready_fd);
	event_daemon_state(d, DAEMON_RUNNING);
}

/* Everything undone in reverse, the socket's file and the pidfile
   removed; returns the exit status. */
static int
daemon_teardown(struct daemon *d)
{
	size_t	i;
	int	status;

	turn_free(d);
	http_free(d);	/* its XML-RPC requests are control's clients */
	control_free(d);
	sdnotify_free(d);
	notify_close(d);
	for (i = 0; i < sizeof(watched_signals) / sizeof(watched_signals[0]);
	    i++)
		ev_signal_stop(d->loop, &d->sig_watchers[i]);
	reload_free(d);
	pools_free(d);
	daemon_procs_free(d);
	pidfile_flush(d);	/* frees the queue; every entry is forgotten */
	adopt_free(d);
	guardian_stop(d);	/* it kills what a shutdown could not stop */
	reap_free(d);
	remove_socket(d->config);
	pidfile_release(d);
	log_info("supervisord exiting with status %d", d->exit_status);
	status = d->exit_status;
	config_free(d->config);
	free(d->config_path);
	event_free(d);
	ev_loop_destroy(d->loop);
	return status;
}

int
daemon_main(const char *config_path, const struct daemon_opts *opts)
{
	struct daemon	 d;
	int		 ready_fd;

	memset(&d, 0, sizeof(d));
	d.pidfile_fd = -1;
	d.started_at = ev_time();
	d.effects = &daemon_effects;
	d.shutdown = daemon_shutdown;
	d.shutdown_continue = daemon_shutdown_continue;
	d.config_path = xstrdup(config_path);
	d.config = load_config(config_path);
	log_set_level((enum log_level)d.config->sd.loglevel);

	ready_fd = daemon_prepare(&d, opts);
	daemon_loop_init(&d, ready_fd);
	daemon_modules_init(&d, ready_fd);
	daemon_autostart(&d, ready_fd);

	/* ev_run() forgets an ev_break() made before it: a shutdown_on=
	   shutdown may have finished during the autostart already. */
	if (!d.shutting_down || !procs_down(&d))
		ev_run(d.loop, 0);
	/* The last turn's words (ev_break skips its end). */
	turn_end(&d);
	return daemon_teardown(&d);
}

/*
 * Fork and exec, all the child's hygiene in one place.  Every step in the
 * child is checked; a failure goes back to the daemon through a
 * close-on-exec pipe (the step and errno), read by an ev_io, so it shows
 * as "spawn error: ..." instead of a mysterious exit 127.
 *
 * Most programs are started as posix_spawn() starts them: clone() with
 * CLONE_VM | CLONE_VFORK, the child on a stack of its own in our memory,
 * the daemon paused until the child has exec'd.  No page tables are
 * copied, and no page of ours is made copy-on-write, which is what a
 * fork() of a daemon with thousands of programs costs.  The child then
 * may only make system calls on data made ready beforehand (the
 * environment is built first).  A program with user= (NSS may allocate,
 * open files, talk to sssd), environment_file= (read at each start) or
 * watchdog= (WATCHDOG_PID is the child's own pid) needs a child with
 * memory of its own: it gets a plain fork().
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/close_range.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strv.h"
#include "envfile.h"
#include "log.h"
#include "procstat.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"

extern char	**environ;

#include "spawn_report.h"

#define DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"

/* What the child is given: with CLONE_VM, on the daemon's stack. */
struct spawn_child {
	struct proc	*p;
	const int	*child_fds;
	pid_t		 parent;
	char		**env;		/* made by the daemon, or NULL */
	uint64_t	 handled;	/* signals to reset: bit sig - 1 */
	bool		 failed;	/* report is set: exec did not happen */
	struct spawn_report report;
};

/* The child sharing our memory reports here rather than to a pipe.
   volatile: only clone() runs the code that reads it, and the compiler
   would drop a store it sees as dead. */
static struct spawn_child	*volatile shared_child;

/* Write the report and leave without running any atexit() of ours. */
static void __attribute__((noreturn))
child_report(int fd, const struct spawn_report *r)
{
	ssize_t	n;

	if (fd == -1) {
		shared_child->report = *r;
		shared_child->failed = true;
		_exit(127);
	}
	do
		n = write(fd, r, sizeof(*r));
	while (n == -1 && errno == EINTR);
	_exit(127);
}

static void __attribute__((noreturn))
child_fail(int fd, enum spawn_step step, int error)
{
	struct spawn_report	r = { .step = step, .error = error };

	child_report(fd, &r);
}

/* The same, with a message of the child's own. */
static void __attribute__((noreturn))
child_fail_msg(int fd, enum spawn_step step, const char *msg)
{
	struct spawn_report	r = { .step = step };

	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	child_report(fd, &r);
}

/*
 * Read the environment files in the child, with the daemon's rights
 * before any switch of user (as systemd does), at each start so that a
 * changed file applies at the next one.  The first error fails the spawn
 * with its file:line.
 */
static void
child_envfiles(int fd, const struct proc *p, struct env *sd_file,
    struct env *prog_file)
{
	const struct config	*cfg = p->daemon->config;
	const struct diag	*g;
	struct diags		 d = { 0 };
	char			*const *f, msg[200];

	for (f = cfg != NULL ? cfg->sd.environment_files : NULL;
	    f != NULL && *f != NULL && d.nerrors == 0; f++)
		envfile_load(*f, NULL, 0, "environment_file: ", sd_file, &d);
	for (f = p->cfg->environment_files; f != NULL && *f != NULL &&
	    d.nerrors == 0; f++)
		envfile_load(*f, NULL, 0, "environment_file: ", prog_file, &d);
	if (d.nerrors == 0)
		return;
	g = &d.v[0];
	if (g->line > 0)
		snprintf(msg, sizeof(msg), "%s:%d: %s", g->file, g->line,
		    g->msg);
	else
		snprintf(msg, sizeof(msg), "%s", g->msg);
	child_fail_msg(fd, STEP_ENVFILE, msg);
}

/* execve, searching PATH (the child's) for a bare name, as execvpe. */
static void
child_exec(int fd, char *const *argv, char **env)
{
	const char	*path = NULL, *dir, *end;
	char		 file[PATH_MAX];
	size_t		 i, len;
	bool		 denied = false;

	if (strchr(argv[0], '/') != NULL) {
		execve(argv[0], argv, env);
		child_fail(fd, STEP_EXEC, errno);
	}
	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			path = env[i] + 5;
	if (path == NULL)
		path = DEFAULT_PATH;
	for (dir = path; ; dir = end + 1) {
		if ((end = strchr(dir, ':')) == NULL)
			end = dir + strlen(dir);
		len = (size_t)(end - dir);
		if (len == 0)
			snprintf(file, sizeof(file), "%s", argv[0]);
		else if ((size_t)snprintf(file, sizeof(file), "%.*s/%s",
		    (int)len, dir, argv[0]) >= sizeof(file))
			goto next;
		execve(file, argv, env);
		switch (errno) {
		case EACCES:
			denied = true;
			break;
		case ENOENT:
		case ENOTDIR:
		case ELOOP:
		case ENAMETOOLONG:
			break;
		default:
			child_fail(fd, STEP_EXEC, errno);
		}
next:
		if (*end == '\0')
			break;
	}
	child_fail(fd, denied ? STEP_EXEC : STEP_NOT_FOUND,
	    denied ? EACCES : ENOENT);
}

/* Become the configured user: groups, then gid, then uid. */
static void
child_user(int fd, const char *user)
{
	struct passwd	*pw;
	char		*end;
	unsigned long	 uid;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		uid = strtoul(user, &end, 10);
		if (*user == '\0' || *end != '\0' ||
		    (pw = getpwuid((uid_t)uid)) == NULL)
			child_fail(fd, STEP_NO_USER, errno);
	}
	if (geteuid() != 0) {
		if (pw->pw_uid == geteuid())
			return;
		child_fail(fd, STEP_NOT_ROOT, EPERM);
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1)
		child_fail(fd, STEP_INITGROUPS, errno);
	if (setgid(pw->pw_gid) == -1)
		child_fail(fd, STEP_SETGID, errno);
	if (setuid(pw->pw_uid) == -1)
		child_fail(fd, STEP_SETUID, errno);
}

/*
 * Every descriptor above 2 is to close at exec.  Marking them is cheap,
 * and the kernel closes them after a child sharing our memory has let
 * the daemon go on; the report pipe (close-on-exec already) stays usable
 * until the exec.  Before Linux 5.11, close them now, but the pipe (fd,
 * or -1 for a child that reports in our memory).
 */
static void
child_close_fds(int fd)
{
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	if (errno != EINVAL)
		child_fail(fd, STEP_CLOSE_FDS, errno);
	if (fd == -1) {
		if (close_range(3, ~0U, 0) == -1)
			child_fail(fd, STEP_CLOSE_FDS, errno);
		return;
	}
	if (fd > 3 && close_range(3, (unsigned)fd - 1, 0) == -1)
		child_fail(fd, STEP_CLOSE_FDS, errno);
	if (close_range((unsigned)fd + 1, ~0U, 0) == -1)
		child_fail(fd, STEP_CLOSE_FDS, errno);
}

/* The death signal is tied to our credentials: set it, then check. */
static void
child_pdeathsig(int fd, pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		child_fail(fd, STEP_PDEATHSIG, errno);
	if (getppid() != parent)
		_exit(127);	/* the daemon died already: nobody to tell */
}

/*
 * glibc keeps the signals below SIGRTMIN to itself and refuses to touch
 * them, yet an ignored one is inherited through exec (GNU make leaves 32
 * and 33 ignored, for one): set them to default with the system call.
 */
static int
child_default_reserved(int sig)
{
#if defined(__x86_64__) || defined(__aarch64__)
	struct {
		void		(*handler)(int);
		unsigned long	 flags;
		void		(*restorer)(void);
		uint64_t	 mask;
	} ksa = { SIG_DFL, 0, NULL, 0 };

	if (sig < SIGRTMIN && syscall(SYS_rt_sigaction, sig, &ksa, NULL,
	    sizeof(ksa.mask)) == 0)
		return 0;
	return -1;
#else
	return sig < SIGRTMIN ? 0 : -1;
#endif
}

/* In the child: every step of issue 3's order, then exec.  No return.
   child_fds: stdout, stderr, stdin; handled: the signals our own
   dispositions cover (procstat_handled_signals()), the only ones that
   need a reset: the rest are at their default already. */
static void __attribute__((noreturn))
child_run(struct proc *p, int fd, const int child_fds[3], pid_t parent,
    char **ready_env, uint64_t handled)
{
	const struct proc_config *c = p->cfg;
	struct sigaction	 sa;
	struct env		 sd_file = { 0 }, prog_file = { 0 };
	sigset_t		 none;
	char			**env;
	int			 sig;

	/* Dispositions to defaults (SIG_IGN survives exec), then the mask. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig > 64 ||
		    (handled & (UINT64_C(1) << (sig - 1))) == 0)
			continue;
		if (sigaction(sig, &sa, NULL) == 0)
			continue;
		if (errno != EINVAL || child_default_reserved(sig) == -1)
			child_fail(fd, STEP_SIGNALS, errno);
	}
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		child_fail(fd, STEP_SIGNALS, errno);

	if (setpgid(0, 0) == -1)
		child_fail(fd, STEP_SETPGID, errno);
	child_pdeathsig(fd, parent);
	if (c->umask >= 0)
		umask((mode_t)c->umask);
	if (c->directory != NULL && chdir(c->directory) == -1)
		child_fail(fd, STEP_CHDIR, errno);
	child_envfiles(fd, p, &sd_file, &prog_file);
	if (c->user != NULL) {
		child_user(fd, c->user);
		child_pdeathsig(fd, parent);	/* setuid() cleared it */
	}

	if (dup2(child_fds[2], STDIN_FILENO) == -1)	/* procin.c */
		child_fail(fd, STEP_STDIN, errno);
	if (dup2(child_fds[0], STDOUT_FILENO) == -1 ||
	    dup2(child_fds[1], STDERR_FILENO) == -1)
		child_fail(fd, STEP_STDOUT, errno);
	child_close_fds(fd);

	if ((env = ready_env) == NULL && (env = spawn_environ_files(p,
	    environ, &sd_file, &prog_file)) == NULL)
		child_fail(fd, STEP_ENVIRON, ENOMEM);
	child_exec(fd, c->argv, env);
	_exit(127);
}

static int
child_entry(void *arg)
{
	struct spawn_child	*c = arg;

	child_run(c->p, -1, c->child_fds, c->parent, c->env, c->handled);
}

/*
 * Whether the child may share our memory until it execs: only when it
 * runs nothing but system calls.  AddressSanitizer cannot follow a child
 * onto another stack, so its builds always fork.
 */
static bool
spawn_shares_memory(const struct proc *p)
{
	const struct config	*cfg = p->daemon->config;

#if defined(__SANITIZE_ADDRESS__)
	return false;
#endif
	/* WATCHDOG_PID is the child's pid, known only in the child. */
	if (p->cfg->user != NULL || p->cfg->watchdog > 0)
		return false;
	if (p->cfg->environment_files != NULL &&
	    p->cfg->environment_files[0] != NULL)
		return false;
	return cfg == NULL || cfg->sd.environment_files == NULL ||
	    cfg->sd.environment_files[0] == NULL;
}

/*
 * Start a child that shares our memory until it execs.  clone() returns
 * once the child has exec'd or has failed (it reports in c and exits),
 * so the outcome is known at once, with no report pipe.
 */
static pid_t
spawn_shared(struct spawn_child *c)
{
	/* Only one child uses it at a time: we wait for its exec. */
	static char	 stack[64 * 1024] __attribute__((aligned(64)));
	pid_t		 pid;
	int		 error;

	c->env = spawn_environ(c->p, environ);
	shared_child = c;
	pid = clone(child_entry, stack + sizeof(stack),
	    CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	error = errno;
	shared_child = NULL;
	strv_free(c->env);
	c->env = NULL;
	errno = error;
	return pid;
}

static void
exec_close(struct proc *p)
{
	ev_io_stop(p->daemon->loop, &p->exec_watcher);
	close(p->exec_fd);
	p->exec_fd = -1;
}

/* Read the report: EOF means exec succeeded; a report, that it failed. */
static void
exec_read(struct proc *p, bool at_exit)
{
	struct spawn_report	 r;
	char			 msg[256];
	ssize_t			 n;

	do
		n = read(p->exec_fd, &r, sizeof(r));
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN && !at_exit)
		return;
	exec_close(p);
	if (n == (ssize_t)sizeof(r)) {
		spawn_report_format(p, &r, msg, sizeof(msg));
		proc_exec_failed(p, msg);
		return;
	}
	if (n == -1)
		log_warn("%s: cannot read the spawn report", p->cfg->name);
	else if (n > 0)
		log_warnx("%s: short spawn report", p->cfg->name);
	proc_exec_ok(p);
}

static void
exec_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	exec_read(container_of(w, struct proc, exec_watcher), false);
}

/* A child that shared our memory exec'd: fed by spawn_proc. */
static void
exec_ok_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	proc_exec_ok(container_of(w, struct proc, exec_watcher));
}

/* The child exited: its report (or EOF) is in the pipe already. */
void
spawn_exec_drain(struct proc *p)
{
	if (p->exec_fd != -1)
		exec_read(p, true);
}

/* Note the outcome of a spawn that shared our memory, known already. */
static void
spawn_shared_done(struct proc *p, const struct spawn_child *c)
{
	char	msg[256];

	p->exec_fd = -1;
	if (c->failed) {
		/* Its exit (127) follows, as for a forked child. */
		spawn_report_format(p, &c->report, msg, sizeof(msg));
		proc_exec_failed(p, msg);
		return;
	}
	/* An event of its own, as the report pipe's EOF would be. */
	ev_init(&p->exec_watcher, exec_ok_cb);
	ev_feed_event(p->daemon->loop, &p->exec_watcher, EV_CUSTOM);
}

/* Undo what spawn_prepare made ready, in reverse. */
static void
spawn_abort(struct proc *p)
{
	if (p->daemon->listener_io != NULL)
		p->daemon->listener_io->abort(p);
	procin_abort(p);
	logcap_abort(p);
}

/* The child's descriptors (logcap's, stdin's, a listener's stdout) and,
   for a forked child, the report pipe. */
static int
spawn_prepare(struct proc *p, int child_fds[3], int report[2], bool shared,
    char *cause, size_t len)
{
	int	error;

	if (p->cfg->argv == NULL || p->cfg->argv[0] == NULL) {
		snprintf(cause, len, "empty command");
		return -1;
	}
	if (notify_wanted(p->cfg) && notify_open(p->daemon, cause, len) == -1)
		return -1;
	if (logcap_prepare(p, child_fds, cause, len) == -1)
		return -1;
	if (procin_prepare(p, &child_fds[2], cause, len) == -1) {
		logcap_abort(p);
		return -1;
	}
	/* A listener's stdout is its pool's (logcap gave it /dev/null). */
	if (p->cfg->listener && p->daemon->listener_io != NULL &&
	    p->daemon->listener_io->prepare(p, &child_fds[0], cause, len) ==
	    -1) {
		procin_abort(p);
		logcap_abort(p);
		return -1;
	}
	if (!shared && pipe2(report, O_CLOEXEC | O_NONBLOCK) == -1) {
		error = errno;
		spawn_abort(p);
		snprintf(cause, len, "%s", error == EMFILE || error == ENFILE ?
		    "too many open files to spawn" : strerror(error));
		return -1;
	}
	return 0;
}

/* The parent's side of a new child: its group, its pid everywhere it is
   watched, its pidfile. */
static void
spawn_track(struct proc *p, pid_t pid, uint64_t start_ticks)
{
	struct daemon	*d = p->daemon;

	/* Both sides set the group: whichever runs first, no race. */
	if (setpgid(pid, pid) == -1 && errno != EACCES && errno != ESRCH)
		log_warn("%s: setpgid %d", p->cfg->name, (int)pid);
	p->pid = pid;
	p->pgid = pid;
	p->start_ticks = start_ticks;
	reap_track(d, p);
	guardian_watch(d, pid);
	logcap_spawned(p);
	procin_spawned(p);
	if (d->listener_io != NULL)
		d->listener_io->spawned(p);
	pidfile_proc_write(p);
	log_info("spawned: '%s' with pid %d", p->cfg->name, (int)pid);
}

/* The spawn effect: logcap's fds, the report pipe, fork, bookkeeping. */
int
spawn_proc(struct proc *p, char *cause, size_t len)
{
	struct daemon		*d = p->daemon;
	struct spawn_child	 c = { .p = p };
	sigset_t		 all, old;
	pid_t			 pid, parent = getpid();
	uint64_t		 start_ticks;
	int			 child_fds[3], report[2] = { -1, -1 }, error;
	bool			 shared = spawn_shares_memory(p);

	if (spawn_prepare(p, child_fds, report, shared, cause, len) == -1)
		return -1;

	/* Before the fork: what it forks started at this or later. */
	start_ticks = procstat_now_ticks();
	/* Read here, not signal by signal in the child: a vfork'd child
	   holds us until it execs (62 sigaction calls were ~0.1 ms of it
	   on a virtual machine).  Single-threaded: no disposition changes
	   between this and the fork. */
	c.handled = procstat_handled_signals();
	/* No signal handler of ours may run in the child before exec. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	c.child_fds = child_fds;
	c.parent = parent;
	if (shared)
		pid = spawn_shared(&c);
	else if ((pid = fork()) == 0)
		child_run(p, report[1], child_fds, parent, NULL, c.handled);
	error = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!shared)
		close(report[1]);
	if (pid == -1) {
		if (!shared)
			close(report[0]);
		spawn_abort(p);
		snprintf(cause, len, "%s", error == EAGAIN ?
		    "too many processes to spawn" : strerror(error));
		return -1;
	}

	spawn_track(p, pid, start_ticks);
	if (shared) {
		spawn_shared_done(p, &c);
		return 0;
	}
	p->exec_fd = report[0];
	ev_io_init(&p->exec_watcher, exec_cb, p->exec_fd, EV_READ);
	ev_io_start(d->loop, &p->exec_watcher);
	return 0;
}

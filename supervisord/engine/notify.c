/*
 * The sd_notify protocol for programs: one datagram socket of the
 * daemon's, given as NOTIFY_SOCKET to every ready=notify (or watchdog=)
 * program.  The kernel stamps each message with its sender's credentials
 * (SO_PASSCRED); the sender's process group names the program, so any
 * process of the program may speak for it (a shell script's
 * systemd-notify included).  Descriptors that come along (BARRIER=1's,
 * FDSTORE=1's) are closed at once: that is what ends a barrier.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "log.h"
#include "xmalloc.h"
#include "engine.h"

#define NOTIFY_MSG_MAX	4096	/* systemd's limit too */
#define NOTIFY_BATCH	64	/* messages per wake-up: others get a turn */
#define NOTIFY_FDS_MAX	253	/* SCM_MAX_FD */
#define ANCESTRY_MAX	64	/* ppid steps from a MAINPID= to us */

struct notify {
	int		 fd;
	ev_io		 io;
	char		*path;		/* the socket file, or NULL: abstract */
	char		 name[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};

/* What one message asks, applied in an order that makes sense. */
struct notify_msg {
	bool		 ready;
	bool		 stopping;
	bool		 watchdog;
	bool		 trigger;
	bool		 barrier;
	const char	*status;	/* NUL-terminated in the buffer */
	pid_t		 mainpid;
};

bool
notify_wanted(const struct proc_config *c)
{
	return c->ready == READY_NOTIFY || c->watchdog > 0;
}

const char *
notify_socket_name(const struct daemon *d)
{
	return d->notify != NULL ? d->notify->name : NULL;
}

/* rundir/notify.sock if the path fits, else an abstract name. */
static int
notify_bind(struct notify *n, const char *rundir, char *cause, size_t len)
{
	struct sockaddr_un	 sa;
	struct stat		 st;
	socklen_t		 salen;
	char			*path = NULL;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (rundir != NULL) {
		xasprintf(&path, "%s/notify.sock", rundir);
		if (strlen(path) >= sizeof(sa.sun_path)) {
			log_info("notify socket: %s is too long for a socket "
			    "path, using an abstract socket", path);
			free(path);
			path = NULL;
		}
	}
	if (path != NULL) {
		/* Ours from a previous run; never remove anything else. */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			(void)unlink(path);
		memcpy(sa.sun_path, path, strlen(path));
		if (bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
			snprintf(cause, len, "cannot bind %s: %s", path,
			    strerror(errno));
			free(path);
			return -1;
		}
		/* Programs may run as other users; credentials decide. */
		if (chmod(path, 0666) == -1)
			log_warn("cannot make %s writable for programs", path);
		n->path = path;
		snprintf(n->name, sizeof(n->name), "%s", path);
		return 0;
	}
	/* Autobind: the kernel picks a unique abstract name. */
	if (bind(n->fd, (struct sockaddr *)&sa, sizeof(sa_family_t)) == -1) {
		snprintf(cause, len, "cannot bind an abstract socket: %s",
		    strerror(errno));
		return -1;
	}
	salen = sizeof(sa);
	if (getsockname(n->fd, (struct sockaddr *)&sa, &salen) == -1 ||
	    salen <= offsetof(struct sockaddr_un, sun_path) + 1) {
		snprintf(cause, len, "cannot name the abstract socket: %s",
		    strerror(errno));
		return -1;
	}
	n->name[0] = '@';
	memcpy(n->name + 1, sa.sun_path + 1,
	    salen - offsetof(struct sockaddr_un, sun_path) - 1);
	n->name[salen - offsetof(struct sockaddr_un, sun_path)] = '\0';
	return 0;
}

static void	notify_cb(struct ev_loop *, ev_io *, int);

int
notify_open(struct daemon *d, char *cause, size_t len)
{
	struct notify	*n;
	int		 on = 1;

	if (d->notify != NULL)
		return 0;
	n = xcalloc(1, sizeof(*n));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (n->fd == -1) {
		snprintf(cause, len, "cannot create the notify socket: %s",
		    strerror(errno));
		goto free_notify;
	}
	if (setsockopt(n->fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) ==
	    -1) {
		snprintf(cause, len, "cannot ask for credentials on the "
		    "notify socket: %s", strerror(errno));
		goto close_fd;
	}
	if (notify_bind(n, d->config->sd.rundir, cause, len) == -1)
		goto close_fd;
	ev_io_init(&n->io, notify_cb, n->fd, EV_READ);
	/*
	 * Messages before exits: a program that sends STOPPING=1 (or
	 * READY=1) and exits at once has both its datagram and its SIGCHLD
	 * pending in one turn; read first, its message still finds it (as
	 * systemd orders its notify socket before SIGCHLD).
	 */
	ev_set_priority(&n->io, EV_MAXPRI);
	ev_io_start(d->loop, &n->io);
	d->notify = n;
	log_info("notify socket for programs: %s", n->name);
	return 0;

close_fd:
	close(n->fd);
free_notify:
	free(n);
	return -1;
}

void
notify_close(struct daemon *d)
{
	struct notify	*n = d->notify;

	if (n == NULL)
		return;
	ev_io_stop(d->loop, &n->io);
	close(n->fd);
	if (n->path != NULL && unlink(n->path) == -1 && errno != ENOENT)
		log_warn("cannot remove %s", n->path);
	free(n->path);
	free(n);
	d->notify = NULL;
}

/* The program whose process group the sender is in, if it may speak. */
static struct proc *
notify_find(struct daemon *d, pid_t sender)
{
	pid_t	pgid;
	size_t	i;

	if (sender <= 0 || (pgid = getpgid(sender)) <= 1)
		return NULL;
	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i]->pgid == pgid &&
		    notify_wanted(d->procs[i]->cfg))
			return d->procs[i];
	return NULL;
}

/* The ppid in /proc/PID/stat, or -1. */
static pid_t
parent_of(pid_t pid)
{
	char	 path[64], buf[512], *s;
	ssize_t	 n;
	int	 fd, ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid": comm may hold anything, even ")". */
	if ((s = strrchr(buf, ')')) == NULL || sscanf(s + 1, " %*c %d",
	    &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/*
 * MAINPID=: a forking program names the process that is the program
 * from now on.  It must be in the program's group and below us (so that
 * we reap it: we are the subreaper of everything we started).
 */
static void
notify_mainpid(struct proc *p, pid_t pid)
{
	struct daemon	*d = p->daemon;
	pid_t		 up = pid, self = getpid();
	int		 i;

	if (pid == p->pid || p->pid == 0)
		return;
	if (pid <= 1 || getpgid(pid) != p->pgid) {
		log_warnx("%s: MAINPID=%d ignored: not a process of its "
		    "group %d", p->cfg->name, (int)pid, (int)p->pgid);
		return;
	}
	for (i = 0; i < ANCESTRY_MAX && up > 1 && up != self; i++)
		up = parent_of(up);
	if (up != self) {
		log_warnx("%s: MAINPID=%d ignored: not a descendant of the "
		    "daemon", p->cfg->name, (int)pid);
		return;
	}
	log_info("%s: main pid %d -> %d (MAINPID=)", p->cfg->name,
	    (int)p->pid, (int)pid);
	reap_untrack(d, p);
	p->pid = pid;
	reap_track(d, p);
	pidfile_proc_write(p);
}

/*
 * STATUS= as shown to operators and in JSON: control characters become
 * spaces, bytes that are not UTF-8 become '?', and the text is cut at a
 * character boundary.
 */
static void
status_set(struct proc *p, const char *s)
{
	char		*out;
	size_t		 max = PROC_TEXT_MAX - 1, o = 0, k, need;
	unsigned char	 c;

	if (p->status_text == NULL)
		p->status_text = xmalloc(PROC_TEXT_MAX);
	out = p->status_text;

	while (*s != '\0' && o < max) {
		c = (unsigned char)*s;
		if (c < 0x80) {
			out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
			s++;
			continue;
		}
		need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 :
		    c >= 0xc2 && c <= 0xdf ? 2 : 0;
		if (c > 0xf4)
			need = 0;
		for (k = 1; k < need; k++)
			if (((unsigned char)s[k] & 0xc0) != 0x80)
				break;
		if (need == 0 || k < need) {
			out[o++] = '?';
			s++;
			continue;
		}
		if (o + need > max)
			break;
		memcpy(out + o, s, need);
		o += need;
		s += need;
	}
	out[o] = '\0';
}

/* KEY=VALUE lines; unknown keys are the sender's business. */
static void
notify_parse(char *buf, size_t len, struct notify_msg *m, const char *name)
{
	char		*line, *next, *end = buf + len, *eq;
	long long	 n;

	memset(m, 0, sizeof(*m));
	for (line = buf; line < end; line = next) {
		if ((next = memchr(line, '\n', (size_t)(end - line))) == NULL)
			next = end;
		*next++ = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		if (strcmp(line, "READY=1") == 0)
			m->ready = true;
		else if (strcmp(line, "STOPPING=1") == 0)
			m->stopping = true;
		else if (strcmp(line, "WATCHDOG=1") == 0)
			m->watchdog = true;
		else if (strcmp(line, "WATCHDOG=trigger") == 0)
			m->trigger = true;
		else if (strncmp(line, "STATUS=", 7) == 0)
			m->status = line + 7;
		else if (strncmp(line, "MAINPID=", 8) == 0) {
			n = strtoll(line + 8, &eq, 10);
			if (*eq == '\0' && n > 0 && n < 1 << 30)
				m->mainpid = (pid_t)n;
		} else if (strcmp(line, "BARRIER=1") == 0)
			m->barrier = true;
		else
			log_debug("notify: %s: %s ignored", name, line);
	}
}

/* One datagram: close what it carried, find its program, act. */
static void
notify_handle(struct daemon *d, struct msghdr *msg, char *buf, size_t len)
{
	struct cmsghdr		*cm;
	struct ucred		*cred = NULL;
	struct notify_msg	 m;
	struct proc		*p;
	int			*fds;
	size_t			 i, nfds;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_RIGHTS) {
			fds = (int *)(void *)CMSG_DATA(cm);
			nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < nfds; i++)
				close(fds[i]);
		} else if (cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*cred)))
			cred = (struct ucred *)(void *)CMSG_DATA(cm);
	}
	if (msg->msg_flags & MSG_TRUNC) {
		log_warnx("notify: message of pid %d over %d bytes dropped",
		    cred != NULL ? (int)cred->pid : 0, NOTIFY_MSG_MAX);
		return;
	}
	if (cred == NULL || (p = notify_find(d, cred->pid)) == NULL) {
		log_debug("notify: message from pid %d, of no program that "
		    "may send one: dropped", cred != NULL ? (int)cred->pid : 0);
		return;
	}
	buf[len] = '\0';
	notify_parse(buf, len, &m, p->cfg->name);
	log_debug("notify: %s (pid %d):%s%s%s%s%s%s%s", p->cfg->name,
	    (int)cred->pid, m.ready ? " READY=1" : "",
	    m.status != NULL ? " STATUS=" : "", m.status != NULL ? m.status :
	    "", m.stopping ? " STOPPING=1" : "", m.watchdog ? " WATCHDOG=1" :
	    "", m.trigger ? " WATCHDOG=trigger" : "", m.barrier ?
	    " BARRIER=1" : "");
	if (m.status != NULL)
		status_set(p, m.status);
	if (m.mainpid != 0)
		notify_mainpid(p, m.mainpid);
	if (m.stopping)
		log_info("%s: the program is stopping (STOPPING=1)",
		    p->cfg->name);
	if (m.ready)
		proc_ready(p);
	if (m.trigger)
		proc_watchdog(p, true);
	else if (m.watchdog)
		proc_watchdog(p, false);
}

static void
notify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon	*d = ev_userdata(loop);
	struct notify	*n = container_of(w, struct notify, io);
	union {
		struct cmsghdr	 align;
		char		 buf[CMSG_SPACE(sizeof(struct ucred)) +
				     CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
	} control;
	char		 buf[NOTIFY_MSG_MAX + 1];
	struct iovec	 iov;
	struct msghdr	 msg;
	ssize_t		 r;
	int		 i;

	for (i = 0; i < NOTIFY_BATCH && d->notify == n; i++) {
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf) - 1;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		r = recvmsg(n->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			if (errno != EAGAIN)
				log_warn("notify: cannot receive");
			return;
		}
		notify_handle(d, &msg, buf, (size_t)r);
	}
}

/* The status entry's readiness fields (see supctl(1)). */
void
notify_status_write(const struct proc *p, struct jsonw *w, unsigned fields)
{
	size_t	 i, j;
	bool	 seen;

	if (PROTO_FIELD(fields, PROTO_F_READY))
		jsonw_string(w, "ready", p->cfg->ready == READY_NOTIFY ?
		    "notify" : "startsecs");
	if (PROTO_FIELD(fields, PROTO_F_STATUS_TEXT))
		jsonw_string(w, "status_text", p->status_text != NULL ?
		    p->status_text : "");
	if (!PROTO_FIELD(fields, PROTO_F_WAITING_FOR))
		return;
	jsonw_array(w, "waiting_for");
	for (i = 0; p->waiting && p->state == PROC_STARTING &&
	    i < p->ndeps; i++) {
		if (p->deps[i]->state == PROC_RUNNING)
			continue;
		for (seen = false, j = 0; j < i && !seen; j++)
			seen = p->deps[j]->state != PROC_RUNNING &&
			    strcmp(p->deps[j]->cfg->program,
			    p->deps[i]->cfg->program) == 0;
		if (!seen)
			jsonw_string(w, NULL, p->deps[i]->cfg->program);
	}
	jsonw_array_end(w);
}

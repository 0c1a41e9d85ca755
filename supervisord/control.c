/*
 * The control socket: a Unix stream socket answering JSON requests, one
 * line each, for any number of clients at once without ever blocking the
 * loop.  Every peer is checked (SO_PEERCRED) before it is served, every
 * buffer is bounded, and a bad or slow client is dropped, never the daemon.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"
#include "xmalloc.h"

/* A transition waiting for the end of the loop's turn to be streamed. */
struct ctl_event {
	TAILQ_ENTRY(ctl_event)	 entry;
	cJSON			*fields;
	struct proc		*proc;	/* pid still to read, or NULL */
};

/* The one control socket of the daemon. */
static struct {
	struct daemon		*daemon;
	int			 fd;
	char			*path;
	ev_io			 accept_w;
	ev_timer		 pause_w;	/* accept again after EMFILE */
	ev_prepare		 prepare_w;	/* events out, dead freed */
	TAILQ_HEAD(, ctl_client) clients;
	TAILQ_HEAD(, ctl_client) dead;
	TAILQ_HEAD(, ctl_client) events;	/* events subscribers */
	TAILQ_HEAD(, ctl_event)	 queue;		/* transitions to stream */
	struct pid_seen {
		struct proc	*proc;
		pid_t		 pid;
	}			*seen;
	size_t			 nseen;
	unsigned		 next_id;
	ev_tstamp		 timeout;
	bool			 have_access_gid;
	gid_t			 access_gid;
} ctl = { .fd = -1 };

static void	client_input(struct ctl_client *);
static void	client_flush(struct ctl_client *);
static void	client_arm_timer(struct ctl_client *);
static void	client_discard(struct ctl_client *);

/* The peer may use the socket: root, our own user, or access_group. */
static bool
peer_allowed(int fd, const struct ucred *cr)
{
	gid_t		 small[64], *groups = small;
	socklen_t	 len = sizeof(small);
	size_t		 i;
	int		 rc;
	bool		 found = false;

	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	if (!ctl.have_access_gid)
		return false;
	if (cr->gid == ctl.access_gid)
		return true;
	/* The peer's supplementary groups as they were at connect(). */
	rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	if (rc == -1 && errno == ERANGE) {
		groups = xmalloc(len);
		rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	}
	if (rc == -1)
		log_warn("control: cannot read the groups of pid %ld",
		    (long)cr->pid);
	for (i = 0; rc == 0 && i < len / sizeof(groups[0]); i++)
		if (groups[i] == ctl.access_gid)
			found = true;
	if (groups != small)
		free(groups);
	return found;
}

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client	*c = container_of(w, struct ctl_client, read_w);
	ssize_t			 n;

	if (revents & EV_CUSTOM) {
		/* client_done(): the previous request finished. */
		client_input(c);
		return;
	}
	if (c->flags & CLIENT_LINGER) {
		client_discard(c);
		return;
	}
	n = proto_buf_read(&c->in, c->fd, PROTO_LINE_MAX + 2);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno == ENOBUFS) {
			/* Full of requests behind a running one: wait. */
			ev_io_stop(loop, &c->read_w);
			return;
		}
		client_drop(c, strerror(errno));
		return;
	}
	c->activity = ev_now(loop);
	if (n == 0) {
		/* A last request without its newline still counts. */
		c->flags |= CLIENT_EOF;
		ev_io_stop(loop, &c->read_w);
		if (proto_buf_used(&c->in) > 0 &&
		    c->in.data[c->in.len - 1] != '\n')
			proto_buf_add(&c->in, "\n", 1);
	}
	client_input(c);
}

/* Read and forget until the peer closes (see client_linger()). */
static void
client_discard(struct ctl_client *c)
{
	char	buf[4096];
	ssize_t	n;
	int	i;

	for (i = 0; i < 16; i++) {
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		client_drop(c, NULL);
		return;
	}
}

/*
 * All is said: half-close, then discard input until the peer closes.
 * Closing with unread input would make the peer's kernel report a reset,
 * possibly before the peer read our last reply (a forbidden, a line too
 * long).
 */
static void
client_linger(struct ctl_client *c)
{
	struct ev_loop	*loop = c->daemon->loop;

	if (c->flags & CLIENT_LINGER)
		return;
	c->flags |= CLIENT_LINGER;
	if ((c->flags & CLIENT_EOF) || shutdown(c->fd, SHUT_WR) == -1) {
		client_drop(c, NULL);
		return;
	}
	ev_io_start(loop, &c->read_w);
	c->timer.repeat = ctl.timeout;
	ev_timer_again(loop, &c->timer);
	client_discard(c);
}

static void
client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client	*c = container_of(w, struct ctl_client,
				    write_w);

	client_flush(c);
}

/* Idle without a request, or output that does not drain: close it. */
static void
client_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client	*c = container_of(w, struct ctl_client, timer);
	ev_tstamp		 left = c->activity + ctl.timeout - ev_now(loop);

	if (c->flags & CLIENT_LINGER) {
		client_drop(c, NULL);
		return;
	}
	if (left > 0) {
		w->repeat = left;
		ev_timer_again(loop, w);
		return;
	}
	if (proto_buf_used(&c->out) > 0)
		client_drop(c, "output not read in time");
	else
		client_drop(c, "idle timeout");
}

/* Whether the idle timer should run: nothing in flight we wait for. */
static void
client_arm_timer(struct ctl_client *c)
{
	struct ev_loop	*loop = c->daemon->loop;
	bool		 waiting;

	if (c->flags & CLIENT_LINGER)
		return;		/* its own deadline runs */
	/* Output pending always counts; an idle stream or job does not. */
	waiting = proto_buf_used(&c->out) > 0 ||
	    (c->job == NULL && c->tail == NULL &&
	    (c->flags & CLIENT_EVENTS) == 0);
	if (waiting && !ev_is_active(&c->timer)) {
		c->timer.repeat = ctl.timeout;
		ev_timer_again(loop, &c->timer);
	} else if (!waiting && ev_is_active(&c->timer))
		ev_timer_stop(loop, &c->timer);
}

/* Send what the socket takes; drop the client on a write error. */
static void
client_flush(struct ctl_client *c)
{
	struct ev_loop	*loop = c->daemon->loop;
	ssize_t		 n;

	if (c->flags & CLIENT_DEAD)
		return;
	n = proto_buf_send(&c->out, c->fd);
	if (n == -1 && errno != EAGAIN) {
		client_drop(c, strerror(errno));
		return;
	}
	if (n > 0) {
		c->activity = ev_now(loop);
		ev_timer_stop(loop, &c->timer);
	}
	if (proto_buf_used(&c->out) > 0) {
		ev_io_start(loop, &c->write_w);
		client_arm_timer(c);
		return;
	}
	ev_io_stop(loop, &c->write_w);
	if (c->flags & CLIENT_CLOSING) {
		client_linger(c);
		return;
	}
	if ((c->flags & CLIENT_EOF) && c->job == NULL && c->tail == NULL &&
	    (c->flags & CLIENT_EVENTS) == 0 && proto_buf_used(&c->in) == 0) {
		client_drop(c, NULL);
		return;
	}
	client_arm_timer(c);
	if (c->tail != NULL && proto_buf_used(&c->out) < CTL_OUT_HIGH)
		tail_resume(c->tail);
}

/* Queue a line for the client (taking it), within the output bound. */
static void
client_send(struct ctl_client *c, char *line, size_t len)
{
	if (c->flags & CLIENT_DEAD) {
		free(line);
		return;
	}
	if (proto_buf_used(&c->out) + len > CTL_OUT_MAX) {
		free(line);
		client_drop(c, "output buffer full (the client does not read)");
		return;
	}
	proto_buf_add(&c->out, line, len);
	free(line);
	client_flush(c);
}

void
client_reply_ok(struct ctl_client *c, const cJSON *id, cJSON *result)
{
	size_t	 len;
	char	*line = proto_reply_ok(id, result, &len);

	client_send(c, line, len);
}

void
client_reply_error(struct ctl_client *c, const cJSON *id,
    enum proto_code code, const char *message, cJSON *result)
{
	size_t	 len;
	char	*line = proto_reply_error(id, code, message, result, &len);

	log_debug("control: client %u: %s: %s", c->id, proto_code_name(code),
	    message);
	client_send(c, line, len);
}

void
client_stream(struct ctl_client *c, const char *stream, cJSON *fields)
{
	size_t	 len;
	char	*line = proto_stream(stream, fields, &len);

	client_send(c, line, len);
}

void
client_close(struct ctl_client *c)
{
	if (c->flags & CLIENT_DEAD)
		return;
	c->flags |= CLIENT_CLOSING;
	ev_io_stop(c->daemon->loop, &c->read_w);
	client_flush(c);
}

bool
client_alive(const struct ctl_client *c)
{
	return (c->flags & CLIENT_DEAD) == 0;
}

size_t
client_pending(const struct ctl_client *c)
{
	return proto_buf_used(&c->out);
}

void
client_subscribe_events(struct ctl_client *c)
{
	if (c->flags & CLIENT_EVENTS)
		return;
	c->flags |= CLIENT_EVENTS;
	TAILQ_INSERT_TAIL(&ctl.events, c, event_entry);
	client_arm_timer(c);
}

/*
 * The request in flight is over.  The next one is read from the loop,
 * not from here: this may run inside an engine observer, which must not
 * be re-entered.
 */
void
client_done(struct ctl_client *c)
{
	c->job = NULL;
	if (c->flags & CLIENT_DEAD)
		return;
	ev_feed_event(c->daemon->loop, &c->read_w, EV_CUSTOM);
	client_arm_timer(c);
}

/* Read and run the buffered requests, one at a time, in order. */
static void
client_input(struct ctl_client *c)
{
	struct ev_loop		*loop = c->daemon->loop;
	struct proto_request	 req;
	enum proto_code		 code;
	char			 cause[512], *line;
	size_t			 len;

	while ((c->flags & (CLIENT_DEAD | CLIENT_CLOSING)) == 0 &&
	    c->job == NULL) {
		if ((line = proto_buf_line(&c->in, &len)) == NULL) {
			if (proto_buf_used(&c->in) > PROTO_LINE_MAX) {
				client_reply_error(c, NULL,
				    PROTO_LINE_TOO_LONG, "request line longer "
				    "than 65536 bytes", NULL);
				c->flags |= CLIENT_CLOSING;
				ev_io_stop(loop, &c->read_w);
				client_flush(c);
				return;
			}
			break;
		}
		/* A stream takes no more requests; blank lines are none. */
		if (c->tail != NULL || (c->flags & CLIENT_EVENTS))
			continue;
		if (strspn(line, " \t") == len)
			continue;
		if (proto_decode(&req, line, len, &code, cause,
		    sizeof(cause)) == -1) {
			client_reply_error(c, req.id, code, cause, NULL);
			proto_request_release(&req);
			continue;
		}
		/* CMD_WAIT has set c->job, which ends this loop. */
		cmd_dispatch(c, &req);
		proto_request_release(&req);
	}
	if ((c->flags & (CLIENT_DEAD | CLIENT_CLOSING | CLIENT_EOF)) == 0 &&
	    !ev_is_active(&c->read_w) &&
	    proto_buf_used(&c->in) <= PROTO_LINE_MAX)
		ev_io_start(loop, &c->read_w);
	if ((c->flags & CLIENT_DEAD) == 0)
		client_flush(c);
}

/* Stop serving a client now; it is freed before the loop waits again. */
void
client_drop(struct ctl_client *c, const char *why)
{
	struct ev_loop	*loop = c->daemon->loop;

	if (c->flags & CLIENT_DEAD)
		return;
	if (why != NULL)
		log_info("control: dropping client %u (uid %ld, pid %ld): %s",
		    c->id, (long)c->uid, (long)c->pid, why);
	else
		log_debug("control: client %u closed", c->id);
	c->flags |= CLIENT_DEAD;
	ev_io_stop(loop, &c->read_w);
	ev_io_stop(loop, &c->write_w);
	ev_timer_stop(loop, &c->timer);
	if (c->job != NULL)
		job_client_gone(c->job);
	c->job = NULL;
	if (c->tail != NULL)
		tail_free(c->tail);
	c->tail = NULL;
	if (c->flags & CLIENT_EVENTS)
		TAILQ_REMOVE(&ctl.events, c, event_entry);
	close(c->fd);
	c->fd = -1;
	TAILQ_REMOVE(&ctl.clients, c, entry);
	TAILQ_INSERT_TAIL(&ctl.dead, c, entry);
	ev_prepare_start(loop, &ctl.prepare_w);
	if (!ev_is_active(&ctl.pause_w) && ctl.fd != -1)
		ev_io_start(loop, &ctl.accept_w);
}

/* A new connection: check the peer, then serve it or refuse it. */
static void
client_new(struct daemon *d, int fd)
{
	struct ev_loop		*loop = d->loop;
	struct ctl_client	*c;
	struct ucred		 cr;
	socklen_t		 len = sizeof(cr);

	c = xcalloc(1, sizeof(*c));
	c->daemon = d;
	c->fd = fd;
	c->id = ++ctl.next_id;
	c->activity = ev_now(loop);
	ev_io_init(&c->read_w, client_read_cb, fd, EV_READ);
	ev_io_init(&c->write_w, client_write_cb, fd, EV_WRITE);
	ev_init(&c->timer, client_timer_cb);
	TAILQ_INSERT_TAIL(&ctl.clients, c, entry);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1) {
		log_warn("control: cannot read the peer's credentials");
		client_drop(c, NULL);
		return;
	}
	c->uid = cr.uid;
	c->gid = cr.gid;
	c->pid = cr.pid;
	if (!peer_allowed(fd, &cr)) {
		log_warnx("control: refused a connection from uid %ld pid %ld: "
		    "not root, not uid %ld, not in access_group",
		    (long)cr.uid, (long)cr.pid, (long)geteuid());
		c->flags |= CLIENT_CLOSING;
		client_reply_error(c, NULL, PROTO_FORBIDDEN, "permission "
		    "denied: uid not allowed on this socket", NULL);
		return;
	}
	log_debug("control: client %u connected (uid %ld, pid %ld)", c->id,
	    (long)cr.uid, (long)cr.pid);
	ev_io_start(loop, &c->read_w);
	client_arm_timer(c);
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	int	fd, i;

	/* A bounded batch per turn keeps the loop fair to everyone else. */
	for (i = 0; i < 64; i++) {
		fd = accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			client_new(ctl.daemon, fd);
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
			continue;
		case EAGAIN:
			return;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* Let clients finish and free descriptors. */
			log_warn("control: cannot accept, pausing");
			ev_io_stop(loop, &ctl.accept_w);
			ev_timer_set(&ctl.pause_w, CTL_ACCEPT_PAUSE, 0.);
			ev_timer_start(loop, &ctl.pause_w);
			return;
		default:
			log_warn("control: accept");
			return;
		}
	}
}

static void
pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_io_start(loop, &ctl.accept_w);
}

/* The last pid each process had: exits are told after it is cleared. */
static pid_t
seen_pid(struct proc *p, pid_t set, bool update)
{
	size_t	i;

	for (i = 0; i < ctl.nseen; i++) {
		if (ctl.seen[i].proc == p) {
			if (update)
				ctl.seen[i].pid = set;
			return ctl.seen[i].pid;
		}
	}
	if (!update)
		return 0;
	ctl.seen = xreallocarray(ctl.seen, ctl.nseen + 1, sizeof(*ctl.seen));
	ctl.seen[ctl.nseen].proc = p;
	ctl.seen[ctl.nseen++].pid = set;
	return set;
}

/*
 * Every transition: the waiting requests at once, the events streams at
 * the end of the loop's turn, once a new process has its pid (the engine
 * enters STARTING before it forks, and clears the pid before an exit).
 * With nobody following events only the pids are kept: building every
 * event of 1000 programs starting at once cost CPU and left the heap
 * fragmented for nothing.
 */
static void
control_observer(struct proc *p, enum proc_state from, enum proc_state to,
    void *arg)
{
	struct ctl_event	*ev;

	job_observe(p, from, to);
	if (TAILQ_EMPTY(&ctl.events)) {
		if (p->pid != 0)
			seen_pid(p, p->pid, true);
		else if (to == PROC_STARTING) {
			seen_pid(p, 0, true);
			ev = xcalloc(1, sizeof(*ev));
			ev->proc = p;
			TAILQ_INSERT_TAIL(&ctl.queue, ev, entry);
			if (!ev_is_active(&ctl.prepare_w))
				ev_prepare_start(ctl.daemon->loop,
				    &ctl.prepare_w);
		}
		return;
	}
	ev = xcalloc(1, sizeof(*ev));
	ev->fields = cmd_event_json(p, from, to);
	if (p->pid != 0)
		cJSON_AddNumberToObject(ev->fields, "pid",
		    seen_pid(p, p->pid, true));
	else if (to == PROC_STARTING) {
		seen_pid(p, 0, true);
		ev->proc = p;
	} else
		cJSON_AddNumberToObject(ev->fields, "pid",
		    seen_pid(p, 0, false));
	TAILQ_INSERT_TAIL(&ctl.queue, ev, entry);
	if (!ev_is_active(&ctl.prepare_w))
		ev_prepare_start(ctl.daemon->loop, &ctl.prepare_w);
}

/* Stream the queued transitions to every events client. */
static void
events_flush(void)
{
	struct ctl_event	*ev;
	struct ctl_client	*c, *next;
	char			*line;
	size_t			 len;

	while ((ev = TAILQ_FIRST(&ctl.queue)) != NULL) {
		TAILQ_REMOVE(&ctl.queue, ev, entry);
		if (ev->proc != NULL && ev->fields == NULL)
			seen_pid(ev->proc, ev->proc->pid, true);
		else if (ev->proc != NULL)
			cJSON_AddNumberToObject(ev->fields, "pid",
			    seen_pid(ev->proc, ev->proc->pid, true));
		if (ev->fields == NULL || TAILQ_EMPTY(&ctl.events)) {
			cJSON_Delete(ev->fields);
			free(ev);
			continue;
		}
		line = proto_stream("event", ev->fields, &len);
		free(ev);
		for (c = TAILQ_FIRST(&ctl.events); c != NULL; c = next) {
			next = TAILQ_NEXT(c, event_entry);
			client_send(c, xstrndup(line, len), len);
		}
		free(line);
	}
}

/* Before the loop waits: stream events, free dropped clients. */
static void
prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct ctl_client	*c;

	events_flush();
	while ((c = TAILQ_FIRST(&ctl.dead)) != NULL) {
		TAILQ_REMOVE(&ctl.dead, c, entry);
		proto_buf_release(&c->in);
		proto_buf_release(&c->out);
		free(c);
	}
	ev_prepare_stop(loop, w);
}

void
control_proc_gone(struct daemon *d, struct proc *p)
{
	struct ctl_event	*ev;
	size_t			 i;

	job_proc_gone(p);
	TAILQ_FOREACH(ev, &ctl.queue, entry) {
		if (ev->proc == p) {
			if (ev->fields != NULL)
				cJSON_AddNumberToObject(ev->fields, "pid",
				    p->pid);
			ev->proc = NULL;
		}
	}
	for (i = 0; i < ctl.nseen; i++) {
		if (ctl.seen[i].proc == p) {
			ctl.seen[i] = ctl.seen[--ctl.nseen];
			break;
		}
	}
}

/* "user[:group]", names or numbers; gid stays -1 without a group. */
static int
parse_owner(const char *spec, uid_t *uid, gid_t *gid, char *cause,
    size_t causelen)
{
	struct passwd	*pw;
	struct group	*gr;
	char		*user, *group, *end;
	long		 n;
	int		 rc = -1;

	user = xstrdup(spec);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	*gid = (gid_t)-1;
	if ((pw = getpwnam(user)) != NULL)
		*uid = pw->pw_uid;
	else {
		n = strtol(user, &end, 10);
		if (*user == '\0' || *end != '\0' || n < 0) {
			snprintf(cause, causelen, "chown: no such user '%s'",
			    user);
			goto out;
		}
		*uid = (uid_t)n;
	}
	if (group != NULL && *group != '\0') {
		if ((gr = getgrnam(group)) != NULL)
			*gid = gr->gr_gid;
		else {
			n = strtol(group, &end, 10);
			if (*end != '\0' || n < 0) {
				snprintf(cause, causelen, "chown: no such "
				    "group '%s'", group);
				goto out;
			}
			*gid = (gid_t)n;
		}
	}
	rc = 0;
out:
	free(user);
	return rc;
}

/*
 * Is a daemon answering on path?  A socket nobody listens on is stale;
 * anything that is not a socket is not ours to remove.
 */
static int
probe_socket(const char *path, char *cause, size_t causelen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(cause, causelen, "cannot stat '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(cause, causelen, "'%s' exists and is not a socket",
		    path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(cause, causelen, "socket path too long: '%s'", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(cause, causelen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (rc == 0 || errno == EAGAIN || errno == EINPROGRESS) {
		close(fd);
		snprintf(cause, causelen, "another daemon is answering on "
		    "'%s'", path);
		return -1;
	}
	close(fd);
	if (errno != ECONNREFUSED) {
		snprintf(cause, causelen, "cannot probe '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	log_info("control: removing stale socket '%s'", path);
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(cause, causelen, "cannot remove stale socket '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Resolve access_group now: the loop must never wait on NSS. */
static int
control_access(const struct unix_server_config *us, char *cause,
    size_t causelen)
{
	struct group	*gr;
	char		*end;
	long		 n;

	ctl.have_access_gid = false;
	if (us->access_group == NULL || *us->access_group == '\0')
		return 0;
	if ((gr = getgrnam(us->access_group)) != NULL)
		ctl.access_gid = gr->gr_gid;
	else {
		n = strtol(us->access_group, &end, 10);
		if (*end != '\0' || n < 0) {
			snprintf(cause, causelen, "access_group: no such "
			    "group '%s'", us->access_group);
			return -1;
		}
		ctl.access_gid = (gid_t)n;
	}
	ctl.have_access_gid = true;
	return 0;
}

static ev_tstamp
control_timeout(void)
{
	const char	*s = getenv("SUPERVISORD_CTL_TIMEOUT");
	char		*end;
	double		 t;

	if (s == NULL || *s == '\0')
		return CTL_TIMEOUT;
	t = strtod(s, &end);
	if (*end != '\0' || !(t > 0) || t > 86400) {
		log_warnx("control: ignoring SUPERVISORD_CTL_TIMEOUT '%s'", s);
		return CTL_TIMEOUT;
	}
	return t;
}

int
control_init(struct daemon *d, char *cause, size_t causelen)
{
	const struct unix_server_config	*us = &d->config->unix_server;
	struct sockaddr_un		 sun;
	uid_t				 uid;
	gid_t				 gid;
	mode_t				 mask;
	int				 fd;

	TAILQ_INIT(&ctl.clients);
	TAILQ_INIT(&ctl.dead);
	TAILQ_INIT(&ctl.events);
	TAILQ_INIT(&ctl.queue);
	ctl.daemon = d;
	ctl.timeout = control_timeout();
	if (us->file == NULL || *us->file == '\0') {
		snprintf(cause, causelen, "no control socket path");
		return -1;
	}
	if (strlen(us->file) >= sizeof(sun.sun_path)) {
		snprintf(cause, causelen, "socket path too long: '%s'",
		    us->file);
		return -1;
	}
	if (control_access(us, cause, causelen) == -1)
		return -1;
	if (probe_socket(us->file, cause, causelen) == -1)
		return -1;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(cause, causelen, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, us->file, strlen(us->file) + 1);
	/* Nobody may connect before the configured mode is in place. */
	mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(cause, causelen, "cannot bind '%s': %s", us->file,
		    strerror(errno));
		umask(mask);
		goto close_fd;
	}
	umask(mask);
	if (chmod(us->file, us->chmod) == -1) {
		snprintf(cause, causelen, "cannot chmod '%s': %s", us->file,
		    strerror(errno));
		goto unlink_path;
	}
	if (us->chown != NULL) {
		if (parse_owner(us->chown, &uid, &gid, cause, causelen) == -1)
			goto unlink_path;
		if (chown(us->file, uid, gid) == -1) {
			snprintf(cause, causelen, "cannot chown '%s' to '%s': "
			    "%s", us->file, us->chown, strerror(errno));
			goto unlink_path;
		}
	}
	if (listen(fd, SOMAXCONN) == -1) {
		snprintf(cause, causelen, "cannot listen on '%s': %s",
		    us->file, strerror(errno));
		goto unlink_path;
	}
	ctl.fd = fd;
	ctl.path = xstrdup(us->file);
	ev_io_init(&ctl.accept_w, accept_cb, fd, EV_READ);
	ev_io_start(d->loop, &ctl.accept_w);
	ev_init(&ctl.pause_w, pause_cb);
	ev_prepare_init(&ctl.prepare_w, prepare_cb);
	daemon_add_observer(d, control_observer, NULL);
	log_info("control: listening on '%s'", us->file);
	return 0;

unlink_path:
	unlink(us->file);
close_fd:
	close(fd);
	return -1;
}

void
control_free(struct daemon *d)
{
	struct ctl_client	*c;

	if (ctl.daemon == NULL)
		return;
	daemon_remove_observer(d, control_observer, NULL);
	events_flush();
	while ((c = TAILQ_FIRST(&ctl.clients)) != NULL) {
		/* One last try to deliver what is queued, without waiting. */
		proto_buf_send(&c->out, c->fd);
		client_drop(c, NULL);
	}
	job_free_all();
	prepare_cb(d->loop, &ctl.prepare_w, 0);
	ev_timer_stop(d->loop, &ctl.pause_w);
	if (ctl.fd != -1) {
		ev_io_stop(d->loop, &ctl.accept_w);
		close(ctl.fd);
		ctl.fd = -1;
	}
	if (ctl.path != NULL) {
		if (unlink(ctl.path) == -1 && errno != ENOENT)
			log_warn("control: cannot remove '%s'", ctl.path);
		free(ctl.path);
		ctl.path = NULL;
	}
	free(ctl.seen);
	ctl.seen = NULL;
	ctl.nseen = 0;
	ctl.daemon = NULL;
}

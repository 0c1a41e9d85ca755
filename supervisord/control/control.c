/*
 * The control socket: a Unix stream socket answering JSON requests for
 * any number of clients at once (client.c serves each) without ever
 * blocking the loop.  Every peer is checked (SO_PEERCRED) before it is
 * served.  The requests are cmd.c's, the events streams event.c's; the
 * accept loop is accept.c's.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "event.h"
#include "log.h"
#include "xmalloc.h"

/* The one control socket of the daemon. */
static struct {
	struct daemon		*daemon;
	struct acceptor		 acceptor;	/* accept.c */
	char			*path;
	TAILQ_HEAD(, ctl_client) clients;
	TAILQ_HEAD(, ctl_client) dead;	/* freed at the end of the turn */
	unsigned		 next_id;
	ev_tstamp		 timeout;
	bool			 have_access_gid;
	gid_t			 access_gid;
	/* chown's user and group, when chmod lets them write (connect). */
	bool			 have_owner_uid;
	uid_t			 owner_uid;
	bool			 have_owner_gid;
	gid_t			 owner_gid;
} ctl = { .acceptor = { .fd = -1, .reserve = -1 } };

/* Is the peer in one of the groups (primary or supplementary)? */
static bool
peer_in_groups(int fd, const struct ucred *cr, const gid_t *want,
    size_t nwant)
{
	gid_t		 small[64], *groups = small;
	socklen_t	 len = sizeof(small);
	size_t		 i, j;
	int		 rc;
	bool		 found = false;

	for (j = 0; j < nwant; j++)
		if (cr->gid == want[j])
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
		for (j = 0; j < nwant; j++)
			if (groups[i] == want[j])
				found = true;
	if (groups != small)
		free(groups);
	return found;
}

/*
 * The peer may use the socket: root, our own user, chown's user and
 * group as far as chmod lets them connect (as with Supervisor), or
 * access_group.  Others the file lets in (chmod 0777) are still refused.
 */
static bool
peer_allowed(int fd, const struct ucred *cr)
{
	gid_t	want[2];
	size_t	n = 0;

	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	if (ctl.have_owner_uid && cr->uid == ctl.owner_uid)
		return true;
	if (ctl.have_owner_gid)
		want[n++] = ctl.owner_gid;
	if (ctl.have_access_gid)
		want[n++] = ctl.access_gid;
	return n > 0 && peer_in_groups(fd, cr, want, n);
}

void
control_client_add(struct ctl_client *c)
{
	c->id = ++ctl.next_id;
	TAILQ_INSERT_TAIL(&ctl.clients, c, entry);
}

/* A client was dropped: free it after this turn.  (Accepting goes on by
   itself: only a pause, out of descriptors, stops it, and its timer
   ends it.) */
void
control_client_gone(struct ctl_client *c)
{
	if (c->flags & CLIENT_EVENTS)
		event_unsubscribe(c->daemon, cmd_event_send, c);
	TAILQ_REMOVE(&ctl.clients, c, entry);
	TAILQ_INSERT_TAIL(&ctl.dead, c, entry);
}

/* The clients connected to the socket (not XML-RPC's, which have none). */
size_t
control_client_count(void)
{
	struct ctl_client	*c;
	size_t			 n = 0;

	TAILQ_FOREACH(c, &ctl.clients, entry)
		if (c->fd != -1)
			n++;
	return n;
}

ev_tstamp
control_client_timeout(void)
{
	return ctl.timeout;
}

/* A new connection: who is it, and may it use the socket? */
static void
accept_one(struct acceptor *a, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct ucred	cr;
	socklen_t	len = sizeof(cr);
	bool		allowed;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1) {
		log_warn("control: cannot read the peer's credentials");
		close(fd);
		return;
	}
	if (!(allowed = peer_allowed(fd, &cr)))
		log_warnx("control: refused a connection from uid %ld pid %ld: "
		    "not root, not uid %ld, neither the socket's owner nor in its "
		    "group or access_group", (long)cr.uid, (long)cr.pid,
		    (long)geteuid());
	sniff_start(ctl.daemon, fd, &cr, allowed);
}

/* The end of the turn: every client's output, then free the dropped. */
void
control_flush(struct daemon *d)
{
	struct ctl_client	*c;

	client_flush_all();
	while ((c = TAILQ_FIRST(&ctl.dead)) != NULL) {
		TAILQ_REMOVE(&ctl.dead, c, entry);
		proto_buf_release(&c->in);
		proto_buf_release(&c->out);
		free(c);
	}
	acceptor_reserve(&ctl.acceptor);
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
timeout_from_env(void)
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

/* A socket bound to the path, with no access for anyone until the
   configured mode is in place; -1 when it cannot be. */
static int
control_bind(const char *path, char *cause, size_t causelen)
{
	struct sockaddr_un	sun;
	mode_t			mask;
	int			fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(cause, causelen, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* Nobody may connect before the configured mode is in place. */
	mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(cause, causelen, "cannot bind '%s': %s", path,
		    strerror(errno));
		umask(mask);
		close(fd);
		return -1;
	}
	umask(mask);
	return fd;
}

/* chmod= and chown= on the socket's file, and the owner they admit. */
static int
control_own(const struct unix_server_config *us, char *cause,
    size_t causelen)
{
	uid_t	uid;
	gid_t	gid;

	if (chmod(us->file, us->chmod) == -1) {
		snprintf(cause, causelen, "cannot chmod '%s': %s", us->file,
		    strerror(errno));
		return -1;
	}
	ctl.have_owner_uid = ctl.have_owner_gid = false;
	if (us->chown == NULL)
		return 0;
	if (parse_owner(us->chown, &uid, &gid, cause, causelen) == -1)
		return -1;
	if (chown(us->file, uid, gid) == -1) {
		snprintf(cause, causelen, "cannot chown '%s' to '%s': %s",
		    us->file, us->chown, strerror(errno));
		return -1;
	}
	ctl.have_owner_uid = (us->chmod & 0200) != 0;
	ctl.owner_uid = uid;
	ctl.have_owner_gid = gid != (gid_t)-1 && (us->chmod & 0020) != 0;
	ctl.owner_gid = gid;
	return 0;
}

int
control_init(struct daemon *d, char *cause, size_t causelen)
{
	const struct unix_server_config	*us = &d->config->unix_server;
	struct sockaddr_un		 sun;
	int				 fd;

	TAILQ_INIT(&ctl.clients);
	TAILQ_INIT(&ctl.dead);
	ctl.daemon = d;
	ctl.timeout = timeout_from_env();
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
	if ((fd = control_bind(us->file, cause, causelen)) == -1)
		return -1;
	if (control_own(us, cause, causelen) == -1)
		goto unlink_path;
	if (listen(fd, SOMAXCONN) == -1) {
		snprintf(cause, causelen, "cannot listen on '%s': %s",
		    us->file, strerror(errno));
		goto unlink_path;
	}
	ctl.path = xstrdup(us->file);
	ctl.acceptor.name = "control";
	ctl.acceptor.with_reserve = true;
	ctl.acceptor.accepted = accept_one;
	acceptor_start(&ctl.acceptor, d->loop, fd);
	job_init(d);
	log_info("control: listening on '%s'", us->file);
	return 0;

unlink_path:
	unlink(us->file);
	close(fd);
	return -1;
}

void
control_free(struct daemon *d)
{
	struct ctl_client	*c;

	if (ctl.daemon == NULL)
		return;
	sniff_free_all();
	job_free_all(d);
	while ((c = TAILQ_FIRST(&ctl.clients)) != NULL) {
		/* One last try to deliver what is queued, without waiting. */
		proto_buf_send(&c->out, c->fd);
		client_drop(c, NULL);
	}
	control_flush(d);
	acceptor_stop(&ctl.acceptor);
	if (ctl.path != NULL) {
		if (unlink(ctl.path) == -1 && errno != ENOENT)
			log_warn("control: cannot remove '%s'", ctl.path);
		free(ctl.path);
		ctl.path = NULL;
	}
	ctl.daemon = NULL;
}

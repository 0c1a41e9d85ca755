/*
 * The daemon's own readiness, for systemd (Type=notify): the few lines of
 * the sd_notify protocol, without libsystemd.  Datagrams to NOTIFY_SOCKET
 * (a path, or "@name" for an abstract socket), sent without blocking; one
 * that cannot leave yet (EAGAIN) waits in a short queue, any other
 * failure is logged and forgotten.  STATUS= counts running programs, at
 * most once a second; WATCHDOG=1 goes every WATCHDOG_USEC / 2.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "xmalloc.h"
#include "supervisord.h"

#define SDNOTIFY_QUEUE		16	/* messages waiting on EAGAIN */
#define SDNOTIFY_RETRY		0.1	/* seconds between tries then */
#define SDNOTIFY_STATUS_EVERY	1.0	/* at most one STATUS= a second */

struct sdnotify {
	struct ev_loop		*loop;
	int			 fd;
	struct sockaddr_un	 sa;
	socklen_t		 salen;
	char			*queue[SDNOTIFY_QUEUE];
	size_t			 nqueue;
	int			 last_errno;	/* logged once, until a success */
	ev_timer		 retry;
	ev_timer		 status_timer;
	ev_tstamp		 status_sent;	/* ev_time() of the last STATUS= */
	bool			 status_dirty;
	ev_timer		 watchdog;
	bool			 stopping;
};

/* Send one datagram now; false when it must wait (EAGAIN). */
static bool
sd_send_now(struct sdnotify *s, const char *msg)
{
	ssize_t	n;

	do
		n = sendto(s->fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
		    (struct sockaddr *)&s->sa, s->salen);
	while (n == -1 && errno == EINTR);
	if (n != -1) {
		s->last_errno = 0;
		return true;
	}
	if (errno == EAGAIN || errno == ENOBUFS)
		return false;
	if (errno != s->last_errno)
		log_warn("systemd notification failed");
	s->last_errno = errno;
	return true;	/* dropped: it would fail again */
}

/* Send what waits, in order, while the socket takes it. */
static void
sd_flush(struct sdnotify *s)
{
	size_t		 i, sent = 0;

	while (sent < s->nqueue && sd_send_now(s, s->queue[sent])) {
		free(s->queue[sent]);
		sent++;
	}
	for (i = sent; i < s->nqueue; i++)
		s->queue[i - sent] = s->queue[i];
	s->nqueue -= sent;
	if (s->nqueue > 0 && !ev_is_active(&s->retry)) {
		ev_timer_set(&s->retry, SDNOTIFY_RETRY, 0);
		ev_timer_start(s->loop, &s->retry);
	}
}

/* Queue a message (the oldest is dropped when full) and flush. */
static void
sd_send(struct sdnotify *s, char *msg)
{
	size_t	i;
	char	*line, *nl;

	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		line = xstrdup(msg);
		while ((nl = strchr(line, '\n')) != NULL)
			*nl = ' ';
		log_debug("systemd: %s", line);
		free(line);
	}
	if (s->nqueue == SDNOTIFY_QUEUE) {
		log_warnx("systemd notification queue full: dropping one");
		free(s->queue[0]);
		for (i = 1; i < s->nqueue; i++)
			s->queue[i - 1] = s->queue[i];
		s->nqueue--;
	}
	s->queue[s->nqueue++] = msg;
	sd_flush(s);
}

static void
retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	sd_flush(container_of(w, struct sdnotify, retry));
}

/* "3 of 5 programs running", then ", 1 FATAL" when any is. */
static void
sd_status_text(struct daemon *d, char *buf, size_t len)
{
	size_t	i, running = 0, fatal = 0;

	for (i = 0; i < d->nprocs; i++) {
		if (d->procs[i]->state == PROC_RUNNING)
			running++;
		else if (d->procs[i]->state == PROC_FATAL)
			fatal++;
	}
	if (fatal > 0)
		snprintf(buf, len, "%zu of %zu programs running, %zu FATAL",
		    running, d->nprocs, fatal);
	else
		snprintf(buf, len, "%zu of %zu programs running", running,
		    d->nprocs);
}

static void
sd_send_status(struct daemon *d, const char *prefix)
{
	struct sdnotify	*s = d->sdnotify;
	char		 text[128], *msg;

	sd_status_text(d, text, sizeof(text));
	xasprintf(&msg, "%sSTATUS=%s%s", prefix, s->stopping ?
	    "stopping: " : "", text);
	s->status_sent = ev_time();
	s->status_dirty = false;
	ev_timer_stop(d->loop, &s->status_timer);
	sd_send(s, msg);
}

static void
status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon	*d = ev_userdata(loop);

	if (d->sdnotify != NULL && d->sdnotify->status_dirty)
		sd_send_status(d, "");
}

/* A transition in or out of RUNNING or FATAL changes the count. */
static void
sd_event(const struct event *e, void *arg)
{
	struct daemon	*d = arg;
	struct sdnotify	*s = d->sdnotify;
	ev_tstamp	 wait;

	if (e->type == EVENT_SUPERVISOR_STATE) {
		if (e->daemon_state == DAEMON_RUNNING)
			sdnotify_ready(d);
		else if (e->daemon_state == DAEMON_RELOADING)
			sdnotify_reloading(d);
		else
			sdnotify_stopping(d);
		return;
	}
	if (s == NULL || (e->from != PROC_RUNNING && e->to != PROC_RUNNING &&
	    e->from != PROC_FATAL && e->to != PROC_FATAL))
		return;
	s->status_dirty = true;
	if (ev_is_active(&s->status_timer))
		return;
	wait = s->status_sent + SDNOTIFY_STATUS_EVERY - ev_time();
	if (wait <= 0) {
		sd_send_status(d, "");
		return;
	}
	ev_timer_set(&s->status_timer, wait, 0);
	ev_timer_start(d->loop, &s->status_timer);
}

static void
watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sdnotify	*s = container_of(w, struct sdnotify, watchdog);

	/* Not queued: a late ping is worth nothing, the next one follows. */
	(void)sd_send_now(s, "WATCHDOG=1");
}

/* NOTIFY_SOCKET into an address: "/path" or "@abstract". */
static int
sd_address(struct sdnotify *s, const char *name)
{
	size_t	len = strlen(name);

	memset(&s->sa, 0, sizeof(s->sa));
	s->sa.sun_family = AF_UNIX;
	if ((name[0] != '/' && name[0] != '@') || len < 2 ||
	    len >= sizeof(s->sa.sun_path))
		return -1;
	memcpy(s->sa.sun_path, name, len);
	if (name[0] == '@')
		s->sa.sun_path[0] = '\0';
	s->salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (name[0] == '/' ? 1 : 0));
	return 0;
}

/* WATCHDOG_USEC for us (WATCHDOG_PID ours or unset): ping at half. */
static void
sd_watchdog_init(struct daemon *d, struct sdnotify *s)
{
	const char		*usec = getenv("WATCHDOG_USEC");
	const char		*pid = getenv("WATCHDOG_PID");
	char			*end;
	unsigned long long	 us;
	ev_tstamp		 every;

	if (usec == NULL)
		return;
	if (pid != NULL && (strtol(pid, &end, 10) != (long)getpid() ||
	    *end != '\0')) {
		log_info("systemd watchdog is for pid %s, not us", pid);
		return;
	}
	errno = 0;
	us = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || us == 0) {
		log_warnx("WATCHDOG_USEC='%s' is not a number of "
		    "microseconds: no watchdog pings", usec);
		return;
	}
	every = (ev_tstamp)us / 2e6;
	log_info("systemd watchdog: WATCHDOG=1 every %.3f seconds", every);
	ev_timer_init(&s->watchdog, watchdog_cb, 0, every);
	ev_timer_again(d->loop, &s->watchdog);
	(void)sd_send_now(s, "WATCHDOG=1");
}

void
sdnotify_init(struct daemon *d)
{
	const char	*name = getenv("NOTIFY_SOCKET");
	struct sdnotify	*s;

	if (name == NULL || *name == '\0')
		goto unset;
	s = xcalloc(1, sizeof(*s));
	if (sd_address(s, name) == -1) {
		log_warnx("NOTIFY_SOCKET='%s' is not a socket path or "
		    "@name: no systemd notifications", name);
		free(s);
		goto unset;
	}
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd == -1) {
		log_warn("cannot create a socket for systemd notifications");
		free(s);
		goto unset;
	}
	s->loop = d->loop;
	ev_timer_init(&s->retry, retry_cb, SDNOTIFY_RETRY, 0);
	ev_timer_init(&s->status_timer, status_cb, SDNOTIFY_STATUS_EVERY, 0);
	ev_timer_init(&s->watchdog, watchdog_cb, 0, 0);
	d->sdnotify = s;
	log_info("systemd notifications to %s", name);
	sd_watchdog_init(d, s);
	event_subscribe(d, EVENT_MASK(EVENT_PROCESS_STATE) |
	    EVENT_MASK(EVENT_SUPERVISOR_STATE), EVENT_AFTER_INPUT, sd_event, d);
unset:
	/* Ours alone: no program inherits them (as sd_notify(3)'s
	   unset_environment). */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

void
sdnotify_ready(struct daemon *d)
{
	char	*prefix;

	if (d->sdnotify == NULL)
		return;
	xasprintf(&prefix, "READY=1\nMAINPID=%d\n", (int)getpid());
	sd_send_status(d, prefix);
	free(prefix);
}

void
sdnotify_reloading(struct daemon *d)
{
	struct timespec	 ts;
	char		*msg;

	if (d->sdnotify == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	xasprintf(&msg, "RELOADING=1\nMONOTONIC_USEC=%llu\n"
	    "STATUS=reloading the configuration",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	sd_send(d->sdnotify, msg);
}

void
sdnotify_stopping(struct daemon *d)
{
	if (d->sdnotify == NULL || d->sdnotify->stopping)
		return;
	d->sdnotify->stopping = true;
	sd_send_status(d, "STOPPING=1\n");
}

void
sdnotify_free(struct daemon *d)
{
	struct sdnotify	*s = d->sdnotify;
	size_t		 i;

	if (s == NULL)
		return;
	/* A last try for what waits (STOPPING=1, the final count). */
	if (s->status_dirty)
		sd_send_status(d, "");
	sd_flush(s);
	for (i = 0; i < s->nqueue; i++)
		free(s->queue[i]);
	ev_timer_stop(d->loop, &s->retry);
	ev_timer_stop(d->loop, &s->status_timer);
	ev_timer_stop(d->loop, &s->watchdog);
	event_unsubscribe(d, sd_event, d);
	close(s->fd);
	free(s);
	d->sdnotify = NULL;
}

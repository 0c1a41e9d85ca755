/*
 * tail and maintail: the end of a log file, and with follow a stream of
 * what is appended, across rotations (the path's inode changes: drain the
 * old file, then reopen) and truncations (the file shrinks: start over),
 * as output/logfollow.c follows a file.  A stream reads only while its
 * client drains its output.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "log.h"
#include "xmalloc.h"

#define TAIL_CHUNK	65536
#define TAIL_INTERVAL	1.0	/* ev_stat polling where inotify cannot */
/* Looking again without being told: a file moved away is still written
   (until its writer reopens) but the path's watch no longer sees it. */
#define TAIL_POLL	0.25

struct tail {
	struct ctl_client	*client;
	struct ev_loop		*loop;
	struct logfollow	 lf;		/* lf.off: the next byte to send */
	ev_stat			 stat_w;
	ev_timer		 poll_w;
	bool			 pumping;
	bool			 failed;	/* ended with an error */
	unsigned char		 held[4];	/* a character cut in two */
	size_t			 nheld;
};

static void	tail_pump(struct tail *);

/* pread(2) exactly len bytes unless the file ends first. */
static ssize_t
read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

/*
 * Where the last n lines of a file of size bytes begin, looking back at
 * most limit bytes.  A final newline ends the last line, not a new one.
 */
static off_t
lines_start(int fd, off_t size, long n, long limit)
{
	char	buf[TAIL_CHUNK], last;
	off_t	lowest = size > limit ? size - limit : 0, pos = size;
	ssize_t	got, i;
	long	count = 0;

	if (n == 0 || size == 0)
		return size;
	if (read_at(fd, &last, 1, size - 1) == 1 && last == '\n')
		pos--;
	while (pos > lowest) {
		got = pos - lowest > TAIL_CHUNK ? TAIL_CHUNK : pos - lowest;
		if (read_at(fd, buf, got, pos - got) != got)
			return lowest;
		for (i = got - 1; i >= 0; i--) {
			if (buf[i] == '\n' && ++count == n)
				return pos - got + i + 1;
		}
		pos -= got;
	}
	return lowest;
}

/* One "tail" stream line with these bytes. */
static void
tail_send(struct tail *t, const void *data, size_t len)
{
	char	*lit;
	size_t	 litlen;
	cJSON	*fields = cJSON_CreateObject();

	lit = proto_json_string(data, len, &litlen);
	cJSON_AddItemToObject(fields, "data", cJSON_CreateRaw(lit));
	free(lit);
	client_stream(t->client, "tail", fields);
}

/* Send bytes, holding back a character cut by the end of the read. */
static void
tail_emit(struct tail *t, const char *data, size_t len)
{
	char	*buf;
	size_t	 total = t->nheld + len, whole;

	buf = xmalloc(total);
	memcpy(buf, t->held, t->nheld);
	memcpy(buf + t->nheld, data, len);
	whole = proto_utf8_whole(buf, total);
	t->nheld = total - whole;
	memcpy(t->held, buf + whole, t->nheld);
	if (whole > 0)
		tail_send(t, buf, whole);
	free(buf);
}

/* The file ended for good: a held partial character never completes. */
static void
tail_flush_held(struct tail *t)
{
	size_t	n = t->nheld;

	t->nheld = 0;
	if (n > 0)
		tail_send(t, t->held, n);
}

/* Tell the client the stream ends with an error, then close. */
static void
tail_fail(struct tail *t, const char *cause)
{
	struct ctl_client	*c = t->client;
	cJSON			*fields = cJSON_CreateObject(), *err;

	log_warnx("control: tail of '%s' stopped: %s", t->lf.path, cause);
	err = cJSON_AddObjectToObject(fields, "error");
	cJSON_AddStringToObject(err, "code",
	    proto_code_name(PROTO_LOG_ERROR));
	cJSON_AddStringToObject(err, "message", cause);
	t->failed = true;
	ev_stat_stop(t->loop, &t->stat_w);
	ev_timer_stop(t->loop, &t->poll_w);
	client_stream(c, "tail", fields);
	if (client_alive(c))
		client_close(c);
}

/* (Re)open the path for a new file; -1 while it is missing or bad. */
static int
tail_reopen(struct tail *t)
{
	char	cause[512];

	if (logfollow_reopen(&t->lf, cause, sizeof(cause)) == -1) {
		if (errno != ENOENT)
			tail_fail(t, cause);
		return -1;
	}
	return 0;
}

/* Send what was appended, for as long as the client keeps up. */
static void
tail_pump(struct tail *t)
{
	struct ctl_client	*c = t->client;
	char			 buf[TAIL_CHUNK];
	enum logfollow_end	 end;
	ssize_t			 n;

	/*
	 * Anything that sends may drop the client, and t with it: after
	 * each send, look only at c (freed later) before touching t.
	 */
	if (t->pumping || t->failed)
		return;
	t->pumping = true;
	for (;;) {
		if (client_pending(c) >= CTL_OUT_HIGH)
			break;		/* tail_resume() when it drains */
		if (t->lf.fd == -1 && tail_reopen(t) == -1) {
			if (!client_alive(c))
				return;
			break;
		}
		n = pread(t->lf.fd, buf, sizeof(buf), t->lf.off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(buf, sizeof(buf), "cannot read '%s': %s",
			    t->lf.path, strerror(errno));
			tail_fail(t, buf);
			if (!client_alive(c))
				return;
			break;
		}
		if (n > 0) {
			t->lf.off += n;
			tail_emit(t, buf, n);
			if (!client_alive(c))
				return;
			continue;
		}
		/* At the end: has the path moved on to a new file? */
		end = logfollow_at_end(&t->lf);
		if (end == LOGFOLLOW_IDLE)
			break;
		/* A new file, or the start again: a character cut at the
		   old end never completes (after a carried rotation, the
		   bytes go on in the new file). */
		if (end == LOGFOLLOW_ROTATED || end == LOGFOLLOW_TRUNCATED) {
			tail_flush_held(t);
			if (!client_alive(c))
				return;
		}
	}
	t->pumping = false;
}

static void
tail_stat_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
	tail_pump(container_of(w, struct tail, stat_w));
}

static void
tail_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	tail_pump(container_of(w, struct tail, poll_w));
}

void
tail_resume(struct tail *t)
{
	tail_pump(t);
}

void
tail_free(struct tail *t)
{
	ev_stat_stop(t->loop, &t->stat_w);
	ev_timer_stop(t->loop, &t->poll_w);
	logfollow_release(&t->lf);
	free(t);
}

/*
 * Turn the client into a stream of what is appended to path from off (fd
 * open on it, st its stat, or -1 and NULL before it exists); held is the
 * cut character at the end of what was sent, completed by what follows.
 */
static void
tail_follow(struct ctl_client *c, const char *path, int fd,
    const struct stat *st, off_t off, const char *held, size_t nheld)
{
	struct tail	*t;

	t = xcalloc(1, sizeof(*t));
	t->client = c;
	t->loop = c->daemon->loop;
	logfollow_init(&t->lf, path, fd, st, off);
	t->nheld = nheld;
	memcpy(t->held, held, t->nheld);
	ev_stat_init(&t->stat_w, tail_stat_cb, t->lf.path, TAIL_INTERVAL);
	ev_stat_start(t->loop, &t->stat_w);
	ev_timer_init(&t->poll_w, tail_poll_cb, TAIL_POLL, TAIL_POLL);
	ev_timer_start(t->loop, &t->poll_w);
	c->tail = t;
	/* Anything appended since we looked. */
	tail_pump(t);
}

/*
 * Reply with the end of the log at path, then, with follow, turn the
 * client into a stream of what is appended.
 */
static enum cmd_retval
tail_start(struct ctl_client *c, const struct proto_request *req,
    const char *path, cJSON *res)
{
	struct stat	 st;
	char		 cause[512], *buf = NULL, *lit;
	long		 bytes, lines;
	bool		 follow;
	off_t		 start = 0, size = 0;
	ssize_t		 got = 0;
	size_t		 skip, whole, litlen;
	int		 fd;

	bytes = proto_get_int(req, "bytes", PROTO_TAIL_DEFAULT);
	lines = proto_get_int(req, "lines", -1);
	follow = proto_get_bool(req, "follow", false);
	if (lines >= 0 && proto_get(req, "bytes") == NULL)
		bytes = PROTO_TAIL_MAX;

	if ((fd = logfollow_open(path, &st, cause, sizeof(cause))) == -1 &&
	    errno != ENOENT) {
		client_reply_error(c, req->id, errno == EINVAL ? PROTO_NO_LOG :
		    PROTO_LOG_ERROR, cause, res);
		return CMD_DONE;
	}
	buf = xmalloc(1);
	if (fd != -1) {
		size = st.st_size;
		start = lines >= 0 ? lines_start(fd, size, lines, bytes) :
		    size > bytes ? size - bytes : 0;
		buf = xrealloc(buf, size - start + 1);
		if ((got = read_at(fd, buf, size - start, start)) == -1) {
			snprintf(cause, sizeof(cause), "cannot read '%s': %s",
			    path, strerror(errno));
			free(buf);
			close(fd);
			client_reply_error(c, req->id, PROTO_LOG_ERROR, cause,
			    res);
			return CMD_DONE;
		}
	}
	/* Cut mid-character at the start: begin at the next character. */
	skip = start > 0 ? proto_utf8_partial_head(buf, got) : 0;
	whole = follow ? skip + proto_utf8_whole(buf + skip, got - skip) :
	    (size_t)got;
	lit = proto_json_string(buf + skip, whole - skip, &litlen);
	cJSON_AddStringToObject(res, "file", path);
	cJSON_AddNumberToObject(res, "size", size);
	cJSON_AddNumberToObject(res, "offset", start + skip);
	cJSON_AddItemToObject(res, "data", cJSON_CreateRaw(lit));
	free(lit);
	client_reply_ok(c, req->id, res);
	if (!follow || !client_alive(c)) {
		free(buf);
		if (fd != -1)
			close(fd);
		return CMD_DONE;
	}

	tail_follow(c, path, fd, fd != -1 ? &st : NULL, start + got,
	    buf + whole, got - whole);
	free(buf);
	return CMD_STREAM;
}

/* The log file of one process's stdout or stderr. */
enum cmd_retval
cmd_tail(struct ctl_client *c, const struct proto_request *req)
{
	const char			*name, *stream, *path;
	struct proc			**procs;
	size_t				 n;
	char				 msg[PATH_MAX + 1024];
	char				 full[2 * PROTO_NAME_MAX + 2];
	bool				 err;
	cJSON				*res;

	name = proto_get_string(req, "name", NULL);
	stream = proto_get_string(req, "stream", "stdout");
	if (cmd_resolve(c->daemon, &name, 1, &procs, &n, NULL) == -1) {
		snprintf(msg, sizeof(msg), "no such process: %s", name);
		client_reply_error(c, req->id, PROTO_NO_SUCH_PROCESS, msg,
		    NULL);
		return CMD_DONE;
	}
	if (n != 1) {
		snprintf(msg, sizeof(msg), "'%s' names %zu processes; tail "
		    "takes one", name, n);
		free(procs);
		client_reply_error(c, req->id, PROTO_BAD_REQUEST, msg, NULL);
		return CMD_DONE;
	}
	proc_fullname(procs[0], full, sizeof(full));
	if (strcmp(stream, "stderr") == 0 && procs[0]->cfg->redirect_stderr) {
		snprintf(msg, sizeof(msg), "%s: stderr is redirected to stdout "
		    "(redirect_stderr=true)", full);
		free(procs);
		client_reply_error(c, req->id, PROTO_NO_LOG, msg, NULL);
		return CMD_DONE;
	}
	err = strcmp(stream, "stderr") == 0;
	path = logcap_path(procs[0], err);
	if (path == NULL) {
		free(procs);
		snprintf(msg, sizeof(msg), "%s: %s is not logged to a file",
		    full, stream);
		client_reply_error(c, req->id, PROTO_NO_LOG, msg, NULL);
		return CMD_DONE;
	}
	/* An empty reply would read as "no output": say where it went. */
	if (access(path, F_OK) == -1 && errno == ENOENT &&
	    logcap_path_lost(procs[0], err)) {
		free(procs);
		snprintf(msg, sizeof(msg), "%s: log file '%s' was deleted or "
		    "moved; %s is written to the old file until %s restarts "
		    "(or supervisord gets SIGUSR2)", full, path, stream, full);
		client_reply_error(c, req->id, PROTO_LOG_ERROR, msg, NULL);
		return CMD_DONE;
	}
	free(procs);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "name", full);
	cJSON_AddStringToObject(res, "stream", stream);
	return tail_start(c, req, path, res);
}

/* The daemon's own log file. */
enum cmd_retval
cmd_maintail(struct ctl_client *c, const struct proto_request *req)
{
	const char	*path = logclear_daemon_path();

	if (path == NULL) {
		client_reply_error(c, req->id, PROTO_NO_LOG, "the daemon logs "
		    "to stderr, syslog or the journal, not to a file", NULL);
		return CMD_DONE;
	}
	return tail_start(c, req, path, cJSON_CreateObject());
}

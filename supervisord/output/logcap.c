/*
 * Capture of each process's stdout and stderr: the daemon reads every pipe
 * without blocking, from the spawn to the last byte after the process
 * exited, and copies it to the stream's destination, so a program never
 * hangs on a full pipe and nothing it wrote before exiting is lost.
 *
 * A struct logcap is one output stream of a process and lives across its
 * spawns; each spawn adds a struct capture (the read end of a fresh pipe
 * and its watcher, capture.c), which drains until end of file and then
 * goes away, even when the process has already been respawned.  Log
 * files are shared by path, so two streams naming one file write through
 * one descriptor.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logcap.h"
#include "logfile.h"
#include "xmalloc.h"

/* What logcap_prepare set up for the spawn under way. */
static struct {
	struct proc	*proc;
	int		 fds[2];	/* child's ends, closed after fork */
	struct capture	*caps[2];	/* not watched until the fork */
} pending = { NULL, { -1, -1 }, { NULL, NULL } };

struct ev_loop *
logcap_loop(struct proc *p)
{
	if (p->daemon != NULL && p->daemon->loop != NULL)
		return p->daemon->loop;
	return EV_DEFAULT;
}

/* "group:name", or "name" alone when the group is the program. */
void
logcap_who(struct logcap *lc, char *buf, size_t len)
{
	const struct proc_config *pc = lc->proc->cfg;

	if (pc->group == NULL || strcmp(pc->group, pc->name) == 0)
		snprintf(buf, len, "%s %s", pc->name, lc->stream);
	else
		snprintf(buf, len, "%s:%s %s", pc->group, pc->name,
		    lc->stream);
}

/* The syslog tag: "group:name", or "name" alone when the group is the
   program.  Made for each line sent rather than kept: most streams never
   go to syslog, and a thousand of them would carry 128 idle bytes each. */
void
logcap_tag(const struct logcap *lc, char *buf, size_t len)
{
	const struct proc_config *pc = lc->proc->cfg;

	if (pc->group == NULL || strcmp(pc->group, pc->name) == 0)
		snprintf(buf, len, "%s", pc->name);
	else
		snprintf(buf, len, "%s:%s", pc->group, pc->name);
}

/* Whether a stream needs a pipe at all (NONE without syslog, events
   or capture mode does not). */
static bool
stream_captured(const struct stream_config *sc)
{
	return sc->dest != LOG_DEST_NONE || sc->syslog || sc->events_enabled ||
	    sc->capture_maxbytes > 0;
}

/* An AUTO stream's file: the loader's name, else one of ours, kept. */
static const char *
logcap_autopath(struct logcap *lc, const struct stream_config *sc)
{
	if (sc->logfile != NULL)
		return sc->logfile;
	if (lc->autopath == NULL) {
		lc->autonew = true;
		lc->autopath = logreg_autoname(lc->proc->daemon != NULL ?
		    lc->proc->daemon->config : NULL, lc->proc->cfg->name,
		    lc->stream);
	}
	return lc->autopath;
}

/*
 * Once its file is open, an AUTO name is the file's own copy (a name of
 * 60 bytes and more, twice for each program otherwise): shared while the
 * stream holds the file, copied back before it lets the file go.
 */
static bool
logcap_autopath_shared(const struct logcap *lc)
{
	return lc->file != NULL && lc->autopath == lc->file->path;
}

static void
logcap_put_file(struct logcap *lc)
{
	if (logcap_autopath_shared(lc))
		lc->autopath = xstrdup(lc->autopath);
	logreg_put(lc->file);
	lc->file = NULL;
}

/* Point the stream at its configured destination (it may have changed). */
static void
logcap_configure(struct logcap *lc, const struct stream_config *sc)
{
	const char	*path = NULL;
	char		 who[256];

	if (sc->dest == LOG_DEST_FILE)
		path = sc->logfile;
	else if (sc->dest == LOG_DEST_AUTO)
		path = logcap_autopath(lc, sc);
	lc->std = 0;
	if (path != NULL && strcmp(path, "/dev/stdout") == 0)
		lc->std = STDOUT_FILENO;
	else if (path != NULL && strcmp(path, "/dev/stderr") == 0)
		lc->std = STDERR_FILENO;
	if (lc->std != 0)
		path = NULL;
	lc->syslog = sc->syslog;
	lc->events = sc->events_enabled;
	lc->capture_max = sc->capture_maxbytes;
	lc->strip_ansi = lc->proc->daemon != NULL &&
	    lc->proc->daemon->config != NULL &&
	    lc->proc->daemon->config->sd.strip_ansi;

	if (lc->file != NULL &&
	    (path == NULL || strcmp(lc->file->path, path) != 0))
		logcap_put_file(lc);
	if (path != NULL && lc->file == NULL) {
		/* Our own AUTO name: its file must be new (O_EXCL). */
		lc->file = logreg_get(path, sc->logfile_maxbytes,
		    sc->logfile_backups, lc->autonew && path == lc->autopath,
		    path == lc->autopath);
		if (path == lc->autopath) {
			lc->autonew = false;
			free(lc->autopath);
			lc->autopath = lc->file->path;
		}
	} else if (lc->file != NULL) {
		logfile_set_limits(lc->file, sc->logfile_maxbytes,
		    sc->logfile_backups);
		/* Deleted or moved away since the last spawn: this run's
		   output goes to a file at the name again, as Supervisor
		   opens its log anew at each spawn. */
		if (logfile_refresh(lc->file) == -1) {
			logcap_who(lc, who, sizeof(who));
			logfile_report(lc->file, who);
		}
	}
}

static struct logcap *
logcap_new(struct proc *p, const char *stream)
{
	struct logcap	*lc;

	lc = xcalloc(1, sizeof(*lc));
	lc->proc = p;
	lc->stream = stream;
	LIST_INIT(&lc->captures);
	return lc;
}

/* Flush and close every pipe of a stream, close its file, free it. */
static void
logcap_free(struct logcap *lc)
{
	struct capture	*c;

	if (lc == NULL)
		return;
	capture_drain_all(lc);
	while ((c = LIST_FIRST(&lc->captures)) != NULL)
		capture_close(c);
	if (logcap_autopath_shared(lc))
		lc->autopath = NULL;	/* the file's, freed with it */
	logreg_put(lc->file);
	free(lc->autopath);
	free(lc);
}

/* Close what a spawn left behind: the child's ends, unwatched pipes. */
static void
pending_clear(bool spawned)
{
	struct capture	*c;
	int		 i;

	/* With redirect_stderr both slots hold the same descriptor. */
	if (pending.fds[1] == pending.fds[0])
		pending.fds[1] = -1;
	for (i = 0; i < 2; i++) {
		if (pending.fds[i] != -1)
			close(pending.fds[i]);
		pending.fds[i] = -1;
		if ((c = pending.caps[i]) == NULL)
			continue;
		pending.caps[i] = NULL;
		if (spawned) {
			c->pid = c->lc->proc->pid;
			LIST_INSERT_HEAD(&c->lc->captures, c, entry);
			ev_io_start(logcap_loop(c->lc->proc), &c->io);
		} else {
			close(c->fd);
			free(c);
		}
	}
	pending.proc = NULL;
}

/* Set up one stream for a spawn: a pipe, or /dev/null for NONE. */
static int
logcap_prepare_stream(struct proc *p, struct logcap **lcp, const char *name,
    const struct stream_config *sc, int slot, char *cause, size_t len)
{
	struct logcap	*lc;
	int		 fd;

	if (!stream_captured(sc)) {
		logcap_free(*lcp);
		*lcp = NULL;
		if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
			snprintf(cause, len, "cannot open /dev/null: %s",
			    strerror(errno));
			return -1;
		}
		pending.fds[slot] = fd;
		return 0;
	}
	if ((lc = *lcp) == NULL)
		lc = *lcp = logcap_new(p, name);
	logcap_configure(lc, sc);
	/* The last run's tail goes before this run's first byte. */
	capture_drain_all(lc);
	return capture_new(lc, &pending.fds[slot], &pending.caps[slot], cause,
	    len);
}

int
logcap_prepare(struct proc *p, int child_fds[2], char *cause, size_t len)
{
	const struct proc_config *pc = p->cfg;

	pending_clear(false);
	pending.proc = p;
	if (logcap_prepare_stream(p, &p->out, "stdout", &pc->stdout_cfg, 0,
	    cause, len) == -1)
		goto fail;
	if (pc->redirect_stderr) {
		logcap_free(p->err);
		p->err = NULL;
		pending.fds[1] = pending.fds[0];
	} else if (logcap_prepare_stream(p, &p->err, "stderr",
	    &pc->stderr_cfg, 1, cause, len) == -1)
		goto fail;
	child_fds[0] = pending.fds[0];
	child_fds[1] = pending.fds[1];
	return 0;

fail:
	pending_clear(false);
	return -1;
}

void
logcap_spawned(struct proc *p)
{
	if (pending.proc == p)
		pending_clear(true);
}

void
logcap_abort(struct proc *p)
{
	if (pending.proc == p)
		pending_clear(false);
}

void
logcap_release(struct proc *p)
{
	if (pending.proc == p)
		pending_clear(false);
	logcap_free(p->out);
	logcap_free(p->err);
	p->out = p->err = NULL;
}

const char *
logcap_path(struct proc *p, bool err)
{
	const struct proc_config	*pc = p->cfg;
	const struct stream_config	*sc;
	struct logcap			**lcp;

	if (err && pc->redirect_stderr)
		err = false;
	sc = err ? &pc->stderr_cfg : &pc->stdout_cfg;
	lcp = err ? &p->err : &p->out;
	if (sc->dest == LOG_DEST_NONE)
		return NULL;
	if (sc->dest == LOG_DEST_FILE)
		return strcmp(sc->logfile, "/dev/stdout") == 0 ||
		    strcmp(sc->logfile, "/dev/stderr") == 0 ? NULL : sc->logfile;
	/* AUTO: named now if no spawn named it yet, and kept for it. */
	if (*lcp == NULL)
		*lcp = logcap_new(p, err ? "stderr" : "stdout");
	return logcap_autopath(*lcp, sc);
}

bool
logcap_path_lost(struct proc *p, bool err)
{
	struct logcap	*lc;

	if (err && p->cfg->redirect_stderr)
		err = false;
	lc = err ? p->err : p->out;
	return lc != NULL && lc->file != NULL && logfile_moved(lc->file);
}

/* Why a stream's file drops bytes now, in a few words; "" when it does
   not. */
static void
logcap_drop_reason(const struct logcap *lc, char *buf, size_t len)
{
	const struct logfile	*lf = lc != NULL ? lc->file : NULL;
	const char		*why;

	buf[0] = '\0';
	if (lf == NULL || !lf->failing)
		return;
	if (lf->error == ENOSPC)
		snprintf(buf, len, "disk full");
	else if (lf->error == EDQUOT)
		snprintf(buf, len, "disk quota exceeded");
	else {
		why = strerror(lf->error);
		/* "cannot write: ...", not the log line's "write to". */
		snprintf(buf, len, "cannot %.*s: %c%s",
		    (int)strcspn(lf->failed_op, " "), lf->failed_op,
		    tolower((unsigned char)why[0]), why + 1);
	}
}

void
logcap_describe_drops(const struct proc *p, char *buf, size_t len)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB" };
	char	 size[32], why[128];
	double	 v = (double)p->dropped_bytes;
	size_t	 u, used = strlen(buf);

	if (p->dropped_bytes == 0 || used >= len)
		return;
	if (p->dropped_bytes < 1000)
		snprintf(size, sizeof(size), "%llu bytes",
		    (unsigned long long)p->dropped_bytes);
	else {
		for (u = 0, v /= 1000; v >= 1000 && u + 1 < 4; u++)
			v /= 1000;
		snprintf(size, sizeof(size), v < 100 ? "%.1f %s" : "%.0f %s",
		    v, units[u]);
	}
	logcap_drop_reason(p->out, why, sizeof(why));
	if (why[0] == '\0')
		logcap_drop_reason(p->err, why, sizeof(why));
	snprintf(buf + used, len - used, "%s(log: %s dropped%s%s)",
	    used > 0 ? " " : "", size, why[0] != '\0' ? ", " : "", why);
}

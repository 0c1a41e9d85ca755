/*
 * Pidfiles: the daemon's, its pid in decimal as Supervisor writes it (for
 * kill, start-stop-daemon, monit, logrotate), locked for its lifetime so
 * a second daemon refuses to start; the daemon's JSON record beside it;
 * one JSON pidfile per running process in the run folder.  Each is
 * written to a temporary file and renamed, never half-written, and no
 * symbolic link is ever followed.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "procstat.h"
#include "xmalloc.h"
#include "engine.h"

#define PIDFILE_MAX	4096	/* bytes read from a pidfile */

void
rfc3339(ev_tstamp t, char *buf, size_t len)
{
	time_t		sec = (time_t)t;
	struct tm	tm;
	size_t		n;

	if (gmtime_r(&sec, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(buf, len, "1970-01-01T00:00:00Z");
		return;
	}
	snprintf(buf + n, len - n, ".%03dZ", (int)((t - (double)sec) * 1000));
}

/*
 * Write text to path through a temporary file and a rename, so a reader
 * never sees it half-written; keep the fd (locked) if asked.  With
 * noreplace, fail with EEXIST if a file appeared at path meanwhile.
 */
static int
write_atomic(const char *path, const char *text, int *keep, bool noreplace,
    char *cause, size_t len)
{
	char	*tmp;
	size_t	 off = 0, n = strlen(text);
	ssize_t	 w;
	int	 fd, error;

	xasprintf(&tmp, "%s.%d.tmp", path, (int)getpid());
	/* A leftover of ours (a crash between open and rename) is removed
	   only when found: one system call less for every pidfile. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(cause, len, "cannot create '%s': %s", tmp,
		    strerror(errno));
		goto free_tmp;
	}
	if (keep != NULL && flock(fd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(cause, len, "cannot lock '%s': %s", tmp,
		    strerror(errno));
		goto remove_tmp;
	}
	while (off < n) {
		w = write(fd, text + off, n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			snprintf(cause, len, "cannot write '%s': %s", tmp,
			    strerror(errno));
			goto remove_tmp;
		}
		off += (size_t)w;
	}
	if (noreplace) {
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
		    RENAME_NOREPLACE) == -1 && (errno != EINVAL ||
		    link(tmp, path) == -1 || unlink(tmp) == -1)) {
			snprintf(cause, len, "cannot create '%s': %s", path,
			    strerror(errno));
			goto remove_tmp;
		}
	} else if (rename(tmp, path) == -1) {
		snprintf(cause, len, "cannot rename '%s' to '%s': %s", tmp,
		    path, strerror(errno));
		goto remove_tmp;
	}
	free(tmp);
	if (keep != NULL)
		*keep = fd;
	else
		close(fd);
	return 0;

remove_tmp:
	error = errno;
	close(fd);
	(void)unlink(tmp);
	errno = error;
free_tmp:
	free(tmp);
	return -1;
}

/* Read a small JSON file through fd (or path), NULL if it is not one. */
static cJSON *
read_json(int fd)
{
	char	 buf[PIDFILE_MAX + 1];
	ssize_t	 n;
	size_t	 off = 0;

	while (off < PIDFILE_MAX) {
		n = pread(fd, buf + off, PIDFILE_MAX - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	return cJSON_Parse(buf);
}

/* Is fd still the file at path (not replaced or removed meanwhile)? */
static bool
same_file(int fd, const char *path)
{
	struct stat	a, b;

	if (fstat(fd, &a) == -1 || lstat(path, &b) == -1)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static char *
daemon_record_json(struct daemon *d)
{
	cJSON	*o = cJSON_CreateObject();
	char	 started[64], *text;
	pid_t	 guardian = guardian_pid(d);

	rfc3339(d->started_at, started, sizeof(started));
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	cJSON_AddNumberToObject(o, "ppid", (double)getppid());
	cJSON_AddStringToObject(o, "started", started);
	cJSON_AddStringToObject(o, "version", SUPERVISORD_VERSION);
	if (d->config->unix_server.file != NULL)
		cJSON_AddStringToObject(o, "socket",
		    d->config->unix_server.file);
	else
		cJSON_AddNullToObject(o, "socket");
	if (guardian > 0)
		cJSON_AddNumberToObject(o, "guardian", (double)guardian);
	else
		cJSON_AddNullToObject(o, "guardian");
	if ((text = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("cannot render the daemon's record");
	cJSON_Delete(o);
	return text;
}

/* Someone holds the lock: say who, from the file they wrote (a pid, or
   the JSON object an older daemon of ours wrote). */
static void
already_running(int fd, const char *path, char *cause, size_t len)
{
	cJSON	*o = read_json(fd), *pid;
	char	 buf[32], *end;
	ssize_t	 n;
	long	 v;

	pid = cJSON_GetObjectItemCaseSensitive(o, "pid");
	if (cJSON_IsObject(o) && cJSON_IsNumber(pid)) {
		snprintf(cause, len, "already running as pid %d",
		    (int)pid->valuedouble);
		cJSON_Delete(o);
		return;
	}
	cJSON_Delete(o);
	while ((n = pread(fd, buf, sizeof(buf) - 1, 0)) == -1 &&
	    errno == EINTR)
		;
	buf[n > 0 ? n : 0] = '\0';
	v = strtol(buf, &end, 10);
	if (n > 0 && end != buf && v > 0 && (*end == '\n' || *end == '\0'))
		snprintf(cause, len, "already running as pid %ld", v);
	else
		snprintf(cause, len, "already running ('%s' is locked)", path);
}

/*
 * Take the pidfile: put ours in place if there is none, or lock the one
 * there (stale: its daemon is gone) and replace it with ours, locked
 * before the rename.  The lock is on whatever file is at the path: after
 * each lock, check it is still there (a daemon starting at the same time
 * may have renamed its own over it).
 */
int
pidfile_acquire(struct daemon *d, char *cause, size_t len)
{
	const char	*path = d->config->sd.pidfile;
	char		*text;
	int		 fd, tries, rv = -1;

	if (path == NULL)
		return 0;
	xasprintf(&text, "%d\n", (int)getpid());
	for (tries = 0; tries < 100; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd == -1 && errno == ENOENT) {
			rv = write_atomic(path, text, &d->pidfile_fd, true,
			    cause, len);
			if (rv == 0 || errno != EEXIST)
				goto free_text;
			continue;	/* another daemon was quicker */
		}
		if (fd == -1) {
			snprintf(cause, len, "cannot open '%s': %s", path,
			    strerror(errno));
			goto free_text;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno != EWOULDBLOCK) {
				snprintf(cause, len, "cannot lock '%s': %s",
				    path, strerror(errno));
				goto close_fd;
			}
			if (same_file(fd, path)) {
				already_running(fd, path, cause, len);
				goto close_fd;
			}
			close(fd);
			continue;
		}
		if (!same_file(fd, path)) {
			close(fd);
			continue;
		}
		/* Stale, and ours now: replace it. */
		rv = write_atomic(path, text, &d->pidfile_fd, false, cause,
		    len);
		goto close_fd;
	}
	snprintf(cause, len, "cannot lock '%s': it keeps changing", path);
	goto free_text;

close_fd:
	close(fd);
free_text:
	free(text);
	return rv;
}

/* The JSON record beside the pidfile (ours: we hold the lock). */
void
pidfile_record_write(struct daemon *d)
{
	char	*text, cause[512];

	if (d->pidfile_fd == -1)
		return;
	if (d->record_path == NULL)
		xasprintf(&d->record_path, "%s.json", d->config->sd.pidfile);
	text = daemon_record_json(d);
	if (write_atomic(d->record_path, text, NULL, false, cause,
	    sizeof(cause)) == -1)
		log_warnx("%s", cause);
	free(text);
}

void
pidfile_release(struct daemon *d)
{
	const char	*path = d->config->sd.pidfile;

	if (d->pidfile_fd == -1)
		return;
	if (d->record_path != NULL && unlink(d->record_path) == -1 &&
	    errno != ENOENT)
		log_warn("cannot remove %s", d->record_path);
	free(d->record_path);
	d->record_path = NULL;
	if (same_file(d->pidfile_fd, path) && unlink(path) == -1)
		log_warn("cannot remove %s", path);
	close(d->pidfile_fd);
	d->pidfile_fd = -1;
}

/* rundir/<group:name>.pid, or NULL without a run folder. */
static char *
proc_pidfile_path(const struct proc *p)
{
	const char	*rundir = p->daemon->config->sd.rundir;
	char		 name[512], *s, *path;

	if (rundir == NULL)
		return NULL;
	proc_fullname(p, name, sizeof(name));
	for (s = name; *s != '\0'; s++)
		if (*s == '/')
			*s = '_';
	xasprintf(&path, "%s/%s.pid", rundir, name);
	return path;
}

/* Write a process's pidfile now. */
static void
pidfile_proc_write_now(struct proc *p)
{
	static char	 boot_id[64];
	struct procstat	 st;
	cJSON		*o;
	char		*path, *text, started[64], cause[512];

	if ((path = proc_pidfile_path(p)) == NULL)
		return;
	if (boot_id[0] == '\0')
		procstat_boot_id(boot_id, sizeof(boot_id));
	rfc3339(p->started_at, started, sizeof(started));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", p->cfg->name);
	cJSON_AddStringToObject(o, "group", p->cfg->group);
	cJSON_AddNumberToObject(o, "pid", (double)p->pid);
	cJSON_AddNumberToObject(o, "pgid", (double)p->pgid);
	cJSON_AddNumberToObject(o, "ppid", (double)getpid());
	cJSON_AddStringToObject(o, "started", started);
	cJSON_AddStringToObject(o, "command", p->cfg->command != NULL ?
	    p->cfg->command : "");
	/* What tells a later daemon that this very process is still here
	   (stale.c): not a reused pid. */
	if (procstat_read(p->pid, &st) == 0 && st.pgrp == p->pgid) {
		cJSON_AddNumberToObject(o, "starttime", (double)st.starttime);
		cJSON_AddNumberToObject(o, "session", (double)st.session);
		cJSON_AddStringToObject(o, "boot_id", boot_id);
	}
	if ((text = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("cannot render a pidfile");
	cJSON_Delete(o);
	if (write_atomic(path, text, NULL, false, cause, sizeof(cause)) == -1)
		log_warnx("%s: %s", p->cfg->name, cause);
	free(text);
	free(path);
}

/* Unlink a process's pidfile now. */
static void
pidfile_proc_remove_now(struct proc *p)
{
	char	*path;

	if ((path = proc_pidfile_path(p)) == NULL)
		return;
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("cannot remove %s", path);
	free(path);
}

/*
 * Queue a write (gone false) or a removal (gone true), the later asking
 * replacing the earlier: creating and removing files is the slow part of
 * a spawn on some file systems (ext4 scans for a free inode), and the
 * program does not need its pidfile to run.  The end of the loop's turn
 * does it before any word goes out (turn.c), so no client ever sees a
 * spawned process without its pidfile, or a reaped one with it.
 */
static void
pidfile_proc_due(struct proc *p, bool gone)
{
	struct daemon	*d = p->daemon;

	if (d->config->sd.rundir == NULL)
		return;
	if (d->loop == NULL) {
		if (gone)
			pidfile_proc_remove_now(p);
		else
			pidfile_proc_write_now(p);
		return;
	}
	p->pidfile_gone = gone;
	if (p->pidfile_due)
		return;
	p->pidfile_due = true;
	/* Doubling: a burst of a thousand spawns, not a thousand copies. */
	if (d->npidfile_due == d->pidfile_due_cap) {
		d->pidfile_due_cap = d->pidfile_due_cap == 0 ? 16 :
		    2 * d->pidfile_due_cap;
		d->pidfile_due = xreallocarray(d->pidfile_due,
		    d->pidfile_due_cap, sizeof(*d->pidfile_due));
	}
	d->pidfile_due[d->npidfile_due++] = p;
}

void
pidfile_proc_write(struct proc *p)
{
	pidfile_proc_due(p, false);
}

void
pidfile_proc_remove(struct proc *p)
{
	pidfile_proc_due(p, true);
}

void
pidfile_flush(struct daemon *d)
{
	struct proc	*p;
	size_t		 i;

	if (d->npidfile_due == 0 && d->pidfile_due == NULL)
		return;
	for (i = 0; i < d->npidfile_due; i++) {
		if ((p = d->pidfile_due[i]) == NULL)
			continue;
		p->pidfile_due = false;
		if (p->pidfile_gone)
			pidfile_proc_remove_now(p);
		else
			pidfile_proc_write_now(p);
	}
	free(d->pidfile_due);
	d->pidfile_due = NULL;
	d->npidfile_due = d->pidfile_due_cap = 0;
}

/* The process is about to be freed: a due removal happens now. */
void
pidfile_proc_forget(struct proc *p)
{
	struct daemon	*d = p->daemon;
	size_t		 i;

	if (!p->pidfile_due)
		return;
	p->pidfile_due = false;
	for (i = 0; i < d->npidfile_due; i++)
		if (d->pidfile_due[i] == p)
			d->pidfile_due[i] = NULL;
	if (p->pidfile_gone)
		pidfile_proc_remove_now(p);
}

/* One of ours: a JSON object with the keys we write, else NULL. */
static cJSON *
proc_pidfile_read(int dirfd, const char *name)
{
	cJSON	*o;
	int	 fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd == -1)
		return NULL;
	o = read_json(fd);
	close(fd);
	if (cJSON_IsObject(o) &&
	    cJSON_GetObjectItemCaseSensitive(o, "name") != NULL &&
	    cJSON_GetObjectItemCaseSensitive(o, "group") != NULL &&
	    cJSON_GetObjectItemCaseSensitive(o, "pgid") != NULL)
		return o;
	cJSON_Delete(o);
	return NULL;
}

/*
 * Start-up: make the run folder, remove pidfiles a previous run left,
 * and kill what is left of the process groups they name.
 */
int
pidfile_proc_clean(struct daemon *d, char *cause, size_t len)
{
	const char	*rundir = d->config->sd.rundir;
	struct stale_set stale = { 0 };
	struct dirent	*de;
	struct stat	 st;
	size_t		 n;
	cJSON		*o;
	DIR		*dir;

	if (rundir == NULL)
		return 0;
	if (mkdir(rundir, 0755) == -1 && errno != EEXIST) {
		snprintf(cause, len, "cannot create the run folder %s: %s",
		    rundir, strerror(errno));
		return -1;
	}
	if ((dir = opendir(rundir)) == NULL) {
		snprintf(cause, len, "cannot open the run folder %s: %s",
		    rundir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".pid") != 0)
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		if ((o = proc_pidfile_read(dirfd(dir), de->d_name)) == NULL)
			continue;
		stale_note(&stale, o);
		cJSON_Delete(o);
		if (unlinkat(dirfd(dir), de->d_name, 0) == -1)
			log_warn("cannot remove %s/%s", rundir, de->d_name);
		else
			log_info("removed stale pidfile %s/%s", rundir,
			    de->d_name);
	}
	closedir(dir);
	stale_kill(&stale);
	return 0;
}

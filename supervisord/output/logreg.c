/*
 * The log files of the programs as one set: shared by path (two streams
 * naming one file write through one descriptor, so they neither overwrite
 * each other nor rotate it twice), reopened together on SIGUSR2, AUTO
 * files named as Supervisor names them and cleared at start-up.
 */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "strmap.h"
#include "xmalloc.h"
#include "engine.h"
#include "output.h"

/* Every open log file of a program, and the same by path. */
static struct logfile	**logreg_files;
static size_t		  logreg_nfiles, logreg_files_cap;
static struct strmap	  logreg_bypath;

/* Files made but not opened yet (NULL: let go of meanwhile), opened by
   logreg_flush() before the loop waits again. */
static struct logfile	**logreg_due;
static size_t		  logreg_ndue, logreg_due_cap;
static struct ev_loop	 *logreg_loop;	/* NULL: open at once (unit tests) */

/* Room for one more in an array of n: doubling, not one at a time (a
   thousand programs would copy it a thousand times). */
static struct logfile **
logreg_grow(struct logfile **v, size_t n, size_t *cap)
{
	if (n < *cap)
		return v;
	*cap = *cap == 0 ? 16 : 2 * *cap;
	return xreallocarray(v, *cap, sizeof(*v));
}

/*
 * Open the files of a burst of spawns: creating a file can cost a
 * millisecond (ext4 scanning for a free inode), and the programs need
 * only their pipes to run, so they are forked first.  A write before
 * this opens the file itself (logfile_write).
 */
void
logreg_flush(void)
{
	size_t	i;

	if (logreg_ndue == 0)
		return;
	for (i = 0; i < logreg_ndue; i++) {
		if (logreg_due[i] == NULL)
			continue;
		logfile_open_pending(logreg_due[i]);
		/* Say so now, not at the program's first output. */
		logfile_report(logreg_due[i], "log");
	}
	free(logreg_due);
	logreg_due = NULL;
	logreg_ndue = logreg_due_cap = 0;
}

static void
logreg_open_soon(struct logfile *lf)
{
	if (logreg_loop == NULL) {
		logfile_open_pending(lf);
		return;
	}
	logreg_due = logreg_grow(logreg_due, logreg_ndue, &logreg_due_cap);
	logreg_due[logreg_ndue++] = lf;
}

struct logfile *
logreg_get(const char *path, uint64_t maxbytes, int backups, bool create,
    bool exclusive)
{
	struct logfile	*lf;

	if ((lf = strmap_get(&logreg_bypath, path)) != NULL) {
		lf->refs++;
		logfile_set_limits(lf, maxbytes, backups);
		return lf;
	}
	lf = logfile_new(path, maxbytes, backups);
	lf->create = create;
	lf->exclusive = exclusive;
	logreg_open_soon(lf);
	logreg_files = logreg_grow(logreg_files, logreg_nfiles,
	    &logreg_files_cap);
	logreg_files[logreg_nfiles++] = lf;
	strmap_put(&logreg_bypath, lf->path, lf);
	return lf;
}

void
logreg_put(struct logfile *lf)
{
	size_t	i;

	if (lf == NULL || --lf->refs > 0)
		return;
	for (i = 0; i < logreg_ndue; i++)
		if (logreg_due[i] == lf)
			logreg_due[i] = NULL;
	for (i = 0; i < logreg_nfiles; i++) {
		if (logreg_files[i] == lf) {
			logreg_files[i] = logreg_files[--logreg_nfiles];
			break;
		}
	}
	strmap_del(&logreg_bypath, lf->path);
	if (logreg_nfiles == 0) {
		free(logreg_files);
		logreg_files = NULL;
		logreg_files_cap = 0;
		strmap_free(&logreg_bypath);
	}
	logfile_free(lf);
}

/* childlogdir, or the temporary folder as Supervisor's default. */
static const char *
logreg_childlogdir(const struct config *cfg)
{
	const char	*dir = cfg != NULL ? cfg->sd.childlogdir : NULL;

	if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
		dir = "/tmp";
	return dir;
}

/* Six letters or digits, different on each call and in each daemon. */
static void
logreg_random_name(char *x)
{
	static uint64_t	 state;
	struct timespec	 ts;
	int		 i;

	if (state == 0) {
		if (getrandom(&state, sizeof(state), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(state)) {
			clock_gettime(CLOCK_REALTIME, &ts);
			state = (uint64_t)ts.tv_nsec ^
			    ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
		}
		state |= 1;
	}
	/* xorshift64: plenty for names that are checked anyway. */
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	for (i = 0; i < 6; i++)
		x[i] = "abcdefghijklmnopqrstuvwxyz0123456789"
		    [(state >> (i * 6)) % 36];
}

/*
 * An AUTO file as Supervisor names it (get_autochildlog_name):
 * childlogdir/NAME-STREAM---IDENTIFIER-XXXXXX.log, a name no file has
 * yet.  The file is created when it is opened (logreg_get), which waits
 * for the end of a burst of spawns, as a new file (O_EXCL): a file or a
 * link someone put at the name meanwhile is refused, not written through
 * (childlogdir is often /tmp).
 */
char *
logreg_autoname(const struct config *cfg, const char *name,
    const char *stream)
{
	const char	*ident = cfg != NULL ? cfg->sd.identifier : NULL;
	struct stat	 st;
	char		*path, *x;
	int		 tries;

	xasprintf(&path, "%s/%s-%s---%s-XXXXXX.log", logreg_childlogdir(cfg),
	    name, stream, ident != NULL ? ident : "supervisor");
	x = path + strlen(path) - 10;
	for (tries = 0; tries < 100; tries++) {
		logreg_random_name(x);
		if (lstat(path, &st) == -1 && errno == ENOENT)
			break;
	}
	return path;
}

/*
 * Whether a file is an AUTO log, by Supervisor's own pattern
 * .+?---IDENTIFIER-\S+\.log (matched at the start of the name only, so
 * rotated ones, NAME.log.3, match too).
 */
static bool
logreg_is_autolog(const char *name, const char *ident)
{
	char		 mark[NAME_MAX + 8];
	const char	*p, *q;

	snprintf(mark, sizeof(mark), "---%s-", ident);
	for (p = strstr(name + 1, mark); p != NULL; p = strstr(p + 1, mark)) {
		for (q = p + strlen(mark) + 1; *q != '\0'; q++) {
			if (strchr(" \t\n\r\f\v", q[-1]) != NULL)
				break;
			if (strncmp(q, ".log", 4) == 0)
				return true;
		}
	}
	return false;
}

/*
 * Whether a live daemon writes the AUTO log name, or the log a backup
 * (NAME.log.3) or a rotation's temporary file (NAME.log.rotating) belongs
 * to: a daemon holds a lock on each AUTO file it has open (logfile.c), so
 * a file we can lock exclusively is nobody's.  A file that cannot be
 * looked at counts as held: only what is surely stale is removed.
 */
static bool
logreg_held(int dirfd, const char *name)
{
	char		 base[NAME_MAX + 1];
	const char	*dot, *last = NULL;
	int		 fd;
	bool		 held;

	/* NAME-stdout---ID-XXXXXX.log.3: the last ".log." ends the name. */
	snprintf(base, sizeof(base), "%s", name);
	for (dot = strstr(name, ".log."); dot != NULL;
	    dot = strstr(dot + 1, ".log."))
		last = dot;
	if (last != NULL && (size_t)(last - name) + 4 < sizeof(base))
		base[last - name + 4] = '\0';
	fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		/* No live file: a backup left behind; a link is nobody's. */
		return errno != ENOENT && errno != ELOOP;
	held = flock(fd, LOCK_EX | LOCK_NB) == -1;
	if (held && errno != EWOULDBLOCK)
		log_debug("cannot lock '%s': %s", base, strerror(errno));
	close(fd);
	return held;
}

/* Remove the AUTO logs a previous run left in childlogdir, sparing those
   another live daemon sharing the folder writes. */
static void
logreg_cleanup(const char *dir, const char *ident)
{
	struct dirent	*de;
	DIR		*dp;
	char		 path[PATH_MAX];

	if ((dp = opendir(dir)) == NULL) {
		log_warn("cannot clear childlogdir '%s'", dir);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		if (!logreg_is_autolog(de->d_name, ident))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path))
			continue;
		if (logreg_held(dirfd(dp), de->d_name)) {
			log_debug("kept '%s': a live daemon writes it", path);
			continue;
		}
		if (unlink(path) == -1)
			log_warn("cannot remove '%s'", path);
		else
			log_debug("removed old log '%s'", path);
	}
	closedir(dp);
}

int
logcap_init(struct daemon *d, char *cause, size_t len)
{
	const struct supervisord_config *sd = &d->config->sd;
	static bool	 cleaned;

	/* Only at start-up: on a reload the AUTO logs are in use. */
	if (!sd->nocleanup && !cleaned)
		logreg_cleanup(logreg_childlogdir(d->config),
		    sd->identifier != NULL ? sd->identifier : "supervisor");
	cleaned = true;
	if (logreg_loop == NULL)
		logreg_loop = d->loop;
	return logsink_daemon_open(sd, cause, len);
}

void
logcap_reopen_all(struct daemon *d)
{
	struct logfile	*lf;
	size_t		 i;

	for (i = 0; i < logreg_nfiles; i++) {
		lf = logreg_files[i];
		if (logfile_reopen(lf) == -1)
			logfile_report(lf, "reopening logs");
	}
	logsink_daemon_reopen();
	log_info("reopened %zu log files", logreg_nfiles);
}

/*
 * The log files of the programs as one set: shared by path (two streams
 * naming one file write through one descriptor, so they neither overwrite
 * each other nor rotate it twice), reopened together on SIGUSR2, AUTO
 * files named as Supervisor names them and cleared at start-up.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "xmalloc.h"
#include "supervisord.h"

/* Every open log file of a program. */
static struct logfile	**logreg_files;
static size_t		  logreg_nfiles;

struct logfile *
logreg_get(const char *path, uint64_t maxbytes, int backups)
{
	struct logfile	*lf;
	size_t		 i;

	for (i = 0; i < logreg_nfiles; i++) {
		lf = logreg_files[i];
		if (strcmp(lf->path, path) == 0) {
			lf->refs++;
			logfile_set_limits(lf, maxbytes, backups);
			return lf;
		}
	}
	lf = logfile_open(path, maxbytes, backups);
	logreg_files = xreallocarray(logreg_files, logreg_nfiles + 1,
	    sizeof(*logreg_files));
	logreg_files[logreg_nfiles++] = lf;
	return lf;
}

void
logreg_put(struct logfile *lf)
{
	size_t	i;

	if (lf == NULL || --lf->refs > 0)
		return;
	for (i = 0; i < logreg_nfiles; i++) {
		if (logreg_files[i] == lf) {
			logreg_files[i] = logreg_files[--logreg_nfiles];
			break;
		}
	}
	if (logreg_nfiles == 0) {
		free(logreg_files);
		logreg_files = NULL;
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

/*
 * An AUTO file as Supervisor names it (get_autochildlog_name):
 * childlogdir/NAME-STREAM---IDENTIFIER-XXXXXX.log, created now.  When
 * the folder is not there (yet) the name is kept anyway, and the file's
 * open fails and is retried like any other.
 */
char *
logreg_autoname(const struct config *cfg, const char *name,
    const char *stream)
{
	const char	*ident = cfg != NULL ? cfg->sd.identifier : NULL;
	char		*path, *x;
	int		 fd, i;

	xasprintf(&path, "%s/%s-%s---%s-XXXXXX.log", logreg_childlogdir(cfg),
	    name, stream, ident != NULL ? ident : "supervisor");
	if ((fd = mkstemps(path, 4)) != -1) {
		close(fd);
		return path;
	}
	x = path + strlen(path) - 10;
	for (i = 0; i < 6; i++)
		x[i] = "abcdefghijklmnopqrstuvwxyz0123456789"
		    [(unsigned)rand() % 36];
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

/* Remove the AUTO logs a previous run left in childlogdir. */
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

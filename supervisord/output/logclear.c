/*
 * clear and clearlog: log files emptied, as Supervisor's clearProcessLogs
 * (which removes the file and opens a new one).  We truncate the file we
 * hold open instead: the same inode, so a reader following it (tail -f,
 * supctl tail -f) sees a truncation and goes on.  Backups stay.
 */
#include <stdio.h>
#include <string.h>

#include "logcap.h"
#include "logfile.h"
#include "log.h"

const char *
logclear_daemon_path(void)
{
	struct logfile	*lf = logsink_daemon_file();

	return lf != NULL ? lf->path : NULL;
}

/* A failure is reported with the daemon's next log line (logsink.c). */
int
logclear_daemon(char *cause, size_t len)
{
	struct logfile	*lf = logsink_daemon_file();

	if (lf == NULL) {
		snprintf(cause, len, "the daemon's log is not a file");
		return -1;
	}
	if (logfile_clear(lf) == -1) {
		snprintf(cause, len, "cannot empty '%s': %s", lf->path,
		    strerror(lf->error));
		return -1;
	}
	return 0;
}

int
logclear_proc(struct proc *p, const char *paths[3], char *cause, size_t len)
{
	struct logcap	*streams[2] = { p->out, p->err };
	char		 who[256];
	size_t		 i, n = 0;
	int		 rc = 0;

	for (i = 0; i < 2; i++) {
		if (streams[i] == NULL || streams[i]->file == NULL ||
		    (i == 1 && streams[0] != NULL &&
		    streams[1]->file == streams[0]->file))
			continue;
		if (logfile_clear(streams[i]->file) == -1) {
			logcap_who(streams[i], who, sizeof(who));
			logfile_report(streams[i]->file, who);
			if (rc == 0)
				snprintf(cause, len, "cannot empty '%s': %s",
				    streams[i]->file->path,
				    strerror(streams[i]->file->error));
			rc = -1;
			continue;
		}
		paths[n++] = streams[i]->file->path;
		log_info("%s: %s log %s emptied", p->cfg->name,
		    streams[i]->stream, streams[i]->file->path);
	}
	paths[n] = NULL;
	return rc;
}

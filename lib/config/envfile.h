/*
 * environment_file=: KEY=VALUE files read the way systemd's
 * EnvironmentFile= reads them (quotes, escapes, continuation lines,
 * comments), except that a line systemd would skip with a warning is an
 * error here, with its file:line.
 */
#ifndef ENVFILE_H
#define ENVFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* The largest file read: an environment is bounded by ARG_MAX anyway. */
#define ENVFILE_MAX	(1024 * 1024)

/*
 * Parse text (len bytes) and add each assignment to env in order, a key
 * set again taking the later value.  Each bad line is added to diags as
 * an error at file:line, its message after prefix.  Returns the number of
 * errors (every assignment that parsed is in env either way).
 */
size_t	 envfile_parse(const char *text, size_t len, const char *file,
	    const char *prefix, struct env *, struct diags *);

/*
 * Read and parse one file.  spec is a path, or "-" and a path for a file
 * that may be missing (as systemd's "-" prefix).  A file-level error
 * (cannot open, not a regular file, too large) is reported at at_file and
 * at_line when given, else at the file itself.  Returns the errors added.
 */
size_t	 envfile_load(const char *spec, const char *at_file, int at_line,
	    const char *prefix, struct env *, struct diags *);

/* "-/etc/app.env" -> "/etc/app.env"; whether the file may be missing. */
const char *envfile_path(const char *spec, bool *optional);

/* A variable name as systemd and POSIX shells accept it. */
bool	 envfile_valid_name(const char *);

#endif

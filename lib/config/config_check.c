/*
 * supervisord -t: what start-up would find wrong on this machine, on top
 * of what loading finds: users and groups that do not exist, folders that
 * are missing, commands that are not on PATH or not executable.  Every
 * problem names the file:line of the key that causes it.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"
#include "xmalloc.h"

/* The file:line of a key, else of its section, else of the main file. */
static void
where(const struct config *cfg, const char *section, const char *key,
    const char **file, int *line)
{
	const struct ini_section	*sec;
	const struct ini_entry		*e = NULL;

	*file = cfg->path;
	*line = 0;
	if (cfg->ini == NULL ||
	    (sec = ini_section(cfg->ini, section)) == NULL)
		return;
	if (key != NULL && (e = ini_get(cfg->ini, sec, key)) != NULL) {
		*file = e->file;
		*line = e->line;
	} else {
		*file = sec->file;
		*line = sec->line;
	}
}

/* What start-up would find at section's key (key: shown before msg). */
static void
vreport(struct diags *d, const struct config *cfg, bool error,
    const char *section, const char *key, bool keyed, const char *fmt,
    va_list ap)
{
	const char	*file;
	char		*msg;
	int		 line;

	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	where(cfg, section, key, &file, &line);
	diags_add(d, error, file, line, "[%s] %s%s%s", section, keyed ? key :
	    "", keyed ? ": " : "", msg != NULL ? msg : "cannot allocate memory");
	free(msg);
}

static void __attribute__((format(printf, 5, 6)))
problem(struct diags *d, const struct config *cfg, const char *section,
    const char *key, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(d, cfg, true, section, key, true, fmt, ap);
	va_end(ap);
}

/* datatypes.name_to_uid(): a name, or a number that has an entry. */
static bool
user_exists(const char *name)
{
	char	*end;
	long	 uid;

	uid = strtol(name, &end, 10);
	if (*name != '\0' && *end == '\0')
		return getpwuid((uid_t)uid) != NULL;
	return getpwnam(name) != NULL;
}

static bool
group_exists(const char *name)
{
	char	*end;
	long	 gid;

	gid = strtol(name, &end, 10);
	if (*name != '\0' && *end == '\0')
		return getgrgid((gid_t)gid) != NULL;
	return getgrnam(name) != NULL;
}

static void
check_dir(struct diags *d, const struct config *cfg, const char *section,
    const char *key, const char *dir)
{
	struct stat	st;

	if (stat(dir, &st) == -1)
		problem(d, cfg, section, key, "cannot use '%s': %s", dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		problem(d, cfg, section, key, "'%s' is not a directory", dir);
}

/* datatypes.existing_dirpath(): the file's folder must exist. */
static void
check_parent(struct diags *d, const struct config *cfg, const char *section,
    const char *key, const char *path)
{
	char	*dir = value_dirname(path);

	if (*dir != '\0')
		check_dir(d, cfg, section, key, dir);
	free(dir);
}

/* Where a bare command is found: the program's PATH, else ours. */
static char *
find_command(const struct proc_config *p, const char *cmd)
{
	const char	*path = env_get(&p->environment, "PATH");
	char		*copy, *dir, *save, *found;
	struct stat	 st;

	if (path == NULL && (path = getenv("PATH")) == NULL)
		path = "/bin:/usr/bin:/usr/local/bin";
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		xasprintf(&found, "%s/%s", dir, cmd);
		if (stat(found, &st) == 0) {
			free(copy);
			return found;
		}
		free(found);
	}
	free(copy);
	return NULL;
}

/* Supervisor's get_execv_args() and check_execv_args(). */
static void
check_command(struct diags *d, const struct config *cfg,
    const struct proc_config *p)
{
	const char	*cmd = p->argv[0];
	char		*file;
	struct stat	 st;

	if (strchr(cmd, '/') != NULL) {
		if (cmd[0] != '/' && p->directory != NULL)
			xasprintf(&file, "%s/%s", p->directory, cmd);
		else
			file = xstrdup(cmd);
	} else if ((file = find_command(p, cmd)) == NULL) {
		problem(d, cfg, p->section, "command", "'%s' is not found on "
		    "PATH", cmd);
		return;
	}
	if (stat(file, &st) == -1)
		problem(d, cfg, p->section, "command", "cannot run '%s': %s",
		    file, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		problem(d, cfg, p->section, "command", "'%s' is a directory",
		    file);
	else if ((st.st_mode & 0111) == 0)
		problem(d, cfg, p->section, "command", "'%s' is not "
		    "executable", file);
	else if (access(file, X_OK) == -1)
		problem(d, cfg, p->section, "command", "no permission to run "
		    "'%s'", file);
	free(file);
}

static void
check_proc(struct diags *d, const struct config *cfg,
    const struct proc_config *p)
{
	if (p->user != NULL && !user_exists(p->user))
		problem(d, cfg, p->section, "user", "no such user '%s'",
		    p->user);
	if (p->directory != NULL)
		check_dir(d, cfg, p->section, "directory", p->directory);
	if (p->stdout_cfg.dest == LOG_DEST_FILE)
		check_parent(d, cfg, p->section, "stdout_logfile",
		    p->stdout_cfg.logfile);
	if (p->stderr_cfg.dest == LOG_DEST_FILE)
		check_parent(d, cfg, p->section, "stderr_logfile",
		    p->stderr_cfg.logfile);
	check_command(d, cfg, p);
}

/* "user[:group]" of chown. */
static void
check_owner(struct diags *d, const struct config *cfg, const char *owner)
{
	char	*user = xstrdup(owner), *colon;

	if ((colon = strchr(user, ':')) != NULL)
		*colon++ = '\0';
	if (!user_exists(user))
		problem(d, cfg, "unix_http_server", "chown", "no such user "
		    "'%s'", user);
	if (colon != NULL && !group_exists(colon))
		problem(d, cfg, "unix_http_server", "chown", "no such group "
		    "'%s'", colon);
	free(user);
}

/* A warning about the socket's mode ("chmod 0600: ..."). */
static void __attribute__((format(printf, 3, 4)))
socket_warning(struct diags *d, const struct config *cfg, const char *fmt,
    ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(d, cfg, false, "unix_http_server", "chmod", false, fmt, ap);
	va_end(ap);
}

/* The same group, by name or number? */
static bool
same_group(const char *a, const char *b)
{
	struct group	*gr;
	char		*end;
	long		 ga = -1, gb = -1;

	if ((gr = getgrnam(a)) != NULL)
		ga = gr->gr_gid;
	else if (*a != '\0' && (ga = strtol(a, &end, 10), *end != '\0'))
		ga = -1;
	if ((gr = getgrnam(b)) != NULL)
		gb = gr->gr_gid;
	else if (*b != '\0' && (gb = strtol(b, &end, 10), *end != '\0'))
		gb = -1;
	return ga != -1 ? ga == gb : strcmp(a, b) == 0;
}

/*
 * Connecting to the socket takes write permission on it: a user the
 * daemon would let in (chown's user or group, access_group) but chmod
 * keeps out never gets in, and without any write bit only root does.
 */
static void
check_socket_access(struct diags *d, const struct config *cfg)
{
	const struct unix_server_config	*us = &cfg->unix_server;
	char				*user = NULL, *group = NULL;

	if ((us->chmod & 0222) == 0) {
		socket_warning(d, cfg, "chmod %04o: no one but root can "
		    "connect (connecting needs write permission)", us->chmod);
		return;
	}
	if (us->chown != NULL) {
		user = xstrdup(us->chown);
		if ((group = strchr(user, ':')) != NULL && *++group == '\0')
			group = NULL;
		if (group != NULL)
			group[-1] = '\0';
	}
	if (user != NULL && (us->chmod & 0200) == 0)
		socket_warning(d, cfg, "chmod %04o: chown's user '%s' cannot "
		    "connect (the owner has no write permission)", us->chmod,
		    user);
	if (us->access_group == NULL || *us->access_group == '\0' ||
	    (us->chmod & 0002) != 0)
		;
	else if ((us->chmod & 0020) == 0)
		socket_warning(d, cfg, "chmod %04o: access_group '%s' cannot "
		    "connect (neither the group nor others have write "
		    "permission)", us->chmod, us->access_group);
	else if (group != NULL && !same_group(group, us->access_group))
		socket_warning(d, cfg, "chmod %04o: access_group '%s' cannot "
		    "connect (the socket's group is '%s', and others have no "
		    "write permission)", us->chmod, us->access_group, group);
	free(user);
}

size_t
config_check(const struct config *cfg, struct diags *d)
{
	const struct supervisord_config	*sd = &cfg->sd;
	const struct unix_server_config	*us = &cfg->unix_server;
	size_t				 before = d->nerrors, i, j;
	char				*sockdir, *rundir;

	if (sd->user != NULL && !user_exists(sd->user))
		problem(d, cfg, "supervisord", "user", "no such user '%s'",
		    sd->user);
	if (sd->directory != NULL)
		check_dir(d, cfg, "supervisord", "directory", sd->directory);
	check_dir(d, cfg, "supervisord", "childlogdir", sd->childlogdir);
	if (sd->logfile != NULL && strcmp(sd->logfile, "syslog") != 0)
		check_parent(d, cfg, "supervisord", "logfile", sd->logfile);
	check_parent(d, cfg, "supervisord", "pidfile", sd->pidfile);
	check_parent(d, cfg, "unix_http_server", "file", us->file);
	sockdir = value_dirname(us->file);
	rundir = value_dirname(sd->rundir);
	if (strcmp(sockdir, rundir) != 0)	/* else said just above */
		check_parent(d, cfg, "supervisord", "rundir", sd->rundir);
	free(sockdir);
	free(rundir);
	if (us->chown != NULL)
		check_owner(d, cfg, us->chown);
	check_socket_access(d, cfg);
	if (us->access_group != NULL && !group_exists(us->access_group))
		problem(d, cfg, "unix_http_server", "access_group", "no such "
		    "group '%s'", us->access_group);
	for (i = 0; i < cfg->ngroups; i++)
		for (j = 0; j < cfg->groups[i]->nprocs; j++)
			check_proc(d, cfg, cfg->groups[i]->procs[j]);
	return d->nerrors - before;
}

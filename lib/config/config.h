/*
 * The supervisord.conf model: what the loader returns and the daemon runs.
 *
 * config_load() reads a file (and its includes) the way Python Supervisor
 * 4.2 reads it and returns a self-contained struct config with no global
 * state, so the daemon can swap a running configuration for a new one on
 * reload.  Every value is already expanded and defaulted; the daemon never
 * looks at INI text.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "signame.h"

struct cJSON;
struct ini;

/* One diagnostic: where, and what.  file may be NULL for whole-file ones. */
struct diag {
	char	*file;
	int	 line;
	bool	 error;		/* false: a warning */
	char	*msg;		/* "[program:web] startsecs: invalid integer 'x'" */
};

struct diags {
	struct diag	*v;
	size_t		 n;
	size_t		 nerrors;
	char		**files;	/* the files read, in order */
	size_t		 nfiles;
};

void	diags_add(struct diags *, bool error, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A file the loader read (the loader says each, in order). */
void	diags_file(struct diags *, const char *file);
/*
 * "file:line: msg", in the order of the files read, then by line (the
 * order found in, for equals); whole-file ones first in their file.
 */
void	diags_print(const struct diags *, int fd);
void	diags_release(struct diags *);

/* An ordered KEY=VALUE list (environment=, environment_file=). */
struct env {
	char	**keys;
	char	**vals;
	size_t	  n;
};

void	env_set(struct env *, const char *key, const char *val);
const char *env_get(const struct env *, const char *key);
void	env_release(struct env *);

enum autorestart {
	AUTORESTART_FALSE = 0,
	AUTORESTART_UNEXPECTED,
	AUTORESTART_TRUE,
};

/* How restart delays grow (ours; Supervisor's is linear and uncapped). */
enum backoff_growth {
	BACKOFF_LINEAR = 0,
	BACKOFF_EXPONENTIAL,
};

/* When a STARTING process counts as RUNNING (ours: ready=). */
enum ready_mode {
	READY_STARTSECS = 0,	/* it stayed up startsecs, as Supervisor */
	READY_NOTIFY,		/* it sent READY=1 (sd_notify), startsecs
				   being the deadline */
};

/* shutdown_on= (ours): when one program's end takes the daemon down. */
enum shutdown_on {
	SHUTDOWN_ON_NEVER = 0,	/* never: the default */
	SHUTDOWN_ON_FATAL,	/* it goes FATAL */
	SHUTDOWN_ON_EXIT,	/* FATAL, or it exits and will not restart */
};

/* What a log destination is. */
enum log_dest {
	LOG_DEST_NONE = 0,	/* NONE: /dev/null, no pipe */
	LOG_DEST_AUTO,		/* AUTO: a file in childlogdir */
	LOG_DEST_FILE,		/* a path (may be /dev/stdout, /dev/stderr) */
};

/* One output stream of a process: stdout or stderr. */
struct stream_config {
	enum log_dest	 dest;
	char		*logfile;	/* the path for LOG_DEST_FILE, else
					   NULL (log capture names AUTO files
					   in childlogdir, as Supervisor) */
	uint64_t	 logfile_maxbytes;	/* 0: never rotate */
	int		 logfile_backups;
	uint64_t	 capture_maxbytes;
	bool		 events_enabled;
	bool		 syslog;
};

/* One process: a [program:x] section expands to numprocs of these. */
struct proc_config {
	char		*name;		/* process_name, expanded */
	char		*group;		/* group name */
	char		*program;	/* the [program:x] name */
	int		 process_num;
	int		 numprocs;
	int		 numprocs_start;

	char		*command;	/* expanded command line */
	char		**argv;		/* shlex split, NULL-terminated; one
					   block (strv_pack): free() alone */
	int		 argc;

	int		 priority;
	bool		 autostart;
	int		 startsecs;
	int		 startretries;
	enum autorestart autorestart;
	int		*exitcodes;
	size_t		 nexitcodes;
	int		 stopsignal;
	int		 stopwaitsecs;
	bool		 stopasgroup;	/* default true: see supervisord.conf(5) */
	bool		 killasgroup;	/* default true */
	char		*user;		/* NULL: the daemon's own */
	bool		 redirect_stderr;
	struct stream_config stdout_cfg;
	struct stream_config stderr_cfg;
	struct env	 environment;
	char		*directory;	/* NULL: the daemon's */
	int		 umask;		/* -1: inherit */
	char		*serverurl;	/* NULL: AUTO */

	/* Keys of ours (not in Supervisor). */
	enum backoff_growth backoff_growth;	/* backoff_growth=linear */
	int		 backoff_max_ms;	/* backoff_max=60 (seconds) */
	int		 backoff_reset_ms;	/* backoff_reset=60 (seconds) */
	enum shutdown_on shutdown_on;		/* shutdown_on=never */
	char		**environment_files;	/* environment_file=: absolute
						   paths, "-" before optional
						   ones; NULL when unset */
	struct env	 prog_environment;	/* the program's environment=
						   alone (environment has
						   [supervisord]'s under it) */
	enum ready_mode	 ready;			/* ready=startsecs */
	char		**depends_on;		/* [program:x] names, NULL-
						   terminated; NULL: none */
	size_t		 ndepends_on;
	int		 watchdog;		/* seconds; 0: none */
	bool		 listener;		/* of an [eventlistener:x] pool:
						   its stdout is the protocol */

	char		*section;	/* "program:web": where its keys are */
	char		*file;		/* where the section was (first);
					   NULL after config_drop_text() */
	int		 line;
};

/* [eventlistener:x]: what a pool of listeners subscribes to. */
struct listener_config {
	uint64_t	 events;	/* EVT_BIT()s (evtype.h), children
					   included */
	char		**event_names;	/* as events= lists them, uppercased,
					   NULL-terminated */
	int		 buffer_size;	/* events queued at most (10) */
	char		*result_handler;	/* as written */
	bool		 any_result;	/* result_handler= names another
					   handler: every RESULT is OK */
};

struct group_config {
	char		*name;
	int		 priority;
	bool		 from_group;	/* [group:x] (else a lone program) */
	struct listener_config *listener; /* a pool; NULL: programs */
	struct proc_config **procs;
	size_t		 nprocs;
	char		*file;		/* NULL after config_drop_text() */
	int		 line;
};

struct supervisord_config {
	char		*logfile;	/* NULL: stderr; "syslog" as is */
	uint64_t	 logfile_maxbytes;
	int		 logfile_backups;
	int		 loglevel;	/* enum log_level */
	char		*pidfile;
	bool		 nodaemon;
	bool		 silent;
	int		 minfds;
	int		 minprocs;
	int		 umask;
	char		*user;
	char		*directory;
	char		*childlogdir;
	char		*identifier;
	struct env	 environment;
	bool		 nocleanup;
	bool		 strip_ansi;
	char		*rundir;	/* ours: per-process pidfiles */
	char		**environment_files;	/* ours: as the program's */
};

struct unix_server_config {
	char		*file;		/* socket path (defaulted) */
	int		 chmod;		/* default 0700 */
	char		*chown;		/* "user[:group]" or NULL */
	char		*access_group;	/* ours: group whose members may use
					   the socket; NULL: only root and
					   the daemon's user */
	char		*username;	/* HTTP Basic on the socket; NULL:
					   none (set with password) */
	char		*password;	/* plain, or "{SHA}" + 40 lowercase
					   hex digits */
};

/* [inet_http_server]: Supervisor's HTTP (XML-RPC) listener on TCP. */
struct inet_server_config {
	bool		 enabled;	/* the section is there (port is set) */
	char		*host;		/* lowercased; NULL: every interface
					   ("*:PORT", ":PORT", "PORT") */
	int		 port;		/* 1 to 65535 */
	char		*username;	/* NULL: no authentication */
	char		*password;	/* as unix_server_config's */
};

struct config {
	char		*path;		/* the main file, absolute */
	char		*here;		/* its folder: %(here)s */
	struct ini	*ini;		/* the parsed text, for file:line in
					   config_check() (private); NULL
					   after config_drop_text() */
	struct supervisord_config sd;
	struct unix_server_config unix_server;
	struct inet_server_config inet_server;
	char		*ctl_serverurl;	/* [supervisorctl] serverurl, or NULL */
	struct group_config **groups;	/* sorted by priority, then name */
	size_t		 ngroups;
};

/*
 * Parse and expand path and its includes.  Returns NULL when any error was
 * found; every error and warning is in diags with file:line either way.
 */
struct config *config_load(const char *path, struct diags *);
/*
 * The same for a client, which needs the socket alone: [supervisord],
 * [supervisorctl] and [unix_http_server]; no groups, and errors in the
 * other sections are not looked for.
 */
struct config *config_load_client(const char *path, struct diags *);
void	config_free(struct config *);
/* Free the parsed text kept for config_check() and the sections' file
   names (struct group_config's and struct proc_config's file, then NULL):
   a daemon's configuration lives long and never needs them.  Not for a
   configuration config_check() is to see. */
void	config_drop_text(struct config *);

/*
 * What `supervisord -t` adds on top of loading: users exist, directories
 * exist, commands are found on PATH.  Returns the number of errors added.
 */
size_t	config_check(const struct config *, struct diags *);

/* The --print-config document (supervisord.conf(5): its shape). */
struct cJSON *config_to_json(const struct config *);

/* Lookups used by the daemon. */
struct group_config *config_find_group(const struct config *, const char *);
struct proc_config *config_find_proc(const struct config *, const char *group,
	    const char *name);
size_t	config_nprocs(const struct config *);

/* "never", "fatal", "exit". */
const char *shutdown_on_name(enum shutdown_on);

/*
 * Supervisor's signal_number(): the number of a named signal, or a name
 * with or without SIG in any case (names: signame.h).
 */
int	signal_parse(const char *, int *sig);

#endif

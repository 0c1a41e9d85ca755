/*
 * Reload (reload/): the configuration read again and what changed
 * applied.  It calls the engine, output/ (the daemon's log) and lib/.
 */
#ifndef RELOAD_H
#define RELOAD_H

#include "engine.h"

/*
 * reload_diff.c: what a new configuration changes, without touching the
 * daemon.  Entries in the new configuration's order, then the removed.
 */
enum reload_kind {
	RELOAD_UNCHANGED = 0,	/* keeps running (live keys may change) */
	RELOAD_CHANGED,		/* must restart with the new configuration */
	RELOAD_ADDED,
	RELOAD_REMOVED,
	RELOAD_KIND_COUNT
};

struct reload_entry {
	enum reload_kind	 kind;
	struct proc_config	*old;	/* NULL when added */
	struct proc_config	*new;	/* NULL when removed */
	char			**keys;	/* changed: the keys that restart it */
	size_t			 nkeys;
	char			**live;	/* keys that changed without restart */
	size_t			 nlive;
};

struct reload_diff {
	struct reload_entry	*v;
	size_t			 n;
	size_t			 count[RELOAD_KIND_COUNT];
	/* "supervisord.pidfile": need a restart of the daemon */
	char			**restart_needed;
	size_t			 nrestart;
	/* "supervisord.loglevel": applied at once */
	char			**live;
	size_t			 nlive;
};

void	 reload_diff(const struct config *old, const struct config *new,
	    struct reload_diff *);
bool	 reload_diff_live(const struct reload_diff *, const char *key);
void	 reload_diff_release(struct reload_diff *);
const char *reload_kind_name(enum reload_kind);
/* "group:name", or "name" when the group has the program's name. */
char	*reload_fullname(const struct proc_config *);

/*
 * reload.c: SIGHUP and the reload request.  The file is read again and
 * the difference applied, or nothing at all when it does not load.
 * *result gets the reply's object either way; -1 with *code (an enum
 * proto_code) and a reason when the reload was refused.
 */
struct cJSON;
void	 reload_init(struct daemon *);
void	 reload_free(struct daemon *);
int	 reload_run(struct daemon *, bool dry_run, struct cJSON **result,
	    int *code, char *cause, size_t);
/* Removed processes still stopping (the i-th, i below the count; their
   configuration as it was), for what reports on processes (/metrics). */
size_t	 reload_dropping_count(const struct daemon *);
struct proc *reload_dropping(const struct daemon *, size_t i);
/* Removed processes still stopping: is every one of them down? */
bool	 reload_procs_down(const struct daemon *);
/* The end of the loop's turn: free the removed processes that are down. */
void	 reload_collect(struct daemon *);

/*
 * reload_daemon.c: the daemon's own sections.  merge: the new
 * configuration takes the running values of the keys that need a restart
 * of the daemon, and the live keys' new values.  log: the daemon's log
 * moves to its new file first; -1 (nothing changes) when it cannot.
 */
void	 reload_merge_daemon(const struct reload_diff *, struct config *old,
	    struct config *new);
int	 reload_daemon_log(const struct reload_diff *, const struct config *old,
	    const struct config *new, char *cause, size_t);

/* reload_select.c, reload_avail.c: see reload_select.h. */

/* reload_report.c: the reply's object and the log lines of a reload. */
struct cJSON *reload_diff_json(const struct reload_diff *, const char *path,
	    bool dry_run);
void	 reload_diff_log(const struct reload_diff *, bool dry_run);
/* Log each diagnostic; add "errors" and "warnings" arrays to result. */
void	 reload_diags_report(const struct diags *, struct cJSON *result);
/* "file:line: message", allocated. */
char	*reload_diag_text(const struct diag *);

#endif

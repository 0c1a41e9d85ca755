/*
 * The configuration file applied by group, and read for what it holds:
 * supervisorctl's reread, avail, update GROUP..., add and remove, and
 * XML-RPC's reloadConfig, getAllConfigInfo, addProcessGroup and
 * removeProcessGroup (reload_select.c, reload_avail.c).
 */
#ifndef RELOAD_SELECT_H
#define RELOAD_SELECT_H

#include "engine.h"
#include "output.h"
#include "reload.h"

struct cJSON;

/*
 * reload_select.c: the file applied to some groups only (supervisorctl's
 * update GROUP..., add, remove; XML-RPC's addProcessGroup and
 * removeProcessGroup).  reload_run_select() reads the file as
 * reload_run() does, checks every name first (a bad one changes
 * nothing: *code PROTO_BAD_NAME, PROTO_ALREADY_ADDED or
 * PROTO_STILL_RUNNING, "refused" in the result), then applies the
 * difference for those groups alone through the live reload; the
 * daemon's own sections stay as they run.
 *   update: each name a running group or one of the file; the file's
 *           version of it (or its absence) is put in force.
 *   add:    each name a group of the file that is not running.
 *   remove: each name a running group whose processes are all down;
 *           it leaves the running configuration (the file is read all
 *           the same: a file that does not load refuses it).
 */
enum reload_select_op {
	RELOAD_SELECT_UPDATE,
	RELOAD_SELECT_ADD,
	RELOAD_SELECT_REMOVE,
};

struct reload_select {
	enum reload_select_op	  op;
	const char *const	 *names;	/* group names */
	size_t			  nnames;

	/* Private: what the new configuration held before the merge. */
	bool			  merged;
	struct group_config	**file_groups;
	size_t			  file_ngroups;
	struct supervisord_config file_sd;
	struct unix_server_config file_us;
	struct inet_server_config file_is;
};

int	 reload_run_select(struct daemon *, bool dry_run,
	    struct reload_select *, struct cJSON **result, int *code,
	    char *cause, size_t);
/* The steps reload_run_select() takes around reload_diff(). */
int	 reload_select_check(const struct reload_select *,
	    const struct daemon *, const struct config *new,
	    struct cJSON *result, int *code, char *cause, size_t);
void	 reload_select_merge(struct reload_select *, struct config *old,
	    struct config *new);
void	 reload_select_diffed(struct reload_select *, struct config *new);
void	 reload_select_commit(struct reload_select *, struct config *old,
	    struct config *new);
void	 reload_select_undo(struct reload_select *, struct config *new);
/*
 * reread (Supervisor's reloadConfig): "groups" added to a reload's
 * result: {"added":[..],"changed":[..],"removed":[..]}, group names.
 * Changed: a process of it must restart, or is added or removed; a group
 * whose changes all apply in place is not.
 */
void	 reload_groups_json(const struct reload_diff *,
	    const struct config *old, const struct config *new,
	    struct cJSON *result);
/*
 * avail (Supervisor's getAllConfigInfo): every program of the file, with
 * whether the daemon runs it.  -1 with *code and a reason when the file
 * does not load (result then has its errors).
 */
int	 reload_avail(struct daemon *, struct cJSON **result, int *code,
	    char *cause, size_t);

#endif

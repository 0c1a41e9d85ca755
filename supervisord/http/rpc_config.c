/*
 * getAllConfigInfo: every process of the configuration as the daemon last
 * read it (at start-up, or by reloadConfig since, as in Supervisor), each
 * with Supervisor's struct: its keys, "inuse" when its group runs, "auto"
 * and "none" where XML-RPC has no value.  Sorted by process name.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "rpc.h"
#include "xmalloc.h"

/* The file as reloadConfig last read it; NULL: the running one. */
static struct config	*last_read;

struct entry {
	const struct group_config	*group;
	const struct proc_config	*proc;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry	*ea = a, *eb = b;

	return strcmp(ea->proc->name, eb->proc->name);
}

static void
member_logfile(struct proto_buf *b, const char *key,
    const struct stream_config *s)
{
	if (s->dest == LOG_DEST_NONE)
		xw_member_string(b, key, "none");
	else if (s->dest == LOG_DEST_AUTO)
		xw_member_string(b, key, "auto");
	else
		xw_member_string(b, key, s->logfile);
}

static void
member_stream(struct proto_buf *b, const char *name,
    const struct stream_config *s)
{
	char	key[64];

	snprintf(key, sizeof(key), "%s_capture_maxbytes", name);
	xw_member_int(b, key, (long long)s->capture_maxbytes);
	snprintf(key, sizeof(key), "%s_events_enabled", name);
	xw_member_bool(b, key, s->events_enabled);
	snprintf(key, sizeof(key), "%s_logfile", name);
	member_logfile(b, key, s);
	snprintf(key, sizeof(key), "%s_logfile_backups", name);
	xw_member_int(b, key, s->logfile_backups);
	snprintf(key, sizeof(key), "%s_logfile_maxbytes", name);
	xw_member_int(b, key, (long long)s->logfile_maxbytes);
	snprintf(key, sizeof(key), "%s_syslog", name);
	xw_member_bool(b, key, s->syslog);
}

/* The user's uid, as Supervisor resolves it when it reads the file. */
static void
member_uid(struct proto_buf *b, const char *user)
{
	struct passwd	*pw;
	char		*end;
	long		 n;

	if (user == NULL) {
		xw_member_string(b, "uid", "none");
		return;
	}
	n = strtol(user, &end, 10);
	if (*user != '\0' && *end == '\0' && n >= 0)
		xw_member_int(b, "uid", n);
	else if ((pw = getpwnam(user)) != NULL)
		xw_member_int(b, "uid", pw->pw_uid);
	else
		xw_member_string(b, "uid", "none");
}

static void
write_config_info(struct proto_buf *b, const struct entry *e, bool inuse)
{
	const struct proc_config	*p = e->proc;
	size_t				 i;

	xw_struct_open(b);
	xw_member_bool(b, "autostart", p->autostart);
	xw_member_string(b, "directory", p->directory ? p->directory :
	    "none");
	member_uid(b, p->user);
	xw_member_string(b, "command", p->command);
	xw_member(b, "exitcodes");
	xw_array_open(b);
	for (i = 0; i < p->nexitcodes; i++)
		xw_int(b, p->exitcodes[i]);
	xw_array_close(b);
	xw_member_close(b);
	xw_member_string(b, "group", e->group->name);
	xw_member_int(b, "group_prio", e->group->priority);
	xw_member_bool(b, "inuse", inuse);
	xw_member_bool(b, "killasgroup", p->killasgroup);
	xw_member_string(b, "name", p->name);
	xw_member_int(b, "process_prio", p->priority);
	xw_member_bool(b, "redirect_stderr", p->redirect_stderr);
	xw_member_int(b, "startretries", p->startretries);
	xw_member_int(b, "startsecs", p->startsecs);
	member_stream(b, "stdout", &p->stdout_cfg);
	xw_member_int(b, "stopsignal", p->stopsignal);
	xw_member_int(b, "stopwaitsecs", p->stopwaitsecs);
	member_stream(b, "stderr", &p->stderr_cfg);
	xw_member_string(b, "serverurl", p->serverurl ? p->serverurl :
	    "auto");
	xw_struct_close(b);
}

/* reloadConfig read the file: getAllConfigInfo shows it from now on. */
void
rpc_config_reread(struct daemon *d)
{
	struct diags	 diags = { 0 };
	struct config	*cfg;

	if ((cfg = config_load(d->config_path, &diags)) != NULL) {
		config_free(last_read);
		last_read = cfg;
	}
	diags_release(&diags);
}

void
rpc_config_free(void)
{
	config_free(last_read);
	last_read = NULL;
}

enum rpc_status
rpc_get_all_config_info(struct rpc_req *r, struct xr_value **argv,
    size_t argc)
{
	const struct config	*cfg = last_read ? last_read :
				    r->daemon->config;
	struct entry		*v = NULL;
	struct proc		**members;
	size_t			 n = 0, i, j;

	for (i = 0; i < cfg->ngroups; i++)
		for (j = 0; j < cfg->groups[i]->nprocs; j++) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n].group = cfg->groups[i];
			v[n++].proc = cfg->groups[i]->procs[j];
		}
	if (n > 0)
		qsort(v, n, sizeof(*v), entry_cmp);
	xw_array_open(&r->value);
	for (i = 0; i < n; i++) {
		j = daemon_find_group(r->daemon, v[i].group->name, &members);
		free(members);
		write_config_info(&r->value, &v[i], j > 0);
	}
	xw_array_close(&r->value);
	free(v);
	return RPC_DONE;
}

/*
 * getAllConfigInfo: every process of the configuration as the daemon last
 * read it (at start-up, or by reloadConfig since, as in Supervisor), each
 * with Supervisor's struct: its keys, read through the option table,
 * "inuse" when its group runs, "auto" and "none" where XML-RPC has no
 * value.  Sorted by process name.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_options.h"
#include "log.h"
#include "control.h"
#include "rpc.h"
#include "xmalloc.h"

/* The file as reloadConfig last read it; NULL: the running one. */
static struct config	*last_read;

/* One process as getAllConfigInfo tells it. */
struct entry {
	const struct group_config	*group;
	const struct proc_config	*proc;
	bool				 inuse;
};

/* Write member name: value is where the option's value is (NULL for a
   member that is no option). */
typedef void	member_fn(struct proto_buf *, const char *name,
		    const void *value, const struct entry *);

/*
 * Supervisor's members, in the order its reply has them.  Each but two
 * is an option of [program:x] or [group:x] (the option table,
 * config_options.h): the table says where its value is and of what type,
 * and by that type it is written; write names what Supervisor writes its
 * own way.
 */
struct member {
	const char		*name;		/* Supervisor's */
	enum config_section	 section;	/* CONFIG_NSECTIONS: no option */
	const char		*key;		/* the option; NULL: name */
	member_fn		*write;		/* NULL: by the option's type */
};

static member_fn	member_string, member_uid, member_exitcodes,
			member_logfile, member_group, member_inuse;

#define STREAM_MEMBERS(chan)						\
	{ chan "_capture_maxbytes", CONFIG_PROGRAM, NULL, NULL },	\
	{ chan "_events_enabled", CONFIG_PROGRAM, NULL, NULL },		\
	{ chan "_logfile", CONFIG_PROGRAM, NULL, member_logfile },	\
	{ chan "_logfile_backups", CONFIG_PROGRAM, NULL, NULL },	\
	{ chan "_logfile_maxbytes", CONFIG_PROGRAM, NULL, NULL },	\
	{ chan "_syslog", CONFIG_PROGRAM, NULL, NULL }

static const struct member members[] = {
	{ "autostart", CONFIG_PROGRAM, NULL, NULL },
	{ "directory", CONFIG_PROGRAM, NULL, NULL },
	{ "uid", CONFIG_PROGRAM, "user", member_uid },
	{ "command", CONFIG_PROGRAM, NULL, member_string },
	{ "exitcodes", CONFIG_PROGRAM, NULL, member_exitcodes },
	{ "group", CONFIG_NSECTIONS, NULL, member_group },
	{ "group_prio", CONFIG_GROUP, "priority", NULL },
	{ "inuse", CONFIG_NSECTIONS, NULL, member_inuse },
	{ "killasgroup", CONFIG_PROGRAM, NULL, NULL },
	{ "name", CONFIG_PROGRAM, "process_name", member_string },
	{ "process_prio", CONFIG_PROGRAM, "priority", NULL },
	{ "redirect_stderr", CONFIG_PROGRAM, NULL, NULL },
	{ "startretries", CONFIG_PROGRAM, NULL, NULL },
	{ "startsecs", CONFIG_PROGRAM, NULL, NULL },
	STREAM_MEMBERS("stdout"),
	{ "stopsignal", CONFIG_PROGRAM, NULL, NULL },
	{ "stopwaitsecs", CONFIG_PROGRAM, NULL, NULL },
	STREAM_MEMBERS("stderr"),
	{ "serverurl", CONFIG_PROGRAM, NULL, NULL },
};
#define NMEMBERS	(sizeof(members) / sizeof(members[0]))

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry	*ea = a, *eb = b;

	return strcmp(ea->proc->name, eb->proc->name);
}

/* A string option of ours: Supervisor's "auto" (Automatic) or "none"
   (None) when unset, as the option's default says. */
static void
member_plain_string(struct proto_buf *b, const char *name,
    const struct config_option *o, const char *s)
{
	if (s != NULL)
		xw_member_string(b, name, s);
	else if (o->def != NULL && strcmp(o->def, "AUTO") == 0)
		xw_member_string(b, name, "auto");
	else
		xw_member_string(b, name, "none");
}

/* A member written by its option's type. */
static void
member_typed(struct proto_buf *b, const char *name,
    const struct config_option *o, const void *v)
{
	switch (o->type) {
	case OPT_BOOL:
		xw_member_bool(b, name, *(const bool *)v);
		break;
	case OPT_INT:
	case OPT_SIGNAL:
		xw_member_int(b, name, *(const int *)v);
		break;
	case OPT_SECONDS:
		xw_member_int(b, name, *(const int *)v / 1000);
		break;
	case OPT_BYTES:
		xw_member_int(b, name, (long long)*(const uint64_t *)v);
		break;
	case OPT_STRING:
	case OPT_PATH:
		member_plain_string(b, name, o, *(char *const *)v);
		break;
	default:
		fatalx("getAllConfigInfo: no XML-RPC type for '%s'", o->key);
	}
}

/* An option of its own type that holds a string (command, the name). */
static void
member_string(struct proto_buf *b, const char *name, const void *v,
    const struct entry *e)
{
	xw_member_string(b, name, *(char *const *)v);
}

static void
member_logfile(struct proto_buf *b, const char *name, const void *v,
    const struct entry *e)
{
	const struct stream_config	*s = v;

	if (s->dest == LOG_DEST_NONE)
		xw_member_string(b, name, "none");
	else if (s->dest == LOG_DEST_AUTO)
		xw_member_string(b, name, "auto");
	else
		xw_member_string(b, name, s->logfile);
}

/* The user's uid, as Supervisor resolves it when it reads the file. */
static void
member_uid(struct proto_buf *b, const char *name, const void *v,
    const struct entry *e)
{
	const char	*user = *(char *const *)v;
	struct passwd	*pw;
	char		*end;
	long		 n;

	if (user == NULL) {
		xw_member_string(b, name, "none");
		return;
	}
	n = strtol(user, &end, 10);
	if (*user != '\0' && *end == '\0' && n >= 0)
		xw_member_int(b, name, n);
	else if ((pw = getpwnam(user)) != NULL)
		xw_member_int(b, name, pw->pw_uid);
	else
		xw_member_string(b, name, "none");
}

static void
member_exitcodes(struct proto_buf *b, const char *name, const void *v,
    const struct entry *e)
{
	size_t	i;

	xw_member(b, name);
	xw_array_open(b);
	for (i = 0; i < e->proc->nexitcodes; i++)
		xw_int(b, e->proc->exitcodes[i]);
	xw_array_close(b);
	xw_member_close(b);
}

static void
member_group(struct proto_buf *b, const char *name, const void *v,
    const struct entry *e)
{
	xw_member_string(b, name, e->group->name);
}

/* Whether the group runs (Supervisor's process_groups has it). */
static void
member_inuse(struct proto_buf *b, const char *name, const void *v,
    const struct entry *e)
{
	xw_member_bool(b, name, e->inuse);
}

/* The option of each member, found in the tables once. */
static const struct config_option **
member_options(void)
{
	static const struct config_option	*opts[NMEMBERS];
	static bool				 found;
	const struct member			*m;
	size_t					 i;

	for (i = 0; i < NMEMBERS && !found; i++) {
		m = &members[i];
		if (m->section == CONFIG_NSECTIONS)
			continue;
		opts[i] = config_option_find(m->section,
		    m->key != NULL ? m->key : m->name);
		if (opts[i] == NULL)
			fatalx("getAllConfigInfo: no option '%s'",
			    m->key != NULL ? m->key : m->name);
	}
	found = true;
	return opts;
}

static void
write_config_info(struct proto_buf *b, const struct entry *e)
{
	const struct config_option	**opts = member_options();
	const struct member		 *m;
	const void			 *obj, *v;
	size_t				  i;

	xw_struct_open(b);
	for (i = 0; i < NMEMBERS; i++) {
		m = &members[i];
		obj = m->section == CONFIG_GROUP ? (const void *)e->group :
		    (const void *)e->proc;
		v = opts[i] != NULL ? config_option_ptr(opts[i], obj) : NULL;
		if (m->write != NULL)
			m->write(b, m->name, v, e);
		else
			member_typed(b, m->name, opts[i], v);
	}
	xw_struct_close(b);
}

/* reloadConfig read the file: getAllConfigInfo shows it from now on. */
void
rpc_config_reread(struct daemon *d)
{
	struct diags	 diags = { 0 };
	struct config	*cfg;

	if ((cfg = config_load(d->config_path, &diags)) != NULL) {
		config_drop_text(cfg);
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
	struct proc		**procs;
	size_t			 n = 0, i, j;

	for (i = 0; i < cfg->ngroups; i++)
		for (j = 0; j < cfg->groups[i]->nprocs; j++) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n].group = cfg->groups[i];
			v[n].inuse = false;
			v[n++].proc = cfg->groups[i]->procs[j];
		}
	if (n > 0)
		qsort(v, n, sizeof(*v), entry_cmp);
	xw_array_open(&r->value);
	for (i = 0; i < n; i++) {
		v[i].inuse = daemon_find_group(r->daemon, v[i].group->name,
		    &procs) > 0;
		free(procs);
		write_config_info(&r->value, &v[i]);
	}
	xw_array_close(&r->value);
	free(v);
	return RPC_DONE;
}

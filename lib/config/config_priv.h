/*
 * Internals shared by the configuration loader's files (lib/config*.c) and
 * their unit tests: the parsed text, values, expansions, and the helpers
 * that turn one section's keys into typed values with file:line errors.
 */
#ifndef CONFIG_PRIV_H
#define CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "config_options.h"
#include "strmap.h"

/*
 * config_ini.c: the text as Python's RawConfigParser holds it after
 * Supervisor read the main file and its includes: sections in order of
 * first appearance, merged when repeated; keys lowercased, the last value
 * winning; continuation lines joined with "\n".
 */
struct ini_entry {
	char		*key;
	char		*value;
	const char	*file;		/* one of ini->files */
	int		 line;
	bool		 here_done;	/* %(here)s already replaced */
};

struct ini_section {
	char		*name;
	const char	*file;		/* where it first appeared */
	int		 line;
	struct ini_entry *v;
	size_t		 n;
};

struct ini {
	struct ini_section **v;
	size_t		 n;
	size_t		 cap;		/* allocated entries of v */
	struct strmap	 byname;	/* the first section of each name */
	struct ini_section *defaults;	/* [DEFAULT]: every section's fallback */
	char		**files;	/* every file read, as named */
	size_t		 nfiles;
	bool		 include_mode;	/* the main file has [include] */
	bool		 client;	/* keep only the sections supctl reads */
};

struct expn;
int	 ini_read_one(struct ini *, struct diags *, const char *path,
	    bool *sets_include);
/* config_include.c: path and its includes; -1 if path cannot be read. */
int	 ini_load(struct ini *, const char *path, const struct expn *env,
	    struct diags *);
void	 ini_release(struct ini *);
struct ini_section *ini_section(const struct ini *, const char *name);
const struct ini_entry *ini_get(const struct ini *, const struct ini_section *,
	    const char *key);

/* config_expand.c: Python's "format % mapping". */
struct expn_item {
	char		*name;
	char		*sval;
	long long	 ival;
	bool		 is_int;
};

struct expn {
	struct expn_item *v;
	size_t		 n;
};

void	 expn_set(struct expn *, const char *name, const char *val);
void	 expn_set_int(struct expn *, const char *name, long long val);
void	 expn_merge(struct expn *dst, const struct expn *src);
void	 expn_release(struct expn *);
int	 expand(const char *fmt, const struct expn *, char **result,
	    char *cause, size_t causelen);

/* config_values.c: Python's text functions and Supervisor's datatypes. */
unsigned value_decode(const char *, size_t *len);
size_t	 value_encode(unsigned cp, char *buf);
bool	 value_printable(unsigned cp);
size_t	 value_space(const char *);
bool	 value_space_before(const char *start, const char *p);
size_t	 value_codepoints(const char *, size_t);
char	*value_strip(const char *);
char	*value_strip_n(const char *, size_t);
char	**value_split_ws(const char *, size_t *n);
int	 value_int(const char *, long long *, char *, size_t);
int	 value_octal(const char *, int *, char *, size_t);
int	 value_bool(const char *, bool *, char *, size_t);
int	 value_bytes(const char *, uint64_t *, char *, size_t);
int	 value_exitcodes(const char *, int **, size_t *, char *, size_t);
int	 value_autorestart(const char *, enum autorestart *, char *, size_t);
int	 value_loglevel(const char *, int *, char *, size_t);
int	 value_kv_pairs(const char *, struct env *, char *, size_t);
char	**value_list(const char *, size_t *n);
int	 value_name(const char *, char **, char *, size_t);
void	 value_logfile(const char *, enum log_dest *, char **path,
	    bool *syslog_magic);
char	*value_expanduser(const char *);
char	*value_abspath(const char *);
char	*value_normalize_path(const char *);
char	*value_dirname(const char *);
char	*value_tempdir(void);

/* config.c: the state of one load. */
struct loader {
	struct config	*cfg;
	struct ini	*ini;
	struct diags	*diags;
	struct expn	 env;		/* ENV_x: process, then [supervisord] */
	char		*host;		/* %(host_node_name)s */
};

/* config_sect.c: one section's keys, looked up and expanded. */
struct sect {
	struct loader		*ld;
	const struct ini_section *sec;	/* NULL: absent, all defaults */
	size_t			 nerrors;
};

/* Expand passes times (Supervisor expands some keys twice). */
int	 sect_get(struct sect *, const char *key, const struct expn *,
	    int passes, char **out, const struct ini_entry **);
void	 sect_error(struct sect *, const struct ini_entry *, const char *key,
	    const char *value, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	 sect_warn(struct sect *, const struct ini_entry *, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));

/*
 * config_options.c: a table row read into obj, the struct its section
 * fills: one key, or every row of a section whose flags & mask == want
 * (OPT_OWN rows and special rows without a parser are the section's).
 */
void	 opt_parse(struct sect *, const struct config_option *,
	    const struct expn *, void *obj);
void	 opt_parse_key(struct sect *, enum config_section, const char *key,
	    const struct expn *, void *obj);
void	 opt_parse_rows(struct sect *, enum config_section, unsigned mask,
	    unsigned want, const struct expn *, void *obj);
void	 opt_dup_strings(enum config_section, unsigned mask, unsigned want,
	    void *obj);
void	 opt_free_strings(enum config_section, void *obj);
void	 opt_json_rows(struct cJSON *, enum config_section, const void *obj);
void	 opt_json_string(struct cJSON *, const char *key, const char *);
void	 opt_json_list(struct cJSON *, const char *key, char *const *);
opt_parse_fn	opt_parse_expanduser;
opt_json_fn	opt_json_env;

/* config_table.c: the words of the choice keys, in enum order. */
extern const char *const autorestart_choices[];
extern const char *const backoff_growth_choices[];
extern const char *const ready_choices[];
extern const char *const shutdown_on_choices[];

/* config_host.c: environment_file= (read and checked). */
void	 sect_envfiles(struct sect *, const struct expn *, char ***out);
opt_parse_fn	opt_parse_envfiles;

/* config_daemon.c: [supervisord], [unix_http_server], [supervisorctl]. */
void	 config_daemon_load(struct loader *);
opt_parse_fn	opt_parse_daemon_log, opt_parse_loglevel, opt_parse_serverurl;
opt_json_fn	opt_json_loglevel;

/* config_http.c: [inet_http_server], both servers' username/password. */
int	 value_inet_address(const char *, char **host, int *port, char *,
	    size_t);
int	 value_password(char *, char *, size_t);
void	 sect_http_auth(struct sect *, const struct expn *, char **user,
	    char **pass);
void	 config_inet_load(struct loader *);
opt_json_fn	opt_json_inet_port;

/* config_keys.c: warnings for sections and keys we do not use. */
void	 config_sections_check(struct loader *);

/* config_program.c: one [program:x] into processes of group g. */
void	 program_processes(struct loader *, const struct ini_section *,
	    struct group_config *g, int *priority);
void	 proc_config_free(struct proc_config *);
opt_parse_fn	opt_parse_command, opt_parse_autorestart, opt_parse_exitcodes;
opt_json_fn	opt_json_command, opt_json_process_name, opt_json_exitcodes;
/* A stream's reader says *_logfile=syslog (0: stdout, 1: stderr). */
void	 prog_set_syslog_magic(struct sect *, int channel);

/* config_stream.c: stdout_* and stderr_* of a process. */
opt_parse_fn	opt_parse_logfile;
opt_json_fn	opt_json_logfile;
void	 proc_streams_check(struct sect *, struct proc_config *,
	    const bool syslog_magic[2], bool first);

/* config_group.c: [group:x] and [program:x] into sorted groups. */
void	 config_programs_load(struct loader *);

/* config_depends.c: depends_on= names exist and make no cycle. */
void	 config_depends_check(struct loader *);

#endif

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
void	 value_free_list(char **);

/* config.c: one section's keys, looked up, expanded and converted. */
struct loader {
	struct config	*cfg;
	struct ini	*ini;
	struct diags	*diags;
	struct expn	 env;		/* ENV_x: process, then [supervisord] */
	char		*host;		/* %(host_node_name)s */
};

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
void	 sect_str(struct sect *, const char *key, const struct expn *,
	    const char *def, char **out);
void	 sect_int(struct sect *, const char *key, const struct expn *,
	    long long def, long long min, long long max, long long *out);
void	 sect_bool(struct sect *, const char *key, const struct expn *,
	    bool def, bool *out);
void	 sect_bytes(struct sect *, const char *key, const struct expn *,
	    uint64_t def, uint64_t *out);
void	 sect_octal(struct sect *, const char *key, const struct expn *,
	    int def, int *out);

/* config_host.c: environment_file= (read and checked), shutdown_on=. */
void	 sect_envfiles(struct sect *, const struct expn *, char ***out);
void	 sect_shutdown_on(struct sect *, const struct expn *,
	    enum shutdown_on *);
int	 value_shutdown_on(const char *, enum shutdown_on *, char *, size_t);

/* config_daemon.c: [supervisord], [unix_http_server], [supervisorctl]. */
void	 config_daemon_load(struct loader *);

/* config_http.c: [inet_http_server], both servers' username/password. */
int	 value_inet_address(const char *, char **host, int *port, char *,
	    size_t);
int	 value_password(char *, char *, size_t);
void	 sect_http_auth(struct sect *, const struct expn *, char **user,
	    char **pass);
void	 config_inet_load(struct loader *);
void	 config_http_release(struct config *);

/* config_keys.c: warnings for sections and keys we do not use. */
void	 config_sections_check(struct loader *);

/* config_program.c: one [program:x] into processes of group g. */
void	 program_processes(struct loader *, const struct ini_section *,
	    struct group_config *g, int *priority);
void	 proc_config_free(struct proc_config *);

/* config_group.c: [group:x] and [program:x] into sorted groups. */
void	 config_programs_load(struct loader *);

/* config_depends.c: depends_on= names exist and make no cycle. */
void	 config_depends_check(struct loader *);

#endif

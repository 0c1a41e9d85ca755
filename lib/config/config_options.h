/*
 * The option tables: every key of every section supervisord.conf knows,
 * declared once (config_table.c) with its type, default, bounds, where it
 * lands in the resolved struct of config.h, and how a reload treats it.
 * The loader parses the plain keys from them, the known-key check and its
 * "did you mean" read them, --print-config prints from them, a reload
 * decides live or restart from them, and a client (XML-RPC's
 * getAllConfigInfo) walks them.  A unit test holds supervisord.conf(5)
 * and conf/supervisord.conf to them.
 */
#ifndef CONFIG_OPTIONS_H
#define CONFIG_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

enum opt_type {
	OPT_BOOL,		/* bool */
	OPT_INT,		/* int, min to max */
	OPT_SECONDS,		/* int milliseconds, written in whole seconds
				   (min to max seconds) */
	OPT_BYTES,		/* uint64_t, "50MB" */
	OPT_UMASK,		/* int, octal 0 to 7777, -1 when unset;
				   printed "022" */
	OPT_MODE,		/* the same, printed "0700" */
	OPT_SIGNAL,		/* int, a name or number */
	OPT_CHOICE,		/* int, the index of a word in choices */
	OPT_STRING,		/* char *, NULL when unset */
	OPT_PATH,		/* char *, made absolute and normalised */
	OPT_LIST,		/* char **, NULL-terminated, each name once;
				   NULL when unset */
	OPT_SPECIAL,		/* its own parser and printer (handlers) */
};

/* Flags of an option. */
#define OPT_PROCESS	0x01	/* read once per process, with its
				   %(process_num)d (else once per program) */
#define OPT_LIVE	0x02	/* a reload applies a change without
				   restarting the process (or the daemon) */
#define OPT_OURS	0x04	/* not in Python Supervisor */
#define OPT_NO_HERE	0x08	/* no %(here)s in its value (Supervisor's
				   server sections) */
#define OPT_UNUSED	0x10	/* accepted and not used: no value */
#define OPT_COMPUTED	0x20	/* the default depends on the machine or on
				   other keys: def is NULL, the page says */
#define OPT_OWN		0x40	/* read by its section's own code (its order
				   or default depend on other keys) */

/* The sections with keys. */
enum config_section {
	CONFIG_SUPERVISORD,
	CONFIG_UNIX_HTTP_SERVER,
	CONFIG_INET_HTTP_SERVER,
	CONFIG_SUPERVISORCTL,
	CONFIG_INCLUDE,
	CONFIG_PROGRAM,
	CONFIG_GROUP,
	CONFIG_NSECTIONS
};

struct sect;
struct expn;
struct config_option;

typedef void	opt_parse_fn(struct sect *, const struct config_option *,
		    const struct expn *, void *obj);
typedef void	opt_json_fn(struct cJSON *, const struct config_option *,
		    const void *obj);

struct config_option {
	const char		*key;
	enum opt_type		 type;
	/*
	 * The default as supervisord.conf(5) and conf/supervisord.conf write
	 * it; read by the key's own converter when the key is absent.  NULL:
	 * no value (a NULL string, no umask).
	 */
	const char		*def;
	long long		 min, max;	/* OPT_INT, OPT_SECONDS */
	size_t			 offset;	/* in the section's struct */
	unsigned		 flags;
	const char *const	*choices;	/* OPT_CHOICE, NULL-terminated */
	opt_parse_fn		*parse;		/* OPT_SPECIAL; NULL: read by
						   its section's own code */
	opt_json_fn		*json;		/* OPT_SPECIAL; NULL: not in
						   --print-config */
	const char		*help;		/* one line */
};

/*
 * A section's options, in --print-config order; the struct they land in:
 * supervisord_config, unix_server_config, inet_server_config, config
 * ([supervisorctl]), none ([include]), proc_config, group_config.
 */
const struct config_option *config_options(enum config_section, size_t *n);
const char *config_section_name(enum config_section);
const struct config_option *config_option_find(enum config_section,
	    const char *key);
/* Where an option's value is in obj (the section's struct). */
const void *config_option_ptr(const struct config_option *, const void *obj);
/* Add key: value to a JSON object as --print-config shows it. */
void	config_option_json(struct cJSON *, const struct config_option *,
	    const void *obj);
/* The closest known key to an unknown one, or NULL when none is close. */
const char *config_option_suggest(enum config_section, const char *key);

#endif

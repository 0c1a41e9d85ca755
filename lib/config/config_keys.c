/*
 * Which sections and keys mean something here (the option tables of
 * config_table.c).  Python Supervisor ignores an unknown key or section
 * without a word; we say so with its file:line and the known key it was
 * likely meant to be, and say when a section it would act on (an event
 * listener, a named HTTP server) is skipped.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

/* A kind of section: its name (or prefix), its table, or why skipped. */
static const struct section_kind {
	const char		*name;
	bool			 prefix;
	int			 table;		/* enum config_section, or -1 */
	const char		*skipped;
} kinds[] = {
	{ "supervisord", false, CONFIG_SUPERVISORD, NULL },
	{ "unix_http_server", false, CONFIG_UNIX_HTTP_SERVER, NULL },
	{ "inet_http_server", false, CONFIG_INET_HTTP_SERVER, NULL },
	{ "supervisorctl", false, CONFIG_SUPERVISORCTL, NULL },
	{ "include", false, CONFIG_INCLUDE, NULL },
	{ "program:", true, CONFIG_PROGRAM, NULL },
	{ "group:", true, CONFIG_GROUP, NULL },
	{ "eventlistener:", true, -1,
	    "event listeners are not supported: section skipped" },
	{ "fcgi-program:", true, -1,
	    "FastCGI programs are not supported: section skipped" },
	{ "inet_http_server", true, -1,
	    "only [inet_http_server] makes a TCP listener: section "
	    "ignored" },
	{ "unix_http_server", true, -1,
	    "only [unix_http_server] makes a control socket: section "
	    "ignored" },
	{ "ctlplugin:", true, -1,
	    "supervisorctl plugins are not supported: section ignored" },
	{ "rpcinterface:", true, -1, NULL },
};

/* [rpcinterface:supervisor] as every sample has it changes nothing. */
static bool
standard_rpcinterface(const struct ini_section *sec)
{
	return sec->n == 1 && strcmp(sec->v[0].key,
	    "supervisor.rpcinterface_factory") == 0 && strcmp(sec->v[0].value,
	    "supervisor.rpcinterface:make_main_rpcinterface") == 0;
}

static const struct section_kind *
section_kind(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].prefix ? strncmp(name, kinds[i].name,
		    strlen(kinds[i].name)) == 0 : strcmp(name,
		    kinds[i].name) == 0)
			return &kinds[i];
	}
	return NULL;
}

/* An unknown key: said, with the key it was likely meant to be. */
static void
unknown_key(struct loader *ld, const struct ini_section *sec,
    enum config_section table, const struct ini_entry *e)
{
	const char	*near = config_option_suggest(table, e->key);

	diags_add(ld->diags, false, e->file, e->line, "[%s] unknown key '%s': "
	    "ignored%s%s%s", sec->name, e->key, near != NULL ? " (did you "
	    "mean '" : "", near != NULL ? near : "", near != NULL ? "'?)" :
	    "");
}

void
config_sections_check(struct loader *ld)
{
	const struct ini_section	*sec;
	const struct section_kind	*kind;
	size_t				 i, j;

	for (i = 0; i < ld->ini->n; i++) {
		sec = ld->ini->v[i];
		if ((kind = section_kind(sec->name)) == NULL) {
			diags_add(ld->diags, false, sec->file, sec->line,
			    "unknown section [%s]: ignored", sec->name);
			continue;
		}
		if (kind->table == -1) {
			if (kind->skipped != NULL)
				diags_add(ld->diags, false, sec->file,
				    sec->line, "[%s] %s", sec->name,
				    kind->skipped);
			else if (!standard_rpcinterface(sec))
				diags_add(ld->diags, false, sec->file,
				    sec->line, "[%s] XML-RPC interfaces are not "
				    "supported: section ignored", sec->name);
			continue;
		}
		for (j = 0; j < sec->n; j++) {
			if (config_option_find(kind->table, sec->v[j].key) ==
			    NULL)
				unknown_key(ld, sec, kind->table, &sec->v[j]);
		}
	}
}

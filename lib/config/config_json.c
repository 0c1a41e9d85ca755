/*
 * The --print-config document: the resolved configuration as one JSON
 * object, every key under Supervisor's own name with its effective value,
 * printed from the option tables (config_table.c).  Tests and tools read
 * it, so its shape is a contract (supervisord.conf(5) describes it).
 */
#include <cjson/cJSON.h>

#include "config_priv.h"

static cJSON *
proc_json(const struct proc_config *p)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "group", p->group);
	cJSON_AddStringToObject(o, "program", p->program);
	cJSON_AddNumberToObject(o, "process_num", p->process_num);
	opt_json_rows(o, CONFIG_PROGRAM, p);
	return o;
}

cJSON *
config_to_json(const struct config *cfg)
{
	const struct group_config	*g;
	cJSON				*root, *o, *groups, *procs;
	size_t				 i, j;

	root = cJSON_CreateObject();
	o = cJSON_AddObjectToObject(root, "supervisord");
	opt_json_rows(o, CONFIG_SUPERVISORD, &cfg->sd);
	o = cJSON_AddObjectToObject(root, "unix_http_server");
	opt_json_rows(o, CONFIG_UNIX_HTTP_SERVER, &cfg->unix_server);
	o = cJSON_AddObjectToObject(root, "inet_http_server");
	if (cfg->inet_server.enabled)
		opt_json_rows(o, CONFIG_INET_HTTP_SERVER, &cfg->inet_server);
	o = cJSON_AddObjectToObject(root, "supervisorctl");
	opt_json_rows(o, CONFIG_SUPERVISORCTL, cfg);
	groups = cJSON_AddArrayToObject(root, "groups");
	for (i = 0; i < cfg->ngroups; i++) {
		g = cfg->groups[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", g->name);
		cJSON_AddNumberToObject(o, "priority", g->priority);
		procs = cJSON_AddArrayToObject(o, "processes");
		for (j = 0; j < g->nprocs; j++)
			cJSON_AddItemToArray(procs, proc_json(g->procs[j]));
		cJSON_AddItemToArray(groups, o);
	}
	return root;
}

/*
 * The daemon's own sections ([supervisord], [unix_http_server],
 * [inet_http_server]) at a reload: the keys applied live take their new
 * values, the others keep the running ones until the daemon restarts.
 */
#include <stdio.h>

#include "log.h"
#include "engine.h"
#include "output.h"
#include "reload.h"

static void
swap_ptr(char **a, char **b)
{
	char	*t = *a;

	*a = *b;
	*b = t;
}

/*
 * The daemon's own sections: the new configuration takes the running
 * values of every key that needs a restart of the daemon (the old one,
 * freed later, gets the new values), then the live keys' new values.
 */
void
reload_merge_daemon(const struct reload_diff *diff, struct config *ocfg,
    struct config *ncfg)
{
	struct supervisord_config	sd;
	struct unix_server_config	us;
	struct inet_server_config	is;
	struct env			env;
	char				**files;

	sd = ncfg->sd;
	ncfg->sd = ocfg->sd;
	ocfg->sd = sd;
	us = ncfg->unix_server;
	ncfg->unix_server = ocfg->unix_server;
	ocfg->unix_server = us;
	is = ncfg->inet_server;
	ncfg->inet_server = ocfg->inet_server;
	ocfg->inet_server = is;

	if (reload_diff_live(diff, "supervisord.loglevel"))
		ncfg->sd.loglevel = ocfg->sd.loglevel;
	if (reload_diff_live(diff, "supervisord.environment")) {
		env = ncfg->sd.environment;
		ncfg->sd.environment = ocfg->sd.environment;
		ocfg->sd.environment = env;
	}
	if (reload_diff_live(diff, "supervisord.environment_file")) {
		files = ncfg->sd.environment_files;
		ncfg->sd.environment_files = ocfg->sd.environment_files;
		ocfg->sd.environment_files = files;
	}
	if (reload_diff_live(diff, "supervisord.logfile"))
		swap_ptr(&ncfg->sd.logfile, &ocfg->sd.logfile);
	if (reload_diff_live(diff, "supervisord.logfile_maxbytes"))
		ncfg->sd.logfile_maxbytes = ocfg->sd.logfile_maxbytes;
	if (reload_diff_live(diff, "supervisord.logfile_backups"))
		ncfg->sd.logfile_backups = ocfg->sd.logfile_backups;
}

/* The daemon's log moves first: when it cannot, nothing changes. */
int
reload_daemon_log(const struct reload_diff *diff, const struct config *ocfg,
    const struct config *ncfg, char *cause, size_t len)
{
	struct supervisord_config	sd = ocfg->sd;
	char				why[512];

	if (!reload_diff_live(diff, "supervisord.logfile") &&
	    !reload_diff_live(diff, "supervisord.logfile_maxbytes") &&
	    !reload_diff_live(diff, "supervisord.logfile_backups"))
		return 0;
	sd.logfile = ncfg->sd.logfile;
	sd.logfile_maxbytes = ncfg->sd.logfile_maxbytes;
	sd.logfile_backups = ncfg->sd.logfile_backups;
	if (reload_diff_live(diff, "supervisord.logfile"))
		log_info("reload: the daemon's log continues in %s",
		    sd.logfile != NULL ? sd.logfile : "(stderr)");
	if (logsink_daemon_open(&sd, why, sizeof(why)) == -1) {
		snprintf(cause, len, "cannot switch the daemon's log: %s", why);
		return -1;
	}
	return 0;
}

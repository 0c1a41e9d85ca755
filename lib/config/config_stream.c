/*
 * A process's output streams: stdout_logfile and stderr_logfile read as
 * Supervisor's logfile_name() reads them (a path, AUTO, NONE; "syslog"
 * the deprecated way to say *_syslog=true), and what the keys of a
 * stream mean together: the warnings for an AUTO log that never rotates
 * and for a stderr log redirect_stderr makes useless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config_priv.h"

static const char *const channels[2] = { "stdout", "stderr" };

void
opt_parse_logfile(struct sect *sc, const struct config_option *o,
    const struct expn *ex, void *obj)
{
	struct stream_config	*st = (void *)((char *)obj + o->offset);
	char			*v;
	bool			 magic = false;

	st->dest = LOG_DEST_AUTO;
	st->logfile = NULL;
	/* Expanded twice: once by saneget(), once more by expand(). */
	if (sect_get(sc, o->key, ex, 2, &v, NULL) != 1)
		return;
	value_logfile(v, &st->dest, &st->logfile, &magic);
	free(v);
	if (magic)
		prog_set_syslog_magic(sc, strncmp(o->key, channels[1],
		    strlen(channels[1])) == 0);
}

void
opt_json_logfile(cJSON *j, const struct config_option *o, const void *obj)
{
	const struct stream_config	*st = config_option_ptr(o, obj);

	opt_json_string(j, o->key, st->dest == LOG_DEST_AUTO ? "AUTO" :
	    st->dest == LOG_DEST_FILE ? st->logfile : NULL);
}

/*
 * Once a process's stream keys are read: *_logfile=syslog, the warnings
 * (said once per program, for its first process) and redirect_stderr.
 */
void
proc_streams_check(struct sect *sc, struct proc_config *pc,
    const bool syslog_magic[2], bool first)
{
	const struct ini_entry	*e;
	struct stream_config	*st;
	char			 key[64];
	int			 i;

	for (i = 0; i < 2; i++) {
		st = i == 0 ? &pc->stdout_cfg : &pc->stderr_cfg;
		snprintf(key, sizeof(key), "%s_logfile", channels[i]);
		e = ini_get(sc->ld->ini, sc->sec, key);
		if (syslog_magic[i]) {
			if (first)
				sect_warn(sc, e, "%s_logfile=syslog is "
				    "deprecated: use %s_syslog=true",
				    channels[i], channels[i]);
			st->syslog = true;
		}
		if (first && st->dest == LOG_DEST_AUTO &&
		    st->logfile_maxbytes == 0 && !(i == 1 &&
		    pc->redirect_stderr))
			sect_warn(sc, e, "AUTO logging used for %s_logfile "
			    "without rollover: set %s_logfile_maxbytes > 0 so "
			    "that it does not fill the disk", channels[i],
			    channels[i]);
	}
	if (!pc->redirect_stderr)
		return;
	if (pc->stderr_cfg.dest == LOG_DEST_FILE && first)
		sect_warn(sc, ini_get(sc->ld->ini, sc->sec, "stderr_logfile"),
		    "redirect_stderr=true but stderr_logfile is set to a "
		    "file: the file is ignored");
	pc->stderr_cfg.dest = LOG_DEST_NONE;
	free(pc->stderr_cfg.logfile);
	pc->stderr_cfg.logfile = NULL;
}

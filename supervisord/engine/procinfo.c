/*
 * What an operator reads about a process: state names, its full name,
 * how it last ended and supervisorctl's one-line description.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

#include "xmalloc.h"
#include "engine.h"
#include "output.h"

static const struct {
	enum proc_state	 state;
	const char	*name;
} state_names[] = {
	{ PROC_STOPPED, "STOPPED" },
	{ PROC_STARTING, "STARTING" },
	{ PROC_RUNNING, "RUNNING" },
	{ PROC_BACKOFF, "BACKOFF" },
	{ PROC_STOPPING, "STOPPING" },
	{ PROC_EXITED, "EXITED" },
	{ PROC_FATAL, "FATAL" },
	{ PROC_UNKNOWN, "UNKNOWN" },
};

#define NSTATES	(sizeof(state_names) / sizeof(state_names[0]))

static const char *
state_name_of(enum proc_state state)
{
	size_t	i;

	for (i = 0; i < NSTATES; i++)
		if (state_names[i].state == state)
			return state_names[i].name;
	return "UNKNOWN";
}

const char *
proc_state_name(enum proc_state state)
{
	return state_name_of(state);
}

/* One name per reason, as status and events show them. */
const char *
stop_reason_name(enum stop_reason reason)
{
	static const char *const names[] = {
		[STOP_NONE] = NULL,
		[STOP_ASKED] = "asked",
		[STOP_HELD] = "held",
		[STOP_GROUP_LEFT] = "group_left",
		[STOP_READY_TIMEOUT] = "ready_timeout",
		[STOP_WATCHDOG] = "watchdog",
	};

	if ((unsigned)reason >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[reason];
}

int
proc_state_parse(const char *s, enum proc_state *out)
{
	size_t	i;

	for (i = 0; i < NSTATES; i++) {
		if (strcasecmp(s, state_names[i].name) == 0) {
			*out = state_names[i].state;
			return 0;
		}
	}
	return -1;
}

/*
 * "group:name", or "name" when the group has the program's own name,
 * truncated as snprintf() would: a status writes one for each process.
 */
void
proc_fullname(const struct proc *p, char *buf, size_t len)
{
	const char	*group = p->cfg->group, *name = p->cfg->name;
	size_t		 off = 0, n;

	if (len == 0)
		return;
	if (strcmp(group, name) != 0) {
		n = strlen(group);
		if (n > len - 1)
			n = len - 1;
		memcpy(buf, group, n);
		off = n;
		if (off < len - 1)
			buf[off++] = ':';
	}
	n = strlen(name);
	if (n > len - 1 - off)
		n = len - 1 - off;
	memcpy(buf + off, name, n);
	buf[off + n] = '\0';
}

int
proc_lexical_cmp(const void *a, const void *b)
{
	const struct proc	*pa = *(struct proc *const *)a;
	const struct proc	*pb = *(struct proc *const *)b;
	int			 rc;

	if ((rc = strcmp(pa->cfg->group, pb->cfg->group)) != 0)
		return rc;
	return strcmp(pa->cfg->name, pb->cfg->name);
}

void
exit_describe(const struct exit_info *e, char *buf, size_t len)
{
	const char	*name;

	if (!e->valid) {
		snprintf(buf, len, "not exited");
		return;
	}
	if (!e->signaled) {
		snprintf(buf, len, "exit status %d", e->code);
		return;
	}
	if ((name = signal_name(e->code)) != NULL)
		snprintf(buf, len, "terminated by SIG%s%s", name,
		    e->core ? " (core dumped)" : "");
	else
		snprintf(buf, len, "terminated by signal %d%s", e->code,
		    e->core ? " (core dumped)" : "");
}

static void	proc_describe_state(const struct proc *, char *, size_t);

/* What the program left behind by daemonizing (adopt.c), then its state. */
void
proc_describe(const struct proc *p, char *buf, size_t len)
{
	size_t	n = adopt_describe(p, buf, len);

	proc_describe_state(p, buf + n, len - n);
}

static void
proc_describe_state(const struct proc *p, char *buf, size_t len)
{
	long long	 up, days;
	time_t		 t;
	struct tm	 tm;

	switch (p->state) {
	case PROC_RUNNING:
		up = (long long)(p->daemon->effects->now((struct proc *)p) -
		    p->started_at);
		if (up < 0)
			up = 0;
		days = up / 86400;
		up %= 86400;
		if (days > 0)
			snprintf(buf, len, "pid %d, uptime %lld day%s, "
			    "%lld:%02lld:%02lld", (int)p->pid, days,
			    days == 1 ? "" : "s", up / 3600, up / 60 % 60,
			    up % 60);
		else
			snprintf(buf, len, "pid %d, uptime %lld:%02lld:%02lld",
			    (int)p->pid, up / 3600, up / 60 % 60, up % 60);
		break;
	case PROC_STARTING:
	case PROC_STOPPING:
		if (p->waiting || p->stop_reason == STOP_HELD)
			depend_describe(p, buf, len);
		else
			snprintf(buf, len, "%s", "");
		break;
	case PROC_BACKOFF:
	case PROC_FATAL:
		if (proc_error(p)[0] != '\0')
			snprintf(buf, len, "%s", proc_error(p));
		else
			snprintf(buf, len, "unknown error (try \"tail %s\")",
			    p->cfg->name);
		break;
	case PROC_STOPPED:
	case PROC_EXITED:
		if (!p->ever_started) {
			snprintf(buf, len, "Not started");
			break;
		}
		t = (time_t)p->stopped_at;
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(buf, len, "%b %d %I:%M %p", &tm) == 0)
			snprintf(buf, len, "%s", "");
		break;
	default:
		snprintf(buf, len, "%s", "");
		break;
	}
	logcap_describe_drops(p, buf, len);
}

const char *
proc_error(const struct proc *p)
{
	return p->spawn_error != NULL ? p->spawn_error : "";
}

void
proc_set_error(struct proc *p, const char *fmt, ...)
{
	va_list	ap;

	if (p->spawn_error == NULL)
		p->spawn_error = xmalloc(PROC_TEXT_MAX);
	va_start(ap, fmt);
	vsnprintf(p->spawn_error, PROC_TEXT_MAX, fmt, ap);
	va_end(ap);
}

void
proc_clear_error(struct proc *p)
{
	if (p->spawn_error != NULL)
		p->spawn_error[0] = '\0';
}

void
proc_free_texts(struct proc *p)
{
	free(p->spawn_error);
	free(p->status_text);
	p->spawn_error = p->status_text = NULL;
}

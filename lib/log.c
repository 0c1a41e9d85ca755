/* Log lines with a level and a timestamp, to stderr or to a sink. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "unctrl.h"

static const char	*log_progname = "supervisord";
static enum log_level	 log_level = LOG_LEVEL_INFO;
static log_sink_fn	 log_sink;
static void		*log_sink_arg;

/* Supervisor's level names, in order of enum log_level. */
static const char *const level_names[] = {
	"critical", "error", "warn", "info", "debug", "trace", "blather",
};

void
log_init(const char *progname, enum log_level level)
{
	log_progname = progname;
	log_level = level;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

void
log_set_sink(log_sink_fn fn, void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

const char *
log_level_name(enum log_level level)
{
	if ((size_t)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "info";
	return level_names[level];
}

/* Parse a level as Supervisor spells it ("warning" is also accepted). */
int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_LEVEL_WARN;
		return 0;
	}
	if (strcasecmp(s, "critical") == 0 || strcasecmp(s, "crit") == 0) {
		*out = LOG_LEVEL_CRIT;
		return 0;
	}
	return -1;
}

void
vlog(enum log_level level, const char *fmt, va_list ap)
{
	char		 line[8192], msg[8192];
	struct timeval	 tv;
	struct tm	 tm;
	size_t		 n;
	int		 saved_errno = errno;
	const char	*name;

	if (level > log_level)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	name = level == LOG_LEVEL_WARN ? "WARN" : log_level_name(level);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ",%03ld ",
	    (long)(tv.tv_usec / 1000));
	for (; *name != '\0' && n < sizeof(line) - 1; name++)
		line[n++] = (char)(*name >= 'a' && *name <= 'z' ?
		    *name - 'a' + 'A' : *name);
	line[n++] = ' ';
	/* Names and values from files and peers: no raw control bytes. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	unctrl_buf(line + n, sizeof(line) - n, msg);
	n = strlen(line);

	if (log_sink != NULL)
		log_sink(level, line, n, log_sink_arg);
	else {
		line[n] = '\n';
		/* A short or failed write to stderr has nowhere to be reported. */
		if (write(STDERR_FILENO, line, n + 1) == -1)
			(void)0;
	}
	errno = saved_errno;
}

/* Log at a level with a printf format, outside of a va_list. */
static void __attribute__((format(printf, 2, 3)))
logit(enum log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* Format the message and append ": strerror(errno)". */
static void
vlog_errno(enum log_level level, const char *fmt, va_list ap)
{
	char	buf[4096];
	int	saved_errno = errno;

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	logit(level, "%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_LEVEL_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

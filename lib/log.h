/*
 * Logging for the daemon and the client, in the OpenBSD style:
 * log_warn() appends strerror(errno), log_warnx() does not; fatal() and
 * fatalx() log and exit(1).  Lines go to stderr with a timestamp unless a
 * sink is set (the daemon's own log file).  Control bytes of a message are
 * written escaped (\x1b), see unctrl.h.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_CRIT = 0,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_TRACE,
	LOG_LEVEL_BLATHER,
};

/* A sink receives one formatted line, with its timestamp, without '\n'. */
typedef void (*log_sink_fn)(enum log_level, const char *line, size_t len,
    void *arg);

void	log_init(const char *progname, enum log_level level);
void	log_set_level(enum log_level);
enum log_level log_get_level(void);
void	log_set_sink(log_sink_fn, void *arg);
int	log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(enum log_level, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif

/*
 * -d: detach the SysV way (fork, setsid, fork, standard streams to
 * /dev/null), while the starting process waits on a readiness pipe: it
 * exits 0 once the daemon is ready, or prints the daemon's start-up error
 * and exits 1, so that an init script knows which it was.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "supervisord.h"
#include "unctrl.h"

#define DETACH_READY	'\0'	/* the one byte that means ready */
#define DETACH_MSG_MAX	4096	/* of an error message */

/* Write all of buf, retrying on EINTR; the reader is waiting. */
static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * The starting process: wait for the first byte, or for the end of the
 * pipe (every holder gone).  Never returns.
 */
static void __attribute__((noreturn))
starter_wait(int fd, pid_t child)
{
	char	 buf[DETACH_MSG_MAX];
	size_t	 len = 0;
	ssize_t	 n;

	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len == 0 && buf[0] == DETACH_READY)
			_exit(0);
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	/* The intermediate process exits at once; do not leave a zombie. */
	while (waitpid(child, NULL, 0) == -1 && errno == EINTR)
		;
	if (len == 0) {
		len = (size_t)snprintf(buf, sizeof(buf), "supervisord: the "
		    "daemon exited during start-up without saying why (see "
		    "its log)\n");
	}
	write_all(STDERR_FILENO, buf, len);
	_exit(1);
}

/* Standard streams to /dev/null: nothing of ours reaches a terminal. */
static int
null_stdio(void)
{
	int	null, fd;

	if ((null = open("/dev/null", O_RDWR)) == -1)
		return -1;
	for (fd = 0; fd <= 2; fd++)
		if (fd != null && dup2(null, fd) == -1)
			return -1;
	if (null > 2)
		close(null);
	return 0;
}

int
detach_begin(void)
{
	int	 fds[2];
	pid_t	 pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		fatal("cannot create the readiness pipe");
	if ((pid = fork()) == -1)
		fatal("cannot fork");
	if (pid != 0) {
		close(fds[1]);
		starter_wait(fds[0], pid);
	}

	/* The intermediate process: a new session, then its child. */
	close(fds[0]);
	if (setsid() == -1)
		detach_fail(fds[1], "cannot create a session: %s",
		    strerror(errno));
	if ((pid = fork()) == -1)
		detach_fail(fds[1], "cannot fork: %s", strerror(errno));
	if (pid != 0)
		_exit(0);

	/* The daemon: not a session leader, so it never gets a terminal. */
	if (null_stdio() == -1)
		detach_fail(fds[1], "cannot redirect the standard streams to "
		    "/dev/null: %s", strerror(errno));
	return fds[1];
}

void
detach_ready(int fd)
{
	char	c = DETACH_READY;

	if (fd == -1)
		return;
	write_all(fd, &c, 1);
	close(fd);
}

void
detach_fail(int fd, const char *fmt, ...)
{
	char	raw[DETACH_MSG_MAX], msg[DETACH_MSG_MAX - 32];
	char	line[DETACH_MSG_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	unctrl_buf(msg, sizeof(msg), raw);	/* for a terminal */
	if (fd != -1) {
		n = snprintf(line, sizeof(line), "supervisord: %s\n", msg);
		write_all(fd, line, (size_t)n);
	}
	/* Logged too: the log is where an operator looks later. */
	fatalx("%s", msg);
}

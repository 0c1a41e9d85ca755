/*
 * notify_ready [-d MS] [-u] [-n] [-s TEXT] [-w MS] [-W N] [-t] [-f] [-m]
 * [-p]: a program that speaks sd_notify by itself, the way a daemon linked
 * with libsystemd would: it prints its pid and the NOTIFY_SOCKET,
 * WATCHDOG_USEC and WATCHDOG_PID it was given, sends READY=1 after -d MS
 * or on SIGUSR1 (-u), never with -n (STATUS=TEXT with it for -s), pings WATCHDOG=1 every -w MS (only -W
 * N times), sends WATCHDOG=trigger once ready (-t), lets a forked child
 * (which stays) send READY=1 (-f), or hands over to a child with
 * MAINPID= and exits on SIGUSR1 (-m), and says STOPPING=1 on SIGTERM
 * before exiting 0 (-p).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t	got_term, got_usr1;
static int			opt_stopping;

static void
on_signal(int sig)
{
	if (sig == SIGTERM)
		got_term = 1;
	else
		got_usr1 = 1;
}

/* sd_notify(3) by hand: one datagram to NOTIFY_SOCKET. */
static int
notify(const char *msg)
{
	const char		*name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sa;
	socklen_t		 len;
	int			 fd, rc;

	if (name == NULL || (name[0] != '/' && name[0] != '@') ||
	    strlen(name) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "notify_ready: bad NOTIFY_SOCKET\n");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, strlen(name));
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name) + (name[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, len) ==
	    (ssize_t)strlen(msg) ? 0 : -1;
	if (rc == -1)
		perror("notify_ready: sendto");
	close(fd);
	return rc;
}

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !got_term &&
	    !got_usr1)
		;
}

/* Until SIGUSR1 (when asked) or SIGTERM, without a lost wake-up. */
static void
wait_signal(int usr1)
{
	sigset_t	block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!got_term && !(usr1 && got_usr1))
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
ready_msg(char *buf, size_t len, const char *status, pid_t mainpid)
{
	int	n = snprintf(buf, len, "READY=1");

	if (status != NULL)
		n += snprintf(buf + n, len - n, "\nSTATUS=%s", status);
	if (mainpid > 0)
		snprintf(buf + n, len - n, "\nMAINPID=%d", (int)mainpid);
}

/* Until SIGTERM: ping the watchdog if asked, then leave. */
static void __attribute__((noreturn))
serve(long wd_ms, long wd_count)
{
	long	sent = 0;

	for (;;) {
		if (got_term) {
			if (opt_stopping)
				notify("STOPPING=1");
			exit(0);
		}
		if (wd_ms > 0 && (wd_count < 0 || sent < wd_count)) {
			notify("WATCHDOG=1");
			sent++;
			sleep_ms(wd_ms);
		} else
			wait_signal(0);
	}
}

int
main(int argc, char **argv)
{
	const char	*status = NULL, *v;
	long		 delay = 0, wd_ms = 0, wd_count = -1;
	int		 ch, never = 0, trigger = 0, forked = 0, mainpid = 0;
	int		 on_cue = 0;
	char		 msg[512];
	pid_t		 pid;

	while ((ch = getopt(argc, argv, "d:uns:w:W:tfmp")) != -1) {
		switch (ch) {
		case 'd': delay = atol(optarg); break;
		case 'u': on_cue = 1; break;
		case 'n': never = 1; break;
		case 's': status = optarg; break;
		case 'w': wd_ms = atol(optarg); break;
		case 'W': wd_count = atol(optarg); break;
		case 't': trigger = 1; break;
		case 'f': forked = 1; break;
		case 'm': mainpid = 1; break;
		case 'p': opt_stopping = 1; break;
		default:
			fprintf(stderr, "usage: notify_ready [-d MS] [-u] [-n] "
			    "[-s TEXT] [-w MS] [-W N] [-t] [-f] [-m] [-p]\n");
			return 2;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid=%d\n", (int)getpid());
	printf("NOTIFY_SOCKET=%s\n", (v = getenv("NOTIFY_SOCKET")) ? v :
	    "unset");
	printf("WATCHDOG_USEC=%s\n", (v = getenv("WATCHDOG_USEC")) ? v :
	    "unset");
	printf("WATCHDOG_PID=%s\n", (v = getenv("WATCHDOG_PID")) ? v :
	    "unset");

	sleep_ms(delay);
	if (on_cue)
		wait_signal(1);
	got_usr1 = 0;
	if (never)
		serve(wd_ms, wd_count);
	if (mainpid) {
		/* The child is the program from now on; we leave on cue. */
		if ((pid = fork()) == 0) {
			got_term = 0;
			ready_msg(msg, sizeof(msg), status, getpid());
			notify(msg);
			printf("child=%d\n", (int)getpid());
			serve(wd_ms, wd_count);
		}
		wait_signal(1);
		return 0;
	}
	if (forked) {
		/* A member of the group speaks; it lives on, as a worker. */
		if ((pid = fork()) == 0) {
			ready_msg(msg, sizeof(msg), status, 0);
			notify(msg);
			printf("child=%d\n", (int)getpid());
			serve(0, 0);
		}
	} else {
		ready_msg(msg, sizeof(msg), status, 0);
		notify(msg);
	}
	if (trigger)
		notify("WATCHDOG=trigger");
	serve(wd_ms, wd_count);
}

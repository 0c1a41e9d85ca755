/*
 * forker [-n N] [-s] [-p] [-i] [-x MS] [-c MS] FILE: fork N children, write
 * "leader PID" and "child PID" lines to FILE (atomically), then wait, or
 * exit after -x MS.  Children: -s call setsid() (leaving the group), -p
 * die with their parent (PR_SET_PDEATHSIG, a program that honours its
 * group), -i ignore SIGTERM, -c MS exit after MS (else live for ever).
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	char	 buf[4096], tmp[4200];
	pid_t	 leader = getpid(), pid;
	long	 exit_ms = -1, child_ms = -1;
	int	 ch, i, n = 2, setsid_ = 0, pdeath = 0, ignore = 0, fd;
	size_t	 off = 0;

	while ((ch = getopt(argc, argv, "n:spix:c:")) != -1) {
		switch (ch) {
		case 'n':
			n = atoi(optarg);
			break;
		case 's':
			setsid_ = 1;
			break;
		case 'p':
			pdeath = 1;
			break;
		case 'i':
			ignore = 1;
			break;
		case 'x':
			exit_ms = atol(optarg);
			break;
		case 'c':
			child_ms = atol(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: forker [-n N] [-s] [-p] [-i] [-x MS] "
		    "[-c MS] FILE\n");
		return 2;
	}
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "leader %d\n",
	    (int)leader);
	/* Inherited at the fork: a child not yet scheduled when the leader
	   reports it must already ignore SIGTERM. */
	if (ignore)
		signal(SIGTERM, SIG_IGN);
	for (i = 0; i < n; i++) {
		if ((pid = fork()) == -1) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			if (pdeath && (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
			    getppid() != leader))
				_exit(1);
			if (setsid_ && setsid() == -1)
				_exit(1);
			if (child_ms >= 0) {
				sleep_ms(child_ms);
				_exit(0);
			}
			for (;;)
				pause();
		}
		/* Left the group before the leader may exit: a loaded
		   machine must not turn an orphan into a group member. */
		while (setsid_ && getsid(pid) != pid && getsid(pid) != -1)
			sleep_ms(1);
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "child %d\n", (int)pid);
	}
	if (ignore)
		signal(SIGTERM, SIG_DFL);	/* the leader itself dies */
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[optind]);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) == -1 ||
	    write(fd, buf, off) != (ssize_t)off || close(fd) == -1 ||
	    rename(tmp, argv[optind]) == -1) {
		perror(argv[optind]);
		return 1;
	}
	if (exit_ms >= 0) {
		sleep_ms(exit_ms);
		return 0;
	}
	for (;;)
		pause();
}

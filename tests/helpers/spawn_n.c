/*
 * spawn_n N PROG [ARG...]: start N copies of PROG as fast as fork(2) and
 * execv(2) allow (stdio on /dev/null, nothing else done in the child),
 * then wait for ever.  The benchmark's floor for starting N programs: what
 * a supervisor costs is measured above it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long	n, i;
	pid_t	pid;
	int	null;

	if (argc < 3 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: spawn_n N PROG [ARG...]\n");
		return 2;
	}
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		perror("/dev/null");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if ((pid = fork()) == -1) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
			    dup2(null, 2) == -1)
				_exit(127);
			execv(argv[2], argv + 2);
			_exit(127);
		}
	}
	for (;;)
		pause();
}

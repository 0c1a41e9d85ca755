/*
 * spawner [-n N] [-t] [-g K [-w MS]] [-s] [-i] [-c MS] [-x MS] [-r FILE]:
 * make processes in the caller's process group: the reliability tests'
 * fork bomb (bounded) and orphan factory.
 *
 * Flat (default): the leader forks N children.  -t: a tree instead, each
 * process forking up to two until N processes exist (a fork bomb that
 * stops at N).  -g K: each of the N children forks K grandchildren and
 * exits at once, orphaning them, the leader waiting -w MS between
 * children (waves of orphans).  The processes that stay (children, or
 * grandchildren with -g) call setsid() first with -s, and live for ever
 * or exit after -c MS.  The leader waits for ever, or exits -x MS after
 * the forks.  -i: every process ignores SIGTERM.  -r FILE: every process
 * that stays appends "PID\n" to FILE (one write) once its forks are done.
 * Exited children are reaped at once (SIGCHLD ignored): no zombie here.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char	*record_path;
static long		 child_ms = -1;
static int		 new_session;

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
record(void)
{
	char	line[32];
	int	fd, n;

	if (record_path == NULL)
		return;
	if ((fd = open(record_path, O_WRONLY | O_APPEND | O_CREAT,
	    0666)) == -1) {
		perror(record_path);
		_exit(100);
	}
	n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (write(fd, line, (size_t)n) != n)
		_exit(100);
	close(fd);
}

/* A child's life after its own forks: sleep, then go (or stay). */
static void
child_live(void)
{
	if (new_session && setsid() == -1) {
		perror("spawner: setsid");
		_exit(1);
	}
	record();
	if (child_ms >= 0) {
		sleep_ms(child_ms);
		_exit(0);
	}
	for (;;)
		pause();
}

static pid_t
fork_checked(void)
{
	pid_t	pid;

	if ((pid = fork()) == -1) {
		perror("spawner: fork");
		_exit(1);
	}
	return pid;
}

/* Tree node idx (0 is the leader): its children are 2i+1 and 2i+2. */
static void
tree(long idx, long n)
{
	long	k, c;

	for (k = 1; k <= 2; k++) {
		c = 2 * idx + k;
		if (c >= n)
			break;
		if (fork_checked() == 0) {
			tree(c, n);
			child_live();
		}
	}
}

/*
 * -g: a child that leaves k grandchildren behind, orphaned.  They start
 * their lives only once orphaned (EOF on a pipe their parent held, then
 * a new parent): one that ended before would be reaped here, not by the
 * subreaper the tests are about.
 */
static void
orphan_parent(long k)
{
	pid_t	self = getpid();
	long	i;
	char	c;
	int	fds[2];

	if (pipe(fds) == -1) {
		perror("spawner: pipe");
		_exit(1);
	}
	for (i = 0; i < k; i++) {
		if (fork_checked() == 0) {
			close(fds[1]);
			while (read(fds[0], &c, 1) == -1 && errno == EINTR)
				;
			close(fds[0]);
			while (getppid() == self)
				sleep_ms(1);
			child_live();
		}
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	long	n = 1, exit_ms = -1, k = 0, wave_ms = 0, i;
	int	ch, treemode = 0;

	while ((ch = getopt(argc, argv, "n:tg:w:sic:x:r:")) != -1) {
		switch (ch) {
		case 'n':
			n = atol(optarg);
			break;
		case 't':
			treemode = 1;
			break;
		case 'g':
			k = atol(optarg);
			break;
		case 'w':
			wave_ms = atol(optarg);
			break;
		case 's':
			new_session = 1;
			break;
		case 'i':
			signal(SIGTERM, SIG_IGN);
			break;
		case 'c':
			child_ms = atol(optarg);
			break;
		case 'x':
			exit_ms = atol(optarg);
			break;
		case 'r':
			record_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: spawner [-n N] [-t] [-g K "
			    "[-w MS]] [-s] [-i] [-c MS] [-x MS] [-r FILE]\n");
			return 2;
		}
	}
	signal(SIGCHLD, SIG_IGN);
	if (treemode)
		tree(0, n);
	else if (k > 0) {
		for (i = 0; i < n; i++) {
			if (fork_checked() == 0)
				orphan_parent(k);
			if (wave_ms > 0 && i + 1 < n)
				sleep_ms(wave_ms);
		}
	} else
		for (i = 0; i < n; i++)
			if (fork_checked() == 0)
				child_live();
	if (k == 0)
		record();
	if (exit_ms >= 0) {
		sleep_ms(exit_ms);
		return 0;
	}
	for (;;)
		pause();
}

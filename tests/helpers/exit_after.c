/*
 * exit_after [-r FILE] [-k SIG] MS CODE: append "PID START_MS" to FILE,
 * then exit with CODE (or die by SIG) after MS milliseconds; MS < 0 waits
 * for ever.  The tests' program that runs, records and ends on cue.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* One write(2) with O_APPEND: lines of concurrent runs never mix. */
static void
record(const char *path)
{
	char	line[128];
	int	fd, n;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666)) == -1) {
		perror(path);
		exit(100);
	}
	n = snprintf(line, sizeof(line), "%d %.3f\n", (int)getpid(), now_ms());
	if (write(fd, line, (size_t)n) != n)
		exit(100);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct timespec	 ts;
	const char	*file = NULL;
	long		 ms;
	int		 ch, sig = 0;

	while ((ch = getopt(argc, argv, "r:k:")) != -1) {
		switch (ch) {
		case 'r':
			file = optarg;
			break;
		case 'k':
			sig = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: exit_after [-r FILE] [-k SIG] MS CODE\n");
		return 2;
	}
	ms = atol(argv[optind]);
	if (file != NULL)
		record(file);
	if (ms < 0)
		for (;;)
			pause();
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1)
		;
	if (sig != 0) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return atoi(argv[optind + 1]);
}

/*
 * ignore_term FILE: write "pid PID" to FILE, then live on through SIGTERM,
 * appending "TERM MS" (wall clock) to FILE each time one arrives, until
 * SIGKILL.  Shows that the stop escalates, and when.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char	*file;

/* Append one line in one write(2): async-signal-safe enough for us. */
static void
append(const char *line, int n)
{
	int	fd;

	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0666)) == -1)
		return;
	if (write(fd, line, (size_t)n) != n)
		(void)0;
	close(fd);
}

static void
on_term(int sig)
{
	struct timespec	ts;
	char		line[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	append(line, snprintf(line, sizeof(line), "TERM %.3f\n",
	    ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6));
}

int
main(int argc, char **argv)
{
	struct sigaction	sa;
	char			line[64];

	if (argc != 2) {
		fprintf(stderr, "usage: ignore_term FILE\n");
		return 2;
	}
	file = argv[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1)
		return 1;
	append(line, snprintf(line, sizeof(line), "pid %d\n", (int)getpid()));
	for (;;)
		pause();
}

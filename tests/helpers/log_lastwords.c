/*
 * log_lastwords: write its last words and exit at once, so tests can show
 * that the daemon drains a pipe to its end after the writer is gone.
 *
 * usage: log_lastwords [-n BYTES] [-e] [-c CODE] [TEXT]
 *   writes BYTES bytes of 'x' lines (63 'x' and a newline each; the last
 *   line may be cut) to stdout, then TEXT as is (no newline added: a
 *   partial line), then exits with CODE (default 0) through _exit, with
 *   nothing flushed afterwards.  -e writes TEXT to stderr instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
writeall(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char	 line[64];
	size_t	 bytes = 0, n;
	int	 ch, code = 0, textfd = 1;

	while ((ch = getopt(argc, argv, "c:en:")) != -1) {
		switch (ch) {
		case 'c':
			code = atoi(optarg);
			break;
		case 'e':
			textfd = 2;
			break;
		case 'n':
			bytes = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: log_lastwords [-e] [-c CODE] "
			    "[-n BYTES] [TEXT]\n");
			return 2;
		}
	}
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	while (bytes > 0) {
		n = bytes < sizeof(line) ? bytes : sizeof(line);
		if (writeall(1, line, n) == -1)
			_exit(1);
		bytes -= n;
	}
	if (optind < argc && writeall(textfd, argv[optind],
	    strlen(argv[optind])) == -1)
		_exit(1);
	_exit(code);
}

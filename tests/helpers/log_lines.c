/*
 * log_lines: write numbered lines, each in several pieces with a pause
 * between them, so that partial lines are pending in the daemon while
 * other programs write: tests check that lines never interleave mid-line
 * and that stdout/stderr order survives redirect_stderr.
 *
 * usage: log_lines [-a] [-x] [-l] [-n LINES] [-p PIECES] [-u USEC]
 *                  [-i USEC] TAG
 *   line i is "TAG i " followed by 40 times the letter 'a' + i % 26;
 *   -n  how many lines (default 10; 0: forever)
 *   -i  pause USEC between lines
 *   -p  write each line in PIECES writes (default 1), USEC apart (-u)
 *   -a  alternate stdout (even lines) and stderr (odd lines)
 *   -x  end with "TAG end" without a newline (a partial last line)
 *   -l  linger after writing (sleep until killed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
writeall(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1)
			_exit(1);
		p += w;
		n -= (size_t)w;
	}
}

int
main(int argc, char **argv)
{
	char		 line[256], letters[41];
	const char	*tag;
	size_t		 len, off, piece;
	long		 i, lines = 10, pieces = 1, usec = 0, p, interval = 0;
	int		 ch, alternate = 0, partial = 0, linger = 0, fd;

	while ((ch = getopt(argc, argv, "ai:ln:p:u:x")) != -1) {
		switch (ch) {
		case 'a':
			alternate = 1;
			break;
		case 'i':
			interval = atol(optarg);
			break;
		case 'l':
			linger = 1;
			break;
		case 'n':
			lines = atol(optarg);
			break;
		case 'p':
			pieces = atol(optarg);
			break;
		case 'u':
			usec = atol(optarg);
			break;
		case 'x':
			partial = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || pieces < 1)
		goto usage;
	tag = argv[optind];
	for (i = 0; lines == 0 || i < lines; i++) {
		if (i > 0 && interval > 0)
			usleep((useconds_t)interval);
		memset(letters, 'a' + (int)(i % 26), 40);
		letters[40] = '\0';
		len = (size_t)snprintf(line, sizeof(line), "%s %ld %s\n", tag,
		    i, letters);
		fd = alternate && i % 2 == 1 ? 2 : 1;
		piece = (len + (size_t)pieces - 1) / (size_t)pieces;
		for (off = 0, p = 0; off < len; off += piece, p++) {
			if (p > 0 && usec > 0)
				usleep((useconds_t)usec);
			writeall(fd, line + off,
			    len - off < piece ? len - off : piece);
		}
	}
	if (partial) {
		len = (size_t)snprintf(line, sizeof(line), "%s end", tag);
		writeall(1, line, len);
	}
	while (linger)
		pause();
	return 0;

usage:
	fprintf(stderr, "usage: log_lines [-alx] [-n LINES] [-p PIECES] "
	    "[-u USEC] [-i USEC] TAG\n");
	return 2;
}

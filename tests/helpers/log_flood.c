/*
 * log_flood: write a known pattern to stdout (or stderr) as fast as it
 * can, and record how long its writes were blocked, so tests and the
 * benchmark can check that every byte landed and the writer never hung.
 *
 * The pattern is 100-byte lines, line i being "%011llu " then 87 times
 * the letter 'a' + i % 26, then '\n'; the stream is cut to BYTES bytes
 * and written in writes of CHUNK bytes (-c, default 65536), or one line
 * per write (-c 100 writes whole lines).
 *
 * usage: log_flood [-elr] [-c CHUNK] [-s STATSFILE] [-w GOFILE] BYTES
 *   -e  write to stderr instead of stdout
 *   -r  repeat the first chunk instead of the pattern (the cheapest
 *       writer, for the benchmark)
 *   -l  linger after writing (sleep until killed)
 *   -s  write {"bytes": N, "max_block_s": X, "total_s": Y, "start": T}
 *       there at the end (T: CLOCK_MONOTONIC seconds of the first write)
 *   -w  wait until the file GOFILE exists before writing (the benchmark
 *       starts the clock then, not at the supervisor's start-up)
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE	100

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The pattern's bytes [off, off + len) into buf. */
static void
pattern(char *buf, unsigned long long off, size_t len)
{
	unsigned long long	line = off / LINE;
	size_t			pos = (size_t)(off % LINE), n;
	char			l[LINE + 1];

	int			i;
	unsigned long long	v;

	memset(l + 11, ' ', 1);
	l[LINE - 1] = '\n';
	while (len > 0) {
		for (i = 10, v = line; i >= 0; i--, v /= 10)
			l[i] = (char)('0' + v % 10);
		memset(l + 12, 'a' + (int)(line % 26), LINE - 13);
		n = LINE - pos;
		if (n > len)
			n = len;
		memcpy(buf, l + pos, n);
		buf += n;
		len -= n;
		pos = 0;
		line++;
	}
}

int
main(int argc, char **argv)
{
	unsigned long long	 total, off = 0;
	size_t			 chunk = 65536, n;
	const char		*stats = NULL, *go = NULL;
	struct stat		 st;
	double			 t0, t, start, maxblock = 0;
	char			*buf;
	ssize_t			 w;
	int			 ch, fd = 1, linger = 0, repeat = 0;
	FILE			*f;

	while ((ch = getopt(argc, argv, "c:elrs:w:")) != -1) {
		switch (ch) {
		case 'c':
			chunk = strtoul(optarg, NULL, 10);
			break;
		case 'e':
			fd = 2;
			break;
		case 'l':
			linger = 1;
			break;
		case 'r':
			repeat = 1;
			break;
		case 's':
			stats = optarg;
			break;
		case 'w':
			go = optarg;
			break;
		default:
			fprintf(stderr, "usage: log_flood [-elr] [-c CHUNK] "
			    "[-s STATS] [-w GOFILE] BYTES\n");
			return 2;
		}
	}
	if (optind + 1 != argc || chunk == 0)
		return 2;
	total = strtoull(argv[optind], NULL, 10);
	if ((buf = malloc(chunk)) == NULL)
		return 1;
	pattern(buf, 0, chunk);
	while (go != NULL && stat(go, &st) == -1)
		usleep(1000);
	start = now();
	while (off < total) {
		n = chunk;
		if (n > total - off)
			n = (size_t)(total - off);
		if (!repeat)
			pattern(buf, off, n);
		t0 = now();
		w = write(fd, buf, n);
		t = now() - t0;
		if (t > maxblock)
			maxblock = t;
		if (w == -1) {
			if (errno == EINTR)
				continue;
			perror("log_flood: write");
			return 1;
		}
		off += (unsigned long long)w;
	}
	t = now() - start;
	if (stats != NULL) {
		if ((f = fopen(stats, "w")) == NULL) {
			perror(stats);
			return 1;
		}
		fprintf(f, "{\"bytes\": %llu, \"max_block_s\": %.6f, "
		    "\"total_s\": %.6f, \"start\": %.6f}\n", off, maxblock, t,
		    start);
		fclose(f);
	}
	free(buf);
	while (linger)
		pause();
	return 0;
}

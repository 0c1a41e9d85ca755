/*
 * /proc readers: a process's stat line, its command line, the children
 * of a process, the boot id.  Each file is read whole into a bounded
 * buffer with one open, one or two reads and a close.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"
#include "xmalloc.h"

#define STAT_MAX	1024	/* a stat line is about 300 bytes */

/* Read a small file whole: its length, or -1 with errno. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	ssize_t	 n;
	size_t	 off = 0;
	int	 fd, error;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (off < len) {
		n = read(fd, buf + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			error = errno;
			close(fd);
			errno = error;
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	return (ssize_t)off;
}

/* One unsigned decimal field ending at a space, a newline or the end. */
static int
parse_field(const char **s, const char *end, uint64_t *out)
{
	const char	*p = *s;
	uint64_t	 v = 0;
	int		 neg = 0;

	if (p < end && *p == '-') {	/* a stat field may be -1 */
		neg = 1;
		p++;
	}
	if (p == end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p != ' ' && *p != '\n')
		return -1;
	*out = neg ? 0 : v;
	*s = p < end ? p + 1 : p;
	return 0;
}

int
procstat_parse(const char *text, size_t len, struct procstat *st)
{
	const char	*p, *end = text + len;
	uint64_t	 v[21];
	size_t		 i;

	/* The command name ends at the last ')': it may hold others. */
	if ((p = memrchr(text, ')', len)) == NULL || end - p < 4 ||
	    p[1] != ' ' || p[3] != ' ')
		return -1;
	st->state = p[2];
	p += 4;
	/* Field 4 (ppid, index 0 here) to field 24 (rss, 20). */
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (parse_field(&p, end, &v[i]) == -1)
			return -1;
	if (v[0] > INT_MAX || v[1] > INT_MAX || v[2] > INT_MAX)
		return -1;
	st->ppid = (pid_t)v[0];
	st->pgrp = (pid_t)v[1];
	st->session = (pid_t)v[2];
	st->utime = v[10];
	st->stime = v[11];
	st->starttime = v[18];
	st->vsize = v[19];
	st->rss = v[20];
	return 0;
}

int
procstat_read(pid_t pid, struct procstat *st)
{
	char	 path[64], buf[STAT_MAX];
	ssize_t	 n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((n = read_small(path, buf, sizeof(buf))) == -1) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	if (procstat_parse(buf, (size_t)n, st) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void
procstat_cmdline(pid_t pid, char *buf, size_t len)
{
	char	 path[64];
	ssize_t	 n;
	size_t	 i, used;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (len < 5)
		return;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	/* One byte more than fits tells whether it was cut. */
	if ((n = read_small(path, buf, len)) <= 0) {
		buf[0] = '\0';
		return;
	}
	used = (size_t)n;
	while (used > 0 && buf[used - 1] == '\0')
		used--;
	if (used >= len) {
		used = len - 4;
		memcpy(buf + used, "...", 3);
		used += 3;
	}
	for (i = 0; i < used; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	buf[used] = '\0';
}

ssize_t
procstat_parse_children(const char *text, size_t len, pid_t **out)
{
	const char	*p = text, *end = text + len;
	pid_t		*v = NULL;
	uint64_t	 pid;
	size_t		 n = 0, cap = 0;

	*out = NULL;
	while (p < end) {
		if (*p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		if (parse_field(&p, end, &pid) == -1 || pid == 0 ||
		    pid > INT_MAX) {
			free(v);
			return -1;
		}
		if (n == cap) {
			cap = cap == 0 ? 16 : 2 * cap;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = (pid_t)pid;
	}
	*out = v;
	return (ssize_t)n;
}

ssize_t
procstat_children(pid_t pid, pid_t **out)
{
	char	 path[96], *buf;
	size_t	 cap = 4096;
	ssize_t	 n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	*out = NULL;
	/* Up to 8 bytes a child: grow until the whole list fits. */
	for (;;) {
		buf = xmalloc(cap);
		if ((n = read_small(path, buf, cap)) == -1) {
			free(buf);
			return -1;
		}
		if ((size_t)n < cap)
			break;
		free(buf);
		if (cap >= (size_t)64 << 20) {
			errno = EFBIG;
			return -1;
		}
		cap *= 2;
	}
	n = procstat_parse_children(buf, (size_t)n, out);
	free(buf);
	if (n == -1)
		errno = EINVAL;
	return n;
}

/* The hexadecimal mask after "\nNAME:\t" in text, or -1. */
static int
status_mask(const char *text, size_t len, const char *name, uint64_t *out)
{
	const char	*s = text, *end = text + len;
	size_t		 nlen = strlen(name);
	uint64_t	 v = 0;
	int		 digits = 0, d;

	for (; s < end; s++) {
		if ((s == text || s[-1] == '\n') && (size_t)(end - s) > nlen &&
		    memcmp(s, name, nlen) == 0 && s[nlen] == ':')
			break;
	}
	if (s >= end)
		return -1;
	for (s += nlen + 1; s < end && (*s == '\t' || *s == ' '); s++)
		;
	for (; s < end && *s != '\n'; s++, digits++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			return -1;
		if (digits == 16)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (digits == 0)
		return -1;
	*out = v;
	return 0;
}

int
procstat_parse_handled(const char *text, size_t len, uint64_t *out)
{
	uint64_t	ign, cgt;

	if (status_mask(text, len, "SigIgn", &ign) == -1 ||
	    status_mask(text, len, "SigCgt", &cgt) == -1)
		return -1;
	*out = ign | cgt;
	return 0;
}

uint64_t
procstat_handled_signals(void)
{
	char		buf[4096];
	uint64_t	mask;
	ssize_t		n;

	/* Both lines come well within the first 4 KiB (after the ids and
	   the memory figures); a longer file that pushes them out reads as
	   "every signal", the safe answer. */
	n = read_small("/proc/self/status", buf, sizeof(buf));
	if (n <= 0 || procstat_parse_handled(buf, (size_t)n, &mask) == -1)
		return ~(uint64_t)0;
	return mask;
}

void
procstat_boot_id(char *buf, size_t len)
{
	char	 id[64];
	ssize_t	 n;

	if (len == 0)
		return;
	buf[0] = '\0';
	n = read_small("/proc/sys/kernel/random/boot_id", id, sizeof(id) - 1);
	if (n <= 0)
		return;
	while (n > 0 && (id[n - 1] == '\n' || id[n - 1] == ' '))
		n--;
	id[n] = '\0';
	snprintf(buf, len, "%s", id);
}

uint64_t
procstat_now_ticks(void)
{
	static long	 hz;
	struct timespec	 ts;

	if (hz <= 0 && (hz = sysconf(_SC_CLK_TCK)) <= 0)
		hz = 100;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * (uint64_t)hz +
	    (uint64_t)ts.tv_nsec / (1000000000u / (uint64_t)hz);
}

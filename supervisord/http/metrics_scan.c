/*
 * The /proc pass of a scrape: every process's stat line read once, its
 * CPU time and resident set added to the program whose process group it
 * is in (a hash of the programs' groups), so that a thousand programs
 * cost one listing of /proc, not a thousand.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "procstat.h"
#include "xmalloc.h"

/* pgid -> index in the caller's arrays: open addressing, 0 = empty. */
struct pgid_map {
	pid_t	*keys;
	size_t	*idx;
	size_t	 size;		/* a power of two, at least 2n */
};

static size_t
pgid_slot(const struct pgid_map *m, pid_t pgid)
{
	size_t	i = ((size_t)pgid * 2654435761u) & (m->size - 1);

	while (m->keys[i] != 0 && m->keys[i] != pgid)
		i = (i + 1) & (m->size - 1);
	return i;
}

static void
pgid_map_init(struct pgid_map *m, const pid_t *pgids, size_t n)
{
	size_t	i, slot;

	m->size = 16;
	while (m->size < 2 * n)
		m->size *= 2;
	m->keys = xcalloc(m->size, sizeof(*m->keys));
	m->idx = xcalloc(m->size, sizeof(*m->idx));
	for (i = 0; i < n; i++) {
		if (pgids[i] <= 0)
			continue;
		slot = pgid_slot(m, pgids[i]);
		if (m->keys[slot] != 0)
			continue;	/* the first program keeps it */
		m->keys[slot] = pgids[i];
		m->idx[slot] = i;
	}
}

/* The index of the program of this group, or -1. */
static ssize_t
pgid_map_find(const struct pgid_map *m, pid_t pgid)
{
	size_t	slot;

	if (pgid <= 0)
		return -1;
	slot = pgid_slot(m, pgid);
	return m->keys[slot] == pgid ? (ssize_t)m->idx[slot] : -1;
}

/* A /proc entry's pid, or 0 when the name is not one. */
static pid_t
entry_pid(const char *name)
{
	long	v = 0;

	if (*name == '\0')
		return 0;
	for (; *name != '\0'; name++) {
		if (*name < '0' || *name > '9' || v > 100000000)
			return 0;
		v = v * 10 + (*name - '0');
	}
	return (pid_t)v;
}

/*
 * PID/stat, relative to /proc's descriptor, in one read: the cheapest
 * way there is (a stat line fits in one page and is read whole at once);
 * 0, or -1 when it is gone, unreadable or not a stat line.
 */
static int
stat_at(int procfd, const char *name, struct procstat *st)
{
	char	 path[32], buf[1024];
	size_t	 n = strlen(name);
	ssize_t	 len;
	int	 fd;

	if (n + sizeof("/stat") > sizeof(path))
		return -1;
	memcpy(path, name, n);
	memcpy(path + n, "/stat", sizeof("/stat"));
	if ((fd = openat(procfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	do
		len = read(fd, buf, sizeof(buf));
	while (len == -1 && errno == EINTR);
	close(fd);
	if (len <= 0)
		return -1;
	return procstat_parse(buf, (size_t)len, st);
}

ssize_t
metrics_scan(const pid_t *pgids, size_t n, struct metrics_usage *out)
{
	struct pgid_map	 map;
	struct procstat	 st;
	struct dirent	*de;
	DIR		*dir;
	ssize_t		 i, nread = 0;

	memset(out, 0, n * sizeof(*out));
	if ((dir = opendir("/proc")) == NULL)
		return -1;
	pgid_map_init(&map, pgids, n);
	while ((de = readdir(dir)) != NULL) {
		if (entry_pid(de->d_name) == 0)
			continue;
		/* Gone meanwhile, or unreadable: it counts for nothing. */
		if (stat_at(dirfd(dir), de->d_name, &st) == -1)
			continue;
		nread++;
		if ((i = pgid_map_find(&map, st.pgrp)) == -1)
			continue;
		out[i].seen = true;
		out[i].ticks += st.utime + st.stime;
		out[i].rss_pages += st.rss;
	}
	closedir(dir);
	free(map.keys);
	free(map.idx);
	return nread;
}

/* The size of the daemon's descriptor table (FDSize), or -1. */
static long
fd_table_size(void)
{
	char	 line[128];
	FILE	*f;
	long	 n = -1;

	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "FDSize:", 7) == 0) {
			n = strtol(line + 7, NULL, 10);
			break;
		}
	fclose(f);
	return n;
}

/*
 * The open descriptors: one poll(2) of the whole table with no events
 * and no wait, where a closed one answers POLLNVAL.  Listing
 * /proc/self/fd, as the client libraries do, costs the kernel a lookup
 * per descriptor: with a thousand programs (three pipes each) that was
 * most of a scrape.
 */
long
metrics_open_fds(void)
{
	struct pollfd	*pfd;
	long		 size, i, n = 0;
	int		 rc;

	if ((size = fd_table_size()) <= 0 || size > (1L << 24))
		return -1;
	pfd = xcalloc((size_t)size, sizeof(*pfd));
	for (i = 0; i < size; i++)
		pfd[i].fd = (int)i;
	do
		rc = poll(pfd, (nfds_t)size, 0);
	while (rc == -1 && errno == EINTR);
	if (rc != -1)
		for (i = 0; i < size; i++)
			if (!(pfd[i].revents & POLLNVAL))
				n++;
	free(pfd);
	return rc == -1 ? -1 : n;
}

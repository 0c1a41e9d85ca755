/*
 * The /proc pass of a scrape: every process's stat line read once, its
 * CPU time and resident set added to the program whose process group it
 * is in (a hash of the programs' groups), so that a thousand programs
 * cost one listing of /proc, not a thousand.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

ssize_t
metrics_scan(const pid_t *pgids, size_t n, struct metrics_usage *out)
{
	struct pgid_map	 map;
	struct procstat	 st;
	struct dirent	*de;
	DIR		*dir;
	ssize_t		 i, nread = 0;
	pid_t		 pid;

	memset(out, 0, n * sizeof(*out));
	if ((dir = opendir("/proc")) == NULL)
		return -1;
	pgid_map_init(&map, pgids, n);
	while ((de = readdir(dir)) != NULL) {
		if ((pid = entry_pid(de->d_name)) == 0)
			continue;
		/* Gone meanwhile, or unreadable: it counts for nothing. */
		if (procstat_read(pid, &st) == -1)
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

long
metrics_open_fds(void)
{
	struct dirent	*de;
	DIR		*dir;
	long		 n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n > 0 ? n - 1 : 0;	/* not the listing's own */
}

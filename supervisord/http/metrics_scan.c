/*
 * The /proc pass of a scrape: every process's stat line read once, in
 * steps, its CPU time and resident set added to its process group's (a
 * hash of the groups met), so that a thousand programs cost one listing
 * of /proc, not a thousand, and a program's figures are its group's
 * whatever happened to the program between the steps.
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

/* One process group met by the pass: open addressing, pgid 0 = empty. */
struct group_slot {
	pid_t			 pgid;
	struct metrics_usage	 usage;
};

struct metrics_scan {
	DIR			*dir;
	struct group_slot	*slots;
	size_t			 size;		/* a power of two */
	size_t			 used;
};

static struct group_slot *
slot_of(struct group_slot *slots, size_t size, pid_t pgid)
{
	size_t	i = ((size_t)pgid * 2654435761u) & (size - 1);

	while (slots[i].pgid != 0 && slots[i].pgid != pgid)
		i = (i + 1) & (size - 1);
	return &slots[i];
}

/* Twice the slots once half are used. */
static void
groups_grow(struct metrics_scan *sc)
{
	struct group_slot	*old = sc->slots, *to;
	size_t			 i, oldsize = sc->size;

	sc->size = oldsize == 0 ? 256 : 2 * oldsize;
	sc->slots = xcalloc(sc->size, sizeof(*sc->slots));
	for (i = 0; i < oldsize; i++) {
		if (old[i].pgid == 0)
			continue;
		to = slot_of(sc->slots, sc->size, old[i].pgid);
		*to = old[i];
	}
	free(old);
}

static void
groups_add(struct metrics_scan *sc, const struct procstat *st)
{
	struct group_slot	*g;

	if (st->pgrp <= 0)
		return;			/* kernel threads */
	if (2 * (sc->used + 1) > sc->size)
		groups_grow(sc);
	g = slot_of(sc->slots, sc->size, st->pgrp);
	if (g->pgid == 0) {
		g->pgid = st->pgrp;
		sc->used++;
	}
	g->usage.ticks += st->utime + st->stime;
	g->usage.rss_pages += st->rss;
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

struct metrics_scan *
metrics_scan_start(void)
{
	struct metrics_scan	*sc;
	DIR			*dir;

	if ((dir = opendir("/proc")) == NULL)
		return NULL;
	sc = xcalloc(1, sizeof(*sc));
	sc->dir = dir;
	groups_grow(sc);
	return sc;
}

bool
metrics_scan_step(struct metrics_scan *sc, size_t max)
{
	struct procstat	 st;
	struct dirent	*de;
	size_t		 n = 0;

	if (sc->dir == NULL)
		return true;
	while (n < max) {
		if ((de = readdir(sc->dir)) == NULL) {
			closedir(sc->dir);
			sc->dir = NULL;
			return true;
		}
		if (entry_pid(de->d_name) == 0)
			continue;
		n++;
		/* Gone meanwhile, or unreadable: it counts for nothing. */
		if (stat_at(dirfd(sc->dir), de->d_name, &st) == -1)
			continue;
		groups_add(sc, &st);
	}
	return false;
}

const struct metrics_usage *
metrics_scan_group(const struct metrics_scan *sc, pid_t pgid)
{
	const struct group_slot	*g;

	if (sc == NULL || pgid <= 0)
		return NULL;
	g = slot_of(sc->slots, sc->size, pgid);
	return g->pgid == pgid ? &g->usage : NULL;
}

void
metrics_scan_free(struct metrics_scan *sc)
{
	if (sc == NULL)
		return;
	if (sc->dir != NULL)
		closedir(sc->dir);
	free(sc->slots);
	free(sc);
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

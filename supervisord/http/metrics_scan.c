/*
 * The /proc pass of a scrape: every process's stat line read once, in
 * steps, its CPU time and resident set added to its process group's (a
 * hash of the groups met), so that a thousand programs cost one listing
 * of /proc, not a thousand, and a program's figures are its group's
 * whatever happened to the program between the steps.
 *
 * Only a process of the daemon's session can be a member of one of our
 * programs' groups (each program leads a group of its own in that
 * session; setpgid(2) moves a process only to a group of its session,
 * and setsid(2) only out of it, into a new group led by the caller).  So
 * a pass remembers, for the next, the processes it read, by pid and by
 * the inode number that the /proc listing gives for free (new for every
 * new process, so a reused pid is never taken for its former owner):
 * those of other sessions (the machine's other services, kernel threads)
 * are listed and left unread; those of ours keep their stat file open,
 * read again at offset 0 (pread: the kernel writes the line anew),
 * without the path lookup, open and close that are two thirds of a
 * read's cost.  Descriptors kept are bounded by the open-file limit.
 */
#include <sys/resource.h>
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

/*
 * A process met by a pass, for the next: of another session (fd -1,
 * left unread), or of ours with its stat file open; by pid ascending
 * (the order of the listing).
 */
struct known {
	pid_t	 pid;
	int	 fd;
	ino_t	 ino;
};

struct known_list {
	struct known	*v;
	size_t		 n, cap;
	size_t		 kept;		/* entries with a descriptor */
	pid_t		 sid;		/* the daemon's session then */
};

/* What the last finished pass met; a pass takes it at its start (a pass
   started meanwhile reads everything). */
static struct known_list last_pass;

/* What a step may spend: a read is worth this many entries listed and
   left unread. */
#define READ_COST	8

struct metrics_scan {
	DIR			*dir;
	pid_t			 sid;		/* the daemon's session */
	struct known_list	 prev;		/* the last pass's */
	size_t			 prev_at;	/* first of prev not passed */
	struct known_list	 next;		/* this pass's */
	size_t			 keep_max;	/* descriptors kept at most */
	int			 keep_below;	/* ... each under this */
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

/* Close the descriptors a list still holds and free it. */
static void
known_release(struct known_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].fd != -1)
			close(l->v[i].fd);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * The last pass's entry for (pid, ino), or NULL; the entries passed over
 * are processes gone since (or pid's former owner): their descriptors
 * are closed.
 */
static struct known *
known_find(struct metrics_scan *sc, pid_t pid, ino_t ino)
{
	struct known_list	*l = &sc->prev;
	struct known		*k;

	for (; sc->prev_at < l->n; sc->prev_at++) {
		k = &l->v[sc->prev_at];
		if (k->pid > pid)
			return NULL;
		if (k->pid == pid && k->ino == ino) {
			sc->prev_at++;
			return k;
		}
		if (k->fd != -1) {
			close(k->fd);
			k->fd = -1;
		}
	}
	return NULL;
}

/* Remember (pid, ino) for the next pass: fd -1 for a process of another
   session, or the open stat file of one of ours (closed when not kept). */
static void
known_add(struct metrics_scan *sc, pid_t pid, ino_t ino, int fd)
{
	struct known_list	*l = &sc->next;

	/* An inode number that is not one of its own (none, or a kernel
	   that gives 1 for all): the process is read anew every pass. */
	if (ino <= 1 || (fd != -1 && (l->kept >= sc->keep_max ||
	    fd >= sc->keep_below))) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 256 : 2 * l->cap;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].pid = pid;
	l->v[l->n].ino = ino;
	l->v[l->n].fd = fd;
	l->n++;
	if (fd != -1)
		l->kept++;
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

/* A stat file's line, read at offset 0 whole (it fits in one page):
   0, or -1 when the process is gone or it is not a stat line. */
static int
stat_read(int fd, struct procstat *st)
{
	char	 buf[1024];
	ssize_t	 len;

	do
		len = pread(fd, buf, sizeof(buf), 0);
	while (len == -1 && errno == EINTR);
	if (len <= 0)
		return -1;
	return procstat_parse(buf, (size_t)len, st);
}

/* PID/stat opened relative to /proc's descriptor, or -1. */
static int
stat_open(int procfd, const char *name)
{
	char	 path[32];
	size_t	 n = strlen(name);

	if (n + sizeof("/stat") > sizeof(path))
		return -1;
	memcpy(path, name, n);
	memcpy(path + n, "/stat", sizeof("/stat"));
	return openat(procfd, path, O_RDONLY | O_CLOEXEC);
}

/* Descriptors a pass may keep: an eighth of the open-file limit, each
   under half of it, so that the programs' pipes and the clients always
   find room. */
static void
keep_bounds(struct metrics_scan *sc)
{
	struct rlimit	rl;
	rlim_t		lim = 65536;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < lim)
		lim = rl.rlim_cur;
	sc->keep_max = (size_t)(lim / 8);
	sc->keep_below = (int)(lim / 2);
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
	sc->sid = getsid(0);
	sc->next.sid = sc->sid;
	keep_bounds(sc);
	if (last_pass.sid == sc->sid) {
		sc->prev = last_pass;
		memset(&last_pass, 0, sizeof(last_pass));
	} else
		known_release(&last_pass);
	groups_grow(sc);
	return sc;
}

/* The listing is over: what this pass met is the next one's to know
   (the last pass's entries not met are processes gone). */
static void
scan_done(struct metrics_scan *sc)
{
	closedir(sc->dir);
	sc->dir = NULL;
	known_release(&sc->prev);
	known_release(&last_pass);
	last_pass = sc->next;
	memset(&sc->next, 0, sizeof(sc->next));
}

/* One process listed: read (with its kept descriptor, if any) unless
   known of another session; what it cost of a step. */
static size_t
scan_one(struct metrics_scan *sc, const char *name, pid_t pid, ino_t ino)
{
	struct procstat	 st;
	struct known	*k;
	int		 fd;

	if ((k = known_find(sc, pid, ino)) != NULL && k->fd == -1) {
		known_add(sc, pid, ino, -1);
		return 1;
	}
	if (k != NULL) {
		fd = k->fd;
		k->fd = -1;
	} else if ((fd = stat_open(dirfd(sc->dir), name)) == -1)
		return READ_COST;	/* gone meanwhile, or unreadable */
	if (stat_read(fd, &st) == -1) {
		close(fd);		/* it counts for nothing */
		return READ_COST;
	}
	if (st.session != sc->sid) {
		close(fd);
		fd = -1;
	} else
		groups_add(sc, &st);
	known_add(sc, pid, ino, fd);
	return READ_COST;
}

bool
metrics_scan_step(struct metrics_scan *sc, size_t max)
{
	struct dirent	*de;
	size_t		 spent = 0;
	pid_t		 pid;

	if (sc->dir == NULL)
		return true;
	while (spent < max * READ_COST) {
		if ((de = readdir(sc->dir)) == NULL) {
			scan_done(sc);
			return true;
		}
		if ((pid = entry_pid(de->d_name)) != 0)
			spent += scan_one(sc, de->d_name, pid, de->d_ino);
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
	known_release(&sc->prev);
	known_release(&sc->next);
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

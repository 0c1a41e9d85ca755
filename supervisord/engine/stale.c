/*
 * What a previous daemon left running: its processes' pidfiles name
 * their process groups, and a daemon killed with SIGKILL (with its
 * guardian) leaves whatever of those groups did not ask to die with
 * their parent.  Before anything starts, every process still in such a
 * group is killed, provided it is provably the same: pids are reused
 * (pid_max may be 32768), so a process counts only when the pidfile is
 * of this boot and either the leader is alive with the start time
 * recorded (the group then never ceased to exist), or the leader is gone
 * and the process is in the recorded session and started after it.  A
 * live leader with another start time means the id was reused: nothing
 * of that group is touched.
 */
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "procstat.h"
#include "xmalloc.h"
#include "engine.h"

#define STALE_WAIT_MS	1000	/* for the killed processes to be gone */
#define STALE_NAMED	8	/* pids named in the log line */

/* A number from a pidfile's object, or -1. */
static double
json_number(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? v->valuedouble : -1;
}

void
stale_note(struct stale_set *s, const cJSON *o)
{
	static char	 boot_id[64];
	struct stale_group *g;
	const cJSON	*name, *group, *boot;
	double		 pid, pgid, session, starttime;

	if (boot_id[0] == '\0')
		procstat_boot_id(boot_id, sizeof(boot_id));
	name = cJSON_GetObjectItemCaseSensitive(o, "name");
	group = cJSON_GetObjectItemCaseSensitive(o, "group");
	boot = cJSON_GetObjectItemCaseSensitive(o, "boot_id");
	pid = json_number(o, "pid");
	pgid = json_number(o, "pgid");
	session = json_number(o, "session");
	starttime = json_number(o, "starttime");
	/* Another boot's pids mean nothing now; an old file, no proof. */
	if (!cJSON_IsString(boot) || boot_id[0] == '\0' ||
	    strcmp(boot->valuestring, boot_id) != 0 || pid <= 1 ||
	    pgid <= 1 || pgid > 1e9 || pid > 1e9 || session < 0 ||
	    session > 1e9 || starttime < 0 || !cJSON_IsString(name) ||
	    !cJSON_IsString(group))
		return;
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	g = &s->v[s->n++];
	memset(g, 0, sizeof(*g));
	if (strcmp(group->valuestring, name->valuestring) == 0)
		snprintf(g->name, sizeof(g->name), "%s", name->valuestring);
	else
		snprintf(g->name, sizeof(g->name), "%s:%s", group->valuestring,
		    name->valuestring);
	g->pid = (pid_t)pid;
	g->pgid = (pid_t)pgid;
	g->session = (pid_t)session;
	g->starttime = (uint64_t)starttime;
}

static int
pgid_cmp(const void *a, const void *b)
{
	const struct stale_group *x = a, *y = b;

	return x->pgid < y->pgid ? -1 : x->pgid > y->pgid;
}

/* One group's verdict and what was killed of it. */
struct stale_verdict {
	int	 leader;	/* 1: the same, alive; 0: gone; -1: reused */
	size_t	 nkilled;
	pid_t	 named[STALE_NAMED];
};

static int
leader_state(const struct stale_group *g)
{
	struct procstat	st;

	if (procstat_read(g->pid, &st) == -1 || st.state == 'Z')
		return 0;
	return st.starttime == g->starttime ? 1 : -1;
}

/* Is this process (in g's group) what the previous daemon left? */
static bool
stale_member(const struct stale_group *g, const struct stale_verdict *v,
    pid_t pid, const struct procstat *st)
{
	if (st->state == 'Z' || v->leader == -1)
		return false;
	if (v->leader == 1)
		return true;
	return st->session == g->session && st->starttime >= g->starttime;
}

static void
stale_log(const struct stale_group *g, const struct stale_verdict *v)
{
	char	 list[STALE_NAMED * 12 + 32];
	size_t	 i, off = 0;

	for (i = 0; i < v->nkilled && i < STALE_NAMED; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%d",
		    i > 0 ? ", " : "", (int)v->named[i]);
	if (v->nkilled > STALE_NAMED)
		snprintf(list + off, sizeof(list) - off, " and %zu more",
		    v->nkilled - STALE_NAMED);
	log_warnx("killed %zu process%s left of %s's process group %d by a "
	    "previous daemon (pid%s %s)", v->nkilled,
	    v->nkilled == 1 ? "" : "es", g->name, (int)g->pgid,
	    v->nkilled == 1 ? "" : "s", list);
}

/* Wait, a bounded time, for every killed process to have exited. */
static void
stale_wait(struct pollfd *fds, size_t n)
{
	struct timespec	 t0, t;
	size_t		 i, left;
	long		 ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (i = left = 0; i < n; i++)
			if (fds[i].fd != -1)
				left++;
		if (left == 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = STALE_WAIT_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0) {
			log_warnx("%zu killed process%s of a previous daemon "
			    "still exist after %d ms", left, left == 1 ? "" :
			    "es", STALE_WAIT_MS);
			break;
		}
		if (poll(fds, n, (int)ms) == -1 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			if (fds[i].fd != -1 && fds[i].revents != 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (fds[i].fd != -1)
			close(fds[i].fd);
}

/* Kill pid; keep a descriptor to wait for its end. */
static bool
stale_kill_one(pid_t pid, struct pollfd **fds, size_t *nfds)
{
	int	fd;

	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (kill(pid, SIGKILL) == -1) {
		if (fd != -1)
			close(fd);
		return false;
	}
	if (fd == -1)
		return true;	/* before Linux 5.3: no waiting */
	*fds = xreallocarray(*fds, *nfds + 1, sizeof(**fds));
	(*fds)[*nfds].fd = fd;
	(*fds)[*nfds].events = POLLIN;
	(*fds)[*nfds].revents = 0;
	(*nfds)++;
	return true;
}

void
stale_kill(struct stale_set *s)
{
	struct stale_verdict *v;
	struct stale_group	 key, *g;
	struct pollfd		*fds = NULL;
	struct procstat		 st;
	struct dirent		*de;
	size_t			 i, nfds = 0;
	pid_t			 self = getpid(), pid;
	DIR			*dir;

	if (s->n == 0)
		goto out;
	qsort(s->v, s->n, sizeof(*s->v), pgid_cmp);
	v = xcalloc(s->n, sizeof(*v));
	for (i = 0; i < s->n; i++)
		v[i].leader = leader_state(&s->v[i]);
	if ((dir = opendir("/proc")) == NULL) {
		log_warn("cannot look for what a previous daemon left: /proc");
		free(v);
		goto out;
	}
	while ((de = readdir(dir)) != NULL) {
		if ((pid = (pid_t)atoi(de->d_name)) <= 1 || pid == self ||
		    procstat_read(pid, &st) == -1)
			continue;
		key.pgid = st.pgrp;
		if ((g = bsearch(&key, s->v, s->n, sizeof(*s->v),
		    pgid_cmp)) == NULL || g->pgid == getpgrp() ||
		    !stale_member(g, &v[g - s->v], pid, &st))
			continue;
		if (!stale_kill_one(pid, &fds, &nfds))
			continue;
		if (v[g - s->v].nkilled < STALE_NAMED)
			v[g - s->v].named[v[g - s->v].nkilled] = pid;
		v[g - s->v].nkilled++;
	}
	closedir(dir);
	for (i = 0; i < s->n; i++)
		if (v[i].nkilled > 0)
			stale_log(&s->v[i], &v[i]);
	stale_wait(fds, nfds);
	free(fds);
	free(v);
out:
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

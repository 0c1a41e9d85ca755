/*
 * GET /metrics' private header: the one pass over /proc that a scrape
 * makes (metrics_scan.c) for the route that writes the families
 * (route_metrics.c).
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the members of one process group use, summed. */
struct metrics_usage {
	bool		 seen;		/* a member was found */
	uint64_t	 ticks;		/* user + system CPU, clock ticks */
	uint64_t	 rss_pages;	/* resident set, pages */
};

/*
 * One pass over /proc: for each process group pgids[i] (0: none), the
 * usage of its members in out[i] (n entries, zeroed first).  Returns
 * the number of /proc/PID/stat files read, or -1 with errno when /proc
 * cannot be listed.
 */
ssize_t	 metrics_scan(const pid_t *pgids, size_t n,
	    struct metrics_usage *out);
/* The daemon's open descriptors (/proc/self/fd), or -1. */
long	 metrics_open_fds(void);

#endif

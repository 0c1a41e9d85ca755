/*
 * GET /metrics' private header: the pass over /proc that a scrape makes
 * (metrics_scan.c) for the route that writes the families
 * (route_metrics.c).  The pass goes in steps, a bounded number of
 * processes each, so that a machine with many processes never holds the
 * loop for long: the route reads one step per loop turn.  What a pass
 * met is kept for the next (processes of other sessions to leave unread,
 * the stat files of ours open): only the first pass reads everything.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the members of one process group use, summed. */
struct metrics_usage {
	uint64_t	 ticks;		/* user + system CPU, clock ticks */
	uint64_t	 rss_pages;	/* resident set, pages */
};

struct metrics_scan;

/* A pass over /proc begins: NULL with errno when /proc cannot be
   listed. */
struct metrics_scan *metrics_scan_start(void);
/* Read up to max more processes: true once every one was read. */
bool	 metrics_scan_step(struct metrics_scan *, size_t max);
/* What the members of process group pgid use, or NULL when the pass
   met none. */
const struct metrics_usage *metrics_scan_group(const struct metrics_scan *,
	    pid_t pgid);
void	 metrics_scan_free(struct metrics_scan *);

/* The daemon's open descriptors, or -1. */
long	 metrics_open_fds(void);

#endif

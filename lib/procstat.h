/*
 * What /proc tells of a process: its line in /proc/PID/stat (state,
 * parent, process group, session, CPU time, start time, memory), its command line, the
 * children of a process, and the boot's identity.  The parser is apart
 * from the reading so that it can be tested and fuzzed: the command
 * name in the stat line is the process's own choice and may hold
 * spaces, parentheses and newlines.
 */
#ifndef PROCSTAT_H
#define PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procstat {
	char		 state;		/* 'R', 'S', 'Z', ... */
	pid_t		 ppid;
	pid_t		 pgrp;
	pid_t		 session;
	uint64_t	 utime;		/* CPU in user mode, clock ticks */
	uint64_t	 stime;		/* ... in kernel mode */
	uint64_t	 starttime;	/* clock ticks after boot */
	uint64_t	 vsize;		/* virtual memory, bytes */
	uint64_t	 rss;		/* resident set, pages */
};

/* Parse the text of /proc/PID/stat: 0, or -1 when it is not one. */
int	 procstat_parse(const char *text, size_t len, struct procstat *);
/* Read and parse /proc/PID/stat: 0, or -1 with errno (ESRCH: gone). */
int	 procstat_read(pid_t, struct procstat *);
/* The command line, arguments joined by spaces, at most len - 1 bytes
   ("..." marks a cut); the empty string when it cannot be read. */
void	 procstat_cmdline(pid_t, char *buf, size_t len);
/*
 * The children of a single-threaded process (its main thread's), from
 * /proc/PID/task/PID/children: their number, filled in *out (allocated,
 * NULL when none), or -1 with errno (ENOENT: the kernel lacks the file).
 */
ssize_t	 procstat_children(pid_t, pid_t **out);
/* Parse the text of a children file: the count, -1 if malformed. */
ssize_t	 procstat_parse_children(const char *text, size_t len, pid_t **out);
/* Now in the clock of start times (ticks after boot, CLOCK_BOOTTIME):
   a process forked after the call has this start time or a later one. */
uint64_t procstat_now_ticks(void);
/*
 * The signals a process catches or ignores (SigCgt | SigIgn of the text
 * of /proc/PID/status), signal n as bit n - 1: 0, or -1 when the text
 * lacks either line.
 */
int	 procstat_parse_handled(const char *text, size_t len, uint64_t *);
/* Ours, from /proc/self/status; every bit set when it cannot be read. */
uint64_t procstat_handled_signals(void);
/* This boot's identity (36 characters), or "" when unknown. */
void	 procstat_boot_id(char *buf, size_t len);

#endif

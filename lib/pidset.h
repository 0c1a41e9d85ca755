/*
 * A set of process ids (or process group ids): open addressing with
 * linear probing and deletion by backward shift, so that thousands of
 * groups cost a probe or two each, with no tombstones to accumulate
 * through crash loops.  0 is not a member.
 */
#ifndef PIDSET_H
#define PIDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pidset {
	pid_t	*slots;		/* 0: empty */
	size_t	 size;		/* a power of two, or 0 */
	size_t	 count;
};

/* Add pid (> 0): true if it was not a member. */
bool	 pidset_add(struct pidset *, pid_t);
/* Remove pid: true if it was a member. */
bool	 pidset_del(struct pidset *, pid_t);
bool	 pidset_has(const struct pidset *, pid_t);
/* The members, in no order: for (i = 0; pidset_next(s, &i, &pid); ) */
bool	 pidset_next(const struct pidset *, size_t *iter, pid_t *);
void	 pidset_free(struct pidset *);

#endif

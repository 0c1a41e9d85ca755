/*
 * A set of pids: a power-of-two table at most half full, probed
 * linearly; a removal moves the later members of its run back.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pidset.h"
#include "xmalloc.h"

static size_t
slot_of(pid_t pid, size_t size)
{
	return ((uint32_t)pid * 2654435761u) & (size - 1);
}

static void
pidset_grow(struct pidset *s)
{
	pid_t	*old = s->slots;
	size_t	 oldsize = s->size, i, h;

	s->size = oldsize == 0 ? 16 : 2 * oldsize;
	s->slots = xcalloc(s->size, sizeof(*s->slots));
	for (i = 0; i < oldsize; i++) {
		if (old[i] == 0)
			continue;
		for (h = slot_of(old[i], s->size); s->slots[h] != 0;
		    h = (h + 1) & (s->size - 1))
			;
		s->slots[h] = old[i];
	}
	free(old);
}

bool
pidset_add(struct pidset *s, pid_t pid)
{
	size_t	h;

	if (pid <= 0 || pidset_has(s, pid))
		return false;
	if (2 * (s->count + 1) > s->size)
		pidset_grow(s);
	for (h = slot_of(pid, s->size); s->slots[h] != 0;
	    h = (h + 1) & (s->size - 1))
		;
	s->slots[h] = pid;
	s->count++;
	return true;
}

bool
pidset_has(const struct pidset *s, pid_t pid)
{
	size_t	h;

	if (s->size == 0 || pid <= 0)
		return false;
	for (h = slot_of(pid, s->size); s->slots[h] != 0;
	    h = (h + 1) & (s->size - 1))
		if (s->slots[h] == pid)
			return true;
	return false;
}

bool
pidset_del(struct pidset *s, pid_t pid)
{
	size_t	 mask = s->size - 1, h, j, home;

	if (s->size == 0 || pid <= 0)
		return false;
	for (h = slot_of(pid, s->size); s->slots[h] != pid; h = (h + 1) & mask)
		if (s->slots[h] == 0)
			return false;
	s->slots[h] = 0;
	s->count--;
	/* Move back each later member of the run that may fill the hole:
	   one whose home is not in the cyclic range (h, j]. */
	for (j = (h + 1) & mask; s->slots[j] != 0; j = (j + 1) & mask) {
		home = slot_of(s->slots[j], s->size);
		if (((j - home) & mask) >= ((j - h) & mask)) {
			s->slots[h] = s->slots[j];
			s->slots[j] = 0;
			h = j;
		}
	}
	return true;
}

bool
pidset_next(const struct pidset *s, size_t *iter, pid_t *pid)
{
	for (; *iter < s->size; (*iter)++) {
		if (s->slots[*iter] != 0) {
			*pid = s->slots[(*iter)++];
			return true;
		}
	}
	return false;
}

void
pidset_free(struct pidset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->size = s->count = 0;
}

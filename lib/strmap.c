/*
 * A string-keyed map with linear probing; removal shifts the following
 * entries back (no tombstones), so a lookup never walks past an empty
 * slot and the table stays at most half full.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

/* FNV-1a: short keys, no attacker choosing them (configured paths). */
static size_t
strmap_hash(const char *key)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

/* The slot of key, or the empty slot where it would go. */
static struct strmap_slot *
strmap_find(const struct strmap *m, const char *key)
{
	size_t	i, mask = m->size - 1;

	for (i = strmap_hash(key) & mask; m->slots[i].key != NULL;
	    i = (i + 1) & mask)
		if (strcmp(m->slots[i].key, key) == 0)
			break;
	return &m->slots[i];
}

static void
strmap_grow(struct strmap *m)
{
	struct strmap_slot	*old = m->slots, *s;
	size_t			 i, oldsize = m->size;

	m->size = oldsize == 0 ? 16 : oldsize * 2;
	m->slots = xcalloc(m->size, sizeof(*m->slots));
	for (i = 0; i < oldsize; i++) {
		if (old[i].key == NULL)
			continue;
		s = strmap_find(m, old[i].key);
		*s = old[i];
	}
	free(old);
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	if (m->size == 0)
		return NULL;
	return strmap_find(m, key)->value;
}

void
strmap_put(struct strmap *m, const char *key, void *value)
{
	struct strmap_slot	*s;

	if ((m->count + 1) * 2 > m->size)
		strmap_grow(m);
	s = strmap_find(m, key);
	if (s->key == NULL)
		m->count++;
	s->key = key;
	s->value = value;
}

void
strmap_del(struct strmap *m, const char *key)
{
	struct strmap_slot	*s;
	size_t			 i, j, home, mask = m->size - 1;

	if (m->size == 0 || (s = strmap_find(m, key))->key == NULL)
		return;
	i = (size_t)(s - m->slots);
	m->count--;
	/* Move back each following entry whose home is not in (i, j]. */
	for (j = (i + 1) & mask; m->slots[j].key != NULL; j = (j + 1) & mask) {
		home = strmap_hash(m->slots[j].key) & mask;
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->slots[i] = m->slots[j];
		i = j;
	}
	m->slots[i].key = NULL;
	m->slots[i].value = NULL;
}

void
strmap_free(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->size = m->count = 0;
}

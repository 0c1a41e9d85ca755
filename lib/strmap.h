/*
 * A map from strings to pointers: open addressing with linear probing,
 * for the sets that grow with the number of programs (log files by path)
 * and must not be searched pairwise.  Keys are not copied: each must
 * live as long as its entry.
 */
#ifndef STRMAP_H
#define STRMAP_H

#include <stddef.h>

struct strmap_slot {
	const char	*key;		/* NULL: empty */
	void		*value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t		 size;		/* a power of two, or 0 */
	size_t		 count;
};

/* The value of key, or NULL. */
void	*strmap_get(const struct strmap *, const char *key);
/* Set key's value (replacing any). */
void	 strmap_put(struct strmap *, const char *key, void *value);
/* Remove key if present. */
void	 strmap_del(struct strmap *, const char *key);
/* Free the slots (not the keys or values). */
void	 strmap_free(struct strmap *);

#endif

/*
 * NULL-terminated vectors of allocated strings (argv, environ, lists of
 * names): the one implementation every module uses.
 */
#ifndef STRV_H
#define STRV_H

#include <stdbool.h>
#include <stddef.h>

size_t	 strv_len(char *const *);
bool	 strv_has(char *const *, const char *);
/* A deep copy; NULL stays NULL. */
char	**strv_dup(char *const *);
/*
 * Append a copy of s to *v, which has *n strings (a NULL *v is empty),
 * keeping it NULL-terminated.  strv_add_unique() adds nothing when an
 * equal string is there already.
 */
void	 strv_add(char ***v, size_t *n, const char *s);
void	 strv_add_unique(char ***v, size_t *n, const char *s);
/* Free every string and the vector; NULL is fine. */
void	 strv_free(char **);
/*
 * v (freed) as one block: the vector, then its strings.  For a vector
 * kept long and never changed (a program's argv): one allocation instead
 * of one a string.  Freed by free() alone, never by strv_free().
 */
char	**strv_pack(char **v);

#endif

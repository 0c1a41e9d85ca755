/*
 * NULL-terminated string vectors.  Growth is one entry at a time: the
 * vectors here are short (a program's dependencies, a reload's changed
 * keys); a long one (argv, environ) is built by its own module and only
 * freed here.
 */
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "xmalloc.h"

size_t
strv_len(char *const *v)
{
	size_t	n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

bool
strv_has(char *const *v, const char *s)
{
	for (; v != NULL && *v != NULL; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

char **
strv_dup(char *const *v)
{
	char	**copy;
	size_t	  n = strv_len(v), i;

	if (v == NULL)
		return NULL;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (i = 0; i < n; i++)
		copy[i] = xstrdup(v[i]);
	return copy;
}

void
strv_add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

void
strv_add_unique(char ***v, size_t *n, const char *s)
{
	if (!strv_has(*v, s))
		strv_add(v, n, s);
}

void
strv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char **
strv_pack(char **v)
{
	char	**packed, *at;
	size_t	  n, i, bytes;

	if (v == NULL)
		return NULL;
	n = strv_len(v);
	bytes = (n + 1) * sizeof(*v);
	for (i = 0; i < n; i++)	/* strings in memory: no overflow */
		bytes += strlen(v[i]) + 1;
	packed = xmalloc(bytes);
	at = (char *)(packed + n + 1);
	for (i = 0; i < n; i++) {
		packed[i] = at;
		at = stpcpy(at, v[i]) + 1;
	}
	packed[n] = NULL;
	strv_free(v);
	return packed;
}

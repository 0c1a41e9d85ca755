/* sha1.c: the hex SHA-1 digest of a "{SHA}" password. */
#ifndef SHA1_H
#define SHA1_H

#include <stddef.h>

/* The 40 lowercase hex digits and a NUL. */
void	 sha1_hex(const void *, size_t, char out[41]);

#endif

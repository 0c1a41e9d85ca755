/*
 * A JSON writer straight into a protocol buffer: large replies (a status
 * of 1000 programs) without building a cJSON tree and printing it.
 */
#ifndef JSONW_H
#define JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct cJSON;

#define JSONW_DEPTH	64	/* deepest nesting of objects and arrays */

/*
 * The output and where it stands.  key: the member's name inside an
 * object, NULL inside an array or at the top.  Strings come out as cJSON
 * prints them after proto_utf8_repair(): \" \\ \b \f \n \r \t, \u00xx for
 * other control bytes, U+FFFD for each invalid UTF-8 sequence.
 */
struct jsonw {
	struct proto_buf	*b;
	unsigned		 depth;
	uint64_t		 more;	/* bit d: depth d has a member already */
};

void	 jsonw_init(struct jsonw *, struct proto_buf *);
void	 jsonw_object(struct jsonw *, const char *key);
void	 jsonw_object_end(struct jsonw *);
void	 jsonw_array(struct jsonw *, const char *key);
void	 jsonw_array_end(struct jsonw *);
void	 jsonw_string(struct jsonw *, const char *key, const char *);
void	 jsonw_string_len(struct jsonw *, const char *key, const void *,
	    size_t);
void	 jsonw_int(struct jsonw *, const char *key, long long);
/* Any double as cJSON prints it (null when not finite). */
void	 jsonw_number(struct jsonw *, const char *key, double);
/* Seconds with six decimals, printed from integers. */
void	 jsonw_seconds(struct jsonw *, const char *key, double);
void	 jsonw_bool(struct jsonw *, const char *key, bool);
void	 jsonw_null(struct jsonw *, const char *key);
/* A cJSON value (an echoed request id), printed by cJSON. */
void	 jsonw_cjson(struct jsonw *, const char *key, const struct cJSON *);
/* Text that is JSON already (a number or literal), as is. */
void	 jsonw_raw(struct jsonw *, const char *key, const char *);
/* A line's end: a newline after the top value. */
void	 jsonw_newline(struct jsonw *);

/*
 * The same envelopes for a reply written with a jsonw: open writes the
 * envelope up to an open "result" object (an error when code is not
 * PROTO_OK) for the caller to fill; close ends it and the line.
 */
void	 proto_reply_open(struct jsonw *, const struct cJSON *id,
	    enum proto_code, const char *message);
void	 proto_reply_close(struct jsonw *);

#endif

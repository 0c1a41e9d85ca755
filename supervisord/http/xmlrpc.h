/*
 * XML-RPC as Supervisor 4.2 speaks it: a request decoder (expat, no
 * DTD, no entities, bounded) and a response writer whose bytes are those
 * of Python's xmlrpc.client.dumps().  Pure: no daemon state, so the fuzz
 * target (tests/fuzz/fuzz_xmlrpc.c) compiles these files as they are.
 */
#ifndef XMLRPC_H
#define XMLRPC_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* The largest request body read; more is refused (413). */
#define XR_BODY_MAX	(1024 * 1024)
/* The deepest nesting of arrays and structs in a request. */
#define XR_DEPTH_MAX	32

enum xr_type {
	XR_STRING = 0,		/* <string> or a bare <value> */
	XR_INT,			/* <int>, <i4>, <i8> */
	XR_BOOL,
	XR_DOUBLE,
	XR_DATETIME,		/* kept as its text */
	XR_BASE64,		/* decoded */
	XR_NIL,
	XR_ARRAY,
	XR_STRUCT,
};

struct xr_value {
	enum xr_type	  type;
	char		 *name;		/* a struct member's name, or NULL */
	long long	  i;		/* INT, BOOL (0 or 1) */
	double		  d;
	char		 *s;		/* STRING, DATETIME, BASE64: NUL-ended */
	size_t		  len;
	struct xr_value	**items;	/* ARRAY, STRUCT (members) */
	size_t		  n;
};

struct xr_call {
	char		 *method;
	struct xr_value	**params;
	size_t		  nparams;
};

/*
 * Decode a methodCall document.  0 on success; -1 with a reason in cause
 * otherwise (call is then empty).  A DOCTYPE, an entity declaration or a
 * reference to an undeclared entity is refused, never expanded.
 */
int	 xr_decode(struct xr_call *, const char *body, size_t len, char *cause,
	    size_t causelen);
void	 xr_call_release(struct xr_call *);
void	 xr_value_free(struct xr_value *);
const char *xr_type_name(enum xr_type);
/* A struct's member, or NULL. */
const struct xr_value *xr_member(const struct xr_value *, const char *);

/*
 * The writer: each function appends one value as Python's marshaller
 * writes it.  Strings are escaped (&, <, >); bytes that are not valid
 * UTF-8, and characters XML 1.0 forbids, become U+FFFD.
 */
void	 xw_int(struct proto_buf *, long long);
void	 xw_bool(struct proto_buf *, bool);
void	 xw_double(struct proto_buf *, double);
void	 xw_string(struct proto_buf *, const char *);
void	 xw_stringn(struct proto_buf *, const char *, size_t);
void	 xw_array_open(struct proto_buf *);
void	 xw_array_close(struct proto_buf *);
void	 xw_struct_open(struct proto_buf *);
void	 xw_struct_close(struct proto_buf *);
/* Open a member: its value follows, then xw_member_close(). */
void	 xw_member(struct proto_buf *, const char *name);
void	 xw_member_close(struct proto_buf *);
/* Members in one call. */
void	 xw_member_int(struct proto_buf *, const char *, long long);
void	 xw_member_bool(struct proto_buf *, const char *, bool);
void	 xw_member_string(struct proto_buf *, const char *, const char *);
/* A decoded value written back (multicall's echo, tests). */
void	 xw_value(struct proto_buf *, const struct xr_value *);
/*
 * A whole response: its head, the value written in place after it, its
 * tail (no copy of a large value); or a fault.
 */
void	 xw_response_head(struct proto_buf *out);
void	 xw_response_tail(struct proto_buf *out);
void	 xw_fault(struct proto_buf *out, int code, const char *text);

#endif

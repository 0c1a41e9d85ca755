/*
 * libFuzzer target for the XML-RPC request decoder: what any HTTP client
 * can POST to /RPC2.  Every input is decoded; a call that decodes is
 * written back with the response writer, wrapped as a methodCall, and
 * must decode again to the same tree (strings byte for byte); a fault
 * naming the method must be well-formed XML.  Built from the daemon's
 * own files (supervisord/http/xmlrpc_*.c, see the Makefile).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "log.h"
#include "proto.h"
#include "xmlrpc.h"

#define FUZZ_TARGET	"fuzz_xmlrpc"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_xmlrpc", LOG_LEVEL_CRIT);
	return 0;
}

/* The type a value has once written and read back. */
static enum xr_type
written_type(enum xr_type t)
{
	return t == XR_BASE64 || t == XR_DATETIME ? XR_STRING : t;
}

static void
same_value(const struct xr_value *a, const struct xr_value *b)
{
	size_t	i;

	FUZZ_CHECK(written_type(a->type) == b->type);
	FUZZ_CHECK((a->name == NULL) == (b->name == NULL));
	if (a->name != NULL && strchr(a->name, '\r') == NULL)
		FUZZ_CHECK(strcmp(a->name, b->name) == 0);
	switch (a->type) {
	case XR_INT:
	case XR_BOOL:
		FUZZ_CHECK(a->i == b->i);
		break;
	case XR_DOUBLE:
		FUZZ_CHECK(a->d == b->d);
		break;
	case XR_STRING:
		/* expat hands text over as valid XML characters, so it is
		   written as it is; only a CR is read back as a newline. */
		if (memchr(a->s, '\r', a->len) == NULL)
			FUZZ_CHECK(a->len == b->len &&
			    memcmp(a->s, b->s, a->len) == 0);
		break;
	case XR_ARRAY:
	case XR_STRUCT:
		FUZZ_CHECK(a->n == b->n);
		for (i = 0; i < a->n; i++)
			same_value(a->items[i], b->items[i]);
		break;
	default:
		break;
	}
}

static bool
well_formed(const char *doc, size_t len)
{
	XML_Parser	p = XML_ParserCreate(NULL);
	bool		ok;

	FUZZ_CHECK(p != NULL);
	ok = XML_Parse(p, doc, (int)len, XML_TRUE) == XML_STATUS_OK;
	XML_ParserFree(p);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xr_call		 call, again;
	struct proto_buf	 b = { 0 }, f = { 0 };
	char			 cause[256];
	size_t			 i;

	if (xr_decode(&call, (const char *)data, size, cause,
	    sizeof(cause)) == -1) {
		FUZZ_CHECK(cause[0] != '\0');
		FUZZ_CHECK(call.method == NULL && call.nparams == 0);
		return 0;
	}
	FUZZ_CHECK(call.method != NULL && call.method[0] != '\0');
	proto_buf_add(&b, "<methodCall><methodName>", 24);
	/* The method's name goes through the writer's escaping too. */
	xw_string(&f, call.method);
	proto_buf_add(&b, f.data + 15, f.len - 15 - 18);
	proto_buf_release(&f);
	proto_buf_add(&b, "</methodName><params>", 21);
	for (i = 0; i < call.nparams; i++) {
		proto_buf_add(&b, "<param>", 7);
		xw_value(&b, call.params[i]);
		proto_buf_add(&b, "</param>", 8);
	}
	proto_buf_add(&b, "</params></methodCall>", 22);
	FUZZ_CHECK(xr_decode(&again, b.data, b.len, cause,
	    sizeof(cause)) == 0);
	if (strchr(call.method, '\r') == NULL)
		FUZZ_CHECK(strcmp(call.method, again.method) == 0);
	FUZZ_CHECK(again.nparams == call.nparams);
	for (i = 0; i < call.nparams; i++)
		same_value(call.params[i], again.params[i]);
	xw_fault(&f, 1, call.method);
	FUZZ_CHECK(well_formed(f.data, f.len));
	proto_buf_release(&f);
	proto_buf_release(&b);
	xr_call_release(&again);
	xr_call_release(&call);
	return 0;
}

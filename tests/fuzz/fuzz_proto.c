/*
 * libFuzzer target for the control protocol's decoder: any bytes as a
 * request line must give a valid request or an error with a reason, and
 * every reply built from it must be one line of valid JSON.
 *
 *   clang -D_GNU_SOURCE -Ilib -g -O1 -fsanitize=fuzzer,address,undefined \
 *	-o fuzz_proto tests/fuzz/fuzz_proto.c lib/proto.c lib/proto_buf.c \
 *	lib/log.c lib/xmalloc.c -lcjson
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request	 req;
	struct proto_reply	 r;
	enum proto_code		 code;
	char			 cause[512], *line, *lit;
	const char		**names;
	size_t			 len, n;
	cJSON			*v;

	cause[0] = '\0';
	if (proto_decode(&req, (const char *)data, size, &code, cause,
	    sizeof(cause)) == 0) {
		if (req.spec == NULL || code != PROTO_OK)
			abort();
		n = proto_get_names(&req, "names", &names);
		free(names);
		(void)n;
		line = proto_reply_ok(req.id, NULL, &len);
	} else {
		if (code == PROTO_OK || cause[0] == '\0')
			abort();
		line = proto_reply_error(req.id, code, cause, NULL, &len);
	}
	if (len == 0 || line[len - 1] != '\n' ||
	    memchr(line, '\n', len - 1) != NULL)
		abort();
	if (proto_reply_decode(&r, line, len - 1, cause, sizeof(cause)) != 0)
		abort();
	proto_reply_release(&r);
	free(line);
	proto_request_release(&req);

	/* Arbitrary bytes as log data: always a valid JSON string. */
	lit = proto_json_string(data, size, &len);
	if ((v = cJSON_ParseWithLength(lit, len)) == NULL || !cJSON_IsString(v))
		abort();
	cJSON_Delete(v);
	free(lit);
	return 0;
}

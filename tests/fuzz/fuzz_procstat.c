/*
 * libFuzzer target for the /proc parsers: a stat line (its command name
 * is chosen by the process, so any bytes) and a children list.  Neither
 * may read past the input; a stat line that parses must give back the
 * fields written after its last ')' exactly, and a children list the
 * pids it holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procstat.h"

#define FUZZ_TARGET	"fuzz_procstat"
#include "fuzz.h"

/* The input as the command name of a well-formed line: it must parse. */
static void
as_command_name(const uint8_t *data, size_t size)
{
	static const char tail[] = ") R 7 8 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 "
	    "0 123456 4096 1\n";
	struct procstat	 st;
	char		*line;
	size_t		 n;

	line = malloc(size + sizeof(tail) + 8);
	FUZZ_CHECK(line != NULL);
	memcpy(line, "1 (", 3);
	memcpy(line + 3, data, size);
	memcpy(line + 3 + size, tail, sizeof(tail) - 1);
	n = 3 + size + sizeof(tail) - 1;
	FUZZ_CHECK(procstat_parse(line, n, &st) == 0);
	FUZZ_CHECK(st.state == 'R' && st.ppid == 7 && st.pgrp == 8 &&
	    st.session == 9 && st.starttime == 123456 &&
	    st.vsize == 4096 && st.rss == 1);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procstat	 st;
	pid_t		*pids;
	ssize_t		 n, i;
	char		*copy;

	/* An exact-size copy: ASan sees any read past the end. */
	copy = malloc(size > 0 ? size : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	if (procstat_parse(copy, size, &st) == 0)
		FUZZ_CHECK(st.ppid >= 0 && st.pgrp >= 0 && st.session >= 0);
	n = procstat_parse_children(copy, size, &pids);
	FUZZ_CHECK(n >= -1);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(pids[i] > 0);
	FUZZ_CHECK(n > 0 || pids == NULL);
	free(pids);
	free(copy);
	as_command_name(data, size);
	return 0;
}

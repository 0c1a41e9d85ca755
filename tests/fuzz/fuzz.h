/*
 * What the libFuzzer targets share: libFuzzer's entry points and
 * FUZZ_CHECK.  A target defines FUZZ_TARGET (its name, for the message)
 * before it includes this.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A property that must hold: abort, and libFuzzer keeps the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s: %s:%d: failed: %s\n",		\
		    FUZZ_TARGET, __FILE__, __LINE__, #cond);		\
		abort();						\
	}								\
} while (0)

#endif

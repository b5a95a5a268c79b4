/* bench.h - helpers shared by the benchmark programs. */
#ifndef RVPLUG_BENCH_H
#define RVPLUG_BENCH_H

#include <stdint.h>
#include <stdlib.h>

/* Marsaglia xorshift32: deterministic, never returns 0 for a nonzero seed. */
static inline uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* The problem size: argv[1] if given and positive, else the default. */
static inline long bench_arg(int argc, char **argv, long dflt)
{
	if (argc > 1) {
		long v = strtol(argv[1], NULL, 0);
		if (v > 0)
			return v;
	}
	return dflt;
}

#endif

/*
 * malloc_stress.c [OPS] - OPS (default 20000) random malloc/realloc/free
 * operations on 256 slots with sizes from 1 byte to 16 KiB, every block
 * patterned (sparsely) and verified before it is freed and after realloc
 * (the kept prefix), calloc'ed blocks checked for zeros. The heap grows through sbrk -> brk. Prints operation
 * counts, verification result, a checksum and how far the break moved.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define SLOTS 256
#define SMALL_MAX 128
#define MEDIUM_MAX 1024
#define LARGE_MAX 16384

struct slot {
	uint8_t *p;
	uint32_t size;
	uint8_t tag;
};

static struct slot slots[SLOTS];
static unsigned long errors;

static uint32_t pick_size(uint32_t *rng)
{
	uint32_t r = xorshift32(rng);
	switch (r % 16) {
	case 0:
		return 1 + (r >> 8) % LARGE_MAX;
	case 1:
	case 2:
	case 3:
		return 1 + (r >> 8) % MEDIUM_MAX;
	default:
		return 1 + (r >> 8) % SMALL_MAX;
	}
}

/* Blocks are patterned sparsely (edges plus every STRIDE-th byte) so the
 * time goes to the allocator rather than to memset-like loops. */
#define EDGE 32
#define STRIDE 61

static uint32_t next_index(uint32_t i, uint32_t size)
{
	if (i < EDGE || i + EDGE >= size)
		return i + 1;
	uint32_t n = i + STRIDE;
	return n + EDGE < size ? n : size - EDGE;
}

static void fill(struct slot *s, uint32_t from)
{
	for (uint32_t i = from; i < s->size; i = next_index(i, s->size))
		s->p[i] = (uint8_t)(s->tag + i * 7);
}

/* Checks the pattern written by fill() for a block that was `size` bytes
 * when filled, over its first `upto` bytes. */
static uint32_t verify(const struct slot *s, uint32_t size, uint32_t upto)
{
	uint32_t sum = 0;
	for (uint32_t i = 0; i < upto; i = next_index(i, size)) {
		if (s->p[i] != (uint8_t)(s->tag + i * 7))
			errors++;
		sum += s->p[i];
	}
	return sum;
}

int main(int argc, char **argv)
{
	long ops = bench_arg(argc, argv, 20000);
	uint32_t rng = 0x1234567;
	unsigned long n_malloc = 0, n_free = 0, n_realloc = 0, n_moved = 0, n_calloc = 0;
	unsigned long bytes = 0;
	uint32_t checksum = 0;
	uintptr_t brk0 = (uintptr_t)sbrk(0);

	for (long op = 0; op < ops; op++) {
		uint32_t r = xorshift32(&rng);
		struct slot *s = &slots[r % SLOTS];
		if (!s->p) {
			s->size = pick_size(&rng);
			s->tag = (uint8_t)(r >> 24);
			if (r & 0x700) { /* 7 in 8: malloc, else calloc */
				s->p = malloc(s->size);
				n_malloc++;
			} else {
				s->p = calloc(1, s->size);
				n_calloc++;
				if (s->p)
					for (uint32_t i = 0; i < s->size;
					     i = next_index(i, s->size))
						if (s->p[i])
							errors++;
			}
			if (!s->p) {
				printf("out of memory at op %ld\n", op);
				return 1;
			}
			fill(s, 0);
			bytes += s->size;
		} else if (r % 3 == 0) {
			uint32_t nsize = pick_size(&rng);
			uint32_t keep = nsize < s->size ? nsize : s->size;
			uint8_t *np = realloc(s->p, nsize);
			if (!np) {
				printf("realloc failed at op %ld\n", op);
				return 1;
			}
			n_moved += np != s->p;
			n_realloc++;
			s->p = np;
			checksum += verify(s, s->size, keep);
			s->size = nsize;
			fill(s, 0);
			bytes += nsize;
		} else {
			checksum += verify(s, s->size, s->size);
			free(s->p);
			s->p = NULL;
			n_free++;
		}
	}
	uintptr_t brk1 = (uintptr_t)sbrk(0);
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p) {
			checksum += verify(&slots[i], slots[i].size, slots[i].size);
			free(slots[i].p);
			n_free++;
		}
	}
	printf("ops=%ld malloc=%lu calloc=%lu realloc=%lu (moved %lu) free=%lu\n", ops, n_malloc,
	       n_calloc, n_realloc, n_moved, n_free);
	printf("bytes requested=%lu checksum=%08lx errors=%lu\n", bytes, (unsigned long)checksum,
	       errors);
	printf("heap grew by %lu bytes\n", (unsigned long)(brk1 - brk0));
	return errors != 0;
}

/*
 * bench_matmul.c [N] - multiplies two N x N (default 250) 32-bit integer
 * matrices (wrapping arithmetic, i-k-j loop order), then multiplies the
 * result by the first matrix again, and prints checksums of both products.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void matmul(uint32_t *c, const uint32_t *a, const uint32_t *b, long n)
{
	memset(c, 0, n * n * sizeof *c);
	for (long i = 0; i < n; i++) {
		uint32_t *ci = c + i * n;
		for (long k = 0; k < n; k++) {
			uint32_t aik = a[i * n + k];
			const uint32_t *bk = b + k * n;
			for (long j = 0; j < n; j++)
				ci[j] += aik * bk[j];
		}
	}
}

static uint32_t checksum(const uint32_t *m, long n)
{
	uint32_t s = 0;
	for (long i = 0; i < n * n; i++)
		s = (s ^ m[i]) * 0x9e3779b1u + (uint32_t)i;
	return s;
}

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 250);
	uint32_t *a = malloc(n * n * sizeof *a);
	uint32_t *b = malloc(n * n * sizeof *b);
	uint32_t *c = malloc(n * n * sizeof *c);
	uint32_t *d = malloc(n * n * sizeof *d);
	if (!a || !b || !c || !d) {
		printf("out of memory\n");
		return 1;
	}
	uint32_t rng = 314159265u;
	for (long i = 0; i < n * n; i++) {
		a[i] = xorshift32(&rng) % 1000;
		b[i] = xorshift32(&rng) % 1000;
	}
	matmul(c, a, b, n);
	matmul(d, c, a, n);
	printf("matmul n=%ld c[0][0]=%lu c[n-1][n-1]=%lu sum(A*B)=%08lx sum(A*B*A)=%08lx\n", n,
	       (unsigned long)c[0], (unsigned long)c[n * n - 1], (unsigned long)checksum(c, n),
	       (unsigned long)checksum(d, n));
	return 0;
}

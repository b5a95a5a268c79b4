/*
 * bench_sort.c [N] - sorts N (default 500000) PRNG-filled 32-bit integers
 * with a recursive quicksort and a bottom-up mergesort, checks both results
 * agree and are ordered, prints a position-weighted checksum.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define INSERTION_CUTOFF 16

static void insertion_sort(int32_t *a, long n)
{
	for (long i = 1; i < n; i++) {
		int32_t v = a[i];
		long j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void quicksort(int32_t *a, long n)
{
	while (n > INSERTION_CUTOFF) {
		/* median of three */
		int32_t x = a[0], y = a[n / 2], z = a[n - 1];
		int32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		long i = 0, j = n - 1;
		for (;;) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i >= j)
				break;
			int32_t t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* recurse into the smaller part, loop on the larger */
		if (j + 1 < n - j - 1) {
			quicksort(a, j + 1);
			a += j + 1;
			n -= j + 1;
		} else {
			quicksort(a + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	insertion_sort(a, n);
}

static void mergesort(int32_t *a, int32_t *tmp, long n)
{
	int32_t *src = a, *dst = tmp;
	for (long width = 1; width < n; width *= 2) {
		for (long lo = 0; lo < n; lo += 2 * width) {
			long mid = lo + width < n ? lo + width : n;
			long hi = lo + 2 * width < n ? lo + 2 * width : n;
			long i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = src[i] <= src[j] ? src[i++] : src[j++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		int32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 500000);
	int32_t *orig = malloc(n * sizeof *orig);
	int32_t *q = malloc(n * sizeof *q);
	int32_t *m = malloc(n * sizeof *m);
	int32_t *tmp = malloc(n * sizeof *tmp);
	if (!orig || !q || !m || !tmp) {
		printf("out of memory\n");
		return 1;
	}
	uint32_t rng = 2463534242u;
	for (long i = 0; i < n; i++)
		orig[i] = (int32_t)(xorshift32(&rng) % 1000003) - 500000;
	memcpy(q, orig, n * sizeof *q);
	memcpy(m, orig, n * sizeof *m);
	quicksort(q, n);
	mergesort(m, tmp, n);

	long bad = 0;
	uint32_t sum = 0;
	for (long i = 0; i < n; i++) {
		if (q[i] != m[i] || (i && q[i - 1] > q[i]))
			bad++;
		sum += (uint32_t)q[i] * (uint32_t)(i + 1);
	}
	printf("sort n=%ld min=%ld median=%ld max=%ld bad=%ld checksum=%08lx\n", n, (long)q[0],
	       (long)q[n / 2], (long)q[n - 1], bad, (unsigned long)sum);
	return bad != 0;
}

/*
 * bench_mix.c [N] - M-extension heavy integer work, N rounds (default
 * 1000000): modular exponentiation with 64-bit products (mulhu), a 32-bit
 * LCG, Euclid's gcd (remu), signed division and remainder of mixed-sign
 * values, and integer square roots by Newton's method (divu). Prints a
 * checksum of everything.
 */
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

#define MOD_PRIME 4294967291u /* largest prime below 2^32 */

static uint32_t mulmod(uint32_t a, uint32_t b, uint32_t m)
{
	return (uint32_t)((uint64_t)a * b % m);
}

static uint32_t powmod(uint32_t base, uint32_t exp, uint32_t m)
{
	uint32_t r = 1;
	base %= m;
	while (exp) {
		if (exp & 1)
			r = mulmod(r, base, m);
		base = mulmod(base, base, m);
		exp >>= 1;
	}
	return r;
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static uint32_t isqrt(uint32_t x)
{
	if (x < 2)
		return x;
	uint32_t r = x / 2 + 1, y = (r + x / r) / 2;
	while (y < r) {
		r = y;
		y = (r + x / r) / 2;
	}
	return r;
}

int main(int argc, char **argv)
{
	long rounds = bench_arg(argc, argv, 1000000);
	uint32_t lcg = 12345, sum = 0;
	int32_t ssum = 0;
	for (long i = 1; i <= rounds; i++) {
		lcg = lcg * 1664525u + 1013904223u;
		uint32_t x = lcg, y = (uint32_t)i * 2654435761u;
		sum += gcd(x | 1, y | 1);
		sum ^= isqrt(x);
		int32_t sx = (int32_t)x, sy = (int32_t)(y >> 7) - (1 << 23);
		if (sy != 0)
			ssum += sx / sy + sx % sy;
		sum += (uint32_t)(((uint64_t)x * y) >> 32);
		if ((i & 63) == 0)
			sum += powmod(x, y, MOD_PRIME);
	}
	printf("mix rounds=%ld sum=%08lx ssum=%ld 3^(2^31) mod p=%lu\n", rounds,
	       (unsigned long)sum, (long)ssum, (unsigned long)powmod(3, 1u << 31, MOD_PRIME));
	return 0;
}

/*
 * muldiv.c - the M extension on edge cases: mul/mulh/mulhsu/mulhu and
 * div/divu/rem/remu including division by zero (quotient all ones, remainder
 * = dividend) and signed overflow (INT32_MIN / -1 = INT32_MIN, remainder 0).
 * Inline assembly so the compiler cannot fold or avoid the instructions.
 */
#include <stdint.h>
#include <stdio.h>

#define RR(op, a, b)                                                                     \
	({                                                                               \
		uint32_t r_;                                                             \
		__asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"(a), "r"(b));          \
		r_;                                                                      \
	})

static const uint32_t vals[] = {
	0, 1, 2, 3, 7, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
	0x12345678, 0xdeadbeef, 100, 0xffffff9c /* -100 */,
};
#define NVALS (sizeof vals / sizeof vals[0])

int main(void)
{
	uint32_t sum = 0;
	/* Full table for a few operands, then a checksum over all pairs. */
	static const uint32_t show[] = {0, 1, 0x80000000, 0xffffffff, 0xdeadbeef, 0xffffff9c, 7};
	for (unsigned i = 0; i < sizeof show / sizeof show[0]; i++) {
		for (unsigned j = 0; j < sizeof show / sizeof show[0]; j++) {
			uint32_t a = show[i], b = show[j];
			printf("%08lx %08lx: mul=%08lx mulh=%08lx mulhsu=%08lx mulhu=%08lx\n",
			       (unsigned long)a, (unsigned long)b, (unsigned long)RR("mul", a, b),
			       (unsigned long)RR("mulh", a, b), (unsigned long)RR("mulhsu", a, b),
			       (unsigned long)RR("mulhu", a, b));
			printf("%08lx %08lx: div=%08lx divu=%08lx rem=%08lx remu=%08lx\n",
			       (unsigned long)a, (unsigned long)b, (unsigned long)RR("div", a, b),
			       (unsigned long)RR("divu", a, b), (unsigned long)RR("rem", a, b),
			       (unsigned long)RR("remu", a, b));
		}
	}
	for (unsigned i = 0; i < NVALS; i++) {
		for (unsigned j = 0; j < NVALS; j++) {
			uint32_t a = vals[i], b = vals[j];
			sum = sum * 31 + RR("mul", a, b);
			sum = sum * 31 + RR("mulh", a, b);
			sum = sum * 31 + RR("mulhsu", a, b);
			sum = sum * 31 + RR("mulhu", a, b);
			sum = sum * 31 + RR("div", a, b);
			sum = sum * 31 + RR("divu", a, b);
			sum = sum * 31 + RR("rem", a, b);
			sum = sum * 31 + RR("remu", a, b);
		}
	}
	printf("checksum=%08lx\n", (unsigned long)sum);
	return 0;
}

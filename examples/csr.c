/*
 * csr.c - the user-level counters through Zicsr: rdcycle/rdtime/rdinstret and
 * their high halves (read as 64-bit values with the hi/lo/hi retry loop).
 * qemu-riscv32 returns host time-stamp ticks for all three, so only
 * properties are printed: each counter never decreases, and advances across
 * a loop of work. With the argument "mstatus" the program then reads a
 * machine-mode CSR, which is illegal in user mode: SIGILL (status 132).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define READ64(lo, hi)                                                                   \
	({                                                                               \
		uint32_t h1_, l_, h2_;                                                   \
		do {                                                                     \
			__asm__ volatile("rd" hi " %0\n\trd" lo " %1\n\trd" hi " %2"     \
					 : "=r"(h1_), "=r"(l_), "=r"(h2_));              \
		} while (h1_ != h2_);                                                    \
		((uint64_t)h1_ << 32) | l_;                                              \
	})

static uint64_t cycle(void)
{
	return READ64("cycle", "cycleh");
}
static uint64_t time_(void)
{
	return READ64("time", "timeh");
}
static uint64_t instret(void)
{
	return READ64("instret", "instreth");
}

static volatile uint32_t sink;

int main(int argc, char **argv)
{
	const char *names[3] = {"cycle", "time", "instret"};
	uint64_t (*rd[3])(void) = {cycle, time_, instret};
	for (int c = 0; c < 3; c++) {
		uint64_t first = rd[c](), prev = first;
		int mono = 1;
		for (int i = 0; i < 20; i++) {
			for (int j = 0; j < 1000; j++)
				sink += j;
			uint64_t now = rd[c]();
			if (now < prev)
				mono = 0;
			prev = now;
		}
		printf("%s: non-decreasing=%s advanced=%s\n", names[c], mono ? "yes" : "no",
		       prev > first ? "yes" : "no");
	}
	if (argc > 1 && strcmp(argv[1], "mstatus") == 0) {
		printf("reading mstatus from user mode\n");
		fflush(stdout);
		uint32_t v;
		__asm__ volatile("csrr %0, mstatus" : "=r"(v));
		printf("mstatus=%08lx (unexpected)\n", (unsigned long)v);
	}
	return 0;
}

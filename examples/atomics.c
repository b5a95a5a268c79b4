/*
 * atomics.c - the A extension: lr.w/sc.w and every amo*.w, with and without
 * .aq/.rl, plus the compiler's __atomic builtins (which become lr/sc loops
 * and amo instructions). Single-threaded, so every result is deterministic.
 */
#include <stdint.h>
#include <stdio.h>

#define AMO(op, ptr, val)                                                                 \
	({                                                                                \
		int32_t old_;                                                             \
		__asm__ volatile(op " %0, %2, (%1)"                                       \
				 : "=&r"(old_)                                            \
				 : "r"(ptr), "r"(val)                                     \
				 : "memory");                                             \
		old_;                                                                     \
	})

static int32_t lr(volatile int32_t *p)
{
	int32_t v;
	__asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"(p) : "memory");
	return v;
}

/* Returns sc.w's result register: 0 = stored, nonzero = failed. */
static int32_t sc(volatile int32_t *p, int32_t v)
{
	int32_t r;
	__asm__ volatile("sc.w %0, %2, (%1)" : "=&r"(r) : "r"(p), "r"(v) : "memory");
	return r;
}

static volatile int32_t word[4];

static void show(const char *what, int32_t old, volatile int32_t *p)
{
	printf("%-14s old=%ld new=%ld\n", what, (long)old, (long)*p);
}

int main(void)
{
	volatile int32_t *w = &word[1];
	int32_t old;

	/* amo* with each ordering variant */
	*w = 100;
	old = AMO("amoadd.w", w, 23);
	show("amoadd.w", old, w);
	old = AMO("amoadd.w.aq", w, -200);
	show("amoadd.w.aq", old, w);
	old = AMO("amoswap.w.rl", w, 0x5a5a5a5a);
	show("amoswap.w.rl", old, w);
	old = AMO("amoxor.w.aqrl", w, 0x0ff00ff0);
	show("amoxor.w.aqrl", old, w);
	old = AMO("amoand.w", w, 0x00ffff00);
	show("amoand.w", old, w);
	old = AMO("amoor.w", w, (int32_t)0x80000001);
	show("amoor.w", old, w);
	*w = -5;
	old = AMO("amomin.w", w, 3);
	show("amomin.w", old, w);
	old = AMO("amomax.w", w, 3);
	show("amomax.w", old, w);
	*w = -5; /* 0xfffffffb unsigned */
	old = AMO("amominu.w", w, 3);
	show("amominu.w", old, w);
	old = AMO("amomaxu.w", w, -1);
	show("amomaxu.w", old, w);
	old = AMO("amoswap.w", w, 0); /* rd = old value, memory = 0 */
	show("amoswap.w", old, w);

	/* lr/sc */
	*w = 7;
	int32_t v = lr(w);
	int32_t r = sc(w, v + 1);
	printf("lr=%ld sc=%ld mem=%ld\n", (long)v, (long)r, (long)*w);
	r = sc(w, 99); /* the reservation was consumed by the previous sc */
	printf("sc without lr: %s mem=%ld\n", r ? "failed" : "stored", (long)*w);
	v = lr(w);
	r = sc(&word[2], 55); /* different address than the reservation */
	printf("sc to other address: %s word2=%ld\n", r ? "failed" : "stored", (long)word[2]);
	r = sc(w, 99); /* the failed sc also cleared the reservation */
	printf("sc after failed sc: %s mem=%ld\n", r ? "failed" : "stored", (long)*w);

	/* lr/sc increment loop, 1000 times */
	*w = 0;
	for (int i = 0; i < 1000; i++) {
		int32_t t;
		do
			t = lr(w);
		while (sc(w, t + i));
	}
	printf("lr/sc loop sum=%ld\n", (long)*w);

	/* compiler builtins */
	static int32_t counter;
	static uint32_t flags;
	for (int i = 1; i <= 100; i++) {
		__atomic_fetch_add(&counter, i, __ATOMIC_SEQ_CST);
		__atomic_fetch_or(&flags, 1u << (i % 32), __ATOMIC_RELAXED);
	}
	int32_t expect = 5050;
	int ok1 = __atomic_compare_exchange_n(&counter, &expect, 1, 0, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST);
	expect = 5050;
	int ok2 = __atomic_compare_exchange_n(&counter, &expect, 2, 0, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST);
	printf("builtins: flags=%08lx cas1=%d cas2=%d seen=%ld counter=%ld\n", (unsigned long)flags,
	       ok1, ok2, (long)expect, (long)counter);
	printf("words: %ld %ld %ld %ld\n", (long)word[0], (long)word[1], (long)word[2],
	       (long)word[3]);
	return 0;
}

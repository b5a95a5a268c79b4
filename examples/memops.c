/*
 * memops.c - loads and stores of every width and signedness (lb/lbu/lh/lhu/
 * lw, sb/sh/sw), little-endian byte order, misaligned halfword and word
 * accesses (qemu-riscv32 performs them; Linux would too, by trap and
 * emulation), the stack, and picolibc's string functions.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LOAD(op, addr)                                                                   \
	({                                                                               \
		uint32_t v_;                                                             \
		__asm__ volatile(op " %0, 0(%1)" : "=r"(v_) : "r"(addr) : "memory");     \
		v_;                                                                      \
	})
#define STORE(op, addr, val) __asm__ volatile(op " %0, 0(%1)" ::"r"(val), "r"(addr) : "memory")

static uint8_t buf[64] __attribute__((aligned(8)));

static void dump(const char *what)
{
	printf("%-10s", what);
	for (int i = 0; i < 16; i++)
		printf(" %02x", buf[i]);
	printf("\n");
}

int main(void)
{
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)(0x80 + i * 7);
	dump("init");

	/* loads at every offset 0..3, sign- and zero-extending */
	for (int off = 0; off < 4; off++) {
		uint8_t *p = buf + off;
		printf("off %d: lb=%08lx lbu=%08lx lh=%08lx lhu=%08lx lw=%08lx\n", off,
		       (unsigned long)LOAD("lb", p), (unsigned long)LOAD("lbu", p),
		       (unsigned long)LOAD("lh", p), (unsigned long)LOAD("lhu", p),
		       (unsigned long)LOAD("lw", p));
	}

	/* stores, aligned and misaligned */
	STORE("sw", buf + 0, 0x11223344u);
	STORE("sh", buf + 4, 0xaabbccddu); /* only ccdd stored */
	STORE("sb", buf + 6, 0x123456eeu); /* only ee stored */
	dump("aligned");
	STORE("sw", buf + 9, 0xcafef00du);
	STORE("sh", buf + 15, 0xbeefu);
	dump("misalign");
	printf("lw@9=%08lx lh@15=%08lx lhu@15=%08lx lw@13=%08lx\n",
	       (unsigned long)LOAD("lw", buf + 9), (unsigned long)LOAD("lh", buf + 15),
	       (unsigned long)LOAD("lhu", buf + 15), (unsigned long)LOAD("lw", buf + 13));

	/* struct copy through memcpy/memmove/memset/memcmp/strlen/strcpy */
	char s[80];
	strcpy(s, "The quick brown fox jumps over the lazy dog");
	memmove(s + 4, s, 20); /* overlapping */
	s[24 + 19] = 0;
	printf("memmove: \"%s\" len=%u\n", s, (unsigned)strlen(s));
	memset(s, '-', 10);
	printf("memset: \"%s\"\n", s);
	printf("memcmp: %d %d %d\n", memcmp("abc", "abd", 3) < 0, memcmp("abc", "abc", 3) == 0,
	       memcmp("b", "a", 1) > 0);
	printf("strchr: %s\n", strchr("hello world", 'w'));

	/* a byte-wise checksum of a larger region touched at every width */
	static uint32_t big[1024];
	for (int i = 0; i < 1024; i++)
		big[i] = (uint32_t)i * 2654435761u;
	uint32_t h = 0;
	for (int i = 0; i < 4096; i++)
		h = h * 33 + ((uint8_t *)big)[i];
	for (int i = 0; i < 2048; i++) {
		uint16_t half;
		memcpy(&half, (uint8_t *)big + 2 * i, sizeof half);
		h ^= (uint32_t)half << (i & 15);
	}
	printf("big checksum=%08lx\n", (unsigned long)h);
	return 0;
}

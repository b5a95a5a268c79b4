/*
 * segv.c - dies from SIGSEGV (exit status 139 under a shell).
 *   segv          store to address 0x10 (unmapped first page)
 *   segv read     load from 0xdead0000 (unmapped)
 *   segv exec     jump to 0xdead0000 (instruction fetch from unmapped memory)
 *   segv text     store into the program's own read-only .text
 * The line printed first is flushed explicitly: a signal death flushes
 * nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BAD_LOW 0x10
#define BAD_HIGH 0xdead0000

/* volatile so the compiler cannot see (and warn about) the bad addresses */
static volatile uintptr_t bad_low = BAD_LOW, bad_high = BAD_HIGH;

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "write";
	printf("segv: mode %s, faulting now\n", mode);
	fflush(stdout);
	if (strcmp(mode, "read") == 0) {
		volatile uint32_t *p = (volatile uint32_t *)bad_high;
		printf("read %lu\n", (unsigned long)*p);
	} else if (strcmp(mode, "exec") == 0) {
		void (*volatile f)(void) = (void (*)(void))bad_high;
		f();
	} else if (strcmp(mode, "text") == 0) {
		volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)&main;
		*p = 0;
	} else {
		volatile uint32_t *p = (volatile uint32_t *)bad_low;
		*p = 42;
	}
	printf("segv: still alive?\n");
	return 1;
}

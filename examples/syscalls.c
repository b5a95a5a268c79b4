/*
 * syscalls.c - the small system calls, each checked for a property rather
 * than a value that changes from run to run: getpid/gettid, clock_gettime64
 * (realtime after 2020, monotonic non-decreasing), getrandom, brk growth and
 * shrink, errors (-EBADF from a bad descriptor, -ENOSYS from an unknown
 * syscall number), and read() at end of input (stdin is /dev/null in the
 * test).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sys.h"

#define UNKNOWN_SYSCALL 4000
#define BAD_FD 99
#define PAGE_SIZE 4096
#define Y2020 1577836800 /* 2020-01-01T00:00:00Z */

int main(void)
{
	long pid = sys_getpid(), tid = sys_gettid();
	printf("getpid>0: %s, gettid==getpid: %s\n", pid > 0 ? "yes" : "no",
	       tid == pid ? "yes" : "no");

	struct linux_timespec64 rt, m1, m2;
	long r1 = sys_clock_gettime64(LINUX_CLOCK_REALTIME, &rt);
	long r2 = sys_clock_gettime64(LINUX_CLOCK_MONOTONIC, &m1);
	long r3 = sys_clock_gettime64(LINUX_CLOCK_MONOTONIC, &m2);
	int mono = m2.tv_sec > m1.tv_sec || (m2.tv_sec == m1.tv_sec && m2.tv_nsec >= m1.tv_nsec);
	printf("clock_gettime64: ret=%ld,%ld,%ld realtime>2020: %s nsec<1e9: %s monotonic: %s\n",
	       r1, r2, r3, rt.tv_sec > Y2020 ? "yes" : "no",
	       rt.tv_nsec >= 0 && rt.tv_nsec < 1000000000 ? "yes" : "no", mono ? "yes" : "no");

	uint8_t rnd[32];
	memset(rnd, 0, sizeof rnd);
	long g = sys_getrandom(rnd, sizeof rnd, 0);
	int nonzero = 0;
	for (unsigned i = 0; i < sizeof rnd; i++)
		nonzero |= rnd[i];
	printf("getrandom: ret=%ld nonzero=%s\n", g, nonzero ? "yes" : "no");

	uintptr_t b0 = (uintptr_t)sys_brk(0);
	uintptr_t b1 = (uintptr_t)sys_brk(b0 + 3 * PAGE_SIZE + 100);
	volatile uint8_t *heap = (volatile uint8_t *)b0;
	heap[0] = 1;
	heap[3 * PAGE_SIZE + 99] = 2; /* last byte of the new heap */
	uintptr_t b2 = (uintptr_t)sys_brk(b0 + PAGE_SIZE);
	uintptr_t b3 = (uintptr_t)sys_brk(0);
	printf("brk: initial page-aligned=%s grow=+%lu shrink=+%lu now=+%lu\n",
	       b0 % PAGE_SIZE == 0 ? "yes" : "no", (unsigned long)(b1 - b0),
	       (unsigned long)(b2 - b0), (unsigned long)(b3 - b0));

	char c;
	printf("write(bad fd)=%ld close(bad fd)=%ld read(stdin at EOF)=%ld\n",
	       sys_write(BAD_FD, "x", 1), sys_close(BAD_FD), sys_read(0, &c, 1));
	printf("unknown syscall %d = %ld\n", UNKNOWN_SYSCALL, rv_syscall0(UNKNOWN_SYSCALL));
	long w = sys_puts(1, "");
	printf("zero-length write=%ld\n", w);
	return 0;
}

/*
 * debuggee.c - a small program for debugger tests: built with debug info
 * (-g -O0) so gdb can break at main, step lines, print a string and watch
 * the global `counter`.
 */
#include <stdio.h>

const char greeting[] = "debug me";
volatile int counter;

static int bump(int by)
{
	counter += by;
	return counter;
}

int main(void)
{
	int total = 0;
	for (int i = 1; i <= 3; i++)
		total += bump(i);
	printf("%s: total=%d counter=%d\n", greeting, total, counter);
	return total == 10 ? 0 : 1;
}

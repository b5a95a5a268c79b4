/* exitcode.c - exit with the status given as argv[1] (default 42). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 42;
	printf("exiting with %d\n", code);
	exit(code);
}

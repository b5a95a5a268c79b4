/*
 * abort.c - dies from SIGABRT. picolibc's abort() is raise(SIGABRT), which
 * with the default handler is kill(getpid(), SIGABRT): the getpid (172) and
 * kill (129) syscalls. Exit status 134 under a shell.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("about to abort\n");
	fflush(stdout); /* a signal death flushes nothing */
	abort();
}

/*
 * hello.c - greeting, then every argument and environment variable, one per
 * line. argv[0] is printed without its directory so the output does not
 * depend on where the ELF lives.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv, char **envp)
{
	printf("Hello from RISC-V!\n");
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (i == 0 && strrchr(a, '/'))
			a = strrchr(a, '/') + 1;
		printf("argv[%d]=%s\n", i, a);
	}
	for (int i = 0; envp[i]; i++)
		printf("env[%d]=%s\n", i, envp[i]);
	return 0;
}

/*
 * crt.c - C side of process start-up: argc/argv/envp from the initial stack,
 * thread-local storage for picolibc (errno lives in TLS), constructors,
 * main, exit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"

int main(int argc, char **argv, char **envp);

/* Provided by picolibc. */
extern void _init_tls(void *tls);
extern void _set_tls(void *tls);
extern void __libc_init_array(void);

/* The single thread's TLS block (picolibc's _init_tls copies the .tdata
 * template and zeroes .tbss); link.ld asserts the template fits. */
#define RV_TLS_BLOCK_SIZE 1024
static char tls_block[RV_TLS_BLOCK_SIZE] __attribute__((aligned(64)));

__attribute__((noreturn, used)) void __rv_cstart(uintptr_t *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;

	/* RISC-V TLS variant I: tp points at the start of the TLS block. */
	_init_tls(tls_block);
	_set_tls(tls_block);

	environ = envp;
	__libc_init_array();
	exit(main(argc, argv, envp));
}

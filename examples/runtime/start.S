/*
 * start.S - process entry for rvplug guest programs (Linux user mode, RV32).
 *
 * The kernel (or qemu-riscv32 / rvplug) enters _start with:
 *   sp -> argc, argv[0..argc-1], NULL, envp[0..], NULL, auxv pairs, AT_NULL
 * All other registers are unspecified (a0 may hold an atexit function for
 * dynamically linked programs; static programs ignore it).
 */
	.section .text.start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	/* gp must be set without relaxation: a relaxed `la gp` would itself be
	 * turned into a gp-relative addi using the not-yet-initialised gp. */
	.option	push
	.option	norelax
	la	gp, __global_pointer$
	.option	pop

	mv	a0, sp			/* initial stack pointer -> __rv_cstart */
	andi	sp, sp, -16		/* psABI: 16-byte aligned stack */
	mv	fp, zero		/* terminate frame-pointer chains */
	mv	ra, zero		/* ... and return-address chains */
	call	__rv_cstart		/* never returns */
1:	j	1b
	.size	_start, . - _start

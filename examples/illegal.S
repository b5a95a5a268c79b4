/*
 * illegal.S - prints one line with a raw write syscall, then executes an
 * all-zero instruction word (illegal in RV32; c.unimp as a 16-bit parcel)
 * and dies from SIGILL (exit status 132 under a shell).
 */
#define SYS_write 64
#define STDOUT 1

	.section .rodata
msg:	.ascii	"illegal: executing an illegal instruction\n"
	.equ	msg_len, . - msg

	.text
	.globl	main
	.type	main, @function
main:
	li	a0, STDOUT
	la	a1, msg
	li	a2, msg_len
	li	a7, SYS_write
	ecall
	.globl	illegal_insn
illegal_insn:
	.word	0x00000000
	li	a0, 1			/* not reached */
	ret
	.size	main, . - main

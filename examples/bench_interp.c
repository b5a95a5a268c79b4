/*
 * bench_interp.c [N] - a small stack-machine bytecode interpreter (switch
 * dispatch, call/return, locals) running a program that counts and sums the
 * primes below N (default 60000) by trial division, with is_prime as a
 * bytecode subroutine. Prints the count, the sum and the number of bytecode
 * instructions executed.
 */
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

enum op {
	OP_HALT,
	OP_PUSH,  /* imm: push constant */
	OP_LOAD,  /* imm: push local[imm] */
	OP_STORE, /* imm: pop into local[imm] */
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_MOD,
	OP_LT,	  /* pop b, a; push a < b */
	OP_LE,
	OP_EQZ,	  /* replace top with top == 0 */
	OP_JMP,	  /* imm: absolute target */
	OP_JZ,	  /* imm: pop, jump if zero */
	OP_JNZ,
	OP_CALL,  /* imm: target; saves return pc and frame */
	OP_RET,	  /* return value stays on the stack */
	OP_DUP,
	OP_DROP,
	OP_INC,	  /* imm: local[imm]++ */
	OP_ARG,	  /* imm: push argument imm of the current call */
};

struct insn {
	uint8_t op;
	int32_t imm;
};

#define STACK_SIZE 256
#define FRAMES 32
#define LOCALS 8

/* Code addresses (the program below is laid out by hand). */
#define L_LOOP 7
#define L_NEXT 19
#define L_END 21
#define L_IS_PRIME 24
#define L_IP_LOOP 26
#define L_PRIME 39
#define L_NOT_PRIME 41

/* main: locals 0 = n, 1 = candidate c, 2 = count, 3 = sum; n is on the
 * stack at entry. is_prime(x): local 0 = divisor d, x is the call argument. */
static const struct insn code[] = {
	/* 0 */ {OP_STORE, 0},
	/* 1 */ {OP_PUSH, 2},
	/* 2 */ {OP_STORE, 1},
	/* 3 */ {OP_PUSH, 0},
	/* 4 */ {OP_STORE, 2},
	/* 5 */ {OP_PUSH, 0},
	/* 6 */ {OP_STORE, 3},
	/* 7 L_LOOP: while c < n */
	{OP_LOAD, 1},
	/* 8 */ {OP_LOAD, 0},
	/* 9 */ {OP_LT, 0},
	/* 10 */ {OP_JZ, L_END},
	/* 11 */ {OP_LOAD, 1},
	/* 12 */ {OP_CALL, L_IS_PRIME},
	/* 13 */ {OP_JZ, L_NEXT},
	/* 14 */ {OP_INC, 2}, /* count++ */
	/* 15 */ {OP_LOAD, 3},
	/* 16 */ {OP_LOAD, 1},
	/* 17 */ {OP_ADD, 0},
	/* 18 */ {OP_STORE, 3}, /* sum += c */
	/* 19 L_NEXT */
	{OP_INC, 1}, /* c++ */
	/* 20 */ {OP_JMP, L_LOOP},
	/* 21 L_END */
	{OP_LOAD, 3},
	/* 22 */ {OP_LOAD, 2},
	/* 23 */ {OP_HALT, 0}, /* stack: sum, count */
	/* 24 L_IS_PRIME */
	{OP_PUSH, 2},
	/* 25 */ {OP_STORE, 0}, /* d = 2 */
	/* 26 L_IP_LOOP: while d * d <= x */
	{OP_LOAD, 0},
	/* 27 */ {OP_DUP, 0},
	/* 28 */ {OP_MUL, 0},
	/* 29 */ {OP_ARG, 0},
	/* 30 */ {OP_LE, 0},
	/* 31 */ {OP_JZ, L_PRIME},
	/* 32 */ {OP_ARG, 0},
	/* 33 */ {OP_LOAD, 0},
	/* 34 */ {OP_MOD, 0},
	/* 35 */ {OP_EQZ, 0},
	/* 36 */ {OP_JNZ, L_NOT_PRIME}, /* x % d == 0 */
	/* 37 */ {OP_INC, 0},		/* d++ */
	/* 38 */ {OP_JMP, L_IP_LOOP},
	/* 39 L_PRIME */
	{OP_PUSH, 1},
	/* 40 */ {OP_RET, 0},
	/* 41 L_NOT_PRIME */
	{OP_PUSH, 0},
	/* 42 */ {OP_RET, 0},
};

struct frame {
	int32_t ret_pc;
	int32_t arg;
	int32_t locals[LOCALS];
};

static uint32_t executed; /* bytecodes, modulo 2^32 */
static int32_t stack[STACK_SIZE];
static struct frame frames[FRAMES];

static void run(int32_t n, int32_t *count, int32_t *sum)
{
	int32_t *sp = stack; /* points at the next free slot */
	struct frame *f = frames;
	const struct insn *pc = code;
	uint32_t steps = 0;
	*sp++ = n;
	for (;;) {
		const struct insn *in = pc++;
		steps++;
		int32_t b;
		switch (in->op) {
		case OP_HALT:
			*count = sp[-1];
			*sum = sp[-2];
			executed = steps;
			return;
		case OP_PUSH:
			*sp++ = in->imm;
			break;
		case OP_LOAD:
			*sp++ = f->locals[in->imm];
			break;
		case OP_STORE:
			f->locals[in->imm] = *--sp;
			break;
		case OP_ADD:
			b = *--sp;
			sp[-1] += b;
			break;
		case OP_SUB:
			b = *--sp;
			sp[-1] -= b;
			break;
		case OP_MUL:
			b = *--sp;
			sp[-1] *= b;
			break;
		case OP_MOD:
			b = *--sp;
			sp[-1] %= b;
			break;
		case OP_LT:
			b = *--sp;
			sp[-1] = sp[-1] < b;
			break;
		case OP_LE:
			b = *--sp;
			sp[-1] = sp[-1] <= b;
			break;
		case OP_EQZ:
			sp[-1] = sp[-1] == 0;
			break;
		case OP_JMP:
			pc = code + in->imm;
			break;
		case OP_JZ:
			if (*--sp == 0)
				pc = code + in->imm;
			break;
		case OP_JNZ:
			if (*--sp != 0)
				pc = code + in->imm;
			break;
		case OP_CALL:
			f++;
			f->ret_pc = (int32_t)(pc - code);
			f->arg = *--sp;
			pc = code + in->imm;
			break;
		case OP_RET:
			pc = code + f->ret_pc;
			f--;
			break;
		case OP_DUP:
			*sp = sp[-1];
			sp++;
			break;
		case OP_DROP:
			sp--;
			break;
		case OP_INC:
			f->locals[in->imm]++;
			break;
		case OP_ARG:
			*sp++ = f->arg;
			break;
		}
	}
}

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 60000);
	int32_t count = 0, sum = 0;
	run((int32_t)n, &count, &sum);
	printf("interp n=%ld primes=%ld sum=%ld bytecodes=%lu\n", n, (long)count, (long)sum,
	       (unsigned long)executed);
	return 0;
}

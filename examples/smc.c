/*
 * smc.c - self-modifying code. The functions below live in section .smc,
 * which link.ld puts in its own read+write+execute segment. Each test stores
 * new instruction words into code that has already run (so a translating
 * emulator has compiled it), executes fence.i, and runs the code again:
 *   1. smc_get:  `addi a0, zero, 1` patched to `addi a0, zero, 2`
 *   2. smc_get again, patched and re-run in a loop with a new immediate
 *   3. smc_loop: the increment inside a hot loop is patched between runs
 *   4. smc_self: the code patches an instruction a few bytes ahead of itself,
 *      then fence.i, then executes it (same function, same block)
 * All patched instructions are 32-bit (no RVC) so they can be rewritten with
 * one aligned word store.
 */
#include <stdint.h>
#include <stdio.h>

int smc_get(void);
int smc_loop(int n);
int smc_self(uint32_t insn);
extern uint32_t smc_get_insn[];
extern uint32_t smc_loop_insn[];

__asm__(
	"	.section .smc, \"awx\", @progbits\n"
	"	.option push\n"
	"	.option norvc\n"
	"	.balign 4\n"
	/* int smc_get(void) */
	"	.globl smc_get, smc_get_insn\n"
	"	.type smc_get, @function\n"
	"smc_get:\n"
	"smc_get_insn:\n"
	"	addi a0, zero, 1\n"
	"	ret\n"
	"	.size smc_get, . - smc_get\n"
	/* int smc_loop(int n): returns n * (immediate of the patched addi) */
	"	.globl smc_loop, smc_loop_insn\n"
	"	.type smc_loop, @function\n"
	"smc_loop:\n"
	"	mv t0, a0\n"
	"	li a0, 0\n"
	"	blez t0, 2f\n"
	"1:\n"
	"smc_loop_insn:\n"
	"	addi a0, a0, 1\n"
	"	addi t0, t0, -1\n"
	"	bnez t0, 1b\n"
	"2:	ret\n"
	"	.size smc_loop, . - smc_loop\n"
	/* int smc_self(uint32_t insn): stores insn over the instruction at 3f,
	   fence.i, executes it; insn is expected to set a0. */
	"	.globl smc_self\n"
	"	.type smc_self, @function\n"
	"smc_self:\n"
	"	auipc t0, 0\n"
	"	sw a0, 12(t0)\n"
	"	fence.i\n"
	"3:	addi a0, zero, 0\n" /* auipc + 12: rewritten on every call */
	"	ret\n"
	"	.size smc_self, . - smc_self\n"
	"	.option pop\n"
	"	.text\n");

#define OP_IMM 0x13
#define REG_ZERO 0
#define REG_A0 10

/* Encoding of `addi rd, rs1, imm` (I-type, funct3 = 0). */
static uint32_t addi(unsigned rd, unsigned rs1, int imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | rd << 7 | OP_IMM;
}

static void patch(uint32_t *where, uint32_t insn)
{
	*(volatile uint32_t *)where = insn;
	__asm__ volatile("fence.i" ::: "memory");
}

int main(void)
{
	/* 1: once */
	int before = smc_get();
	patch(smc_get_insn, addi(REG_A0, REG_ZERO, 2));
	int after = smc_get();
	printf("before=%d after=%d\n", before, after);

	/* 2: patch and re-run repeatedly; run each version several times so
	 * it is hot before the next patch */
	long sum = 0;
	for (int k = 1; k <= 10; k++) {
		patch(smc_get_insn, addi(REG_A0, REG_ZERO, k * k));
		int v = 0;
		for (int rep = 0; rep < 100; rep++)
			v = smc_get();
		sum += v;
		printf("get round %d: %d\n", k, v);
	}
	printf("get sum=%ld\n", sum);

	/* 3: a hot loop whose body is patched between runs */
	for (int k = 1; k <= 6; k++) {
		int r = smc_loop(1000);
		printf("loop round %d: smc_loop(1000)=%d\n", k, r);
		patch(smc_loop_insn, addi(REG_A0, REG_A0, k + 1));
	}
	printf("loop final: smc_loop(10)=%d\n", smc_loop(10));

	/* 4: code that patches itself ahead of the pc */
	for (int k = 0; k < 5; k++) {
		int v = smc_self(addi(REG_A0, REG_ZERO, 11 * k + 3));
		printf("self round %d: %d\n", k, v);
	}
	return 0;
}

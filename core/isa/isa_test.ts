/**
 * Directed tests of every RV32IMA + Zicsr + Zifencei instruction. Each program runs with both
 * engines (see ./_test_harness.ts): the interpreter and the translator must each give the
 * expected state, and must agree with each other on all registers, instret, the fault and the
 * test pages.
 */

import { assert, assertEquals } from "@std/assert";
import { timeTicks } from "./zicsr.ts";
import {
  add,
  addi,
  amoaddW,
  amoandW,
  amomaxuW,
  amomaxW,
  amominuW,
  amominW,
  amoorW,
  amoswapW,
  amoxorW,
  and,
  andi,
  auipc,
  beq,
  bge,
  bgeu,
  blt,
  bltu,
  bne,
  C,
  c,
  CODE,
  type Code,
  csrrc,
  csrrci,
  csrrs,
  csrrsi,
  csrrw,
  csrrwi,
  DATA,
  div,
  divu,
  ebreak,
  ecall,
  ENGINES,
  type Expect,
  fence,
  fenceI,
  jal,
  jalr,
  lb,
  lbu,
  lh,
  lhu,
  lrW,
  lui,
  lw,
  mul,
  mulh,
  mulhsu,
  mulhu,
  nop,
  or,
  ori,
  type Program,
  R,
  rem,
  remu,
  run,
  runBoth,
  sb,
  scW,
  sh,
  sll,
  slli,
  slt,
  slti,
  sltiu,
  sltu,
  sra,
  srai,
  srl,
  srli,
  sub,
  sw,
  W,
  X,
  xor,
  xori,
} from "./_test_harness.ts";

/** A named program and what it must end with. */
interface Case extends Program {
  what: string;
  want: Expect;
}

/** Registers one test per case, named "symbol() what". */
function cases(symbol: string, list: readonly Case[]): void {
  for (const { what, want, ...program } of list) {
    Deno.test(`${symbol}() ${what}`, () => void runBoth(program, want));
  }
}

/** A one-instruction case: `insn` with `regs` must leave `value` in x5. */
const one = (
  what: string,
  insn: number,
  regs: Record<number, number>,
  value: number,
): Case => ({ what, code: [insn], regs, want: { regs: { 5: value }, instret: 1 } });

const MIN = 0x80000000, MAX = 0x7fffffff;

// ---------------------------------------------------------------------------------------------
// The encoders themselves, so that a wrong encoder cannot make a test pass for the wrong reason.

/** [encoder output, GNU as 2.x output (riscv64-unknown-elf-as -march=rv32imac_zicsr), source]. */
const ENCODINGS: readonly [number, number, string][] = [
  [lui(10, 0x12345), 0x12345537, "lui x10, 0x12345"],
  [lui(31, 0xfffff), 0xffffffb7, "lui x31, 0xfffff"],
  [auipc(5, 0x80000), 0x80000297, "auipc x5, 0x80000"],
  [jal(1, 2048), 0x001000ef, "jal x1, .+2048"],
  [jal(0, -4), 0xffdff06f, "jal x0, .-4"],
  [jal(5, 0xffffe), 0x7ffff2ef, "jal x5, .+0xffffe"],
  [jal(1, -0x100000), 0x800000ef, "jal x1, .-0x100000"],
  [jalr(1, -2048, 31), 0x800f80e7, "jalr x1, -2048(x31)"],
  [jalr(0, 2047, 5), 0x7ff28067, "jalr x0, 2047(x5)"],
  [beq(5, 6, 4094), 0x7e628fe3, "beq x5, x6, .+4094"],
  [bne(31, 1, -4096), 0x801f9063, "bne x31, x1, .-4096"],
  [blt(5, 6, -2), 0xfe62cfe3, "blt x5, x6, .-2"],
  [bge(7, 8, 2048), 0x0083d0e3, "bge x7, x8, .+2048"],
  [bltu(9, 10, 30), 0x00a4ef63, "bltu x9, x10, .+30"],
  [bgeu(11, 12, -2048), 0x80c5f0e3, "bgeu x11, x12, .-2048"],
  [lb(5, -1, 6), 0xfff30283, "lb x5, -1(x6)"],
  [lh(5, 2047, 6), 0x7ff31283, "lh x5, 2047(x6)"],
  [lw(31, -2048, 1), 0x8000af83, "lw x31, -2048(x1)"],
  [lbu(7, 0x123, 8), 0x12344383, "lbu x7, 0x123(x8)"],
  [lhu(9, -300, 10), 0xed455483, "lhu x9, -300(x10)"],
  [sb(5, -1, 6), 0xfe530fa3, "sb x5, -1(x6)"],
  [sh(31, 2047, 1), 0x7ff09fa3, "sh x31, 2047(x1)"],
  [sw(7, -2048, 8), 0x80742023, "sw x7, -2048(x8)"],
  [addi(5, 6, -2048), 0x80030293, "addi x5, x6, -2048"],
  [slti(5, 6, 2047), 0x7ff32293, "slti x5, x6, 2047"],
  [sltiu(5, 6, -1), 0xfff33293, "sltiu x5, x6, -1"],
  [xori(5, 6, 0x555), 0x55534293, "xori x5, x6, 0x555"],
  [ori(5, 6, -0x556), 0xaaa36293, "ori x5, x6, -0x556"],
  [andi(5, 6, 0xff), 0x0ff37293, "andi x5, x6, 0xff"],
  [slli(5, 6, 31), 0x01f31293, "slli x5, x6, 31"],
  [srli(5, 6, 1), 0x00135293, "srli x5, x6, 1"],
  [srai(5, 6, 31), 0x41f35293, "srai x5, x6, 31"],
  [add(5, 6, 7), 0x007302b3, "add x5, x6, x7"],
  [sub(5, 6, 7), 0x407302b3, "sub x5, x6, x7"],
  [sll(31, 30, 29), 0x01df1fb3, "sll x31, x30, x29"],
  [slt(5, 6, 7), 0x007322b3, "slt x5, x6, x7"],
  [sltu(5, 6, 7), 0x007332b3, "sltu x5, x6, x7"],
  [xor(5, 6, 7), 0x007342b3, "xor x5, x6, x7"],
  [srl(5, 6, 7), 0x007352b3, "srl x5, x6, x7"],
  [sra(5, 6, 7), 0x407352b3, "sra x5, x6, x7"],
  [or(5, 6, 7), 0x007362b3, "or x5, x6, x7"],
  [and(5, 6, 7), 0x007372b3, "and x5, x6, x7"],
  [mul(5, 6, 7), 0x027302b3, "mul x5, x6, x7"],
  [mulh(5, 6, 7), 0x027312b3, "mulh x5, x6, x7"],
  [mulhsu(5, 6, 7), 0x027322b3, "mulhsu x5, x6, x7"],
  [mulhu(5, 6, 7), 0x027332b3, "mulhu x5, x6, x7"],
  [div(5, 6, 7), 0x027342b3, "div x5, x6, x7"],
  [divu(5, 6, 7), 0x027352b3, "divu x5, x6, x7"],
  [rem(5, 6, 7), 0x027362b3, "rem x5, x6, x7"],
  [remu(5, 6, 7), 0x027372b3, "remu x5, x6, x7"],
  [fence(), 0x0ff0000f, "fence"],
  [fenceI(), 0x0000100f, "fence.i"],
  [ecall(), 0x00000073, "ecall"],
  [ebreak(), 0x00100073, "ebreak"],
  [nop(), 0x00000013, "nop"],
  [lrW(5, 6), 0x100322af, "lr.w x5, (x6)"],
  [scW(5, 7, 6), 0x187322af, "sc.w x5, x7, (x6)"],
  [amoswapW(5, 7, 6), 0x087322af, "amoswap.w x5, x7, (x6)"],
  [amoaddW(5, 7, 6), 0x007322af, "amoadd.w x5, x7, (x6)"],
  [amoxorW(5, 7, 6), 0x207322af, "amoxor.w x5, x7, (x6)"],
  [amoandW(5, 7, 6), 0x607322af, "amoand.w x5, x7, (x6)"],
  [amoorW(5, 7, 6), 0x407322af, "amoor.w x5, x7, (x6)"],
  [amominW(5, 7, 6), 0x807322af, "amomin.w x5, x7, (x6)"],
  [amomaxW(5, 7, 6), 0xa07322af, "amomax.w x5, x7, (x6)"],
  [amominuW(5, 7, 6), 0xc07322af, "amominu.w x5, x7, (x6)"],
  [amomaxuW(5, 7, 6), 0xe07322af, "amomaxu.w x5, x7, (x6)"],
  [csrrw(5, 0xc00, 6), 0xc00312f3, "csrrw x5, 0xc00, x6"],
  [csrrs(5, 0xc02, 0), 0xc02022f3, "csrrs x5, 0xc02, x0"],
  [csrrc(5, 0xc81, 6), 0xc81332f3, "csrrc x5, 0xc81, x6"],
  [csrrwi(5, 0xc00, 31), 0xc00fd2f3, "csrrwi x5, 0xc00, 31"],
  [csrrsi(5, 0x300, 1), 0x3000e2f3, "csrrsi x5, 0x300, 1"],
  [csrrci(5, 0xfff, 0), 0xfff072f3, "csrrci x5, 0xfff, 0"],
];

Deno.test("the harness encoders match the GNU assembler", () => {
  for (const [got, want, source] of ENCODINGS) {
    assertEquals(got.toString(16), want.toString(16), source);
  }
});

// ---------------------------------------------------------------------------------------------
// RV32I: register-register and register-immediate arithmetic.

cases("add", [
  one("wraps on signed overflow", add(5, 6, 7), { 6: MAX, 7: 1 }, MIN),
  one("wraps on unsigned overflow", add(5, 6, 7), { 6: -1, 7: 2 }, 1),
  one("adds negative values", add(5, 6, 7), { 6: -5, 7: -7 }, -12),
  one("reads x0 as zero", add(5, 0, 7), { 7: 9 }, 9),
  one("adds a register to itself", add(5, 6, 6), { 6: 0x40000000 }, MIN),
]);
cases("sub", [
  one("wraps on signed overflow", sub(5, 6, 7), { 6: MIN, 7: 1 }, MAX),
  one("gives a negative difference", sub(5, 6, 7), { 6: 1, 7: 2 }, -1),
  one("negates the minimum to itself", sub(5, 0, 6), { 6: MIN }, MIN),
]);
cases("addi", [
  one("sign-extends its immediate", addi(5, 6, -2048), { 6: 0 }, -2048),
  one("takes 2047 as the largest immediate", addi(5, 6, 2047), { 6: 1 }, 2048),
  one("wraps on overflow", addi(5, 6, 1), { 6: MAX }, MIN),
  one("wraps below zero as unsigned", addi(5, 6, -1), { 6: 0 }, 0xffffffff),
]);
cases("slt", [
  one("compares signed when -1 < 1", slt(5, 6, 7), { 6: -1, 7: 1 }, 1),
  one("compares signed when 1 > -1", slt(5, 6, 7), { 6: 1, 7: -1 }, 0),
  one("compares signed when min < max", slt(5, 6, 7), { 6: MIN, 7: MAX }, 1),
  one("gives 0 when the values are equal", slt(5, 6, 7), { 6: 5, 7: 5 }, 0),
]);
cases("sltu", [
  one("compares unsigned when 0xffffffff > 1", sltu(5, 6, 7), { 6: -1, 7: 1 }, 0),
  one("compares unsigned when 1 < 0xffffffff", sltu(5, 6, 7), { 6: 1, 7: -1 }, 1),
  one("compares unsigned when max < min", sltu(5, 6, 7), { 6: MAX, 7: MIN }, 1),
  one("gives 0 when the values are equal", sltu(5, 6, 7), { 6: -1, 7: -1 }, 0),
  one("is snez when rs1 is x0", sltu(5, 0, 6), { 6: MIN }, 1),
]);
cases("slti", [
  one("sign-extends its immediate when -2 < -1", slti(5, 6, -1), { 6: -2 }, 1),
  one("compares signed when min < 0", slti(5, 6, 0), { 6: MIN }, 1),
  one("gives 0 when the values are equal", slti(5, 6, 0), { 6: 0 }, 0),
  one("compares signed when 0 > -2048", slti(5, 6, -2048), { 6: 0 }, 0),
]);
cases("sltiu", [
  one("compares with -1 as 0xffffffff", sltiu(5, 6, -1), { 6: 0xfffffffe }, 1),
  one("gives 0 for 0xffffffff < 0xffffffff", sltiu(5, 6, -1), { 6: -1 }, 0),
  one("is seqz when the immediate is 1 and rs1 is 0", sltiu(5, 6, 1), { 6: 0 }, 1),
  one("is seqz when the immediate is 1 and rs1 is -1", sltiu(5, 6, 1), { 6: -1 }, 0),
]);
cases("xor", [one("xors bits", xor(5, 6, 7), { 6: 0xf0f0f0f0, 7: 0xff00ff00 }, 0x0ff00ff0)]);
cases("or", [one("ors bits", or(5, 6, 7), { 6: 0xf0f0f0f0, 7: 0xff00ff00 }, 0xfff0fff0)]);
cases("and", [one("ands bits", and(5, 6, 7), { 6: 0xf0f0f0f0, 7: 0xff00ff00 }, 0xf000f000)]);
cases("xori", [
  one("is not when the immediate is -1", xori(5, 6, -1), { 6: 0x12345678 }, 0xedcba987),
  one("xors a positive immediate", xori(5, 6, 0x555), { 6: -1 }, 0xfffffaaa),
]);
cases("ori", [
  one("sign-extends its immediate", ori(5, 6, -2048), { 6: 0x12345678 }, 0xfffffe78),
  one("ors a positive immediate", ori(5, 6, 0x0f0), { 6: MIN }, 0x800000f0),
]);
cases("andi", [
  one("sign-extends its immediate", andi(5, 6, -16), { 6: 0x12345678 }, 0x12345670),
  one("masks with a positive immediate", andi(5, 6, 0x7ff), { 6: -1 }, 0x7ff),
]);

cases("sll", [
  one("shifts by the low 5 bits of rs2 when rs2 is 33", sll(5, 6, 7), { 6: 0x80000001, 7: 33 }, 2),
  one("shifts by 0 when rs2 is 32", sll(5, 6, 7), { 6: 0x12345678, 7: 32 }, 0x12345678),
  one("shifts by 31 when rs2 is -1", sll(5, 6, 7), { 6: 3, 7: -1 }, MIN),
  one("shifts by 0 when rs2 is 0", sll(5, 6, 7), { 6: -5, 7: 0 }, -5),
]);
cases("srl", [
  one("shifts in zeros when rs2 is 31", srl(5, 6, 7), { 6: MIN, 7: 31 }, 1),
  one("shifts by the low 5 bits of rs2 when rs2 is 63", srl(5, 6, 7), { 6: MIN, 7: 63 }, 1),
  one("keeps a negative value when rs2 is 0", srl(5, 6, 7), { 6: -1, 7: 0 }, -1),
  one("shifts by 0 when rs2 is 32", srl(5, 6, 7), { 6: -1, 7: 32 }, -1),
  one("shifts by 4", srl(5, 6, 7), { 6: 0xf0000000, 7: 4 }, 0x0f000000),
]);
cases("sra", [
  one("shifts in the sign when rs2 is 31", sra(5, 6, 7), { 6: MIN, 7: 31 }, -1),
  one("shifts by the low 5 bits of rs2", sra(5, 6, 7), { 6: MIN, 7: 0x40000004 }, 0xf8000000),
  one("shifts in zeros for a positive value", sra(5, 6, 7), { 6: 0x40000000, 7: 30 }, 1),
  one("shifts by 0 when rs2 is 32", sra(5, 6, 7), { 6: -7, 7: 32 }, -7),
]);
cases("slli", [
  one("shifts by 0", slli(5, 6, 0), { 6: 0x87654321 }, 0x87654321),
  one("shifts by 31", slli(5, 6, 31), { 6: 3 }, MIN),
  one("shifts by 4", slli(5, 6, 4), { 6: 0x12345678 }, 0x23456780),
]);
cases("srli", [
  one("shifts in zeros by 31", srli(5, 6, 31), { 6: MIN }, 1),
  one("shifts by 0", srli(5, 6, 0), { 6: MIN }, MIN),
  one("shifts in zeros by 4", srli(5, 6, 4), { 6: 0xf0000000 }, 0x0f000000),
]);
cases("srai", [
  one("shifts in the sign of a negative value", srai(5, 6, 4), { 6: 0xf0000000 }, 0xff000000),
  one("gives -1 for the minimum shifted by 31", srai(5, 6, 31), { 6: MIN }, -1),
  one("gives 0 for the maximum shifted by 31", srai(5, 6, 31), { 6: MAX }, 0),
  one("shifts by 0", srai(5, 6, 0), { 6: -7 }, -7),
]);

cases("lui", [
  one("sets the sign bit", lui(5, 0x80000), {}, MIN),
  one("sets all upper bits", lui(5, 0xfffff), {}, 0xfffff000),
  one("clears the low 12 bits", lui(5, 0x00001), { 5: -1 }, 0x1000),
]);
cases("auipc", [
  one("adds 0 to its pc", auipc(5, 0), {}, CODE),
  one("adds the sign bit to its pc", auipc(5, 0x80000), {}, 0x80000000 + CODE),
  {
    what: "wraps around when the immediate is negative",
    code: [nop(), auipc(5, 0xfffff)],
    want: { regs: { 5: CODE + 4 - 0x1000 }, instret: 2 },
  },
  {
    what: "uses its own pc after a compressed instruction",
    code: [C.nop(), auipc(5, 0x12345)],
    want: { regs: { 5: 0x12345000 + CODE + 2 }, instret: 2 },
  },
]);

cases("fence", [{
  what: "does nothing but retire",
  code: [fence(), addi(5, 0, 1)],
  want: { regs: { 5: 1 }, instret: 2 },
}]);

// ---------------------------------------------------------------------------------------------
// RV32I: writes to x0.

cases("addi", [{
  what: "drops its write to x0",
  code: [addi(0, 0, 5), add(5, 0, 0)],
  want: { regs: { 0: 0, 5: 0 }, instret: 2 },
}]);
cases("lui", [{
  what: "drops its write to x0",
  code: [lui(0, 0x12345), add(5, 0, 0), addi(6, 0, 1)],
  want: { regs: { 0: 0, 5: 0, 6: 1 }, instret: 3 },
}]);
cases("lw", [
  {
    what: "drops its value when rd is x0",
    code: [lw(0, 0, 6), add(5, 0, 0)],
    regs: { 6: DATA },
    words: [[DATA, 0x55]],
    want: { regs: { 0: 0, 5: 0 }, instret: 2 },
  },
  {
    what: "faults on an unmapped address when rd is x0",
    code: [addi(5, 0, 1), lw(0, 0, 6), addi(5, 0, 2)],
    regs: { 6: 0x40000 },
    want: { fault: { kind: "segv", pc: CODE + 4, addr: 0x40000 }, regs: { 5: 1 }, instret: 1 },
  },
]);
cases("jal", [{
  what: "drops its link when rd is x0",
  code: [jal(0, 4), add(5, 0, 0)],
  want: { regs: { 0: 0, 5: 0 }, instret: 2 },
}]);
cases("C.li", [{
  what: "drops its write to x0 (a hint)",
  code: [C.li(0, 5), add(5, 0, 0)],
  want: { regs: { 0: 0, 5: 0 }, instret: 2 },
}]);

// ---------------------------------------------------------------------------------------------
// RV32I: loads and stores.

/** Bytes at DATA: 01 7f ff 80 78 56 34 12. */
const DATA_WORDS: [number, number][] = [[DATA, 0x80ff7f01], [DATA + 4, 0x12345678]];
const ld = (what: string, insn: number, base: number, value: number): Case => ({
  what,
  code: [insn],
  regs: { 6: base },
  words: DATA_WORDS,
  want: { regs: { 5: value }, instret: 1 },
});

cases("lb", [
  ld("sign-extends a negative byte", lb(5, 3, 6), DATA, 0xffffff80),
  ld("loads a positive byte", lb(5, 1, 6), DATA, 0x7f),
  ld("adds a negative offset", lb(5, -3, 6), DATA + 8, 0x56),
]);
cases("lbu", [
  ld("zero-extends a negative byte", lbu(5, 3, 6), DATA, 0x80),
  ld("loads a byte", lbu(5, 2, 6), DATA, 0xff),
]);
cases("lh", [
  ld("sign-extends a negative half-word", lh(5, 2, 6), DATA, 0xffff80ff),
  ld("loads a positive half-word", lh(5, 0, 6), DATA, 0x7f01),
  ld("loads a misaligned half-word", lh(5, 1, 6), DATA, 0xffffff7f),
  ld("loads a half-word misaligned across words", lh(5, 3, 6), DATA, 0x7880),
]);
cases("lhu", [
  ld("zero-extends a negative half-word", lhu(5, 2, 6), DATA, 0x80ff),
  ld("loads a misaligned half-word", lhu(5, 1, 6), DATA, 0xff7f),
  ld("loads a half-word misaligned across words", lhu(5, 3, 6), DATA, 0x7880),
]);
cases("lw", [
  ld("loads a word", lw(5, 0, 6), DATA, 0x80ff7f01),
  ld("adds a negative offset", lw(5, -8, 6), DATA + 8, 0x80ff7f01),
  ld("adds the largest offset", lw(5, 2047, 6), DATA + 4 - 2047, 0x12345678),
  ld("loads a word misaligned by 1", lw(5, 1, 6), DATA, 0x7880ff7f),
  ld("loads a word misaligned by 2", lw(5, 2, 6), DATA, 0x567880ff),
  ld("loads a word misaligned by 3", lw(5, 3, 6), DATA, 0x34567880),
]);

Deno.test("lw() and the narrower loads give the byte-wise value at every alignment", () => {
  const bytes = [0x01, 0x7f, 0xff, 0x80, 0x78, 0x56, 0x34, 0x12];
  const le = (at: number, n: number) => bytes.slice(at, at + n).reduceRight((v, b) => v * 256 + b);
  const sext = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);
  for (let off = 0; off < 4; off++) {
    const loads: [number, number][] = [
      [lb(5, off, 6), sext(le(off, 1), 8)],
      [lbu(5, off, 6), le(off, 1)],
      [lh(5, off, 6), sext(le(off, 2), 16)],
      [lhu(5, off, 6), le(off, 2)],
      [lw(5, off, 6), le(off, 4)],
    ];
    for (const [insn, value] of loads) {
      runBoth({ code: [insn], regs: { 6: DATA }, words: DATA_WORDS }, { regs: { 5: value } });
    }
  }
});

const V = 0x11223344;
const st = (what: string, insn: number, words: [number, number][]): Case => ({
  what,
  code: [insn],
  regs: { 6: DATA, 7: V },
  want: { words, instret: 1 },
});
cases("sb", [
  st("stores the low byte", sb(7, 1, 6), [[DATA, 0x00004400]]),
]);
cases("sh", [
  st("stores the low half-word", sh(7, 2, 6), [[DATA, 0x33440000]]),
  st("stores a misaligned half-word", sh(7, 1, 6), [[DATA, 0x00334400]]),
  st("stores a half-word misaligned across words", sh(7, 3, 6), [[DATA, 0x44000000], [
    DATA + 4,
    0x33,
  ]]),
]);
cases("sw", [
  st("stores a word", sw(7, 4, 6), [[DATA, 0], [DATA + 4, V]]),
  st("stores a word misaligned by 1", sw(7, 1, 6), [[DATA, 0x22334400], [DATA + 4, 0x11]]),
  st("stores a word misaligned by 2", sw(7, 2, 6), [[DATA, 0x33440000], [DATA + 4, 0x1122]]),
  st("stores a word misaligned by 3", sw(7, 3, 6), [[DATA, 0x44000000], [DATA + 4, 0x112233]]),
]);
cases("sb", [{
  what: "stores below its base with a negative offset",
  code: [sb(7, -1, 6)],
  regs: { 6: DATA + 4, 7: V },
  want: { words: [[DATA, 0x44000000], [DATA + 4, 0]], instret: 1 },
}]);
cases("sw", [{
  what: "stores a value that a following lw reads back",
  code: [sw(7, 5, 6), lw(8, 5, 6), lbu(9, 8, 6)],
  regs: { 6: DATA, 7: V },
  want: { regs: { 8: V, 9: 0x11 }, instret: 3 },
}]);

// Page crossings: DATA's page is followed by a second page whose protection each case chooses.
const NEXT = DATA + 0x1000;
const cross = (
  what: string,
  code: Code[],
  prot: number,
  want: Expect,
): Case => ({
  what,
  code,
  regs: { 6: NEXT - 3, 7: V },
  maps: prot < 0 ? [] : [[NEXT, 0x1000, prot]],
  words: [[NEXT - 4, 0xaabbccdd], [NEXT, 0x112233f4]],
  want,
});
cases("lw", [
  cross("loads a word across a page boundary", [lw(5, 1, 6)], R | W, {
    regs: { 5: 0x33f4aabb },
  }),
  cross("faults when a word crosses into an unmapped page", [lw(5, 1, 6)], -1, {
    fault: { kind: "segv", pc: CODE, addr: NEXT },
    regs: { 5: 0 },
    instret: 0,
  }),
]);
cases("lh", [
  cross("loads a half-word across a page boundary", [lh(5, 2, 6)], R, {
    regs: { 5: 0xfffff4aa },
  }),
  cross("faults when a half-word crosses into an unmapped page", [lh(5, 2, 6)], -1, {
    fault: { kind: "segv", pc: CODE, addr: NEXT },
  }),
]);
cases("lhu", [
  cross("loads a half-word across a page boundary", [lhu(5, 2, 6)], R, {
    regs: { 5: 0xf4aa },
  }),
]);
cases("sw", [
  cross("stores a word across a page boundary", [sw(7, 0, 6)], R | W, {
    words: [[NEXT - 4, 0x223344dd], [NEXT, 0x11223311]],
  }),
  cross("faults without writing when a word crosses into a read-only page", [sw(7, 0, 6)], R, {
    fault: { kind: "segv", pc: CODE, addr: NEXT },
    words: [[NEXT - 4, 0xaabbccdd], [NEXT, 0x112233f4]],
  }),
  cross(
    "reports the first byte on the read-only page when 2 bytes cross into it",
    [sw(7, 1, 6)],
    R,
    {
      fault: { kind: "segv", pc: CODE, addr: NEXT },
      words: [[NEXT - 4, 0xaabbccdd], [NEXT, 0x112233f4]],
    },
  ),
]);
cases("sh", [
  cross("stores a half-word across a page boundary", [sh(7, 2, 6)], R | W, {
    words: [[NEXT - 4, 0x44bbccdd], [NEXT, 0x11223333]],
  }),
  cross("faults without writing when it crosses into an unmapped page", [sh(7, 2, 6)], -1, {
    fault: { kind: "segv", pc: CODE, addr: NEXT },
    words: [[NEXT - 4, 0xaabbccdd]],
  }),
]);

// Faults of loads and stores: pc and address, earlier instructions of the block written back.
const RO = 0x30000;
cases("sw", [
  {
    what: "faults with segv at its pc and address on a read-only page",
    code: [addi(5, 0, 7), lui(6, RO >>> 12), addi(8, 0, 9), sw(8, 4, 6), addi(9, 0, 1)],
    maps: [[RO, 0x1000, R]],
    want: {
      fault: { kind: "segv", pc: CODE + 12, addr: RO + 4 },
      regs: { 5: 7, 6: RO, 8: 9, 9: 0 },
      instret: 3,
      words: [[RO + 4, 0]],
    },
  },
  {
    what: "faults on an unmapped page",
    code: [addi(5, 0, 7), sw(5, 0, 6)],
    regs: { 6: 0x40000 },
    want: { fault: { kind: "segv", pc: CODE + 4, addr: 0x40000 }, regs: { 5: 7 }, instret: 1 },
  },
  {
    what: "faults in the middle of a loop with instret exact",
    // Stores x5 = 1, 2, ... to successive words until it reaches the read-only page.
    code: [addi(5, 5, 1), sw(5, 0, 6), addi(6, 6, 4), bne(6, 8, -12)],
    regs: { 6: RO - 40, 8: RO + 0x100 },
    maps: [[RO - 0x1000, 0x1000, R | W], [RO, 0x1000, R]],
    want: {
      fault: { kind: "segv", pc: CODE + 4, addr: RO },
      regs: { 5: 11, 6: RO },
      instret: 10 * 4 + 1,
      words: [[RO - 40, 1], [RO - 4, 10], [RO, 0]],
    },
  },
]);
cases("sb", [{
  what: "faults on the page of the running code",
  code: [addi(5, 0, 1), sb(5, 8, 6)],
  regs: { 6: CODE },
  want: { fault: { kind: "segv", pc: CODE + 4, addr: CODE + 8 }, instret: 1 },
}]);
cases("sh", [{
  what: "faults on a page mapped without any access",
  code: [sh(5, 0, 6)],
  regs: { 6: RO },
  maps: [[RO, 0x1000, 0]],
  want: { fault: { kind: "segv", pc: CODE, addr: RO }, instret: 0 },
}]);
cases("lw", [
  {
    what: "faults with segv at its pc and address on an unmapped page",
    code: [addi(5, 0, 1), lw(7, 0, 6), addi(5, 0, 2)],
    regs: { 6: 0x40000, 7: 3 },
    want: {
      fault: { kind: "segv", pc: CODE + 4, addr: 0x40000 },
      regs: { 5: 1, 7: 3 },
      instret: 1,
    },
  },
  {
    what: "faults on a page mapped without read access",
    code: [lw(7, 8, 6)],
    regs: { 6: RO },
    maps: [[RO, 0x1000, W]],
    want: { fault: { kind: "segv", pc: CODE, addr: RO + 8 }, instret: 0 },
  },
]);
cases("lbu", [{
  what: "faults after a misaligned load took the slow path in the same block",
  code: [lw(5, 1, 7), addi(9, 0, 1), lbu(8, 0, 6)],
  regs: { 6: 0x40000, 7: DATA },
  words: DATA_WORDS,
  want: {
    fault: { kind: "segv", pc: CODE + 8, addr: 0x40000 },
    regs: { 5: 0x7880ff7f, 9: 1 },
    instret: 2,
  },
}]);

// ---------------------------------------------------------------------------------------------
// RV32I: jumps and branches.

cases("jal", [
  {
    what: "links pc + 4 and skips forward",
    code: [jal(1, 8), addi(5, 0, 1), addi(6, 0, 2)],
    want: { regs: { 1: CODE + 4, 5: 0, 6: 2 }, instret: 2 },
  },
  {
    what: "jumps backward",
    code: [
      jal(0, 12), //           CODE + 0 → CODE + 12
      addi(6, 0, 7), //        CODE + 4
      jal(0, 12), //           CODE + 8 → CODE + 20 (the stop)
      addi(5, 0, 5), //        CODE + 12
      jal(1, -12), //          CODE + 16 → CODE + 4
    ],
    want: { regs: { 1: CODE + 20, 5: 5, 6: 7 }, instret: 5 },
  },
  {
    what: "links into any register",
    code: [jal(31, 4)],
    want: { regs: { 31: CODE + 4 }, instret: 1 },
  },
]);
cases("jalr", [
  {
    what: "links pc + 4 and jumps to rs1 + imm",
    code: [jalr(1, 4, 6), addi(5, 0, 1), addi(5, 0, 2), addi(7, 0, 3)],
    regs: { 6: CODE + 8 },
    want: { regs: { 1: CODE + 4, 5: 0, 7: 3 }, instret: 2 },
  },
  {
    what: "reads rs1 before linking when rd is rs1",
    code: [jalr(6, 4, 6), addi(5, 0, 1), addi(5, 0, 2), addi(7, 0, 3)],
    regs: { 6: CODE + 8 },
    want: { regs: { 6: CODE + 4, 5: 0, 7: 3 }, instret: 2 },
  },
  {
    what: "clears bit 0 of the target",
    code: [jalr(1, 2, 6), addi(5, 0, 1), addi(5, 0, 2), addi(7, 0, 3)],
    regs: { 6: CODE + 11 },
    want: { regs: { 1: CODE + 4, 5: 0, 7: 3 }, instret: 2 },
  },
  {
    what: "clears bit 0 of the target when rd is rs1",
    code: [jalr(6, 0, 6), addi(5, 0, 1), addi(5, 0, 2), addi(7, 0, 3)],
    regs: { 6: CODE + 13 },
    want: { regs: { 6: CODE + 4, 5: 0, 7: 3 }, instret: 2 },
  },
  {
    what: "adds a negative offset",
    code: [jalr(1, -4, 6), addi(5, 0, 1), addi(5, 0, 2), addi(7, 0, 3)],
    regs: { 6: CODE + 16 },
    want: { regs: { 1: CODE + 4, 5: 0, 7: 3 }, instret: 2 },
  },
  {
    what: "jumps to a compressed instruction at an address that is 2 mod 4",
    code: [jalr(1, 0, 6), C.nop(), C.li(5, 1), C.li(7, 3)],
    regs: { 6: CODE + 6 },
    want: { regs: { 1: CODE + 4, 5: 1, 7: 3 }, instret: 3 },
  },
  {
    what: "returns to the block after a call inside the same region",
    code: [
      jal(1, 12), //           CODE + 0: call CODE + 12
      addi(5, 5, 1), //        CODE + 4: return site
      jal(0, 12), //           CODE + 8 → CODE + 20 (the stop)
      addi(6, 6, 1), //        CODE + 12
      jalr(0, 0, 1), //        CODE + 16: ret
    ],
    want: { regs: { 1: CODE + 4, 5: 1, 6: 1 }, instret: 5 },
  },
  {
    what: "faults at the target when it is unmapped, after retiring",
    code: [addi(5, 0, 1), jalr(1, 0, 6)],
    regs: { 6: 0x40000 },
    want: {
      fault: { kind: "segv", pc: 0x40000, addr: 0x40000 },
      regs: { 1: CODE + 8, 5: 1 },
      instret: 2,
    },
  },
  {
    what: "faults at the target when it is not executable",
    code: [jalr(1, 0, 6)],
    regs: { 6: DATA },
    want: { fault: { kind: "segv", pc: DATA, addr: DATA }, regs: { 1: CODE + 4 }, instret: 1 },
  },
]);

Deno.test("step() and Translator fault at the second half of an instruction crossing into an unmapped page", () => {
  const at = 0x30ffe;
  runBoth({
    code: [jalr(1, 0, 6)],
    regs: { 6: at },
    maps: [[0x30000, 0x1000, R | X]],
    words: [[at, addi(5, 0, 1)]],
  }, { fault: { kind: "segv", pc: at, addr: 0x31000 }, instret: 1 });
});

Deno.test("step() and Translator run an instruction that crosses into the next executable page", () => {
  const at = 0x30ffe;
  runBoth({
    code: [jalr(1, 0, 6)],
    regs: { 6: at },
    maps: [[0x30000, 0x2000, R | X]],
    words: [[at, addi(5, 0, 1)], [at + 4, jalr(0, 0, 1)]],
  }, { regs: { 5: 1 }, instret: 3 });
});

cases("C.jal", [{
  what: "links pc + 2",
  code: [C.jal(4), C.li(5, 1), C.li(6, 2)],
  want: { regs: { 1: CODE + 2, 5: 0, 6: 2 }, instret: 2 },
}]);
cases("C.jalr", [{
  what: "links pc + 2 and reads rs1 first",
  code: [C.jalr(1), C.li(5, 1), C.li(7, 2)],
  regs: { 1: CODE + 4 },
  want: { regs: { 1: CODE + 2, 5: 0, 7: 2 }, instret: 2 },
}]);
cases("C.jr", [{
  what: "jumps without linking",
  code: [C.jr(6), C.li(5, 1), C.li(7, 2)],
  regs: { 6: CODE + 4, 1: 77 },
  want: { regs: { 1: 77, 5: 0, 7: 2 }, instret: 2 },
}]);
cases("C.j", [{
  what: "jumps backward and forward",
  code: [C.j(8), C.li(5, 1), C.j(6), C.li(6, 2), C.j(-6)],
  want: { regs: { 5: 1, 6: 0 }, instret: 4 },
}]);

type BranchEnc = (rs1: number, rs2: number, off: number) => number;
const BRANCHES: readonly [string, BranchEnc, number, number, boolean][] = [
  ["beq", beq, 3, 3, true],
  ["beq", beq, 3, 4, false],
  ["beq", beq, -1, 0xffffffff, true],
  ["bne", bne, 3, 4, true],
  ["bne", bne, 3, 3, false],
  ["blt", blt, -1, 0, true],
  ["blt", blt, 0, -1, false],
  ["blt", blt, 5, 5, false],
  ["blt", blt, MIN, MAX, true],
  ["bge", bge, 5, 5, true],
  ["bge", bge, -1, 0, false],
  ["bge", bge, 0, -1, true],
  ["bge", bge, MIN, MAX, false],
  ["bltu", bltu, -1, 0, false],
  ["bltu", bltu, 0, -1, true],
  ["bltu", bltu, 5, 5, false],
  ["bltu", bltu, MAX, MIN, true],
  ["bgeu", bgeu, -1, 0, true],
  ["bgeu", bgeu, 5, 5, true],
  ["bgeu", bgeu, 0, 1, false],
  ["bgeu", bgeu, MAX, MIN, false],
];
const hx = (v: number) => "0x" + (v >>> 0).toString(16);
for (const [name, enc, a, b, taken] of BRANCHES) {
  Deno.test(
    `${name}() ${taken ? "is taken" : "falls through"} forward and backward when rs1 = ${
      hx(a)
    } and rs2 = ${hx(b)}`,
    () => {
      // Forward: a taken branch skips the addi to x5.
      runBoth({ code: [enc(6, 7, 8), addi(5, 0, 1), addi(10, 0, 2)], regs: { 6: a, 7: b } }, {
        regs: { 5: taken ? 0 : 1, 10: 2 },
        instret: taken ? 2 : 3,
      });
      // Backward: a taken branch goes back to a jump to the stop.
      runBoth({
        code: [jal(0, 8), jal(0, 12), enc(6, 7, -4), addi(5, 0, 1)],
        regs: { 6: a, 7: b },
      }, { regs: { 5: taken ? 0 : 1 }, instret: 3 });
    },
  );
}

cases("bne", [
  {
    what: "loops backward N times with instret exact (a self-loop)",
    code: [addi(5, 0, 1000), addi(6, 6, 2), addi(5, 5, -1), bne(5, 0, -8)],
    want: { regs: { 5: 0, 6: 2000 }, instret: 1 + 3 * 1000 },
  },
  {
    what: "loops backward N times with instret exact (a loop of two blocks)",
    code: [addi(5, 0, 100), addi(6, 6, 1), jal(0, 4), addi(5, 5, -1), bne(5, 0, -12)],
    want: { regs: { 5: 0, 6: 100 }, instret: 1 + 4 * 100 },
  },
  {
    what: "loops backward once when the count is 1",
    code: [addi(5, 0, 1), addi(6, 6, 2), addi(5, 5, -1), bne(5, 0, -8)],
    want: { regs: { 5: 0, 6: 2 }, instret: 4 },
  },
]);
cases("C.bnez", [{
  what: "loops backward N times with instret exact",
  code: [C.li(8, 20), C.addi(9, 3), C.addi(8, -1), C.bnez(8, -4)],
  want: { regs: { 8: 0, 9: 60 }, instret: 1 + 3 * 20 },
}]);
cases("C.beqz", [{
  what: "is taken when the register is zero",
  code: [C.beqz(8, 4), C.li(5, 1), C.li(6, 2)],
  regs: { 8: 0 },
  want: { regs: { 5: 0, 6: 2 }, instret: 2 },
}]);

Deno.test("discoverBlock() splits a straight line longer than a block, losing no instruction", () => {
  const code = Array.from({ length: 600 }, () => addi(5, 5, 1));
  runBoth({ code }, { regs: { 5: 600 }, instret: 600 });
});

Deno.test("planRegion() stops a chain of blocks longer than a region, losing no instruction", () => {
  // 20 blocks of [addi; beq not taken], then the stop.
  const code = Array.from({ length: 20 }, () => [addi(5, 5, 1), beq(5, 0, 0x100)]);
  runBoth({ code }, { regs: { 5: 20 }, instret: 40 });
});

// ---------------------------------------------------------------------------------------------
// RV32I: ecall and ebreak.

cases("ebreak", [{
  what: "raises a trap fault at its pc",
  code: [addi(5, 0, 1), ebreak(), addi(5, 0, 2)],
  want: { fault: { kind: "trap", pc: CODE + 4, addr: CODE + 4 }, regs: { 5: 1 }, instret: 1 },
}]);
cases("C.ebreak", [{
  what: "raises a trap fault at its pc",
  code: [C.li(5, 1), C.ebreak(), C.li(5, 2)],
  want: { fault: { kind: "trap", pc: CODE + 2, addr: CODE + 2 }, regs: { 5: 1 }, instret: 1 },
}]);

Deno.test("ecall() hands control to the syscall callback with registers written back", () => {
  const program: Program = {
    code: [
      addi(10, 0, 42),
      addi(17, 0, 64),
      addi(12, 12, 1),
      ecall(),
      addi(11, 10, 1),
      add(13, 12, 0),
    ],
    regs: { 12: 5 },
    onEcall: (cpu) => {
      cpu.x[10] = 7;
      cpu.x[12] = 100;
    },
  };
  const [a, b] = runBoth(program, { regs: { 10: 7, 11: 8, 12: 100, 13: 100 }, instret: 6 });
  for (const o of [a, b]) {
    assertEquals(o.ecalls.length, 1, o.engine);
    const { pc, x } = o.ecalls[0];
    assertEquals([pc, x[10], x[12], x[17]], [CODE + 12, 42, 6, 64], o.engine);
  }
});

Deno.test("ecall() runs with cpu.instret counting the instructions before it in both engines", () => {
  const program: Program = { code: [addi(5, 0, 1), addi(6, 0, 1), ecall()] };
  const seen = ENGINES.map((e) => run(program, e).ecalls[0].instret);
  assertEquals(seen, [2, 2], "instret seen by the syscall, [interp, translate]");
});

Deno.test("ecall() in a loop runs its callback each time", () => {
  let calls = 0;
  runBoth({
    code: [ecall(), addi(5, 5, -1), bne(5, 0, -8)],
    regs: { 5: 10 },
    onEcall: (cpu) => {
      calls++;
      cpu.x[6] += 1;
    },
  }, { regs: { 5: 0, 6: 10 }, instret: 30 });
  assertEquals(calls, 20);
});

// ---------------------------------------------------------------------------------------------
// Illegal encodings.

const ill = (what: string, word: number | ReturnType<typeof c>): Case => ({
  what,
  code: [addi(5, 0, 1), word, addi(5, 0, 2)],
  want: { fault: { kind: "ill", pc: CODE + 4, addr: CODE + 4 }, regs: { 5: 1 }, instret: 1 },
});
cases("decode", [
  ill("makes an all-ones word illegal", 0xffffffff),
  ill("makes a compressed all-zeros half-word illegal", c(0x0000)),
  ill("makes slli with shamt[5] set illegal on RV32", 0x02051513),
  ill("makes a floating-point load illegal", 0x00052007),
  ill("makes mret illegal in user mode", 0x30200073),
  ill("makes an R-type with an unknown funct7 illegal", 0x0c0002b3),
]);

// ---------------------------------------------------------------------------------------------
// RV32M.

/** Reference semantics of the M instructions on 64-bit BigInts. */
function refM(name: string, a: number, b: number): number {
  const s = (v: number) => BigInt(v | 0), u = (v: number) => BigInt(v >>> 0);
  const lo = (v: bigint) => Number(BigInt.asIntN(32, v));
  const hi = (v: bigint) => Number(BigInt.asIntN(32, v >> 32n));
  switch (name) {
    case "mul":
      return lo(s(a) * s(b));
    case "mulh":
      return hi(s(a) * s(b));
    case "mulhsu":
      return hi(s(a) * u(b));
    case "mulhu":
      return hi(u(a) * u(b));
    case "div":
      return b === 0 ? -1 : (a | 0) === -MIN && (b | 0) === -1 ? a | 0 : lo(s(a) / s(b));
    case "divu":
      return b === 0 ? -1 : lo(u(a) / u(b));
    case "rem":
      return b === 0 ? a | 0 : (a | 0) === -MIN && (b | 0) === -1 ? 0 : lo(s(a) % s(b));
    case "remu":
      return b === 0 ? a | 0 : lo(u(a) % u(b));
  }
  throw new TypeError(`Cannot compute "${name}": not an M instruction`);
}

/** A small deterministic generator (xorshift32), so a failure reproduces. */
function randoms(seed: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    out.push(seed | 0);
  }
  return out;
}

const M_OPS: readonly [string, (rd: number, rs1: number, rs2: number) => number][] = [
  ["mul", mul],
  ["mulh", mulh],
  ["mulhsu", mulhsu],
  ["mulhu", mulhu],
  ["div", div],
  ["divu", divu],
  ["rem", rem],
  ["remu", remu],
];
const EDGE_PAIRS: readonly [number, number][] = [
  [MIN, MIN],
  [-1, -1],
  [-1, 1],
  [1, -1],
  [MAX, MAX],
  [MIN, -1],
  [MIN, 1],
  [MAX, MIN],
  [0, -1],
  [-1, 0],
  [12345, 0],
  [MIN, 0],
  [-7, 2],
  [7, -2],
];

for (const [name, enc] of M_OPS) {
  Deno.test(`${name}() matches a 64-bit reference on edge and random values`, () => {
    const r = randoms(0x9e3779b9 ^ name.length * 7919, 24);
    const pairs = [
      ...EDGE_PAIRS,
      ...Array.from({ length: 12 }, (_, i) => [r[2 * i], r[2 * i + 1]]),
    ];
    for (const [a, b] of pairs) {
      runBoth({ code: [enc(5, 6, 7)], regs: { 6: a, 7: b } }, {
        regs: { 5: refM(name, a, b), 6: a, 7: b },
      });
    }
  });
}

/** Hand-computed values, so that the reference above is checked too. */
cases("mul", [
  one("gives the low word of min * min", mul(5, 6, 7), { 6: MIN, 7: MIN }, 0),
  one("gives 1 for -1 * -1", mul(5, 6, 7), { 6: -1, 7: -1 }, 1),
  one("gives 1 for max * max", mul(5, 6, 7), { 6: MAX, 7: MAX }, 1),
  one("writes rd when rd is rs1", mul(6, 6, 7), { 6: 3, 7: -5 }, 0),
]);
cases("mulh", [
  one("gives 0x40000000 for min * min", mulh(5, 6, 7), { 6: MIN, 7: MIN }, 0x40000000),
  one("gives 0 for -1 * -1", mulh(5, 6, 7), { 6: -1, 7: -1 }, 0),
  one("gives -1 for -1 * 1", mulh(5, 6, 7), { 6: -1, 7: 1 }, -1),
  one("gives 0x3fffffff for max * max", mulh(5, 6, 7), { 6: MAX, 7: MAX }, 0x3fffffff),
]);
cases("mulhsu", [
  one("gives 0xc0000000 for min * 2^31", mulhsu(5, 6, 7), { 6: MIN, 7: MIN }, 0xc0000000),
  one("gives -1 for -1 * 0xffffffff", mulhsu(5, 6, 7), { 6: -1, 7: -1 }, -1),
  one("gives -1 for -1 * 1", mulhsu(5, 6, 7), { 6: -1, 7: 1 }, -1),
  one("gives 0x3fffffff for max * max", mulhsu(5, 6, 7), { 6: MAX, 7: MAX }, 0x3fffffff),
]);
cases("mulhu", [
  one("gives 0x40000000 for 2^31 * 2^31", mulhu(5, 6, 7), { 6: MIN, 7: MIN }, 0x40000000),
  one("gives 0xfffffffe for 0xffffffff^2", mulhu(5, 6, 7), { 6: -1, 7: -1 }, 0xfffffffe),
  one("gives 0 for 0xffffffff * 1", mulhu(5, 6, 7), { 6: -1, 7: 1 }, 0),
  one("gives 0x3fffffff for max * max", mulhu(5, 6, 7), { 6: MAX, 7: MAX }, 0x3fffffff),
]);
cases("div", [
  one("gives -1 when dividing by zero", div(5, 6, 7), { 6: 12345, 7: 0 }, -1),
  one("gives min for min / -1 (overflow)", div(5, 6, 7), { 6: MIN, 7: -1 }, MIN),
  one("rounds toward zero for -7 / 2", div(5, 6, 7), { 6: -7, 7: 2 }, -3),
  one("rounds toward zero for 7 / -2", div(5, 6, 7), { 6: 7, 7: -2 }, -3),
]);
cases("divu", [
  one("gives 0xffffffff when dividing by zero", divu(5, 6, 7), { 6: 12345, 7: 0 }, 0xffffffff),
  one("divides unsigned", divu(5, 6, 7), { 6: MIN, 7: 3 }, 0x2aaaaaaa),
  one("gives 0xffffffff for 0xffffffff / 1", divu(5, 6, 7), { 6: -1, 7: 1 }, -1),
  one("gives 0 for 1 / 0xffffffff", divu(5, 6, 7), { 6: 1, 7: -1 }, 0),
]);
cases("rem", [
  one("gives the dividend when dividing by zero", rem(5, 6, 7), { 6: -5, 7: 0 }, -5),
  one("gives 0 for min % -1 (overflow)", rem(5, 6, 7), { 6: MIN, 7: -1 }, 0),
  one("takes the sign of the dividend for -7 % 2", rem(5, 6, 7), { 6: -7, 7: 2 }, -1),
  one("takes the sign of the dividend for 7 % -2", rem(5, 6, 7), { 6: 7, 7: -2 }, 1),
]);
cases("remu", [
  one("gives the dividend when dividing by zero", remu(5, 6, 7), { 6: MIN, 7: 0 }, MIN),
  one("divides unsigned", remu(5, 6, 7), { 6: MIN, 7: 3 }, 2),
  one("gives the dividend for 1 % 0xffffffff", remu(5, 6, 7), { 6: 1, 7: -1 }, 1),
]);

// ---------------------------------------------------------------------------------------------
// RV32A.

cases("lr.w", [
  {
    what: "and sc.w succeed on the same address",
    code: [lrW(5, 6), addi(5, 5, 1), scW(7, 5, 6), lw(8, 0, 6)],
    regs: { 6: DATA, 7: 99 },
    words: [[DATA, 5]],
    want: { regs: { 5: 6, 7: 0, 8: 6 }, words: [[DATA, 6]], instret: 4 },
  },
  {
    what: "and sc.w succeed at an address above 2^31",
    code: [lrW(5, 6), scW(7, 8, 6)],
    regs: { 6: 0x80001000, 7: 99, 8: 3 },
    maps: [[0x80001000, 0x1000, R | W]],
    want: { regs: { 7: 0 }, words: [[0x80001000, 3]] },
  },
  {
    what: "faults with bus on a misaligned address",
    code: [lrW(5, 6)],
    regs: { 6: DATA + 2, 5: 7 },
    want: { fault: { kind: "bus", pc: CODE, addr: DATA + 2 }, regs: { 5: 7 }, instret: 0 },
  },
]);
cases("sc.w", [
  {
    what: "fails without a reservation, leaving memory",
    code: [scW(7, 9, 6)],
    regs: { 6: DATA, 9: 42 },
    words: [[DATA, 5]],
    want: { regs: { 7: 1 }, words: [[DATA, 5]] },
  },
  {
    what: "fails on an address other than the reserved one",
    code: [lrW(5, 6), scW(7, 9, 10)],
    regs: { 6: DATA, 10: DATA + 4, 9: 42 },
    words: [[DATA, 5], [DATA + 4, 6]],
    want: { regs: { 5: 5, 7: 1 }, words: [[DATA, 5], [DATA + 4, 6]] },
  },
  {
    what: "fails the second time: a success drops the reservation",
    code: [lrW(5, 6), scW(7, 9, 6), scW(8, 10, 6)],
    regs: { 6: DATA, 9: 42, 10: 43 },
    want: { regs: { 7: 0, 8: 1 }, words: [[DATA, 42]] },
  },
  {
    what: "fails after a failure: a failure drops the reservation too",
    code: [lrW(5, 6), scW(7, 9, 10), scW(8, 9, 6)],
    regs: { 6: DATA, 9: 42, 10: DATA + 4 },
    want: { regs: { 7: 1, 8: 1 }, words: [[DATA, 0], [DATA + 4, 0]] },
  },
  {
    what: "faults with bus on a misaligned address",
    code: [lrW(5, 6), scW(7, 9, 10)],
    regs: { 6: DATA, 9: 42, 10: DATA + 1, 7: 3 },
    want: { fault: { kind: "bus", pc: CODE + 4, addr: DATA + 1 }, regs: { 7: 3 }, instret: 1 },
  },
  {
    what: "writes rd when the word is on a page of translated code",
    code: [lrW(5, 6), scW(7, 8, 6)],
    regs: { 6: CODE + 0x800, 7: 99, 8: 3 },
    codeProt: R | W | X,
    want: { regs: { 7: 0 }, words: [[CODE + 0x800, 3]], instret: 2 },
  },
]);

/** [name, encoder, old memory value, rs2, new memory value]. */
const AMOS: readonly [
  string,
  (rd: number, rs2: number, rs1: number) => number,
  number,
  number,
  number,
][] = [
  ["amoswap.w", amoswapW, 0x12345678, 0x9abcdef0, 0x9abcdef0],
  ["amoadd.w", amoaddW, MAX, 1, MIN],
  ["amoadd.w", amoaddW, -1, 2, 1],
  ["amoxor.w", amoxorW, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0],
  ["amoand.w", amoandW, 0xff00ff00, 0x0ff00ff0, 0x0f000f00],
  ["amoor.w", amoorW, 0xff00ff00, 0x0ff00ff0, 0xfff0fff0],
  ["amomin.w", amominW, -1, 1, -1],
  ["amomin.w", amominW, 5, -3, -3],
  ["amomin.w", amominW, MIN, MAX, MIN],
  ["amomax.w", amomaxW, -1, 1, 1],
  ["amomax.w", amomaxW, MIN, MAX, MAX],
  ["amominu.w", amominuW, -1, 1, 1],
  ["amominu.w", amominuW, MIN, MAX, MAX],
  ["amomaxu.w", amomaxuW, -1, 1, -1],
  ["amomaxu.w", amomaxuW, MIN, MAX, MIN],
];
for (const [name, enc, old, v, now] of AMOS) {
  Deno.test(`${name}() puts the old value in rd and stores the result for ${hx(old)}, ${hx(v)}`, () => {
    runBoth({ code: [enc(5, 7, 6)], regs: { 6: DATA, 7: v }, words: [[DATA, old]] }, {
      regs: { 5: old, 7: v },
      words: [[DATA, now]],
      instret: 1,
    });
  });
}
cases("amoswap.w", [
  {
    what: "reads rs2 before writing rd when rd is rs2",
    code: [amoswapW(7, 7, 6)],
    regs: { 6: DATA, 7: 2 },
    words: [[DATA, 1]],
    want: { regs: { 7: 1 }, words: [[DATA, 2]] },
  },
  {
    what: "drops the old value when rd is x0",
    code: [amoswapW(0, 7, 6), add(5, 0, 0)],
    regs: { 6: DATA, 7: 2 },
    words: [[DATA, 1]],
    want: { regs: { 0: 0, 5: 0 }, words: [[DATA, 2]] },
  },
]);
cases("amoadd.w", [
  {
    what: "uses the address read before writing rd when rd is rs1",
    code: [amoaddW(6, 7, 6), lw(8, 0, 9)],
    regs: { 6: DATA, 7: 2, 9: DATA },
    words: [[DATA, 40]],
    want: { regs: { 6: 40, 8: 42 }, words: [[DATA, 42]] },
  },
  {
    what: "faults with bus on a misaligned address, leaving memory and rd",
    code: [addi(5, 0, 3), amoaddW(5, 7, 6)],
    regs: { 6: DATA + 2, 7: 1 },
    words: [[DATA, 0x11111111], [DATA + 4, 0x22222222]],
    want: {
      fault: { kind: "bus", pc: CODE + 4, addr: DATA + 2 },
      regs: { 5: 3 },
      words: [[DATA, 0x11111111], [DATA + 4, 0x22222222]],
      instret: 1,
    },
  },
  {
    what: "faults with segv on a read-only page, leaving memory and rd",
    code: [amoaddW(5, 7, 6)],
    regs: { 5: 3, 6: RO, 7: 1 },
    maps: [[RO, 0x1000, R]],
    words: [[RO, 10]],
    want: { fault: { kind: "segv", pc: CODE, addr: RO }, regs: { 5: 3 }, words: [[RO, 10]] },
  },
  {
    what: "faults with segv on an unmapped page",
    code: [amoaddW(5, 7, 6)],
    regs: { 6: 0x40000 },
    want: { fault: { kind: "segv", pc: CODE, addr: 0x40000 } },
  },
  {
    what: "writes rd when the word is on a page of translated code",
    code: [amoaddW(5, 7, 6), addi(8, 0, 1)],
    regs: { 5: 99, 6: CODE + 0x800, 7: 2 },
    codeProt: R | W | X,
    words: [[CODE + 0x800, 40]],
    want: { regs: { 5: 40, 8: 1 }, words: [[CODE + 0x800, 42]], instret: 2 },
  },
]);
for (const [name, enc] of AMOS.filter((a, i) => AMOS.findIndex((b) => b[0] === a[0]) === i)) {
  Deno.test(`${name}() faults with bus on a misaligned address`, () => {
    runBoth({ code: [enc(5, 7, 6)], regs: { 5: 3, 6: DATA + 1, 7: 1 }, words: [[DATA, 9]] }, {
      fault: { kind: "bus", pc: CODE, addr: DATA + 1 },
      regs: { 5: 3 },
      words: [[DATA, 9]],
      instret: 0,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Zicsr and Zifencei.

const CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02, CYCLEH = 0xc80, TIMEH = 0xc81;
const INSTRETH = 0xc82;

cases("csrrs", [
  {
    what: "reads instret as the count retired before it, mid-block",
    code: [addi(6, 0, 1), addi(6, 6, 1), addi(6, 6, 1), csrrs(5, INSTRET, 0)],
    want: { regs: { 5: 3 }, instret: 4 },
  },
  {
    what: "reads instret as the count retired before it, first in the program",
    code: [csrrs(5, INSTRET, 0), csrrs(6, INSTRET, 0)],
    want: { regs: { 5: 0, 6: 1 }, instret: 2 },
  },
  {
    what: "reads cycle as the count retired before it, mid-block",
    code: [nop(), nop(), csrrs(5, CYCLE, 0)],
    want: { regs: { 5: 2 }, instret: 3 },
  },
  {
    what: "reads instret in a later block of the region",
    code: [addi(6, 0, 1), jal(0, 4), addi(6, 6, 1), csrrs(5, INSTRET, 0), csrrs(7, CYCLE, 0)],
    want: { regs: { 5: 3, 7: 4 }, instret: 5 },
  },
  {
    what: "reads instret after a loop",
    code: [addi(5, 0, 50), addi(5, 5, -1), bne(5, 0, -4), csrrs(6, INSTRET, 0)],
    want: { regs: { 6: 1 + 2 * 50 }, instret: 2 + 2 * 50 },
  },
  {
    what: "reads instret counting from the initial count",
    code: [nop(), csrrs(5, INSTRET, 0)],
    instret: 1000,
    want: { regs: { 5: 1001 }, instret: 1002 },
  },
  {
    what: "reads instreth and cycleh as the high word",
    code: [csrrs(5, INSTRETH, 0), csrrs(6, INSTRET, 0), csrrs(7, CYCLEH, 0)],
    instret: 2 ** 32 * 3 + 5,
    want: { regs: { 5: 3, 6: 6, 7: 3 } },
  },
  {
    what: "reads instret wrapped to 0 as instreth steps",
    code: [nop(), csrrs(5, INSTRET, 0), csrrs(6, INSTRETH, 0)],
    instret: 2 ** 32 - 1,
    want: { regs: { 5: 0, 6: 1 } },
  },
  {
    what: "reads into x0 without faulting",
    code: [csrrs(0, INSTRET, 0), addi(5, 0, 1)],
    want: { regs: { 0: 0, 5: 1 }, instret: 2 },
  },
  {
    what: "faults with ill when rs1 is not x0 (a write)",
    code: [addi(6, 0, 1), csrrs(5, CYCLE, 6)],
    want: { fault: { kind: "ill", pc: CODE + 4, addr: CODE + 4 }, regs: { 5: 0 }, instret: 1 },
  },
  {
    what: "faults with ill reading mstatus (0x300)",
    code: [addi(6, 0, 1), csrrs(5, 0x300, 0)],
    want: { fault: { kind: "ill", pc: CODE + 4, addr: CODE + 4 }, regs: { 6: 1 }, instret: 1 },
  },
  {
    what: "faults with ill reading fflags (no F extension)",
    code: [csrrs(5, 0x001, 0)],
    want: { fault: { kind: "ill", pc: CODE, addr: CODE }, instret: 0 },
  },
]);
cases("csrrc", [
  {
    what: "reads cycle when rs1 is x0",
    code: [nop(), csrrc(5, CYCLE, 0)],
    want: { regs: { 5: 1 }, instret: 2 },
  },
  {
    what: "faults with ill when rs1 is not x0",
    code: [csrrc(5, INSTRET, 6)],
    want: { fault: { kind: "ill", pc: CODE, addr: CODE }, instret: 0 },
  },
]);
cases("csrrw", [
  {
    what: "faults with ill writing cycle",
    code: [addi(5, 0, 1), csrrw(0, CYCLE, 5)],
    want: { fault: { kind: "ill", pc: CODE + 4, addr: CODE + 4 }, regs: { 5: 1 }, instret: 1 },
  },
  {
    what: "faults with ill writing instret from x0",
    code: [csrrw(5, INSTRET, 0)],
    want: { fault: { kind: "ill", pc: CODE, addr: CODE }, instret: 0 },
  },
]);
cases("csrrwi", [{
  what: "faults with ill writing time",
  code: [csrrwi(5, TIME, 0)],
  want: { fault: { kind: "ill", pc: CODE, addr: CODE }, instret: 0 },
}]);
cases("csrrsi", [
  {
    what: "reads instret when the immediate is 0",
    code: [nop(), csrrsi(5, INSTRET, 0)],
    want: { regs: { 5: 1 } },
  },
  {
    what: "faults with ill when the immediate is not 0",
    code: [csrrsi(5, INSTRET, 1)],
    want: { fault: { kind: "ill", pc: CODE, addr: CODE } },
  },
]);
cases("csrrci", [{
  what: "reads cycle when the immediate is 0",
  code: [nop(), nop(), csrrci(5, CYCLE, 0)],
  want: { regs: { 5: 2 } },
}]);

Deno.test("csrrs() reads time increasing with the host clock, timeh as its high word", () => {
  const program: Program = {
    code: [csrrs(5, TIME, 0), ecall(), csrrs(6, TIME, 0), csrrs(7, TIMEH, 0)],
    onEcall: () => {
      const until = performance.now() + 3;
      while (performance.now() < until) { /* let the clock move */ }
    },
  };
  for (const engine of ENGINES) {
    const before = timeTicks();
    const o = run(program, engine);
    const after = timeTicks();
    assertEquals(o.fault, undefined, engine);
    const step = (o.x[6] - o.x[5]) >>> 0;
    assert(step >= 3 * 10_000 && step < 10_000_000, `${engine}: time stepped by ${step} ticks`);
    const high = [Math.floor(before / 2 ** 32), Math.floor(after / 2 ** 32)];
    assert(high.includes(o.x[7]), `${engine}: timeh ${o.x[7]} is not one of ${high}`);
  }
});

cases("fence.i", [{
  what: "does nothing but retire when code is unchanged",
  code: [fenceI(), addi(5, 0, 1)],
  want: { regs: { 5: 1 }, instret: 2 },
}]);

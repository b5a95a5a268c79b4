/**
 * Directed tests of the RV32I instructions (./rv32i.ts) but loads, stores, jumps and branches:
 * arithmetic, writes to x0, ecall and ebreak. Each program runs with both engines (see
 * ./_test_harness.ts): the interpreter and the translator must each give the expected state, and
 * must agree with each other on all registers, instret, the fault and the test pages.
 */

import { assertEquals } from "@std/assert";
import {
  add,
  addi,
  and,
  andi,
  auipc,
  bne,
  C,
  cases,
  CODE,
  DATA,
  ebreak,
  ecall,
  ENGINES,
  fence,
  jal,
  lui,
  lw,
  MAX,
  MIN,
  nop,
  one,
  or,
  ori,
  type Program,
  run,
  runBoth,
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
  xor,
  xori,
} from "./_test_harness.ts";

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
    const { pc, x } = o.ecalls[0]!;
    assertEquals([pc, x[10], x[12], x[17]], [CODE + 12, 42, 6, 64], o.engine);
  }
});

Deno.test("ecall() runs with cpu.instret counting the instructions before it in both engines", () => {
  const program: Program = { code: [addi(5, 0, 1), addi(6, 0, 1), ecall()] };
  const seen = ENGINES.map((e) => run(program, e).ecalls[0]!.instret);
  assertEquals(seen, [2, 2], "instret seen by the syscall, [interp, translate]");
});

Deno.test("ecall() in a loop runs its callback each time", () => {
  let calls = 0;
  runBoth({
    code: [ecall(), addi(5, 5, -1), bne(5, 0, -8)],
    regs: { 5: 10 },
    onEcall: (cpu) => {
      calls++;
      cpu.x[6]! += 1;
    },
  }, { regs: { 5: 0, 6: 10 }, instret: 30 });
  assertEquals(calls, 20);
});

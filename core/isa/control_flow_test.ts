/**
 * Directed tests of jumps and branches, RV32I and compressed, of instructions crossing a page, and
 * of blocks and regions too long to translate at once. Each program runs with both engines (see
 * ./_test_harness.ts): the interpreter and the translator must each give the expected state, and
 * must agree with each other on all registers, instret, the fault and the test pages.
 */

import {
  addi,
  beq,
  bge,
  bgeu,
  blt,
  bltu,
  bne,
  C,
  cases,
  CODE,
  DATA,
  hx,
  jal,
  jalr,
  MAX,
  MIN,
  R,
  runBoth,
  X,
} from "./_test_harness.ts";

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

/**
 * Directed tests of loads and stores: widths, sign extension, misaligned accesses, accesses
 * crossing a page and the faults they raise. Each program runs with both engines (see
 * ./_test_harness.ts): the interpreter and the translator must each give the expected state, and
 * must agree with each other on all registers, instret, the fault and the test pages.
 */

import {
  addi,
  bne,
  type Case,
  cases,
  CODE,
  type Code,
  DATA,
  type Expect,
  lb,
  lbu,
  lh,
  lhu,
  lui,
  lw,
  R,
  RO,
  runBoth,
  sb,
  sh,
  sw,
  W,
} from "./_test_harness.ts";

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

/**
 * Directed tests of the RV32A instructions (./rv32a.ts): lr.w/sc.w reservations and every AMO,
 * their faults and their stores to code pages. Each program runs with both engines (see
 * ./_test_harness.ts): the interpreter and the translator must each give the expected state, and
 * must agree with each other on all registers, instret, the fault and the test pages.
 */

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
  cases,
  CODE,
  DATA,
  hx,
  lrW,
  lw,
  MAX,
  MIN,
  R,
  RO,
  runBoth,
  scW,
  W,
  X,
} from "./_test_harness.ts";

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

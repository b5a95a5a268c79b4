/**
 * Directed tests of the Zicsr and Zifencei instructions (./zicsr.ts): the user counters, the CSRs
 * that fault, and fence.i. Each program runs with both engines (see ./_test_harness.ts): the
 * interpreter and the translator must each give the expected state, and must agree with each other.
 */

import { assert, assertEquals } from "@std/assert";
import { timeTicks } from "./zicsr.ts";
import {
  addi,
  bne,
  cases,
  CODE,
  csrrc,
  csrrci,
  csrrs,
  csrrsi,
  csrrw,
  csrrwi,
  ecall,
  ENGINES,
  fenceI,
  jal,
  nop,
  type Program,
  run,
} from "./_test_harness.ts";

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
    const step = (o.x[6]! - o.x[5]!) >>> 0;
    assert(step >= 3 * 10_000 && step < 10_000_000, `${engine}: time stepped by ${step} ticks`);
    const high = [Math.floor(before / 2 ** 32), Math.floor(after / 2 ** 32)];
    assert(high.includes(o.x[7]!), `${engine}: timeh ${o.x[7]} is not one of ${high}`);
  }
});

cases("fence.i", [{
  what: "does nothing but retire when code is unchanged",
  code: [fenceI(), addi(5, 0, 1)],
  want: { regs: { 5: 1 }, instret: 2 },
}]);

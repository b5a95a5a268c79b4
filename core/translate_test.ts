/**
 * Tests of the translation cache and of what only the translator can get wrong: code that
 * changes under translated regions, the instruction budget, and `--max-insns` at engine level.
 * Programs run with both engines through core/isa/_test_harness.ts, which checks that they agree.
 */

import { assert, assertEquals } from "@std/assert";
import { buildElf, code } from "./_elf_fixtures.ts";
import { PAGE_CODE } from "./memory.ts";
import { step } from "./interp.ts";
import { Machine } from "./machine.ts";
import { planRegion, type RegionProfile } from "./region.ts";
import {
  addi,
  andi,
  auipc,
  beq,
  bne,
  C,
  CODE,
  DATA,
  ecall,
  fenceI,
  hartOf,
  jal,
  jalr,
  li,
  load,
  lui,
  lw,
  type Outcome,
  R,
  runBoth,
  sh,
  srli,
  sw,
  translatorOf,
  W,
  X,
  xor,
  xori,
} from "./isa/_test_harness.ts";

const ADD_1 = addi(10, 10, 1), ADD_100 = addi(10, 10, 100);
/** The translator's outcome of a runBoth pair. */
const translated = (outcomes: Outcome[]) => outcomes.find((o) => o.engine === "translate")!;

// ---------------------------------------------------------------------------------------------
// Self-modifying code.

Deno.test("Translator runs a new instruction stored over a later one of its block, after fence.i", () => {
  runBoth({
    code: [
      li(6, addi(10, 0, 42)), //  CODE + 0
      auipc(7, 0), //             CODE + 8
      sw(6, 12, 7), //            CODE + 12: patches CODE + 20
      fenceI(), //                CODE + 16
      addi(10, 0, 1), //          CODE + 20
    ],
    codeProt: R | W | X,
  }, { regs: { 10: 42 }, instret: 6, words: [[CODE + 20, addi(10, 0, 42)]] });
});

Deno.test("Translator runs a new instruction stored over the next one of its block", () => {
  runBoth({
    code: [li(6, addi(10, 0, 42)), auipc(7, 0), sw(6, 8, 7), addi(10, 0, 1)],
    codeProt: R | W | X,
  }, { regs: { 10: 42 }, instret: 5 });
});

Deno.test("Translator runs a patched instruction of a loop body on the next iteration", () => {
  const outcomes = runBoth({
    code: [
      li(6, ADD_100), //          CODE + 0
      auipc(7, 0), //             CODE + 8
      addi(28, 0, 2), //          CODE + 12
      ADD_1, //                   CODE + 16: the loop, patched by its first iteration
      sw(6, 8, 7), //             CODE + 20
      fenceI(), //                CODE + 24
      addi(28, 28, -1), //        CODE + 28
      bne(28, 0, -16), //         CODE + 32
    ],
    codeProt: R | W | X,
  }, { regs: { 10: 101, 28: 0 }, instret: 4 + 5 * 2 });
  assert(translated(outcomes).translator!.stats.invalidations > 0);
});

Deno.test("Translator re-translates code another region overwrote with a store", () => {
  const f = 0x30000;
  const outcomes = runBoth({
    code: [
      lui(5, f >>> 12), //        t0 = f
      jalr(1, 0, 5), //           a0 += 1
      li(6, ADD_100),
      sw(6, 0, 5), //             patch f from this region
      jalr(1, 0, 5), //           a0 += 100
    ],
    maps: [[f, 0x1000, R | W | X]],
    words: [[f, ADD_1], [f + 4, jalr(0, 0, 1)]],
  }, { regs: { 10: 101 }, instret: 10 });
  assert(translated(outcomes).translator!.stats.invalidations > 0);
});

Deno.test("Translator re-translates code a syscall overwrote", () => {
  const f = 0x30000;
  runBoth({
    code: [lui(5, f >>> 12), jalr(1, 0, 5), ecall(), jalr(1, 0, 5)],
    maps: [[f, 0x1000, R | X]],
    words: [[f, ADD_1], [f + 4, jalr(0, 0, 1)]],
    onEcall: (_cpu, mem) => mem.write(f, new Uint8Array(new Uint32Array([ADD_100]).buffer)),
  }, { regs: { 10: 101 }, instret: 8 });
});

Deno.test("Translator re-translates code on a page mapped again", () => {
  const f = 0x30000;
  runBoth({
    code: [lui(5, f >>> 12), jalr(1, 0, 5), ecall(), jalr(1, 0, 5)],
    maps: [[f, 0x1000, R | X]],
    words: [[f, ADD_1], [f + 4, jalr(0, 0, 1)]],
    onEcall: (_cpu, mem) => {
      mem.map(f, 0x1000, R | X);
      mem.write(f, new Uint8Array(new Uint32Array([ADD_100, jalr(0, 0, 1)]).buffer));
    },
  }, { regs: { 10: 101 }, instret: 8 });
});

Deno.test("Translator faults on translated code whose page lost exec permission", () => {
  const f = 0x30000;
  runBoth({
    code: [lui(5, f >>> 12), jalr(1, 0, 5), ecall(), jalr(1, 0, 5)],
    maps: [[f, 0x1000, R | X]],
    words: [[f, ADD_1], [f + 4, jalr(0, 0, 1)]],
    onEcall: (_cpu, mem) => mem.protect(f, 0x1000, R),
  }, { fault: { kind: "segv", pc: f, addr: f }, regs: { 10: 1 }, instret: 6 });
});

Deno.test("Translator re-translates an instruction crossing pages when its second half changes", () => {
  const f = 0x30ffe; // addi a0, a0, 1 across 0x30ffe..0x31001, then ret
  runBoth({
    code: [
      lui(5, 0x31),
      addi(5, 5, -2), //          t0 = f
      jalr(1, 0, 5), //           a0 += 1
      li(6, ADD_100 >>> 16),
      sh(6, 2, 5), //             patch the half on the second page
      jalr(1, 0, 5), //           a0 += 100
    ],
    maps: [[0x30000, 0x2000, R | W | X]],
    words: [[f, ADD_1], [f + 4, jalr(0, 0, 1)]],
  }, { regs: { 10: 101 }, instret: 11 });
});

Deno.test("Translator keeps exact counts when every iteration stores to its own code page", () => {
  // A self-loop keeping a counter on its own code page: each store invalidates the running region.
  const outcomes = runBoth({
    code: [lw(10, 0x400, 7), addi(10, 10, 1), sw(10, 0x400, 7), addi(6, 6, -1), bne(6, 0, -16)],
    regs: { 6: 25, 7: CODE },
    codeProt: R | W | X,
  }, { regs: { 10: 25, 6: 0 }, instret: 5 * 25, words: [[CODE + 0x400, 25]] });
  assert(translated(outcomes).translator!.stats.invalidations >= 25);
});

Deno.test("Translator faults at the first pc past the end of executable code", () => {
  const f = 0x30ff8;
  runBoth({
    code: [jalr(1, 0, 5)],
    regs: { 5: f },
    maps: [[0x30000, 0x1000, R | X]],
    words: [[f, ADD_1], [f + 4, ADD_1]],
  }, { fault: { kind: "segv", pc: 0x31000, addr: 0x31000 }, regs: { 10: 2 }, instret: 3 });
});

Deno.test("Translator marks the pages of translated code and unmarks them when dropping it", () => {
  const l = load({ code: [addi(5, 0, 1)] });
  const { translator } = translatorOf(l);
  translator.lookup(CODE);
  assert(l.mem.perm[CODE >>> 12]! & PAGE_CODE);
  translator.invalidatePage(CODE >>> 12);
  assertEquals(l.mem.perm[CODE >>> 12]! & PAGE_CODE, 0);
  assertEquals(translator.stats.invalidations, 1);
});

// ---------------------------------------------------------------------------------------------
// Long code.

Deno.test("Translator runs code across a page boundary, with an instruction straddling it", () => {
  // c.nop first puts the 1024th addi at CODE + 0xffe, across the boundary.
  const body = Array.from({ length: 1100 }, () => addi(5, 5, 1));
  runBoth({ code: [C.nop(), body] }, { regs: { 5: 1100 }, instret: 1101 });
});

// ---------------------------------------------------------------------------------------------
// The instruction budget (state.budget), which --max-insns relies on.

Deno.test("Translator regions stop before a block that would exceed the budget", () => {
  // A self-loop of 2 instructions that never ends.
  const l = load({ code: [addi(5, 5, 1), bne(5, 0, -4)] });
  const { translator, rt } = translatorOf(l);
  const { cpu } = l;
  rt.state.budget = 7;
  cpu.pc = translator.lookup(cpu.pc)();
  assertEquals([cpu.instret, cpu.pc, cpu.x[5]], [6, CODE, 3]);
  rt.state.budget = 1;
  cpu.pc = translator.lookup(cpu.pc)();
  assertEquals([cpu.instret, cpu.pc, cpu.x[5]], [6, CODE, 3], "a budget below a block runs none");
  step(hartOf(l));
  assertEquals([cpu.instret, cpu.pc, cpu.x[5]], [7, CODE + 4, 4], "the interpreter finishes");
});

Deno.test("Translator regions of several blocks count the budget across blocks", () => {
  const l = load({ code: [addi(5, 5, 1), jal(0, 4), addi(6, 6, 1), jal(0, -12)] });
  const { translator, rt } = translatorOf(l);
  const { cpu } = l;
  rt.state.budget = 5;
  cpu.pc = translator.lookup(cpu.pc)();
  assertEquals([cpu.instret, cpu.pc, cpu.x[5], cpu.x[6]], [4, CODE, 1, 1]);
  rt.state.budget = 1000;
  cpu.pc = translator.lookup(cpu.pc)();
  assertEquals([cpu.instret, cpu.pc, cpu.x[5], cpu.x[6]], [1004, CODE, 251, 251]);
});

// ---------------------------------------------------------------------------------------------
// Loops of several blocks, which a region copies whole into the case of their head.

/**
 * gcc's shape of a byte-wise CRC loop: the entry block runs on into the loop's first iteration,
 * so the loop is entered in its middle; each iteration loads a word 0x400 bytes after the last.
 */
const CRC_LOOP = [
  addi(13, 0, 8), //          li a3, 8
  xor(15, 14, 10), // loop:   xor a5, a4, a0
  lw(6, 0, 12), //            lw t1, 0(a2)
  addi(12, 12, 0x400), //     addi a2, a2, 0x400
  andi(15, 15, 1), //         andi a5, a5, 1
  srli(10, 10, 1), //         srli a0, a0, 1
  addi(13, 13, -1), //        addi a3, a3, -1
  srli(14, 14, 1), //         srli a4, a4, 1
  beq(15, 0, 12), //          beqz a5, next
  xori(10, 10, 0x401), //     xori a0, a0, 0x401
  bne(13, 0, -0x24), //       bnez a3, loop
  bne(13, 0, -0x28), // next: bnez a3, loop
];
const LOOP_HEAD = CODE + 4;
/** The same loop with its loads 0x80 bytes apart: all eight on the data page. */
const CRC_LOOP_ON_PAGE = CRC_LOOP.map((w, i) => (i === 3 ? addi(12, 12, 0x80) : w));
const CRC_REGS = { 10: 0x1234, 12: DATA, 14: 0xa5 };

Deno.test("Translator runs a loop entered in its middle as a JS loop, as the interpreter runs it", () => {
  const outcomes = runBoth({ code: CRC_LOOP_ON_PAGE, regs: CRC_REGS });
  assert(outcomes[0].instret > 1 + 8 * 9, "eight iterations of nine or ten instructions");
  const region = translated(outcomes).translator!.lookup(CODE).toString();
  assert(region.includes(`continue l`), "the loop runs as a JS loop");
});

Deno.test("Translator faults inside a loop case at the instruction and count the interpreter does", () => {
  // The fifth load reads DATA + 0x1000, past the one data page.
  runBoth({ code: CRC_LOOP, regs: CRC_REGS }, {
    fault: { kind: "segv", pc: LOOP_HEAD + 4, addr: DATA + 0x1000 },
  });
});

Deno.test("Translator stops a loop case at the budget where the interpreter's count says", () => {
  const program = { code: CRC_LOOP_ON_PAGE, regs: CRC_REGS };
  // Budgets short of the whole run (over 70 instructions), which would reach the final ecall.
  for (let budget = 0; budget <= 60; budget++) {
    const l = load(program), { translator, rt } = translatorOf(l);
    rt.state.budget = budget;
    l.cpu.pc = translator.lookup(CODE)();
    assert(l.cpu.instret <= budget, `budget ${budget}: ran ${l.cpu.instret}`);
    const ref = load(program), hart = hartOf(ref);
    while (ref.cpu.instret < l.cpu.instret) step(hart);
    assertEquals([l.cpu.pc, [...l.cpu.x]], [ref.cpu.pc, [...ref.cpu.x]], `budget ${budget}`);
    // No block is longer than 9 instructions: a stop leaves less than one block unrun.
    assert(l.cpu.instret > budget - 9, `budget ${budget}: stopped early at ${l.cpu.instret}`);
  }
});

/** A static ELF whose code at 0x10000 is `words`. */
function elf(words: number[]): Uint8Array {
  return buildElf({ entry: CODE, segments: [{ vaddr: CODE, flags: 5, data: code(words) }] }).bytes;
}
const QUIET = { stdin: () => null, stdout: () => {}, stderr: () => {} };

/** [engine, maxInsns]: small limits run in the interpreter, large ones mostly translated. */
const LIMITS: readonly ["translate" | "interp", number][] = [
  ["translate", 100_001],
  ["translate", 100_000],
  ["translate", 513],
  ["translate", 10],
  ["translate", 0],
  ["interp", 1001],
];
for (const [engine, maxInsns] of LIMITS) {
  Deno.test(`Machine.run() stops a loop at exactly maxInsns = ${maxInsns} (${engine})`, () => {
    const m = new Machine({ engine, maxInsns, io: QUIET });
    m.load(elf([addi(5, 5, 1), jal(0, -4)]));
    const result = m.run();
    assertEquals([result.reason, result.instret, m.cpu.instret], ["max-insns", maxInsns, maxInsns]);
    assertEquals(m.readRegister("t0"), Math.ceil(maxInsns / 2));
    assertEquals(m.readRegister("pc"), CODE + 4 * (maxInsns % 2));
  });
}

for (const engine of ["translate", "interp"] as const) {
  Deno.test(`Machine.run() counts the exit ecall in instret (${engine})`, () => {
    const m = new Machine({ engine, maxInsns: 1000, io: QUIET });
    m.load(elf([addi(10, 0, 3), addi(17, 0, 93), ecall()]));
    const result = m.run();
    assertEquals([result.reason, result.status, result.instret], ["exit", 3, 3]);
  });

  Deno.test(`Machine.run() stops at maxInsns before an exit it would reach next (${engine})`, () => {
    const m = new Machine({ engine, maxInsns: 2, io: QUIET });
    m.load(elf([addi(10, 0, 3), addi(17, 0, 93), ecall()]));
    assertEquals(m.run().reason, "max-insns");
  });
}

// ---------------------------------------------------------------------------------------------
// Regions planned with a profile of cold runs.

Deno.test("planRegion() takes in the targets an indirect jump had, a return only its last two", () => {
  // 0: jalr zero, a0 (a jump table)   4: jalr zero, ra (a return)   8.. 20: targets
  const l = load({ code: [jalr(0, 0, 10), jalr(0, 0, 1), ADD_1, ADD_1, ADD_1, ADD_1] });
  const targets = new Map([[CODE, [CODE + 8, CODE + 12]], [CODE + 4, [
    CODE + 16,
    CODE + 20,
    CODE + 8,
  ]]]);
  const profile: RegionProfile = {
    targets: (pc) => targets.get(pc) ?? [],
    share: () => undefined,
  };
  const pcsOf = (entry: number, p?: RegionProfile) =>
    planRegion(l.mem, entry, undefined, undefined, p).blocks.map((b) => b.pc - CODE).sort((a, b) =>
      a - b
    );
  assertEquals(pcsOf(CODE), [0]);
  assertEquals(pcsOf(CODE, profile), [0, 8, 12]);
  assertEquals(pcsOf(CODE + 4, profile), [4, 16, 20]);
});

Deno.test("planRegion() leaves out the targets of indirect jumps once the region holds a loop", () => {
  // 0: addi a0, a0, 1; bne a0, t0, 0 (a loop)   8: jalr zero, ra (a return)   12: its target
  const l = load({ code: [ADD_1, bne(10, 5, -4), jalr(0, 0, 1), ADD_1] });
  const profile: RegionProfile = {
    targets: (pc) => (pc === CODE + 8 ? [CODE + 12] : []),
    share: () => undefined,
  };
  const pcsOf = (entry: number) =>
    planRegion(l.mem, entry, undefined, undefined, profile).blocks.map((b) => b.pc - CODE);
  assertEquals(pcsOf(CODE), [0, 8]);
  assertEquals(pcsOf(CODE + 8), [8, 12]);
});

Deno.test("planRegion() leaves out a successor that cold runs of its block rarely went on to", () => {
  // 0: beq a0, a1, 12 (to 12, rarely)   4: addi   8: jal zero, -8 (to 0)   12: addi
  const l = load({ code: [beq(10, 11, 12), ADD_1, jal(0, -8), ADD_1] });
  const rare = (to: number) => (to === CODE + 12 ? 0.01 : 0.99);
  const profile: RegionProfile = {
    targets: () => [],
    share: (from, to) => (from === CODE ? rare(to) : undefined),
  };
  const pcsOf = (p?: RegionProfile) =>
    planRegion(l.mem, CODE, undefined, undefined, p).blocks.map((b) => b.pc - CODE);
  assertEquals(pcsOf(), [0, 4, 12]);
  assertEquals(pcsOf(profile), [0, 4]);
});

Deno.test("Translator plans a loop's region without the exit its cold runs never took", () => {
  const m = new Machine({ io: QUIET });
  m.load(elf([
    addi(17, 0, 93), //        li a7, 93 (exit)
    addi(11, 0, 1000), //      li a1, 1000
    addi(10, 10, 1), // loop:  addi a0, a0, 1
    beq(10, 11, 12), //        beq a0, a1, done
    addi(12, 12, 1), //        addi a2, a2, 1
    jal(0, -12), //            j loop
    addi(13, 13, 1), // done:  addi a3, a3, 1
    ecall(),
  ]));
  const plans = new Map<number, number[]>();
  m.translator.onPlan = (plan) => plans.set(plan.entry, plan.blocks.map((b) => b.pc - CODE));
  const result = m.run();
  assertEquals([result.reason, m.readRegister("a2"), m.readRegister("a3")], ["exit", 999, 1]);
  // The block after the jump back runs its 64th time first: the region starts there.
  assertEquals([...plans], [[CODE + 16, [16, 8]]], "the loop, without the block after it");
});

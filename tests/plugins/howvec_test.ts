/**
 * Tests of plugins/howvec.ts: class counts of a hand-counted guest, totals against `instret`,
 * the class lines of QEMU 7.2 running tests/qemu_plugins/howvec.c (the same table), and
 * argument errors.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { crossAssemble } from "../_asm.ts";
import { exampleElf, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const HOWVEC = pluginUrl("howvec");
const BENCH = exampleElf("bench_mix");
const BENCH_ARGS = ["300"];
// 10 trips of [lw, sw, mul, add, addi, bnez], then a compressed li and lw, and exit.
const LOOP = `
    .globl _start
_start:
    .option push
    .option norvc
    la    s0, buf
    li    t0, 10
1:  lw    t1, 0(s0)
    sw    t1, 4(s0)
    mul   t1, t1, t0
    add   t2, t1, t0
    addi  t0, t0, -1
    bnez  t0, 1b
    .option pop
    c.li  a0, 0
    c.lw  a1, 0(s0)
    li    a7, 93
    ecall
    .data
buf: .word 1, 2
`;

/** The report's `Class:` lines as {name: hits}. */
function classHits(report: string): Record<string, number> {
  const hits: Record<string, number> = {};
  for (const m of report.matchAll(/^Class: (.+?) *\t\((\d+) hits\)$/gm)) hits[m[1]!] = +m[2]!;
  return hits;
}

Deno.test({
  name: "howvec counts each class of a hand-counted loop",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(LOOP))!;
    for (const inline of ["on", "off"]) {
      const r = await runWithPlugins(elf, [`${HOWVEC},inline=${inline}`]);
      assertEquals(classHits(r.log), {
        "AUIPC": 1,
        "ALU (imm)": 13,
        "Loads": 10,
        "Stores": 10,
        "Mul/Div": 10,
        "ALU (reg)": 10,
        "Cond Branches": 10,
        "C ALU": 1,
        "C Loads": 1,
        "ECALL": 1,
      });
      assertEquals(r.instret, 67);
    }
    const r = await runWithPlugins(elf, [`${HOWVEC},count=alui`]);
    assertEquals(r.log.includes("Class: ALU (imm)               \tcounted individually\n"), true);
    const top = "Instr: addi                    t0,t0,-1\t(10 hits)\t(op=0xfff28293/ALU (imm))";
    assertEquals(r.log.split("Individual Instructions:\n")[1]!.split("\n")[0], top);
  },
});

Deno.test("howvec class totals add up to instret, less the classes not counted", async () => {
  const run = (args: string) => runWithPlugins(BENCH, [HOWVEC + args], { args: BENCH_ARGS });
  const sum = (log: string) => Object.values(classHits(log)).reduce((a, b) => a + b, 0);
  for (const args of ["", ",inline=on"]) {
    const r = await run(args);
    assertEquals(sum(r.log), r.instret);
  }
  const [all, noAlu] = [await run(""), await run(",count=!calu")];
  assertEquals(sum(noAlu.log) + classHits(all.log)["C ALU"]!, all.instret);
  assertEquals(noAlu.log.includes("Class: C ALU                   \tnot counted\n"), true);
});

Deno.test({
  name: "howvec prints the class lines of QEMU's howvec with the same table",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    const loop = (await crossAssemble(LOOP))!;
    for (const [elf, guestArgs] of [[loop, []], [BENCH, BENCH_ARGS]] as const) {
      for (const args of ["", ",inline=on,verbose=on", ",count=!calu"]) {
        const { ours, qemu } = await runWithOracle("howvec", args, elf, guestArgs);
        const classLines = (s: string) => s.split("\n").filter((l) => l.startsWith("Class:"));
        assertEquals(classLines(ours.log), classLines(qemu.log), `${elf}${args}`);
      }
    }
  },
});

Deno.test("howvec rejects an unknown argument or class", async () => {
  await assertRejectsArgs(HOWVEC, BENCH, [
    ["foo=1", 'Unknown argument "foo"'],
    ["count=vector", 'Cannot parse "count=vector"'],
    ["inline=maybe", 'Cannot parse "inline=maybe"'],
  ]);
});

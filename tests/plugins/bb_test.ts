/**
 * Tests of plugins/bb.ts: block and instruction counts on a hand-counted loop and on hello,
 * against `instret` and against QEMU 7.2 running tests/qemu_plugins/bb.c.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { COUNTED_LOOP, crossAssemble } from "../_asm.ts";
import { exampleElf, HELLO, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("bb");

Deno.test({
  name: "bb counts 11 blocks and 24 instructions on a hand-counted loop",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    // Blocks as QEMU cuts them: [li, addi, bnez] once, [addi, bnez] 9 times, [li, li, ecall] once.
    const elf = (await crossAssemble(COUNTED_LOOP))!;
    for (const inline of ["on", "off"]) {
      const r = await runWithPlugins(elf, [`${PLUGIN},inline=${inline}`]);
      assertEquals(r.instret, 24);
      assertEquals(r.log, "bb's: 11, insns: 24\n");
    }
  },
});

/**
 * A 2-byte instruction at page offset 0xffe (0x11ffe, wholly on its page) and a 4-byte one
 * (0x12ffe, across the page end), each after two instructions of its block.
 */
const PAGE_EDGE = `
    .globl _start
_start:
    .option norvc
    j     first
    .org  0x1ff8
first:
    li    a0, 1
    .option rvc
    c.addi a0, 1
    c.addi a0, 1
    .option norvc
    j     second
    .org  0x2ff8
second:
    addi  a0, a0, 1
    .option rvc
    c.addi a0, 1
    .option norvc
    addi  a0, a0, 1
    li    a0, 0
    li    a7, 93
    ecall
`;

Deno.test({
  name: "bb counts blocks at page offset 0xffe as QEMU after 7.2 cuts them",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    // [j] [li, c.addi, c.addi@0x11ffe] [j] [addi, c.addi] [addi@0x12ffe] [li, li, ecall]: a block
    // ends before an instruction that does not lie wholly on its first page, unless it is the
    // first; then it ends after it. QEMU 7.2 counts 7: it also ends the second block before the
    // 2-byte instruction at 0xffe (its page check tested pc + len instead of pc + len - 1).
    const elf = (await crossAssemble(PAGE_EDGE))!;
    for (const inline of ["on", "off"]) {
      const r = await runWithPlugins(elf, [`${PLUGIN},inline=${inline}`]);
      assertEquals([r.status, r.log], [0, "bb's: 6, insns: 11\n"]);
    }
  },
});

Deno.test("bb counts as many instructions as retire on hello", async () => {
  for (const inline of ["on", "off"]) {
    const r = await runWithPlugins(HELLO, [`${PLUGIN},inline=${inline},idle=on`]);
    const m = /^bb's: (\d+), insns: (\d+)\n$/.exec(r.log);
    assertEquals(Number(m?.[2]), r.instret, r.log);
  }
});

Deno.test({
  name: "bb prints what QEMU's bb plugin prints",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    // smc writes code that the region running its store holds further on: the region must run
    // the store's block to its end, as QEMU runs the TB, and leave before the changed one.
    for (const elf of [HELLO, exampleElf("smc"), (await crossAssemble(COUNTED_LOOP))!]) {
      for (const args of [",inline=on", ",inline=off"]) {
        const { ours, qemu } = await runWithOracle("bb", args, elf);
        assertEquals(ours.log, qemu.log, `${elf}${args}`);
      }
    }
  },
});

Deno.test("bb rejects an unknown argument, naming it", async () => {
  await assertRejectsArgs(PLUGIN, HELLO, [["bogus=1", "bogus"], ["inline=maybe", "inline"]]);
});

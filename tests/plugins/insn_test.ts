/**
 * Tests of plugins/insn.ts: counts against `instret`, the size histogram and match traces on a
 * hand-counted loop, and output against QEMU 7.2 running tests/qemu_plugins/insn.c.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { COUNTED_LOOP, crossAssemble } from "../_asm.ts";
import { exampleElf, HELLO, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { qemuPluginLog } from "../_qemu.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("insn");

Deno.test("insn counts as many instructions as retire, inline or not", async () => {
  const on = await runWithPlugins(HELLO, [`${PLUGIN},inline=on`]);
  assertEquals(on.log, `insns: ${on.instret}\n`);
  const off = await runWithPlugins(HELLO, [`${PLUGIN},inline=off`]);
  assertEquals(off.log, `cpu 0 insns: ${off.instret}\ntotal insns: ${off.instret}\n`);
});

Deno.test("insn counts code run in the interpreter before it is compiled, and rewritten code", async () => {
  // bench_code runs most of its blocks only a few times, cold; smc rewrites code it ran.
  for (const [guest, args] of [["bench_code", ["1"]], ["smc", []]] as const) {
    const r = await runWithPlugins(exampleElf(guest), [`${PLUGIN},inline=on`], { args: [...args] });
    assertEquals(r.log, `insns: ${r.instret}\n`, guest);
  }
});

Deno.test({
  name: "insn sizes=on histograms the sizes of the instructions translated",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    // Translated once each: [c.li, c.addi, bnez], [c.addi, bnez], [c.li, li a7 (addi), ecall].
    const r = await runWithPlugins((await crossAssemble(COUNTED_LOOP))!, [`${PLUGIN},sizes=on`]);
    assertEquals(r.log, "len 2 bytes: 4 insns\nlen 4 bytes: 4 insns\n");
  },
});

Deno.test({
  name: "insn match=PREFIX traces each execution of the instructions matched",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(COUNTED_LOOP))!;
    for (const inline of ["on", "off"]) {
      const r = await runWithPlugins(elf, [`${PLUGIN},inline=${inline},match=bnez`]);
      const lines = r.log.split("\n").slice(0, 10);
      // bnez is the 3rd instruction, then every 2nd (addi, bnez); the entry block's translation
      // runs it once, the loop block's 9 times. The mean distance is rounded down.
      lines.forEach((line, i) =>
        assertEquals(
          line.replace(/'bnez +t0,-2 +# 0x10002'/, "'bnez'"),
          `0x10004, 'bnez', ${i === 0 ? 1 : i} hits, ${i + 1} match hits, ` +
            `Δ+${i === 0 ? 3 : 2} since last match, ${
              Math.floor((3 + 2 * i) / (i + 1))
            } avg insns/match`,
        )
      );
    }
  },
});

Deno.test({
  name: "insn prints what QEMU's insn plugin prints",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    const loop = (await crossAssemble(COUNTED_LOOP))!;
    const runs: [string, string][] = [
      [HELLO, ",inline=on"],
      [HELLO, ",inline=off"],
      [exampleElf("smc"), ",inline=on"],
      [loop, ",sizes=on"],
    ];
    for (const [elf, args] of runs) {
      const { ours, qemu } = await runWithOracle("insn", args, elf);
      assertEquals(ours.log, qemu.log, `${elf}${args}`);
    }
    // QEMU 7.2's disassembly starts with the encoding ("00000073          ecall"): match it by
    // encoding there, by mnemonic here, and compare without the encoding.
    const matches: [string, string, string][] = [
      [HELLO, "ecall", "00000073"],
      [loop, "bnez", "fe029fe3"],
    ];
    for (const [elf, ourMatch, qemuMatch] of matches) {
      const ours = await runWithPlugins(elf, [`${PLUGIN},inline=off,match=${ourMatch}`]);
      const qemu = await qemuPluginLog("insn", `,inline=off,match=${qemuMatch}`, elf);
      assertEquals(ours.log, qemu.replace(/'[0-9a-f]+ +/g, "'").replace(/ +',/g, "',"), elf);
    }
  },
});

Deno.test("insn rejects an unknown argument, naming it", async () => {
  await assertRejectsArgs(PLUGIN, HELLO, [["bogus=1", "bogus"], ["sizes=2", "sizes"]]);
});

/**
 * Tests of plugins/hotblocks.ts: the exact report of a hand-counted loop, execution counts
 * against `instret`, and output against QEMU 7.2 running tests/qemu_plugins/hotblocks.c.
 */

import { assert, assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { COUNTED_LOOP, crossAssemble } from "../_asm.ts";
import { exampleElf, HELLO, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("hotblocks");
const SORT = exampleElf("bench_sort");

/** The report's block lines as [pc, tcount, icount, ecount]. */
function records(log: string): string[][] {
  return log.trimEnd().split("\n").slice(2).map((l) => l.split(", "));
}

Deno.test({
  name: "hotblocks reports the blocks of a hand-counted loop",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    // Blocks: 0x10000 [li, addi, bnez] once, 0x10002 [addi, bnez] 9 times, 0x10008 [li, li,
    // ecall] once: 3 + 18 + 3 = 24 instructions.
    const elf = (await crossAssemble(COUNTED_LOOP))!;
    for (const inline of ["on", "off"]) {
      const r = await runWithPlugins(elf, [`${PLUGIN},inline=${inline}`]);
      // As in QEMU, the last block of the sorted list (0x10008, 3 insns, once) is not printed.
      assertEquals(
        r.log,
        "collected 3 entries in the hash table\npc, tcount, icount, ecount\n" +
          "0x0000000000010002, 1, 2, 9\n0x0000000000010000, 1, 3, 1\n",
      );
      assertEquals(18 + 3 + 3, r.instret);
    }
    const one = await runWithPlugins(elf, [`${PLUGIN},limit=1`]);
    assertEquals(one.log.split("\n").slice(2), ["0x0000000000010002, 1, 2, 9", ""]);
  },
});

Deno.test("hotblocks ecount × icount adds up to instret on bench_sort", async () => {
  const r = await runWithPlugins(SORT, [`${PLUGIN},limit=1000000`], { args: ["500"] });
  const recs = records(r.log);
  assertEquals(recs.length, Number(/collected (\d+)/.exec(r.log)![1]) - 1);
  const sum = recs.reduce((n, [, , icount, ecount]) => n + Number(icount) * Number(ecount), 0);
  // Only the block left out (the least executed, at most 512 instructions) is missing.
  const left = r.instret - sum;
  assert(left >= 0 && left <= Number(recs.at(-1)![3]) * 512, `${left} instructions missing`);
});

Deno.test({
  name: "hotblocks prints what QEMU's hotblocks plugin prints",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    // Compared: the header, the execution counts in order, and the blocks whose count differs
    // from the last one printed (QEMU orders equal counts by chance). Not compared: the number
    // of entries and tcount, because rvplug's onTbTrans also runs for blocks that never execute
    // and once per region a block lies in (QEMU: once per TB).
    const comparable = (log: string) => {
      const recs = records(log), last = recs.at(-1)?.[3];
      return {
        header: log.split("\n")[1],
        ecounts: recs.map((r) => r[3]),
        blocks: recs.filter((r) => r[3] !== last).map(([pc, , i, e]) => `${pc} ${i} ${e}`).sort(),
      };
    };
    const cases: [string, string[]][] = [[HELLO, []], [SORT, ["5000"]], [
      (await crossAssemble(COUNTED_LOOP))!,
      [],
    ]];
    for (const [elf, args] of cases) {
      for (const opts of [",inline=on", ",inline=off"]) {
        const { ours, qemu } = await runWithOracle("hotblocks", opts, elf, args);
        assertEquals(comparable(ours.log), comparable(qemu.log), `${elf}${opts}`);
      }
    }
  },
});

Deno.test("hotblocks rejects an unknown argument, naming it", async () => {
  await assertRejectsArgs(PLUGIN, HELLO, [["bogus=1", "bogus"], ["limit=x", "limit"]]);
});

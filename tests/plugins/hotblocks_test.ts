/**
 * Tests of plugins/hotblocks.ts: the exact report of a hand-counted loop, execution counts
 * against `instret`, and output against QEMU 7.2 running tests/qemu_plugins/hotblocks.c.
 */

import { assert, assertEquals, assertRejects } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import {
  buildQemuPlugin,
  crossAssemble,
  QEMU,
  REPO_ROOT,
  skipReason,
  tempDir,
} from "../_helpers.ts";

const PLUGIN = new URL("../../plugins/hotblocks.ts", import.meta.url).href;
const HELLO = `${REPO_ROOT}/examples/build/hello.elf`;
const SORT = `${REPO_ROOT}/examples/build/bench_sort.elf`;
// Blocks: 0x10000 [li, addi, bnez] once, 0x10002 [addi, bnez] 9 times, 0x10008 [li, li, ecall]
// once: 3 + 18 + 3 = 24 instructions.
const LOOP = `
    .globl _start
_start:
    li   t0, 10
loop:
    addi t0, t0, -1
    bnez t0, loop
    li   a0, 0
    li   a7, 93
    ecall
`;

/** What the QEMU oracle plugin `name` prints (to the `-d plugin` log) for `elf args`. */
async function qemuLog(name: string, opts: string, elf: string, args: string[] = []) {
  const log = `${tempDir()}/log`;
  const plugin = `${buildQemuPlugin(name)}${opts}`;
  await new Deno.Command(QEMU, {
    args: ["-plugin", plugin, "-d", "plugin", "-D", log, elf, ...args],
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).output();
  return Deno.readTextFileSync(log);
}

/** The report's block lines as [pc, tcount, icount, ecount]. */
function records(log: string): string[][] {
  return log.trimEnd().split("\n").slice(2).map((l) => l.split(", "));
}

Deno.test({
  name: "hotblocks reports the blocks of a hand-counted loop",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(LOOP))!;
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
      (await crossAssemble(LOOP))!,
      [],
    ]];
    for (const [elf, args] of cases) {
      for (const opts of [",inline=on", ",inline=off"]) {
        const ours = await runWithPlugins(elf, [PLUGIN + opts], { args });
        const qemu = await qemuLog("hotblocks", opts, elf, args);
        assertEquals(comparable(ours.log), comparable(qemu), `${elf}${opts}`);
      }
    }
  },
});

Deno.test("hotblocks rejects an unknown argument, naming it", async () => {
  await assertRejects(() => runWithPlugins(HELLO, [`${PLUGIN},bogus=1`]), TypeError, "bogus");
  await assertRejects(() => runWithPlugins(HELLO, [`${PLUGIN},limit=x`]), TypeError, "limit");
});

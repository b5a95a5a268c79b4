/**
 * Tests of plugins/bbv.ts: the vectors of a hand-assembled guest, the sums and interval
 * boundaries on a benchmark, the vectors of QEMU's bbv (the oracle tests/qemu_plugins/bbv.c
 * under qemu-riscv32) on the same guests, and argument errors.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { crossAssemble, LOOP_AND_DEAD_BLOCK } from "../_asm.ts";
import { exampleElf, HELLO, pluginUrl, tempDir } from "../_files.ts";
import { assertRejectsArgs } from "../_plugins.ts";
import { runQemu } from "../_qemu.ts";
import { qemuPluginSpec } from "../_qemu_plugins.ts";
import { skipReason } from "../_tools.ts";

const BBV = pluginUrl("bbv");
const INSN = pluginUrl("insn");
/** QEMU's TCG_MAX_INSNS: no block is longer. */
const MAX_BLOCK_INSNS = 512;

/** Runs `elf` under rvplug with bbv (and the insn plugin) and returns the vector file. */
async function ourBbv(elf: string, interval: number, args: string[] = []) {
  const prefix = `${tempDir()}/out`;
  const r = await runWithPlugins(elf, [`${BBV},outfile=${prefix},interval=${interval}`, INSN], {
    args,
  });
  return { text: Deno.readTextFileSync(`${prefix}.0.bb`), run: r };
}

/** Each line's [id, count] pairs. */
function parseBbv(text: string): [number, number][][] {
  return text.split("\n").slice(0, -1).map((line) => {
    assertMatch(line, /^T(:\d+:\d+ )+$/);
    return line.slice(1).trim().split(" ").map((e) => {
      const [, id = NaN, count = NaN] = e.split(":").map(Number);
      return [id, count];
    });
  });
}

Deno.test({
  name: "bbv counts each block's instructions and ends intervals at block entry",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    // Blocks: _start (2 insns, id 0), loop (2 insns, 3 runs, id 1), exit (2 insns, id 2);
    // dead (id never given: it never runs).
    const elf = await crossAssemble(LOOP_AND_DEAD_BLOCK);
    const cases: [number, string][] = [
      [1, "T:0:2 \nT:1:2 \nT:1:2 \nT:1:2 \nT:2:2 \n"],
      [4, "T:0:2 :1:2 \nT:1:4 \n"], // the exit block's 2 are a partial interval: not written
      // The second loop run reaches 6: 1 instruction carries over to the next interval.
      [5, "T:0:2 :1:4 \nT:1:2 :2:2 \n"],
      [100, ""],
    ];
    for (const [interval, expected] of cases) {
      assertEquals((await ourBbv(elf!, interval)).text, expected, `interval=${interval}`);
    }
  },
});

Deno.test("bbv sums to the instructions run when every block ends an interval", async () => {
  const { text, run } = await ourBbv(HELLO, 1);
  const lines = parseBbv(text);
  assert(lines.every((entries) => entries.length === 1));
  assertEquals(lines.flat().reduce((sum, [, n]) => sum + n, 0), run.instret);
});

Deno.test("bbv writes one line per interval, ids in the order blocks first ran", async () => {
  const interval = 10_000;
  const { text, run } = await ourBbv(exampleElf("bench_sort"), interval, ["5000"]);
  const lines = parseBbv(text);
  const sum = lines.flat().reduce((s, [, n]) => s + n, 0);
  assertEquals(run.log, `insns: ${run.instret}\n`);
  // After k intervals the counter holds sum - k * interval: less than one block; what runs
  // after the last interval is less than an interval.
  assertEquals(lines.length, Math.floor(sum / interval));
  assert(sum - lines.length * interval < MAX_BLOCK_INSNS);
  assert(run.instret - sum >= 0 && run.instret - sum < interval);
  let next = 0;
  for (const entries of lines) {
    const ids = entries.map(([id]) => id);
    assertEquals(ids, [...ids].sort((a, b) => a - b), "a line lists blocks by id");
    // An id not seen before is the next one.
    for (const id of ids) if (id >= next) assertEquals(id, next++);
    const total = entries.reduce((s, [, n]) => s + n, 0);
    assert(total >= interval - MAX_BLOCK_INSNS && total < interval + 2 * MAX_BLOCK_INSNS);
  }
});

Deno.test("bbv rejects bad arguments, naming them", async () => {
  const out = `outfile=${tempDir()}/out`;
  // The loader reports install errors as TypeError or RangeError, with the plugin's message.
  await assertRejectsArgs(BBV, HELLO, [
    [`${out},intervals=5`, 'Unknown argument "intervals"'],
    [`${out},interval=0`, '"interval=0": expected a positive integer'],
    [`${out},interval=1e6`, '"interval=1e6": expected a positive integer'],
    ["interval=5", 'no "outfile" given'],
  ], [TypeError, RangeError]);
});

const QEMU_CASES: [string, string[], number][] = [
  ["hello", [], 1],
  ["hello", [], 1000],
  ["bench_sort", ["5000"], 1000],
  ["bench_sort", ["5000"], 100_000],
  ["bench_interp", ["2000"], 10_000],
  ["bench_hash", ["8"], 7],
  ["malloc_stress", ["1000"], 5000],
];
const QEMU_SKIP = skipReason("qemu", "gcc");

for (const [name, args, interval] of QEMU_CASES) {
  Deno.test({
    name: `bbv writes what QEMU's bbv writes for ${[name, ...args].join(" ")}, ` +
      `interval=${interval}`,
    ignore: QEMU_SKIP !== undefined,
    fn: async () => {
      const elf = exampleElf(name);
      const prefix = `${tempDir()}/qemu`;
      await runQemu(elf, args, {
        plugin: qemuPluginSpec("bbv", `,outfile=${prefix},interval=${interval}`),
      });
      const qemu = Deno.readTextFileSync(`${prefix}.0.bb`);
      const ours = (await ourBbv(elf, interval, args)).text;
      // Both list a line's blocks by id (QEMU's own plugin follows its hash table).
      const q = qemu.split("\n"), o = ours.split("\n");
      const i = q.findIndex((line, k) => line !== o[k]);
      if (i >= 0) assertEquals(o[i], q[i], `first differing line: ${i + 1}`);
      assertEquals(o.length, q.length, "lines");
    },
  });
}

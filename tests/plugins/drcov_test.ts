/**
 * Tests of plugins/drcov.ts: the file it writes, read back; the blocks it lists against a
 * hand-assembled guest and against a second plugin; and the file of QEMU's drcov (the oracle
 * tests/qemu_plugins/drcov.c under qemu-riscv32) on the same guests.
 */

import { assert, assertEquals, fail } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { parseElf } from "../../core/elf.ts";
import { PROT_EXEC } from "../../core/memory.ts";
import { crossAssemble, LOOP_AND_DEAD_BLOCK } from "../_asm.ts";
import { exampleElf, HELLO, pluginUrl, tempDir } from "../_files.ts";
import { hex } from "../_guest.ts";
import { assertRejectsArgs } from "../_plugins.ts";
import { runQemu } from "../_qemu.ts";
import { qemuPluginSpec } from "../_qemu_plugins.ts";
import { skipReason } from "../_tools.ts";

const DRCOV = pluginUrl("drcov");

interface Bb {
  start: number;
  size: number;
  mod: number;
}

/** Splits a drcov file into its text lines (up to the BB table) and its records. */
function parseDrcov(bytes: Uint8Array): { lines: string[]; bbs: Bb[] } {
  const text = new TextDecoder("latin1").decode(bytes);
  const tableAt = text.indexOf(" bbs\n") + " bbs\n".length;
  assert(tableAt > 5, "no BB table line");
  const view = new DataView(bytes.buffer, bytes.byteOffset + tableAt);
  assertEquals(view.byteLength % 8, 0, "records are 8 bytes each");
  const bbs: Bb[] = [];
  for (let at = 0; at < view.byteLength; at += 8) {
    bbs.push({
      start: view.getUint32(at, true),
      size: view.getUint16(at + 4, true),
      mod: view.getUint16(at + 6, true),
    });
  }
  return { lines: text.slice(0, tableAt - 1).split("\n"), bbs };
}

/** Runs `elf` under rvplug with drcov and reads the file back. */
async function ourDrcov(elf: string, args: string[] = []) {
  const path = `${tempDir()}/out.drcov`;
  await runWithPlugins(elf, [`${DRCOV},filename=${path}`], { args });
  return parseDrcov(Deno.readFileSync(path));
}

/** The module line QEMU prints: executable segments' start and end of file bytes, entry. */
function moduleLine(elf: string): string {
  const image = parseElf(Deno.readFileSync(elf), elf);
  const code = image.segments.filter((s) => s.prot & PROT_EXEC);
  const start = Math.min(...code.map((s) => s.vaddr));
  const end = Math.max(...code.map((s) => s.vaddr + s.filesz));
  return `0, ${hex(start)}, ${hex(end)}, ${hex(image.entry)}, ${elf}`;
}

Deno.test("drcov writes the header, the module and blocks inside it", async () => {
  const { lines, bbs } = await ourDrcov(HELLO);
  assertEquals(lines, [
    "DRCOV VERSION: 2",
    "DRCOV FLAVOR: drcov-64",
    "Module Table: version 2, count 1",
    "Columns: id, base, end, entry, path",
    moduleLine(HELLO),
    `BB Table: ${bbs.length} bbs`,
  ]);
  assert(bbs.length > 50, `only ${bbs.length} blocks`);
  const [, base = NaN, end = NaN] = lines[4]!.split(", ").map(Number);
  for (const bb of bbs) {
    assert(bb.start >= base && bb.start + bb.size <= end, `block ${bb.start} outside the module`);
    assert(bb.size > 0 && bb.mod === 0);
  }
  assertEquals(new Set(bbs.map((bb) => bb.start)).size, bbs.length, "blocks are unique");
});

Deno.test({
  name: "drcov lists exactly the blocks that ran, in the order they first ran",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    // The branch to 'dead' is never taken: 'dead' never runs, so it is never shown to plugins.
    const elf = await crossAssemble(LOOP_AND_DEAD_BLOCK);
    const { bbs } = await ourDrcov(elf!);
    assertEquals(bbs, [
      { start: 0x10000, size: 8, mod: 0 },
      { start: 0x10008, size: 8, mod: 0 },
      { start: 0x10010, size: 8, mod: 0 },
    ]);
  },
});

Deno.test("drcov lists the blocks a second plugin sees run", async () => {
  // A witness plugin, written out so that it is loaded like any other: it logs each block
  // that runs, once.
  const witness = `${tempDir()}/witness.ts`;
  Deno.writeTextFileSync(
    witness,
    `export function install(api) {
      const seen = new Set();
      api.onTbTrans((tb) => {
        let size = 0;
        for (let i = 0; i < tb.nInsns; i++) size += tb.insn(i).size;
        const key = tb.vaddr + ":" + size;
        tb.onExec(() => seen.add(key));
      });
      api.onExit(() => api.outs([...seen].sort().join("\\n") + "\\n"));
    }`,
  );
  const path = `${tempDir()}/out.drcov`;
  const r = await runWithPlugins(exampleElf("bench_interp"), [
    `${DRCOV},filename=${path}`,
    witness,
  ], { args: ["200"] });
  const { bbs } = parseDrcov(Deno.readFileSync(path));
  const ours = bbs.map((bb) => `${bb.start}:${bb.size}`).sort().join("\n") + "\n";
  assertEquals(ours, r.log);
});

Deno.test("drcov rejects an unknown argument, naming it", async () => {
  await assertRejectsArgs(DRCOV, HELLO, [["file=x.cov", 'Unknown argument "file"']]);
});

const QEMU_CASES: [string, string[]][] = [
  ["hello", []],
  ["bench_sort", ["5000"]],
  ["bench_interp", ["2000"]],
  ["bench_hash", ["8"]],
  ["atomics", []],
  ["memops", []],
  ["malloc_stress", ["1000"]],
];
const QEMU_SKIP = skipReason("qemu", "gcc");

for (const [name, args] of QEMU_CASES) {
  Deno.test({
    name: `drcov writes what QEMU's drcov writes for ${[name, ...args].join(" ")}`,
    ignore: QEMU_SKIP !== undefined,
    fn: async () => {
      const elf = exampleElf(name);
      const path = `${tempDir()}/qemu.drcov`;
      await runQemu(elf, args, { plugin: qemuPluginSpec("drcov", `,filename=${path}`) });
      const qemu = parseDrcov(Deno.readFileSync(path));
      const ours = await ourDrcov(elf, args);
      // QEMU lists a block again when it translates it again; rvplug lists it once.
      const key = (bb: Bb) => `0x${bb.start.toString(16)} (${bb.size} bytes)`;
      const qemuBbs = [...new Set(qemu.bbs.map(key))];
      const ourBbs = ours.bbs.map(key);
      let i = 0;
      while (i < qemuBbs.length && qemuBbs[i] === ourBbs[i]) i++;
      if (i < Math.max(qemuBbs.length, ourBbs.length)) {
        fail(`block #${i} differs: QEMU ${qemuBbs[i] ?? "none"}, rvplug ${ourBbs[i] ?? "none"}`);
      }
      assertEquals(ours.lines.slice(0, 5), qemu.lines.slice(0, 5));
    },
  });
}

/**
 * drcov: block coverage in DynamoRIO's drcov format, like QEMU's contrib/plugins/drcov.c, for
 * coverage tools such as Lighthouse, bncov and Dragon Dance.
 *
 * Usage: `--plugin plugins/drcov.ts[,filename=PATH]` — writes PATH (default `file.drcov.trace`)
 * at exit.
 *
 * The file is QEMU's byte for byte: a text header with one module (the guest program: the lowest
 * and highest address of its executable segments' file bytes, its entry point and its path),
 * `BB Table: N bbs`, then N records of 8 bytes, little-endian: the block's start address (u32,
 * absolute, as QEMU writes it), its size in bytes (u16) and the module id 0 (u16). A block is
 * listed once, in the order blocks first ran, which is the order they are translated in.
 * @module
 */

import type { PluginApi, PluginArgs } from "../mod.ts";

export const apiVersion = 2;

const HEADER = "DRCOV VERSION: 2\n" +
  "DRCOV FLAVOR: drcov-64\n" +
  "Module Table: version 2, count 1\n" +
  "Columns: id, base, end, entry, path\n";
interface BbEntry {
  start: number;
  size: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { filename } = api.parseArgs(args, {
    filename: { type: "string", default: "file.drcov.trace" },
  });
  // Created at once, as QEMU does: a bad path fails before the run.
  const file = api.createOutputFile(filename);

  // State: the blocks that ran, by start and size, in the order they first ran.
  const blocks = new Map<number, BbEntry>();

  // Translate callback: rvplug, like QEMU, shows a block to plugins when it is about to run.
  api.onTbTrans((tb) => {
    let size = 0;
    for (let i = 0; i < tb.nInsns; i++) size += tb.insn(i).size;
    const key = tb.vaddr * 65536 + size;
    if (!blocks.has(key)) blocks.set(key, { start: tb.vaddr, size });
  });

  // Exit report.
  api.onExit(() => {
    const hex = (n: number) => "0x" + n.toString(16);
    const module = `0, ${hex(api.startCode())}, ${hex(api.endCode())}, ${hex(api.entryCode())}, ` +
      `${api.programPath}\n`;
    const executed = [...blocks.values()];
    const text = new TextEncoder().encode(
      `${HEADER}${module}BB Table: ${executed.length} bbs\n`,
    );
    const out = new Uint8Array(text.length + 8 * executed.length);
    out.set(text);
    const view = new DataView(out.buffer);
    executed.forEach((bb, i) => {
      view.setUint32(text.length + 8 * i, bb.start, true);
      view.setUint16(text.length + 8 * i + 4, bb.size, true);
      view.setUint16(text.length + 8 * i + 6, 0, true);
    });
    file.write(out);
    file.close();
  });
}

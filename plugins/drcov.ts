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
 * listed once, when it has run, in the order blocks first ran: the order in which QEMU translates
 * them (rvplug also translates blocks that may never run, ahead of time).
 * @module
 */

import type { PluginApi, PluginArgs, Scoreboard } from "../mod.ts";

export const apiVersion = 1;

const HEADER = "DRCOV VERSION: 2\n" +
  "DRCOV FLAVOR: drcov-64\n" +
  "Module Table: version 2, count 1\n" +
  "Columns: id, base, end, entry, path\n";
/** Counters per scoreboard: the "has run" flags live in chunks of this many. */
const CHUNK = 4096;

interface BbEntry {
  start: number;
  size: number;
  /** Where its "has run" flag is: the scoreboard and the index in it. */
  flags: Scoreboard;
  index: number;
}

/** Creates (or truncates) the output file at once, as QEMU does: a bad path fails before the run. */
function create(path: string): Deno.FsFile {
  try {
    return Deno.openSync(path, { write: true, create: true, truncate: true });
  } catch (e) {
    throw new TypeError(`Cannot create "${path}": ${(e as Error).message}`);
  }
}

export function install(api: PluginApi, args: PluginArgs): void {
  let filename = "file.drcov.trace";
  for (const [key, value] of args) {
    if (key === "filename") filename = value;
    else throw new TypeError(`Unknown argument "${key}"`);
  }
  const file = create(filename);

  // State: every block seen at translation, by start and size; the blocks that ran, in order.
  const blocks = new Map<number, BbEntry>();
  const executed: BbEntry[] = [];
  let flags: Scoreboard = api.newScoreboard(CHUNK);

  // Translate callback: one "has run" flag per block, tested inline at each entry.
  api.onTbTrans((tb) => {
    let size = 0;
    for (let i = 0; i < tb.nInsns; i++) size += tb.insn(i).size;
    const key = tb.vaddr * 65536 + size;
    let bb = blocks.get(key);
    if (!bb) {
      if (blocks.size % CHUNK === 0 && blocks.size > 0) flags = api.newScoreboard(CHUNK);
      bb = { start: tb.vaddr, size, flags, index: blocks.size % CHUNK };
      blocks.set(key, bb);
    }
    const cond = { op: "eq", scoreboard: bb.flags, index: bb.index, imm: 0 } as const;
    tb.onExecCond(firstRun, cond, bb);
  });

  // Exec callback: the first run of a block.
  function firstRun(_vcpu: number, udata: unknown): void {
    const bb = udata as BbEntry;
    bb.flags[bb.index] = 1;
    executed.push(bb);
  }

  // Exit report.
  api.onExit(() => {
    const hex = (n: number) => "0x" + n.toString(16);
    const module = `0, ${hex(api.startCode())}, ${hex(api.endCode())}, ${hex(api.entryCode())}, ` +
      `${api.programPath}\n`;
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
    for (let off = 0; off < out.length;) off += file.writeSync(out.subarray(off));
    file.close();
  });
}

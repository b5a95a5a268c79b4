/**
 * hotblocks: the most executed blocks, like QEMU's contrib/plugins/hotblocks.c (7.2).
 *
 * Usage: `--plugin plugins/hotblocks.ts[,inline=on|off][,limit=N]`
 *
 * Prints at exit `collected N entries in the hash table`, then `pc, tcount, icount, ecount` and
 * one line `0x%016x, tcount, icount, ecount` per block (start address and instruction count),
 * most executed first (ties by address here; QEMU leaves them in hash order): tcount counts its
 * translations, icount its instructions, ecount its executions. As in QEMU, at most `limit` (20)
 * lines and never the last block of the sorted list. `inline=on` counts on a scoreboard; `off`
 * (the default, as in QEMU) with one callback per block execution. `limit` is ours.
 * @module
 */

import type { PluginApi, PluginArgs, Scoreboard, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

/** A block, as QEMU identifies it: start address and instruction count. */
interface ExecCount {
  startAddr: number;
  insns: number;
  transCount: number;
  /** Its execution count is `board[slot]`; `slot` is below the board's size. */
  board: Scoreboard;
  slot: number;
}

/** Execution counters per scoreboard: a new one holds the next this many blocks. */
const BOARD = 4096;

export function install(api: PluginApi, args: PluginArgs): void {
  const { inline, limit } = api.parseArgs(args, {
    inline: { type: "bool", default: false },
    limit: { type: "int", min: 0, default: 20 },
  });
  // State: blocks by address and size; execution counts in scoreboards of BOARD counters.
  const blocks = new Map<string, ExecCount>();
  let current: Scoreboard | undefined;
  const ecount = (c: ExecCount) => c.board[c.slot]!;

  api.onTbTrans((tb) => {
    const key = `${tb.vaddr}:${tb.nInsns}`;
    let cnt = blocks.get(key);
    if (cnt) cnt.transCount++;
    else {
      const slot = blocks.size % BOARD;
      if (!current || slot === 0) current = api.newScoreboard(BOARD);
      cnt = { startAddr: tb.vaddr, insns: tb.nInsns, transCount: 1, board: current, slot };
      blocks.set(key, cnt);
    }
    if (inline) tb.inlineAdd(cnt.board, cnt.slot, 1);
    else tb.onExec(onBlock, cnt);
  });

  function onBlock(_vcpu: VcpuIndex, udata: unknown): void {
    const { board, slot } = udata as ExecCount;
    board[slot]!++; // per block: unchecked
  }

  api.onExit(() => {
    let out = `collected ${blocks.size} entries in the hash table\n`;
    const sorted = [...blocks.values()]
      .sort((a, b) => ecount(b) - ecount(a) || a.startAddr - b.startAddr);
    if (sorted.length > 0) out += "pc, tcount, icount, ecount\n";
    // QEMU stops before the last list element: `i < limit && it->next`.
    for (const rec of sorted.slice(0, Math.min(limit, sorted.length - 1))) {
      const pc = rec.startAddr.toString(16).padStart(16, "0");
      out += `0x${pc}, ${rec.transCount}, ${rec.insns}, ${ecount(rec)}\n`;
    }
    api.outs(out);
  });
}

/**
 * bbv: basic block vectors for the SimPoint analysis tool, like QEMU's contrib/plugins/bbv.c.
 *
 * Usage: `--plugin plugins/bbv.ts,outfile=PREFIX[,interval=N]` — writes `PREFIX.0.bb` (one file
 * per vCPU; rvplug has vCPU 0 only).
 *
 * Each time N instructions (default 100000000) have run, a line `T:id:count :id:count ... `
 * lists the blocks that ran in that interval, each with the instructions it ran: its number of
 * instructions times its executions, counted at block entry. The interval ends at the entry of
 * the block that reaches N, that block included, and what ran past N counts toward the next
 * interval, as in QEMU. The last, partial interval is not written. Block ids count from 0 in the
 * order blocks first ran, which is the order they are translated in; a line lists them by id
 * (QEMU's follows its hash table).
 * @module
 */

import type { PluginApi, PluginArgs, Scoreboard } from "../mod.ts";

export const apiVersion = 2;

/** Counters per scoreboard: block counters live in chunks of this many. */
const CHUNK = 4096;

interface Bb {
  /** Where its counter of instructions this interval is. */
  count: Scoreboard;
  index: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { interval, outfile } = api.parseArgs(args, {
    interval: { type: "int", min: 1, default: 100_000_000 },
    outfile: { type: "string", required: true },
  });

  // State: the vCPU's instructions this interval, every block by address, the blocks that ran
  // by id, and the output file with what is waiting to be written to it.
  const vcpu = api.newScoreboard(1);
  const bbs = new Map<number, Bb>();
  const byId: Bb[] = [];
  let count: Scoreboard = api.newScoreboard(CHUNK);
  // Created now, so that a bad path fails before the guest runs.
  const file = api.createOutputFile(`${outfile}.0.bb`);
  let pending: string[] = [], pendingLength = 0;
  const flush = () => {
    file.write(pending.join(""));
    pending = [], pendingLength = 0;
  };

  // Translate callback: count at block entry, then end the interval if it is full. A block is
  // shown to plugins when it is about to run, so a new one gets the next id.
  api.onTbTrans((tb) => {
    let bb = bbs.get(tb.vaddr);
    if (!bb) {
      if (bbs.size % CHUNK === 0 && bbs.size > 0) count = api.newScoreboard(CHUNK);
      bb = { count, index: bbs.size % CHUNK };
      bbs.set(tb.vaddr, bb);
      byId.push(bb);
    }
    tb.inlineAdd(vcpu, 0, tb.nInsns);
    tb.inlineAdd(bb.count, bb.index, tb.nInsns);
    tb.onExecCond(intervalEnd, { op: "ge", scoreboard: vcpu, index: 0, imm: interval });
  });

  // Exec callback.
  function intervalEnd(): void {
    vcpu[0]! -= interval;
    let line = "T";
    for (const [id, bb] of byId.entries()) {
      const n = bb.count[bb.index]!; // index < CHUNK, the scoreboard's size
      if (n === 0) continue;
      line += `:${id}:${n} `;
      bb.count[bb.index] = 0;
    }
    pending.push(line + "\n");
    pendingLength += line.length;
    if (pendingLength > 1 << 16) flush();
  }

  // Exit report: the file holds every full interval.
  api.onExit(() => {
    flush();
    file.close();
  });
}

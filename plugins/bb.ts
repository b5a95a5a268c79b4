/**
 * bb: counts executed blocks and instructions, like QEMU's tests/tcg/plugins/bb.c (7.2).
 *
 * Usage: `--plugin plugins/bb.ts[,inline=on|off][,idle=on|off]` — prints
 * `bb's: N, insns: M` at exit, as QEMU does in user mode. `inline=on` adds to a scoreboard on
 * each block entry; `off` (the default, as in QEMU) makes one callback per block. `idle` is
 * accepted and ignored: QEMU's idle report never fires in user mode, and neither would ours.
 * @module
 */

import type { PluginApi, PluginArgs, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

export function install(api: PluginApi, args: PluginArgs): void {
  const { inline } = api.parseArgs(args, {
    inline: { type: "bool", default: false },
    idle: { type: "bool" },
  });
  // State: [0] blocks entered, [1] instructions of those blocks.
  const counts = api.newScoreboard(2);

  // Counts only when blocks run: seeing them ahead changes nothing, and compiles less.
  api.onTbTrans((tb) => {
    if (inline) {
      tb.inlineAdd(counts, 0, 1);
      tb.inlineAdd(counts, 1, tb.nInsns);
    } else {
      tb.onExec(onBlock, tb.nInsns);
    }
  }, { ahead: true });

  // Runs per block: indexes within the scoreboard's fixed size, unchecked.
  function onBlock(_vcpu: VcpuIndex, nInsns: unknown): void {
    counts[0]!++;
    counts[1]! += nInsns as number;
  }

  api.onExit(() => api.outs(`bb's: ${counts[0]}, insns: ${counts[1]}\n`));
}

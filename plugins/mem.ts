/**
 * mem: counts guest memory accesses, like QEMU's tests/tcg/plugins/mem.c (7.2).
 *
 * Usage: `--plugin plugins/mem.ts[,inline=on|off][,callback=on|off][,track=r|w|rw][,haddr=on|off]`
 *
 * As in QEMU 7.2, `inline=on` counts on a scoreboard and prints `inline mem accesses: N`,
 * `callback=on` counts with one callback per access and prints `callback mem accesses: N`, both
 * may be on, and `haddr=on` also prints `io accesses: N` (always 0 in user mode: nothing is I/O).
 * Without either key the count is inline and printed as newer QEMUs do, `mem accesses: N`.
 * `track` selects loads (`r`), stores (`w`) or both (`rw`, the default). An atomic
 * read-modify-write counts as a load and a store, as in QEMU.
 * @module
 */

import type { PluginApi, PluginArgs } from "../mod.ts";

export const apiVersion = 2;

export function install(api: PluginApi, args: PluginArgs): void {
  const opts = api.parseArgs(args, {
    inline: { type: "bool" },
    callback: { type: "bool" },
    track: { type: "enum", values: ["r", "w", "rw"], default: "rw" },
    haddr: { type: "bool", default: false },
  });
  const { track, haddr } = opts, inline = opts.inline ?? false, callback = opts.callback ?? false;
  // Neither inline nor callback was given: count inline, print the plain line.
  const plain = opts.inline === undefined && opts.callback === undefined;
  // State: [0] inline count, [1] callback count, [2] I/O accesses (none in user mode).
  const counts = api.newScoreboard(3);

  // Counts only when code runs: seeing blocks ahead changes nothing, and compiles less.
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      if (inline || plain) insn.memInlineAdd(counts, 0, 1, track);
      if (callback) insn.onMem(onAccess, track);
    }
  }, { ahead: true });

  function onAccess(): void {
    counts[1]!++; // per access: a fixed index, unchecked
  }

  api.onExit(() => {
    let out = plain ? `mem accesses: ${counts[0]}\n` : "";
    if (inline) out += `inline mem accesses: ${counts[0]}\n`;
    if (callback) out += `callback mem accesses: ${counts[1]}\n`;
    if (haddr) out += `io accesses: ${counts[2]}\n`;
    api.outs(out);
  });
}

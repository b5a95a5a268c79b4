/**
 * insn: counts executed instructions, like QEMU's tests/tcg/plugins/insn.c.
 *
 * Usage: `--plugin plugins/insn.ts[,inline=on|off]` — prints `insns: N` at exit.
 * `inline=on` (default) adds to a scoreboard in the translated code; `off` makes one callback
 * per instruction.
 * @module
 */

import type { PluginApi, PluginArgs } from "../mod.ts";

export const apiVersion = 1;

export function install(api: PluginApi, args: PluginArgs): void {
  let inline = true;
  for (const [key, value] of args) {
    if (key === "inline") inline = api.parseBool(key, value);
    else throw new TypeError(`Unknown argument "${key}"`);
  }
  const counts = api.newScoreboard(1);
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      if (inline) insn.inlineAdd(counts, 0, 1);
      else insn.onExec(() => counts[0]++);
    }
  });
  api.onExit(() => api.outs(`insns: ${counts[0]}\n`));
}

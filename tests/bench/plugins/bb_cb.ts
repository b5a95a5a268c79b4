/**
 * bb_cb: a benchmark-only plugin that counts executed blocks with one callback per block (the
 * cost of `tb.onExec` with flags `"none"`), like a C plugin's per-TB exec callback.
 *
 * Usage: `--plugin tests/bench/plugins/bb_cb.ts` — prints `blocks: N` at exit.
 * @module
 */

import type { PluginApi, PluginArgs } from "../../../mod.ts";

export const apiVersion = 1;

export function install(api: PluginApi, args: PluginArgs): void {
  for (const [key] of args) throw new TypeError(`Unknown argument "${key}"`);
  let blocks = 0;
  api.onTbTrans((tb) => {
    tb.onExec(
      () => {
        blocks++;
      },
      undefined,
      { flags: "none" },
    );
  });
  api.onExit(() => api.outs(`blocks: ${blocks}\n`));
}

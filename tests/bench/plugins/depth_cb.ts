/**
 * depth_cb: a benchmark-only plugin that makes one call per executed block to a `depth()`
 * function, either callstack's through QPP (`via=qpp`) or a function of its own doing the same
 * work (`via=own`), to measure what a QPP call costs over a plain call. callstack is loaded in
 * both cases, so that the two runs differ only in the call.
 *
 * Usage: `--plugin tests/bench/plugins/depth_cb.ts,via=qpp|own` — prints `depth sum: N` at exit.
 * @module
 */

import type { PluginApi, PluginArgs, QppUses } from "../../../mod.ts";
import type {} from "../../../plugins/callstack.d.ts";

export const apiVersion = 2;
export const qppUses = { callstack: 1 } satisfies QppUses;

/** The plugin's own stack, whose depth `ownDepth` returns as callstack's `depth` does. */
const own = { stack: [0] };

function ownDepth(): number {
  return own.stack.length;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { via } = api.parseArgs(args, {
    via: { type: "enum", values: ["qpp", "own"], required: true },
  });
  const { depth } = via === "qpp" ? api.qpp.use("callstack") : { depth: ownDepth };
  let sum = 0;
  const onBlock = () => {
    sum += depth();
  };
  api.onTbTrans((tb) => tb.onExec(onBlock));
  api.onExit(() => api.outs(`depth sum: ${sum}\n`));
}

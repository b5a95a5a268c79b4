/**
 * plugin_b: the consumer of QEMU's QPP example. Registers for plugin_a's `on_some_event` and calls
 * plugin_a's `func_1` from it, printing one line per event:
 * `plugin_b: on_some_event(X, FLAG), func_1(X) = Y`. plugin_a is loaded automatically (it sits
 * beside this file).
 *
 * Usage: `--plugin examples/qpp/plugin_b.ts`
 * @module
 */

import type { PluginApi, PluginArgs, QppUses } from "../../mod.ts";
import type {} from "./plugin_a.d.ts";

export const apiVersion = 1;
/** plugin_b uses version 1 of plugin_a's interface. */
export const qppUses = { plugin_a: 1 } satisfies QppUses;

export function install(api: PluginApi, args: PluginArgs): void {
  for (const [key] of args) throw new TypeError(`Unknown argument "${key}"`);
  const { func_1 } = api.qpp.use("plugin_a"); // plugin_a_func_1()
  // QPP_REG_CB("plugin_a", on_some_event, ...)
  api.qpp.regCb("plugin_a", "on_some_event", (x, flag) => {
    api.outs(`plugin_b: on_some_event(${x}, ${flag}), func_1(${x}) = ${func_1(x)}\n`);
  });
}

/**
 * plugin_c: a consumer of plugin_a that calls `func_1` with a string. `deno check` rejects it
 * (plugin_a.d.ts says `func_1: (x: number) => number`); it is kept out of the normal check and
 * examples/qpp/qpp_test.ts proves the rejection.
 * @module
 */

import type { PluginApi, QppUses } from "../../../mod.ts";
import type {} from "../plugin_a.d.ts";

export const qppUses = { plugin_a: 1 } satisfies QppUses;

export function install(api: PluginApi): void {
  const { func_1 } = api.qpp.use("plugin_a");
  api.onExit(() => api.outs(`${func_1("three")}\n`));
}

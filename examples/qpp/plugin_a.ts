/**
 * plugin_a: the provider of QEMU's QPP example. Exports `func_1` and runs the callback
 * `on_some_event` before each syscall; its interface is in plugin_a.d.ts.
 *
 * Usage: `--plugin examples/qpp/plugin_a.ts` (prints nothing; see plugin_b.ts)
 * @module
 */

import type { PluginApi, PluginArgs, QppCheck } from "../../mod.ts";
import type {} from "./plugin_a.d.ts";

export const apiVersion = 1;
/** The version of plugin_a's interface (plugin_a.d.ts). */
export const qppVersion = 1;

// deno check fails here when the exports and plugin_a.d.ts disagree.
const _qppCheck: QppCheck<"plugin_a", typeof import("./plugin_a.ts")> = true;

/** The plugin's state: one instance of this module per plugin name. */
const state = { syscalls: 0 };

/** Returns `x` plus the number of syscalls the guest made so far (QEMU_PLUGIN_EXPORT). */
export function func_1(x: number): number {
  return x + state.syscalls;
}

export function install(api: PluginApi, args: PluginArgs): void {
  for (const [key] of args) throw new TypeError(`Unknown argument "${key}"`);
  state.syscalls = 0;
  const onSomeEvent = api.qpp.createCb("plugin_a", "on_some_event"); // QPP_CREATE_CB
  api.onSyscall((_vcpu, num) => {
    state.syscalls++;
    onSomeEvent(state.syscalls, num === 64); // QPP_RUN_CB
  });
}

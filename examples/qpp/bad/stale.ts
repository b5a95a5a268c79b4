/**
 * stale: a provider whose stale.d.ts is out of date. Both `deno check` (through its QppCheck line)
 * and the loader (comparing its exports with the .d.ts) reject it.
 * @module
 */

import type { PluginApi, QppCheck } from "../../../mod.ts";
import type {} from "./stale.d.ts";

export const qppVersion = 1;

const _qppCheck: QppCheck<"stale", typeof import("./stale.ts")> = true;

export function func_1(x: number): number {
  return x;
}

export function install(_api: PluginApi): void {}

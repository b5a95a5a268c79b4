/**
 * Building the QEMU oracle plugins of `tests/qemu_plugins/` (C, against the plugin API v1
 * header there) with the host gcc.
 * @module
 */

import { REPO_ROOT, tempDir } from "./_files.ts";
import { hostGccAvailable } from "./_tools.ts";

const pluginCache = new Map<string, string>();
/** The QEMU oracle plugins and the API v1 declarations they share. */
const QEMU_PLUGIN_DIR = `${REPO_ROOT}/tests/qemu_plugins`;

/**
 * Compiles `<dir>/<name>.c` (which may include `qemu-plugin-v1.h` and `oracle_util.h` from
 * `tests/qemu_plugins/`) into a shared object with the host `gcc`, once per process.
 * @param name the plugin's file name without `.c`
 * @param dir the folder of the source file
 * @returns the path of the `.so`, or undefined when `gcc` is missing
 * @throws Error when gcc is present but the plugin does not compile
 */
export function buildQemuPlugin(name: string, dir = QEMU_PLUGIN_DIR): string | undefined {
  const source = `${dir}/${name}.c`;
  const cached = pluginCache.get(source);
  if (cached) return cached;
  if (!hostGccAvailable()) return undefined;
  const so = `${tempDir("rvplug_plugin_")}/${name}.so`;
  const r = new Deno.Command("gcc", {
    args: ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-I", QEMU_PLUGIN_DIR, "-o", so, source],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!r.success) {
    throw new Error(`Cannot build QEMU plugin "${name}":\n${new TextDecoder().decode(r.stderr)}`);
  }
  pluginCache.set(source, so);
  return so;
}

/**
 * The `-plugin` argument of a QEMU oracle plugin: `tests/qemu_plugins/<name>.c`, built, then
 * `args`.
 * @param name the oracle's file name without `.c`
 * @param args its arguments, each with a leading comma (`",k=v,k2=v2"`), or ""
 * @throws Error when gcc is missing or the plugin does not compile
 */
export function qemuPluginSpec(name: string, args = ""): string {
  const so = buildQemuPlugin(name);
  if (!so) throw new Error(`Cannot build QEMU plugin "${name}": gcc not found`);
  return so + args;
}

/**
 * Checking rvplug's plugins of `plugins/`: a run beside their QEMU oracle on the same guest, and
 * the refusal of bad arguments.
 * @module
 */

import { assert, assertRejects } from "@std/assert";
import { type PluginRun, runWithPlugins } from "../testing.ts";
import { pluginUrl } from "./_files.ts";
import { type QemuPluginRun, runQemuPlugin } from "./_qemu.ts";

/** A run of an rvplug plugin and one of its QEMU oracle, on the same guest. */
export interface OracleRuns {
  /** The run of `plugins/<name>.ts` under rvplug. */
  ours: PluginRun;
  /** The run of `tests/qemu_plugins/<name>.c` under qemu-riscv32. */
  qemu: QemuPluginRun;
}

/**
 * Runs a guest with rvplug's plugin `plugins/<name>.ts` and under qemu-riscv32 with its oracle
 * `tests/qemu_plugins/<name>.c`, both given the same arguments.
 * @param name the plugin's name, the same for both
 * @param args the plugin arguments, each with a leading comma (`",k=v,k2=v2"`), or ""
 * @param elf path of the RV32 ELF; it is also the guest's argv[0]
 * @param elfArgs the guest's arguments after argv[0]
 */
export async function runWithOracle(
  name: string,
  args: string,
  elf: string,
  elfArgs: readonly string[] = [],
): Promise<OracleRuns> {
  const ours = await runWithPlugins(elf, [pluginUrl(name) + args], { args: [...elfArgs] });
  const qemu = await runQemuPlugin(name, args, elf, elfArgs);
  return { ours, qemu };
}

/** An error class, as `assertRejects` takes it. */
// deno-lint-ignore no-explicit-any
export type ErrorClass = new (...args: any[]) => Error;

/**
 * A plugin argument string the plugin must refuse: the arguments after the plugin's path and a
 * comma ("" for none), a part of the message the refusal must carry and, when it is not the
 * default of {@linkcode assertRejectsArgs}, the error class it must come as (or the classes, one
 * of which it must be).
 */
export type BadArgs = readonly [
  args: string,
  message: string,
  error?: ErrorClass | readonly ErrorClass[],
];

/**
 * Asserts that loading plugin `plugin` with each case's arguments, to run `elf`, rejects with
 * the case's error class and a message that includes the case's message.
 * @param plugin the plugin's path or URL
 * @param elf the guest to run
 * @param cases the bad arguments and what their refusal must be
 * @param error the error class of a case that names none (or the classes, one of which it must
 * be)
 */
export async function assertRejectsArgs(
  plugin: string,
  elf: string,
  cases: readonly BadArgs[],
  error: ErrorClass | readonly ErrorClass[] = TypeError,
): Promise<void> {
  for (const [args, message, expected = error] of cases) {
    const spec = args ? `${plugin},${args}` : plugin;
    const classes = typeof expected === "function" ? [expected] : expected;
    const e = await assertRejects(() => runWithPlugins(elf, [spec]), Error, message, spec);
    assert(
      classes.some((c) => e instanceof c),
      `${spec}: expected ${classes.map((c) => c.name).join(" or ")}, got ${e}`,
    );
  }
}

/**
 * rvplug: a RISC-V RV32IMAC Linux user-mode emulator for Deno, with QEMU-style plugins.
 *
 * Run a program from the command line:
 *
 *     deno run -A mod.ts examples/build/hello.elf a b c
 *
 * Or use it as a library:
 *
 * ```ts
 * import { Machine } from "./mod.ts";
 * const m = new Machine({ io: { stdin: () => null, stdout: () => {}, stderr: () => {} } });
 * m.loadFile("examples/build/exitcode.elf", { argv: ["exitcode", "7"] });
 * console.log(m.run().status); // 7
 * ```
 * @module
 */

import { main } from "./cli.ts";

export { Machine } from "./core/machine.ts";
export type { LoadOptions, MachineOptions, RunOptions, RunResult } from "./core/machine.ts";
export type { WatchHit, WatchKind, Watchpoint } from "./core/debug.ts";
export type { HostEvents } from "./core/signal_delivery.ts";
export { CpuState } from "./core/cpu.ts";
export { Memory } from "./core/memory.ts";
export { GuestExit, GuestFault, PluginError } from "./core/errors.ts";
export type { FaultKind } from "./core/errors.ts";
export type { ElfSymbol } from "./core/elf.ts";
export { decode } from "./core/isa/decode.ts";
export type { Insn } from "./core/isa/insn.ts";
export type { GuestIo, HostedFiles } from "./core/syscalls/mod.ts";
export { main, VERSION } from "./cli.ts";
export { PluginHost } from "./core/plugin/host.ts";
export {
  linkPlugins,
  LOADER_OPTIONS,
  loadPlugin,
  loadPlugins,
  parsePluginSpec,
} from "./core/plugin/loader.ts";
export type { PluginSpec } from "./core/plugin/loader.ts";
export { PLUGIN_API_MIN_VERSION, PLUGIN_API_VERSION } from "./core/plugin/api.ts";
export type {
  ArgCommon,
  ArgSpec,
  ArgSpecs,
  ArgValue,
  CbFlags,
  Condition,
  CondOp,
  DecodedInsn,
  DisconKind,
  ExecCallback,
  GuestSymbol,
  MemCallback,
  MemInfo,
  MemRw,
  OutputFile,
  ParsedArgs,
  PluginApi,
  PluginArgs,
  PluginModule,
  RegisterOptions,
  Scoreboard,
  Tb,
  TbInsn,
  TbTransOptions,
  VcpuIndex,
} from "./core/plugin/api.ts";

export * from "./qpp/mod.ts";

// The command's entry. No top-level await: a plugin the command loads may import a value from
// this module, and would wait forever on a module that is still evaluating.
if (import.meta.main) main(Deno.args).then(Deno.exit);

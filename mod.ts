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

export { Machine } from "./core/machine.ts";
export type { LoadOptions, MachineOptions, RunResult } from "./core/machine.ts";
export { CpuState } from "./core/cpu.ts";
export { Memory } from "./core/memory.ts";
export { GuestExit, GuestFault } from "./core/errors.ts";
export type { FaultKind } from "./core/errors.ts";
export { decode } from "./core/isa/decode.ts";
export type { Insn } from "./core/isa/insn.ts";
export type { GuestIo } from "./core/syscalls/mod.ts";
export { main, VERSION } from "./cli.ts";
export { PluginError, PluginHost } from "./core/plugin/host.ts";
export { loadPlugin, parsePluginSpec } from "./core/plugin/loader.ts";
export type { PluginSpec } from "./core/plugin/loader.ts";
export { PLUGIN_API_VERSION } from "./core/plugin/api.ts";
export type {
  CbFlags,
  Condition,
  CondOp,
  DisconKind,
  ExecCallback,
  MemCallback,
  MemInfo,
  MemRw,
  PluginApi,
  PluginArgs,
  PluginModule,
  RegisterOptions,
  Scoreboard,
  Tb,
  TbInsn,
  VcpuIndex,
} from "./core/plugin/api.ts";

if (import.meta.main) {
  const { main } = await import("./cli.ts");
  Deno.exit(await main(Deno.args));
}

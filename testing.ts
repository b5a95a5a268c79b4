/**
 * Test helpers for plugin authors: run a guest with plugins and get back what it and the plugins
 * printed.
 *
 * ```ts
 * import { runWithPlugins } from "./testing.ts";
 * const r = await runWithPlugins("examples/build/hello.elf", ["plugins/insn.ts"]);
 * console.log(r.log); // "insns: 2611\n"
 * ```
 * @module
 */

import { Machine, type RunResult } from "./core/machine.ts";
import { loadPlugins, parsePluginSpec } from "./core/plugin/loader.ts";

/** Options of {@linkcode runWithPlugins}. */
export interface RunWithPluginsOptions {
  /** Guest arguments after argv[0]. @default {[]} */
  args?: string[];
  /** Guest environment (`NAME=value`). @default {[]} */
  env?: string[];
  /** Bytes the guest reads from stdin. @default {empty} */
  stdin?: Uint8Array;
  /** Stop after this many instructions. */
  maxInsns?: number;
}

/** What a run printed and how it ended. */
export interface PluginRun extends RunResult {
  /** The guest's stdout. */
  stdout: string;
  /** The guest's stderr. */
  stderr: string;
  /** What the plugins wrote with `api.outs`. */
  log: string;
  /** The machine, to inspect registers and memory after the run. */
  machine: Machine;
}

/**
 * Runs the ELF at `program` with the plugins `specs` (`path[,key=value...]`, as on the command
 * line), capturing all output.
 * @param program path of a RISC-V ELF executable
 * @param specs plugin specs
 * @returns the run's result with everything printed
 */
export async function runWithPlugins(
  program: string,
  specs: string[],
  options: RunWithPluginsOptions = {},
): Promise<PluginRun> {
  const decoder = new TextDecoder();
  let stdout = "", stderr = "", log = "";
  const stdin = options.stdin ?? new Uint8Array();
  let offset = 0;
  const machine = new Machine({
    maxInsns: options.maxInsns,
    exePath: program,
    log: (text) => (log += text),
    io: {
      stdin(buf) {
        const n = Math.min(buf.length, stdin.length - offset);
        buf.set(stdin.subarray(offset, offset + n));
        offset += n;
        return n;
      },
      stdout: (bytes) => (stdout += decoder.decode(bytes)),
      stderr: (bytes) => (stderr += decoder.decode(bytes)),
    },
  });
  machine.load(Deno.readFileSync(program), {
    argv: [program, ...(options.args ?? [])],
    env: options.env ?? [],
    name: program,
  });
  await loadPlugins(machine.plugins, specs.map(parsePluginSpec));
  const result = machine.run();
  return { ...result, stdout, stderr, log, machine };
}

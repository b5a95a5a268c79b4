/**
 * Running a guest under qemu-riscv32, the oracle: its output and status, its instruction count,
 * and what a QEMU plugin logged.
 * @module
 */

import { REPO_ROOT, tempDir } from "./_files.ts";
import { buildQemuPlugin, qemuPluginSpec } from "./_qemu_plugins.ts";
import { QEMU, runCommand } from "./_tools.ts";

/** Options of {@linkcode runQemu}. */
export interface QemuRunOptions {
  /** The exact guest process environment, in order (qemu hands it to the guest reversed). */
  env?: readonly string[];
  /** Standard input; without it `/dev/null`. */
  stdin?: string | Uint8Array;
  /** A `-plugin` argument: `path.so[,key=value...]`. */
  plugin?: string;
  /** More qemu options, put before the program. */
  qemuArgs?: readonly string[];
  /** Count instructions with the `icount` plugin (needs gcc); the count is in `insns`. */
  icount?: boolean;
  /** Working directory of qemu. @default {the repository root} */
  cwd?: string;
}

/** What a qemu-riscv32 run produced. */
export interface QemuRun {
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard output, raw. */
  stdoutBytes: Uint8Array;
  /** Standard error (the guest's and qemu's), decoded as UTF-8. */
  stderr: string;
  /** Exit status as a shell sees it (128 + N when the guest died of signal N). */
  status: number;
  /** Instructions executed, with `icount` (a faulting instruction included). */
  insns?: number;
}

/** Reads the icount plugin's output file: "insns: N", or a raw u64 after a death by signal. */
function readIcount(path: string): number {
  const bytes = Deno.readFileSync(path);
  const m = /^insns: (\d+)\n$/.exec(new TextDecoder().decode(bytes));
  if (m) return Number(m[1]);
  if (bytes.length !== 8) throw new Error(`Cannot read icount output "${path}": unexpected size`);
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
}

/**
 * Runs a guest ELF under qemu-riscv32, as `examples/check.sh` does: through `env -i` (so the
 * environment is exactly `options.env`, in that order) with core dumps off.
 * @param elfPath path of the RV32 ELF; it is also the guest's argv[0]
 * @param args arguments after argv[0]
 * @param options environment, stdin, plugins
 * @returns the output and exit status
 * @throws Error when `icount` is asked for and gcc is missing
 */
export async function runQemu(
  elfPath: string,
  args: readonly string[] = [],
  options: QemuRunOptions = {},
): Promise<QemuRun> {
  const qemuArgs: string[] = [...(options.qemuArgs ?? [])];
  if (options.plugin) qemuArgs.push("-plugin", options.plugin);
  let countFile: string | undefined;
  if (options.icount) {
    const so = buildQemuPlugin("icount");
    if (!so) throw new Error("Cannot count qemu instructions: gcc not found");
    countFile = `${tempDir("rvplug_icount_")}/count`;
    qemuArgs.push("-plugin", `${so},outfile=${countFile}`);
  }
  // `ulimit -c 0`: qemu re-raises a fatal guest signal on itself and must not dump core.
  const r = await runCommand("sh", [
    "-c",
    'ulimit -c 0; exec "$@"',
    "sh",
    "env",
    "-i",
    ...(options.env ?? []),
    QEMU,
    ...qemuArgs,
    elfPath,
    ...args,
  ], { cwd: options.cwd ?? REPO_ROOT, clearEnv: true, input: options.stdin });
  const decoder = new TextDecoder();
  return {
    stdout: decoder.decode(r.stdout),
    stdoutBytes: r.stdout,
    stderr: decoder.decode(r.stderr),
    // Deno reports a death by signal N as code 128 + N, as a shell would.
    status: r.code,
    insns: countFile === undefined ? undefined : readIcount(countFile),
  };
}

/**
 * Counts the instructions qemu-riscv32 executes for a run, with the `icount` plugin. A faulting
 * instruction counts (rvplug's `instret` does not retire it).
 * @param elfPath path of the RV32 ELF
 * @param args arguments after argv[0]
 * @param options environment and stdin
 */
export async function qemuInsnCount(
  elfPath: string,
  args: readonly string[] = [],
  options: Omit<QemuRunOptions, "icount"> = {},
): Promise<number> {
  const r = await runQemu(elfPath, args, { ...options, icount: true });
  return r.insns!;
}

/** What a qemu-riscv32 run with a plugin produced, with what the plugin logged. */
export interface QemuPluginRun extends QemuRun {
  /** What the plugin wrote with `qemu_plugin_outs` (qemu's `-d plugin` log). */
  log: string;
}

/**
 * Runs a guest under qemu-riscv32 with a QEMU oracle plugin and reads back what the plugin
 * logged (`-d plugin -D FILE`).
 * @param name the oracle's file name in `tests/qemu_plugins/` without `.c`
 * @param args its arguments, each with a leading comma (`",k=v,k2=v2"`), or ""
 * @param elf path of the RV32 ELF; it is also the guest's argv[0]
 * @param elfArgs the guest's arguments after argv[0]
 */
export async function runQemuPlugin(
  name: string,
  args: string,
  elf: string,
  elfArgs: readonly string[] = [],
): Promise<QemuPluginRun> {
  const log = `${tempDir()}/log`;
  const run = await runQemu(elf, elfArgs, {
    plugin: qemuPluginSpec(name, args),
    qemuArgs: ["-d", "plugin", "-D", log],
  });
  return { ...run, log: Deno.readTextFileSync(log) };
}

/**
 * What a QEMU oracle plugin logs for a guest: {@linkcode runQemuPlugin}'s `log`.
 * @param name the oracle's file name in `tests/qemu_plugins/` without `.c`
 * @param args its arguments, each with a leading comma (`",k=v,k2=v2"`), or ""
 * @param elf path of the RV32 ELF
 * @param elfArgs the guest's arguments after argv[0]
 */
export async function qemuPluginLog(
  name: string,
  args: string,
  elf: string,
  elfArgs: readonly string[] = [],
): Promise<string> {
  return (await runQemuPlugin(name, args, elf, elfArgs)).log;
}

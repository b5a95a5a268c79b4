/**
 * Shared helpers of rvplug's test suites: run a guest through the library with captured streams,
 * run the same guest under qemu-riscv32 (the oracle), build QEMU plugins, run a plugin of
 * `plugins/` and its QEMU oracle on the same guest, cross-assemble RISC-V snippets, and read the
 * example test cases of `examples/expected/`.
 *
 * Every external tool is optional: each helper that needs one says how it reports its absence, so
 * a test can skip (with one printed reason) instead of failing on a machine without it.
 * @module
 */

import { assert, assertRejects } from "@std/assert";
import { Machine, type RunResult } from "../mod.ts";
import { type PluginRun, runWithPlugins } from "../testing.ts";

/** The repository root (this file lives in `tests/`). */
export const REPO_ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The qemu-user binary used as the oracle. */
export const QEMU = "qemu-riscv32";

/** Flags that make `riscv64-unknown-elf-gcc` produce a bare RV32IMAC Linux user-mode program. */
export const CROSS_FLAGS: readonly string[] = [
  "-march=rv32imac_zicsr_zifencei",
  "-mabi=ilp32",
  "-nostdlib",
  "-static",
  "-Wl,-Ttext=0x10000",
];

const CROSS_GCC = "riscv64-unknown-elf-gcc";

/**
 * The path of an example program built by `make -C examples`.
 * @param name the program's name, e.g. `hello` for `examples/build/hello.elf`
 */
export function exampleElf(name: string): string {
  return `${REPO_ROOT}/examples/build/${name}.elf`;
}

/** The example program that prints a greeting: a short guest every plugin can run. */
export const HELLO: string = exampleElf("hello");

/** Options of {@linkcode runGuest}. */
export interface GuestRunOptions {
  /** Arguments after argv[0] (which is the ELF path). @default {[]} */
  args?: readonly string[];
  /** The exact guest environment, in order, as `NAME=value` strings. @default {[]} */
  env?: readonly string[];
  /** Standard input; without it the guest reads end of file at once, like `/dev/null`. */
  stdin?: string | Uint8Array;
  /** Execution engine. @default {"translate"} */
  engine?: "translate" | "interp";
  /** Instruction limit. @default {Infinity} */
  maxInsns?: number;
}

/** What a guest run through the library produced. */
export interface GuestRun {
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard output, raw. */
  stdoutBytes: Uint8Array;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
  /** Exit status as a shell sees it (128 + N for death by signal N). */
  status: number;
  /** Why the run ended. */
  reason: RunResult["reason"];
  /** The fatal signal, if any. */
  signal?: number;
  /** The fault that raised the signal, if one did: its kind, pc and the address involved. */
  fault?: { kind: string; pc: number; addr: number };
  /** Instructions retired. */
  instret: number;
  /** A copy of x0..x31 at the end of the run. */
  regs: Int32Array;
  /** The pc at the end of the run. */
  pc: number;
}

/** Collects written chunks and joins them once. */
class Sink {
  #chunks: Uint8Array[] = [];
  write = (bytes: Uint8Array): void => {
    this.#chunks.push(bytes.slice());
  };
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of this.#chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** A stdin callback that serves `input` and then end of file. */
function stdinFrom(input: string | Uint8Array | undefined): (buf: Uint8Array) => number | null {
  const data = typeof input === "string"
    ? new TextEncoder().encode(input)
    : input ?? new Uint8Array();
  let pos = 0;
  return (buf) => {
    if (pos >= data.length) return null;
    const n = Math.min(buf.length, data.length - pos);
    buf.set(data.subarray(pos, pos + n));
    pos += n;
    return n;
  };
}

/**
 * Runs a guest ELF with the library API, capturing its standard streams.
 * @param elfPath path of the RV32 ELF; it is also the guest's argv[0]
 * @param options arguments, environment, stdin, engine and instruction limit
 * @returns the captured output, the exit status and the final architectural state
 */
export function runGuest(elfPath: string, options: GuestRunOptions = {}): GuestRun {
  const out = new Sink(), err = new Sink();
  const machine = new Machine({
    engine: options.engine ?? "translate",
    maxInsns: options.maxInsns,
    // The translator's tests test compiled code: no region entry runs in the interpreter first.
    coldRuns: 0,
    io: { stdin: stdinFrom(options.stdin), stdout: out.write, stderr: err.write },
  });
  machine.load(Deno.readFileSync(elfPath), {
    argv: [elfPath, ...(options.args ?? [])],
    env: [...(options.env ?? [])],
    name: elfPath,
  });
  let result: RunResult;
  try {
    result = machine.run();
  } finally {
    machine.syscalls.close();
  }
  const stdoutBytes = out.bytes();
  const decoder = new TextDecoder();
  return {
    stdout: decoder.decode(stdoutBytes),
    stdoutBytes,
    stderr: decoder.decode(err.bytes()),
    status: result.status,
    reason: result.reason,
    signal: result.signal,
    fault: result.fault &&
      { kind: result.fault.kind, pc: result.fault.pc, addr: result.fault.addr },
    instret: result.instret,
    regs: machine.cpu.x.slice(),
    pc: machine.cpu.pc >>> 0,
  };
}

/** Runs `cmd args` and reports whether it could be started and exited 0. */
function commandWorks(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Memoizes a function of no arguments. */
function once<T>(f: () => T): () => T {
  let done = false, value: T;
  return () => {
    if (!done) value = f(), done = true;
    return value;
  };
}

/** Whether `qemu-riscv32` can be run (checked once per test process). */
export const qemuAvailable: () => boolean = once(() => commandWorks(QEMU, ["--version"]));

/** Whether the host C compiler can be run (checked once per test process). */
export const hostGccAvailable: () => boolean = once(() => commandWorks("gcc", ["--version"]));

/** Whether the RISC-V cross toolchain can be run (checked once per test process). */
export const crossGccAvailable: () => boolean = once(() => commandWorks(CROSS_GCC, ["--version"]));

/** The tools whose absence this test file has reported already. */
const skipNotices = new Set<string>();

/**
 * Returns why tests needing `tools` must be skipped, or undefined when all are present; prints
 * once per missing tool and test file (each file runs in its own isolate) that the tests needing
 * it are skipped. Use as `ignore: skipReason("qemu") !== undefined`.
 * @param tools the tools the tests need
 */
export function skipReason(...tools: ("qemu" | "gcc" | "cross-gcc")[]): string | undefined {
  const names = { qemu: QEMU, gcc: "gcc", "cross-gcc": CROSS_GCC };
  const missing = tools.filter((t) =>
    t === "qemu" ? !qemuAvailable() : t === "gcc" ? !hostGccAvailable() : !crossGccAvailable()
  ).map((t) => names[t]);
  for (const tool of missing) {
    if (skipNotices.has(tool)) continue;
    skipNotices.add(tool);
    console.warn(`rvplug tests: ${tool} not found; skipping the tests that need it`);
  }
  return missing.length ? `${missing.join(", ")} not found` : undefined;
}

const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone, or busy: it is only a temporary directory.
    }
  }
});

/**
 * Creates a temporary directory that is removed when the test process ends. Within a test
 * process all of them have paths of the same length, so a guest given one as an argument runs
 * the same instruction count whichever it gets.
 * @param prefix the start of the directory's name
 */
export function tempDir(prefix = "rvplug_test_"): string {
  // Deno.makeTempDirSync's random suffix varies in length, so make fixed-length names under one
  // root per test process.
  if (tempDirs.length === 0) tempDirs.push(Deno.makeTempDirSync({ prefix: "rvplug_" }));
  const dir = `${tempDirs[0]}/${prefix}${crypto.randomUUID().slice(0, 8)}`;
  Deno.mkdirSync(dir);
  return dir;
}

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

/**
 * Runs `cmd args` to its end with `input` on its standard input (`/dev/null` without it) and
 * collects its output.
 * @param cmd the program
 * @param args its arguments
 * @param options its working directory, whether its environment is cleared, its input
 */
async function runCommand(
  cmd: string,
  args: readonly string[],
  options: { cwd: string; clearEnv: boolean; input?: string | Uint8Array },
): Promise<Deno.CommandOutput> {
  const { input } = options;
  const child = new Deno.Command(cmd, {
    args: [...args],
    cwd: options.cwd,
    clearEnv: options.clearEnv,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(typeof input === "string" ? new TextEncoder().encode(input) : input);
    await w.close();
  }
  return await child.output();
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

/**
 * The URL of rvplug's plugin `plugins/<name>.ts`, to start a plugin spec with.
 * @param name the plugin's file name without `.ts`
 */
export function pluginUrl(name: string): string {
  return new URL(`../plugins/${name}.ts`, import.meta.url).href;
}

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

/**
 * Assembles and links a RISC-V assembly program into a static RV32IMAC ELF (text at 0x10000,
 * no libraries: the source provides `_start`).
 * @param source the assembly text
 * @returns the ELF's path in a temporary directory, or undefined when the toolchain is missing
 * @throws Error with the assembler's messages when the source does not assemble
 */
export async function crossAssemble(source: string): Promise<string | undefined> {
  if (!crossGccAvailable()) return undefined;
  const dir = tempDir("rvplug_asm_");
  await Deno.writeTextFile(`${dir}/prog.S`, source);
  const r = await new Deno.Command(CROSS_GCC, {
    args: [...CROSS_FLAGS, "-o", `${dir}/prog.elf`, `${dir}/prog.S`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(`Cannot assemble:\n${new TextDecoder().decode(r.stderr)}`);
  }
  return `${dir}/prog.elf`;
}

/**
 * A guest of a counted loop: `li t0, 10`, 10 trips of `addi t0, t0, -1; bnez t0, loop`, then
 * exit(0); 24 instructions retire. The assembler compresses what it can (the `li`s and the
 * `addi`): `_start` is at 0x10000, `loop` at 0x10002, the exit at 0x10008.
 */
export const COUNTED_LOOP = `
    .globl _start
_start:
    li   t0, 10
loop:
    addi t0, t0, -1
    bnez t0, loop
    li   a0, 0
    li   a7, 93
    ecall
`;

/**
 * A guest of three blocks that run, of 2 uncompressed instructions each: `_start` (0x10000),
 * whose branch to `dead` is never taken; `loop` (0x10008), which runs 3 times; and the exit
 * (0x10010). `dead` is translated with its neighbours, never run.
 */
export const LOOP_AND_DEAD_BLOCK = `
    .option norvc
    .globl _start
_start:
    li    a0, 3
    beqz  a0, dead
loop:
    addi  a0, a0, -1
    bnez  a0, loop
    li    a7, 93
    ecall
dead:
    li    a0, 1
    li    a7, 93
    ecall
`;

/** One test case of `examples/expected/` (see examples/README.md). */
export interface ExampleCase {
  /** The case name, e.g. `segv.read`. */
  name: string;
  /** The program's path, `examples/build/<name up to its first '.'>.elf`, from the repo root. */
  elf: string;
  /** Arguments after argv[0], with `@TMP@` still in them (see {@linkcode expandArgs}). */
  args: string[];
  /** The process environment qemu was given, in file order (the guest sees it reversed). */
  env: string[];
  /** Standard input, if the case has one. */
  stdin?: Uint8Array;
  /** Expected standard output. */
  out: string;
  /** Expected standard error. */
  err: string;
  /** Expected exit status. */
  status: number;
}

function readLines(path: string): string[] | undefined {
  try {
    const text = Deno.readTextFileSync(path);
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

function readOptional(path: string): Uint8Array | undefined {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Reads every test case of `examples/expected/`, sorted by name. */
export function exampleCases(): ExampleCase[] {
  const dir = `${REPO_ROOT}/examples/expected`;
  const names = [...Deno.readDirSync(dir)]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".status"))
    .map((n) => n.slice(0, -".status".length))
    .sort();
  return names.map((name) => ({
    name,
    elf: exampleElf(name.split(".")[0]),
    args: readLines(`${dir}/${name}.args`) ?? [],
    env: (readLines(`${dir}/${name}.env`) ?? []).filter((e) => e !== ""),
    stdin: readOptional(`${dir}/${name}.stdin`),
    out: Deno.readTextFileSync(`${dir}/${name}.out`),
    err: readOptional(`${dir}/${name}.err`) ? Deno.readTextFileSync(`${dir}/${name}.err`) : "",
    status: Number(Deno.readTextFileSync(`${dir}/${name}.status`).trim()),
  }));
}

/**
 * Replaces `@TMP@` in a case's arguments with a fresh temporary directory (one per call).
 * @param args the arguments of an {@linkcode ExampleCase}
 */
export function expandArgs(args: readonly string[]): string[] {
  if (!args.some((a) => a.includes("@TMP@"))) return [...args];
  const dir = tempDir();
  return args.map((a) => a.replaceAll("@TMP@", dir));
}

/** Formats a number as `0x` and as many hex digits as it needs. */
export function hex(v: number): string {
  return "0x" + v.toString(16);
}

/** Formats a 32-bit value as `0x` and 8 hex digits. */
export function hex32(v: number): string {
  return "0x" + (v >>> 0).toString(16).padStart(8, "0");
}

/** What a run of the `rvplug` command line produced. */
export interface CliRun {
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
  /** The process exit status. */
  status: number;
}

/** Options of {@linkcode runCli}. */
export interface CliRunOptions {
  /**
   * The exact process environment, in order, set through `env -i` (Deno needs `HOME` to find
   * its cache). @default {the test process's environment}
   */
  env?: readonly string[];
  /** Standard input; without it `/dev/null`. */
  stdin?: string;
}

/**
 * Runs `deno run -A mod.ts ...args` in the repository root, as a user would run the CLI.
 * @param args the command line after `mod.ts`
 * @param options the process environment and stdin
 */
export async function runCli(
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<CliRun> {
  const deno = [Deno.execPath(), "run", "-A", "mod.ts", ...args];
  const [cmd, ...cmdArgs] = options.env === undefined
    ? deno
    : ["env", "-i", ...options.env, ...deno];
  const r = await runCommand(cmd, cmdArgs, {
    cwd: REPO_ROOT,
    clearEnv: options.env !== undefined,
    input: options.stdin,
  });
  const decoder = new TextDecoder();
  return { stdout: decoder.decode(r.stdout), stderr: decoder.decode(r.stderr), status: r.code };
}

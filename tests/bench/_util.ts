/**
 * Helpers of the benchmark: timing of in-process runs and of subprocesses, building the C plugins,
 * the environment description, and plain-text tables.
 * @module
 */

import process from "node:process";
import { loadPlugin, Machine, parsePluginSpec } from "../../mod.ts";
import { REPO_ROOT } from "../_files.ts";
import { buildQemuPlugin } from "../_qemu_plugins.ts";
import { QEMU } from "../_tools.ts";

export { QEMU, REPO_ROOT };

/**
 * A time measurement in milliseconds: wall-clock time, and CPU time when it can be read (for an
 * in-process run: on-CPU time of the main thread, from /proc/self/task/PID/schedstat; for a
 * subprocess: its user + system time, all threads). On a shared machine the CPU time is the
 * stable one: wall time also counts the time spent waiting for a CPU.
 */
export interface Sample {
  wall: number;
  cpu?: number;
  /** Run-queue wait of the main thread (in-process runs only). */
  wait?: number;
  /** Peak resident set size in MB (subprocesses, when GNU time is installed). */
  rssMb?: number;
}

/** Which time the tables use. */
export type Clock = "cpu" | "wall";

/** The time of `s` on `clock` (wall time when the CPU time is unknown). */
export function timeOf(s: Sample, clock: Clock): number {
  return clock === "cpu" && s.cpu !== undefined ? s.cpu : s.wall;
}

/** The best (smallest) time of the samples on `clock`; NaN for none. */
export function best(samples: readonly Sample[], clock: Clock): number {
  return samples.length ? Math.min(...samples.map((s) => timeOf(s, clock))) : NaN;
}

const SCHEDSTAT = `/proc/self/task/${Deno.pid}/schedstat`;

/** Main-thread [on-CPU, waiting] nanoseconds so far, if the kernel tells. */
function schedstat(): [number, number] | undefined {
  try {
    const [run = NaN, wait = NaN] = Deno.readTextFileSync(SCHEDSTAT).split(" ").map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? [run, wait] : undefined;
  } catch {
    return undefined;
  }
}

function sampleSince(t0: number, s0: [number, number] | undefined): Sample {
  const wall = performance.now() - t0;
  const s1 = s0 && schedstat();
  if (!s0 || !s1) return { wall };
  return { wall, cpu: (s1[0] - s0[0]) / 1e6, wait: (s1[1] - s0[1]) / 1e6 };
}

/**
 * CPU ms used so far by this process's own threads: the main thread, Workers (ended ones too) and
 * Deno's I/O threads, but not V8's shared background threads (optimizing compiler, GC), whose
 * share varies widely from run to run, and which the main-thread clock leaves out too.
 */
export function cpuWithoutBackgroundMs(): number {
  const { user, system } = process.cpuUsage();
  let background = 0;
  for (const task of Deno.readDirSync("/proc/self/task")) {
    try {
      const dir = `/proc/self/task/${task.name}`;
      if (!Deno.readTextFileSync(`${dir}/comm`).startsWith("V8 ")) continue;
      background += Number(Deno.readTextFileSync(`${dir}/schedstat`).split(" ")[0]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return (user + system) / 1e3 - background / 1e6;
}

/**
 * Whether CPU times can be measured: the main thread's schedstat for in-process runs and bash's
 * `time` for subprocesses.
 */
export function cpuClockAvailable(): boolean {
  if (!schedstat()) return false;
  try {
    return new Deno.Command("bash", { args: ["-c", "exit 0"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** One in-process run of a guest. */
export interface InProcessRun {
  /** `run()` (translation is lazy and happens inside it). */
  run: Sample;
  /** `new Machine`, `load()`, plugin installation and `run()`. */
  total: Sample;
  instret: number;
  status: number;
  stdout: string;
  /** What plugins wrote with `api.outs`. */
  log: string;
  /** Regions and blocks translated (`machine.translator.stats`). */
  regions: number;
  blocks: number;
}

/** Options of {@linkcode runInProcess}. */
export interface InProcessOptions {
  engine?: "translate" | "interp";
  /** Plugin specs (`path[,key=value...]`, paths relative to the repository root). */
  plugins?: readonly string[];
}

/**
 * Runs `elf` with `args` through the library, with stdin at end of file and its output captured
 * (it is small), and times it.
 */
export async function runInProcess(
  elf: string,
  bytes: Uint8Array,
  args: readonly string[],
  options: InProcessOptions = {},
): Promise<InProcessRun> {
  const decoder = new TextDecoder();
  let stdout = "", log = "";
  const t0 = performance.now(), s0 = schedstat();
  const machine = new Machine({
    engine: options.engine ?? "translate",
    exePath: elf,
    log: (text) => (log += text),
    io: {
      stdin: () => null,
      stdout: (b) => (stdout += decoder.decode(b)),
      stderr: () => {},
    },
  });
  machine.load(bytes, { argv: [elf, ...args], env: [], name: elf });
  for (const spec of options.plugins ?? []) {
    await loadPlugin(machine.plugins, parsePluginSpec(`${REPO_ROOT}/${spec}`));
  }
  const t1 = performance.now(), s1 = schedstat();
  let result;
  try {
    result = machine.run();
  } finally {
    machine.syscalls.close();
  }
  const run = sampleSince(t1, s1), total = sampleSince(t0, s0);
  const { regions, blocks } = machine.translator.stats;
  return {
    run,
    total,
    instret: result.instret,
    status: result.status,
    stdout,
    log,
    regions,
    blocks,
  };
}

/** One timed subprocess. */
export interface ProcessRun {
  time: Sample;
  /** Exit status (128 + N for death by signal N). */
  status: number;
  stderr: string;
}

const TIME_MARK = "@@rvplug-bench-time";
const RSS_MARK = "@@rvplug-bench-rss";
/** GNU time, which reports a child's peak RSS (`%M`), if installed. */
const GNU_TIME = (() => {
  try {
    return Deno.statSync("/usr/bin/time").isFile ? "/usr/bin/time" : undefined;
  } catch {
    return undefined;
  }
})();

/** Options of {@linkcode runProcess}. */
export interface ProcessOptions {
  /** Measure the peak RSS (with GNU time, when installed) also without `cpu`. */
  rss?: boolean;
  /** Words run before the command, the command as their argument (`["chrt", "-f", "10"]`). */
  prefix?: readonly string[];
}

/**
 * Runs `cmd args` in the repository root with stdin and stdout on /dev/null and stderr captured,
 * and times it: under bash's `time` when `cpu` (wall, user and system time, in ms), else by the
 * wall clock only (from spawn to exit, as hyperfine does). With GNU time installed, also measures
 * the peak RSS when `cpu` or `options.rss`.
 */
export async function runProcess(
  cmd: string,
  args: readonly string[],
  cpu: boolean,
  options: ProcessOptions = {},
): Promise<ProcessRun> {
  const command = [...(options.prefix ?? []), cmd];
  const rss = GNU_TIME && (cpu || options.rss) ? [GNU_TIME, "-f", `${RSS_MARK} %M`] : [];
  const argv = cpu
    ? [
      "bash",
      "-c",
      `TIMEFORMAT="${TIME_MARK} %3R %3U %3S"; time "$@" >/dev/null`,
      "bench",
      ...rss,
      ...command,
    ]
    : [...rss, ...command];
  const child = new Deno.Command(argv[0]!, {
    args: [...argv.slice(1), ...args],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
  const t0 = performance.now();
  const out = await child.output();
  const wall = performance.now() - t0;
  const status = out.signal ? 128 + signalNumber(out.signal) : out.code;
  let stderr = new TextDecoder().decode(out.stderr);
  const time: Sample = { wall };
  const at = cpu ? stderr.lastIndexOf(TIME_MARK) : -1;
  if (at >= 0) {
    const [real = NaN, user = NaN, sys = NaN] = stderr.slice(at + TIME_MARK.length).trim()
      .split(/\s+/).map(Number);
    stderr = stderr.slice(0, at);
    time.wall = real * 1e3;
    time.cpu = (user + sys) * 1e3;
  }
  const rssAt = rss.length > 0 ? stderr.lastIndexOf(RSS_MARK) : -1;
  if (rssAt >= 0) {
    time.rssMb = Number(stderr.slice(rssAt + RSS_MARK.length).trim().split(/\s+/)[0]) / 1024;
    stderr = stderr.slice(0, rssAt);
  }
  return { time, status, stderr };
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGILL: 4,
    SIGTRAP: 5,
    SIGABRT: 6,
    SIGBUS: 7,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 0;
}

/** The first line `cmd args` prints, or undefined when it cannot run or fails. */
export function firstLine(cmd: string, args: readonly string[]): string | undefined {
  try {
    const out = new Deno.Command(cmd, { args: [...args], stdout: "piped", stderr: "null" })
      .outputSync();
    if (!out.success) return undefined;
    return new TextDecoder().decode(out.stdout).split("\n")[0]!.trim();
  } catch {
    return undefined;
  }
}

/** The C plugins of `tests/bench/qemu_plugins/`, built. */
export interface QemuPlugins {
  /** Shared objects by plugin name (`insn_inline`, `tb_cb`, `insn_cb`). */
  readonly so: Record<QemuPluginName, string>;
}

/** The C plugins bench.ts uses. */
export const QEMU_PLUGIN_NAMES = ["insn_inline", "tb_cb", "insn_cb"] as const;

/** The name of a C plugin bench.ts uses. */
export type QemuPluginName = (typeof QEMU_PLUGIN_NAMES)[number];

/**
 * Builds the C plugins (with the tests' {@linkcode buildQemuPlugin}: `gcc -shared -fPIC -O2`,
 * into a temporary directory removed at exit).
 * @returns the plugins, or a reason why they could not be built
 */
export function buildQemuPlugins(): QemuPlugins | string {
  const so: Partial<Record<QemuPluginName, string>> = {};
  for (const name of QEMU_PLUGIN_NAMES) {
    let path: string | undefined;
    try {
      path = buildQemuPlugin(name, `${REPO_ROOT}/tests/bench/qemu_plugins`);
    } catch (e) {
      return `gcc failed on ${name}.c: ${(e as Error).message.split("\n")[1] ?? ""}`;
    }
    if (path === undefined) return "gcc not found";
    so[name] = path;
  }
  return { so: so as Record<QemuPluginName, string> };
}

/**
 * The `key: N` (or `total key: N`, as plugins/insn.ts prints with inline=off) line a counting
 * plugin prints, as a number; undefined without one.
 */
export function countLine(text: string, key: string): number | undefined {
  const m = text.match(new RegExp(`^(?:total )?${key}: (\\d+)$`, "m"));
  return m ? Number(m[1]) : undefined;
}

/** Geometric mean; NaN for an empty list. */
export function geomean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

/** Formats a number with `digits` decimals, or `n/a` for NaN/undefined. */
export function fmt(v: number | undefined, digits = 0): string {
  if (v === undefined || !Number.isFinite(v)) return "n/a";
  return v.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A signed percentage (`+4.2%`), or `n/a`. */
export function pct(v: number | undefined, digits = 1): string {
  if (v === undefined || !Number.isFinite(v)) return "n/a";
  return `${v >= 0 ? "+" : ""}${(v * 100).toFixed(digits)}%`;
}

/** A ratio (`2.35x`), or `n/a`. */
export function times(v: number | undefined, digits = 2): string {
  if (v === undefined || !Number.isFinite(v)) return "n/a";
  return `${v.toFixed(digits)}x`;
}

/**
 * A plain-text table: the first column left-aligned, the others right-aligned; an empty row is a
 * rule.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const out = [line(headers), rule];
  for (const r of rows) out.push(r.length === 0 ? rule : line(r));
  return out.join("\n");
}

/** What the benchmark ran on. */
export interface Environment {
  date: string;
  deno: string;
  v8: string;
  typescript: string;
  target: string;
  cpu: string;
  cores: number;
  /** /proc/loadavg at start (1, 5, 15 minutes). */
  loadavg: string;
  qemu: string | undefined;
  gcc: string | undefined;
}

/** Describes the host. */
export function environment(): Environment {
  let cpu = "unknown", loadavg = "unknown";
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    cpu = info.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpu;
  } catch {
    // Not Linux.
  }
  loadavg = readLoadavg() ?? loadavg;
  return {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    target: Deno.build.target,
    cpu,
    cores: navigator.hardwareConcurrency,
    loadavg,
    qemu: firstLine(QEMU, ["--version"]),
    gcc: firstLine("gcc", ["--version"]),
  };
}

/** The first three fields of /proc/loadavg, if readable. */
export function readLoadavg(): string | undefined {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return undefined;
  }
}

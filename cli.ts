/**
 * The `rvplug` command line, qemu-user style: `rvplug [options] program [args...]`.
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { hex, PluginError } from "./core/errors.ts";
import { Machine, type RunResult } from "./core/machine.ts";
import { type HostSignals, listenHostSignals, runSliced } from "./core/host_signals.ts";
import { signalDescription } from "./core/signals.ts";
import {
  linkPlugins,
  loadPlugins,
  moduleUrl,
  parsePluginSpec,
  type PluginSpec,
} from "./core/plugin/loader.ts";
// The sandbox's modules, qpp/list.ts, the GDB stub and @std/path are imported where they are
// used: a run without plugins does not need them, and loading them is start-up time.

/** rvplug's version, printed by `--version`. */
export const VERSION = "0.1.0";

const USAGE = `Usage: rvplug [options] program [arguments...]
Runs a static RISC-V RV32IMAC Linux executable, like qemu-riscv32.

Options:
  -h, --help          show this help and exit
  -V, --version       show the version and exit
  -E VAR=value        set a variable in the guest environment (repeatable)
  -U VAR              remove a variable from the guest environment (repeatable)
  --strace            log each system call to stderr (qemu -strace format)
  -d ITEMS            log ITEMS to stderr (or the -D file), comma-separated: in_asm (guest
                      code as translated), plugin (accepted: plugin output is always logged)
  -D FILE             write the log (-d items and plugin output) to FILE instead of stderr
  --interp            run with the reference interpreter instead of the translator
  --max-insns N       stop after N guest instructions (exit status 124)
  --stats             print guest instructions, translated blocks, time and MIPS at exit
  --check             type-check the plugins (and what they import) with deno check first
  --plugin SPEC       load a plugin (repeatable): SPEC is PATH_OR_URL[,key=value...]; plugins
                      are ES modules exporting install(api, args), named after their file;
                      the plugins they use (qppUses) are loaded too, from beside them or from
                      rvplug's plugins/. Loader options in SPEC, not passed to the plugin:
                        name=NAME   load it under NAME instead of its file name (two plugins
                                    with one file name, or one plugin twice)
  --qpp-list          load and link the --plugin plugins, print their QPP interfaces
                      (functions and callbacks with parameter types, versions) and who uses
                      what, and exit without running a program
  --progress          show guest instructions, MIPS and time on one live line of stderr (when
                      it is a terminal)
  -g PORT             wait for gdb on 127.0.0.1:PORT before the first instruction (GDB remote
                      protocol; also from the QEMU_GDB environment variable)

Sandbox options, in a --plugin SPEC too (loader options, not passed to the plugin):
  sandbox=on|off      run the plugin in its own Worker with only the permissions granted
                      below: on by default for http(s):, jsr: and npm: plugins, off for files
  trust=on            run a remote plugin in-process, with all of rvplug's permissions
  allow-read=PATH     let a sandboxed plugin read PATH; likewise allow-write=PATH,
                      allow-net=HOST[:PORT], allow-env=VAR, allow-run=CMD, allow-import=HOST
                      and allow-sys=NAME (each repeatable). Nothing else is granted, except
                      reading a local plugin's own folder or importing from a remote one's host
  timeout=SECONDS     how long a sandboxed plugin may take to answer (default 20; to load, 60)
  lock=FILE           pin a remote plugin's modules in FILE (a Deno lockfile): the first run
                      records them, later runs refuse a changed module; refresh=on downloads
                      it again and checks it, update=on downloads it again and pins what comes
A sandboxed plugin that is denied something is reported and the guest run goes on; one that
throws or stops answering ends the run as an in-process plugin that throws does (exit status 3).
Through QPP a sandboxed plugin provides and uses interfaces as an in-process plugin does.
Deno must never ask you on a terminal to grant a sandboxed plugin more, nor record remote plugins
in the project's deno.lock: when Deno was started without --no-prompt (sandboxed plugin, stdin
and stderr terminals) or without --no-lock (remote plugin), rvplug runs itself once more with
them added (same arguments, same terminal, its exit status), or refuses where it cannot.

The guest environment is the host's (like qemu-user), changed by -E and -U.
Exit status: the guest's own; 128+N when a signal N kills it; 124 when --max-insns stops it;
1 when the program or a plugin cannot be loaded; 2 for a bad command line; 3 when a plugin
fails during the run.`;

/** The modules that run {@linkcode main} as the command: only they may run it again. */
const ENTRIES = [new URL("./mod.ts", import.meta.url).href, import.meta.url];

/** Exit status when --max-insns stops the guest (as `timeout` uses for its limit). */
export const EXIT_MAX_INSNS = 124;
/** Exit status for a bad command line. */
export const EXIT_USAGE = 2;
/** Exit status when the program or a plugin cannot be loaded. */
export const EXIT_LOAD = 1;
/** Exit status when a plugin throws during the run. */
export const EXIT_PLUGIN = 3;

/** A mistake on the command line: printed without a stack trace, exit status 2. */
class UsageError extends TypeError {}

interface CliOptions {
  program: string;
  args: string[];
  env: string[];
  strace: boolean;
  inAsm: boolean;
  logFile?: string;
  engine: "translate" | "interp";
  maxInsns?: number;
  stats: boolean;
  check: boolean;
  plugins: PluginSpec[];
  gdbPort?: number;
  progress: boolean;
}

/** QEMU's single-dash spellings, accepted before the program name. */
const QEMU_SPELLINGS: Record<string, string> = { "-plugin": "--plugin", "-strace": "--strace" };

async function parseCommandLine(
  argv: string[],
): Promise<CliOptions | "help" | "version" | { qppList: PluginSpec[] }> {
  argv = qemuSpellings(argv);
  const flags = parseArgs(argv, {
    boolean: ["help", "version", "strace", "interp", "stats", "qpp-list", "progress", "check"],
    string: ["E", "U", "d", "D", "max-insns", "plugin", "g"],
    collect: ["E", "U", "plugin"],
    alias: { h: "help", V: "version" },
    stopEarly: true,
    unknown: (arg: string) => {
      if (arg.startsWith("-")) throw new UsageError(`Cannot parse "${arg}": unknown option`);
      return true;
    },
  });
  if (flags.help) return "help";
  if (flags.version) return "version";
  const pluginArgs = flags.plugin as string[];
  const sandbox = pluginArgs.length === 0
    ? undefined
    : await import("./core/plugin/sandbox/options.ts");
  const plugins = pluginArgs.map((spec) => {
    try {
      const parsed = parsePluginSpec(spec);
      sandbox?.splitLoaderOptions(parsed.args); // checks the sandbox's options now
      return parsed;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
  if (flags["qpp-list"]) {
    if (plugins.length === 0) throw new UsageError("Cannot list QPP interfaces: no --plugin given");
    return { qppList: plugins };
  }
  const [program, ...args] = flags._.map(String);
  if (!program) throw new UsageError("Cannot run: no program given (see --help)");
  if (flags.interp && (flags.plugin as string[]).length > 0) {
    throw new UsageError("Cannot run plugins with --interp: plugins instrument translated code");
  }
  let maxInsns: number | undefined;
  if (flags["max-insns"] !== undefined) {
    maxInsns = Number(flags["max-insns"]);
    if (!Number.isSafeInteger(maxInsns) || maxInsns < 0) {
      throw new UsageError(`Cannot parse --max-insns "${flags["max-insns"]}": expected a count`);
    }
  }
  const gdb = flags.g ?? envVar("QEMU_GDB");
  let gdbPort: number | undefined;
  if (gdb !== undefined) {
    gdbPort = Number(gdb);
    if (!/^\d+$/.test(gdb) || gdbPort < 1 || gdbPort > 65535) {
      throw new UsageError(`Cannot parse -g "${gdb}": expected a TCP port`);
    }
  }
  // Only a run with plugins is ever rvplug's own re-run, with the marker in its environment.
  const reexecMarker = plugins.length === 0
    ? undefined
    : (await import("./core/plugin/sandbox/_reexec.ts")).REEXEC_ENV;
  const logItems = flags.d === undefined ? [] : String(flags.d).split(",");
  for (const item of logItems) {
    if (item !== "in_asm" && item !== "plugin") {
      throw new UsageError(`Cannot parse -d "${item}": unknown log item (in_asm, plugin)`);
    }
  }
  return {
    program,
    args,
    env: guestEnvironment(argv, reexecMarker),
    strace: flags.strace,
    inAsm: logItems.includes("in_asm"),
    logFile: flags.D,
    engine: flags.interp ? "interp" : "translate",
    maxInsns,
    gdbPort,
    progress: flags.progress,
    stats: flags.stats,
    check: flags.check,
    plugins,
  };
}

/** Rewrites QEMU's single-dash options (before the program name) to rvplug's. */
function qemuSpellings(argv: string[]): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length && out[i]!.startsWith("-"); i++) {
    const arg = QEMU_SPELLINGS[out[i]!] ?? out[i]!;
    out[i] = arg;
    if (VALUE_OPTIONS.has(arg)) i++;
  }
  return out;
}

/** A host environment variable, or undefined when unset or not permitted. */
function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** The host environment in its real order (`Deno.env` is unordered), or [] without permission. */
function hostEnvironment(): [string, string][] {
  try {
    const text = Deno.readTextFileSync("/proc/self/environ");
    return text.split("\0").filter((v) => v.includes("=")).map((v) => {
      const eq = v.indexOf("=");
      return [v.slice(0, eq), v.slice(eq + 1)];
    });
  } catch {
    // Not Linux, or no read permission: fall back to Deno.env.
  }
  try {
    return Object.entries(Deno.env.toObject());
  } catch {
    return []; // without --allow-env the guest gets only what -E gives it
  }
}

/** Options that take a value, as parseCommandLine declares them. */
const VALUE_OPTIONS = new Set(["-E", "-U", "-d", "-D", "--max-insns", "--plugin", "-g"]);

/**
 * The guest environment as qemu-user builds it: the host's variables in reverse order, then each
 * -E (which puts its variable first) and -U in command-line order, without `hidden` (the marker
 * of rvplug's own re-run, which is not the guest's business).
 */
function guestEnvironment(argv: string[], hidden: string | undefined): string[] {
  let env = hostEnvironment().filter(([name]) => name !== hidden).reverse();
  for (let i = 0; i < argv.length && argv[i]!.startsWith("-"); i++) {
    const [opt = "", inline] = argv[i]!.split(/=(.*)/s, 2);
    if (!VALUE_OPTIONS.has(opt)) continue;
    // parseCommandLine has refused an option without its value.
    const value = inline ?? argv[++i] ?? "";
    if (opt === "-U") env = env.filter(([name]) => name !== value);
    if (opt !== "-E") continue;
    const eq = value.indexOf("=");
    if (eq <= 0) throw new UsageError(`Cannot parse -E "${value}": expected VAR=value`);
    const name = value.slice(0, eq);
    env = [[name, value.slice(eq + 1)], ...env.filter(([n]) => n !== name)];
  }
  return env.map(([name, value]) => `${name}=${value}`);
}

/** Writes text to stderr or to the -D log file. */
function openLog(file: string | undefined): (text: string) => void {
  const encoder = new TextEncoder();
  if (file === undefined) return (text) => writeAll(Deno.stderr, encoder.encode(text));
  const f = Deno.openSync(file, { write: true, create: true, truncate: true });
  return (text) => writeAll(f, encoder.encode(text));
}

function writeAll(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length;) off += w.writeSync(bytes.subarray(off));
}

function report(result: RunResult, log: (text: string) => void): void {
  if (result.signal) {
    const where = result.fault
      ? ` - pc ${hex(result.fault.pc)}, address ${hex(result.fault.addr)}`
      : "";
    log(
      `rvplug: uncaught target signal ${result.signal} (${
        signalDescription(result.signal)
      })${where}\n`,
    );
  } else if (result.reason === "max-insns") {
    log(`rvplug: stopped after ${result.instret} instructions (--max-insns)\n`);
  }
}

/** Prints the QPP interfaces and uses of `specs` (`--qpp-list`). */
async function qppList(specs: PluginSpec[]): Promise<number> {
  const machine = new Machine();
  let plugins;
  try {
    plugins = await linkPlugins(machine.plugins, specs);
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      console.error(`rvplug: ${e.message}`);
      return EXIT_LOAD;
    }
    throw e;
  }
  const { toFileUrl } = await import("@std/path");
  const cwd = toFileUrl(Deno.cwd() + "/").href;
  const { formatQppList } = await import("./qpp/list.ts");
  console.log(
    formatQppList(plugins, (s) => s.startsWith(cwd) ? s.slice(cwd.length) : s).trimEnd(),
  );
  return 0;
}

/**
 * The `--progress` line on stderr: guest instructions, MIPS and elapsed time, redrawn at most
 * four times a second, erased at the end.
 */
function progressLine(): { update: (instret: number) => void; clear: () => void } {
  const start = performance.now();
  let last = start, shown = false;
  const write = (text: string) => writeAll(Deno.stderr, new TextEncoder().encode(text));
  return {
    update(instret) {
      const now = performance.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      const s = (now - start) / 1000;
      write(
        `\rrvplug: ${instret.toLocaleString("en-US")} insns, ${
          (instret / s / 1e6).toFixed(0)
        } MIPS, ${s.toFixed(1)} s\x1b[K`,
      );
    },
    clear() {
      if (shown) write("\r\x1b[K");
      shown = false;
    },
  };
}

/**
 * Runs the command line `argv` and returns the process exit status.
 * @param argv the arguments after the command name
 */
export async function main(argv: string[]): Promise<number> {
  let opts: Awaited<ReturnType<typeof parseCommandLine>>;
  try {
    opts = await parseCommandLine(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`rvplug: ${e.message}`);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (opts === "help") {
    console.log(USAGE);
    return 0;
  }
  if (opts === "version") {
    console.log(`rvplug ${VERSION}`);
    return 0;
  }
  // Deno flags the plugins need and the user's command lacks: run again with them, once.
  const specs = "qppList" in opts ? opts.qppList : opts.plugins;
  if (specs.length > 0) {
    const { missingDenoFlags, reexec, reexecCommand } = await import(
      "./core/plugin/sandbox/_reexec.ts"
    );
    const missing = missingDenoFlags(specs);
    const again = missing.length === 0 ? undefined : reexecCommand(argv, missing, ENTRIES);
    const status = again && await reexec(again);
    if (status !== undefined) return status;
  }
  if ("qppList" in opts) return await qppList(opts.qppList);
  const stderrLog = openLog(undefined);
  let log = stderrLog;
  let bytes: Uint8Array;
  try {
    if (opts.logFile !== undefined) log = openLog(opts.logFile);
    bytes = Deno.readFileSync(opts.program);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    stderrLog(
      `rvplug: Cannot open "${
        opts.logFile && log === stderrLog ? opts.logFile : opts.program
      }": ${why}\n`,
    );
    return EXIT_LOAD;
  }
  const hostSignals = listenHostSignals();
  try {
    return await runProgram(opts, bytes, log, stderrLog, hostSignals);
  } finally {
    hostSignals?.close();
  }
}

async function runProgram(
  opts: CliOptions,
  bytes: Uint8Array,
  log: (text: string) => void,
  stderrLog: (text: string) => void,
  hostSignals: HostSignals | undefined,
): Promise<number> {
  const progress = opts.progress && Deno.stderr.isTerminal() ? progressLine() : undefined;
  const machine = new Machine({
    engine: opts.engine,
    maxInsns: opts.maxInsns,
    strace: opts.strace ? (line) => stderrLog(line + "\n") : undefined,
    inAsm: opts.inAsm ? log : undefined,
    log,
    exePath: opts.program,
    hostSignal: hostSignals,
    onPoll: progress?.update,
    // The guest's writes go on a line of their own, not after the progress line.
    io: progress && {
      stdin: (buf) => Deno.stdin.readSync(buf),
      stdout: (bytes) => (progress.clear(), writeAll(Deno.stdout, bytes)),
      stderr: (bytes) => (progress.clear(), writeAll(Deno.stderr, bytes)),
    },
  });
  try {
    machine.load(bytes, { argv: [opts.program, ...opts.args], env: opts.env, name: opts.program });
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      stderrLog(`rvplug: ${e.message}\n`);
      return EXIT_LOAD;
    }
    throw e;
  }
  if (opts.check) {
    const { typeCheck } = await import("./core/plugin/sandbox/check.ts");
    const report = await typeCheck(
      await Promise.all(opts.plugins.map((p) => moduleUrl(p.specifier))),
    );
    if (report !== undefined) {
      stderrLog(`rvplug: Cannot load plugins: they do not type-check (--check):\n${report}\n`);
      return EXIT_LOAD;
    }
  }
  try {
    await loadPlugins(machine.plugins, opts.plugins);
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      stderrLog(`rvplug: ${e.message}\n`);
      return EXIT_LOAD;
    }
    throw e;
  }
  const start = performance.now();
  let result: RunResult;
  try {
    const debugged = opts.gdbPort === undefined
      ? undefined
      : await (await import("./core/gdb/server.ts")).serveGdb(machine, { port: opts.gdbPort });
    result = debugged ?? await runSliced(machine);
  } catch (e) {
    progress?.clear();
    if (e instanceof PluginError) {
      // The plugin's own frames (file:line) help its author; rvplug's would not.
      const { pluginFrames } = await import("./core/plugin/sandbox/diagnose.ts");
      // Then the other plugins' reports, as when a sandboxed plugin fails: nothing else is lost.
      for (let failed: unknown = e; failed instanceof PluginError;) {
        stderrLog(`rvplug: ${failed.message}${pluginFrames(failed.cause)}\n`);
        try {
          machine.plugins.exit(failed.plugin);
          failed = undefined;
        } catch (next) {
          failed = next;
        }
      }
      return EXIT_PLUGIN;
    }
    if (e instanceof RangeError) { // the gdb port
      stderrLog(`rvplug: ${e.message}\n`);
      return EXIT_LOAD;
    }
    throw e;
  }
  const ms = performance.now() - start;
  progress?.clear();
  report(result, stderrLog);
  if (opts.stats) {
    const t = machine.translator.stats;
    stderrLog(
      `rvplug: ${result.instret} guest insns, ${t.blocks} blocks in ${t.regions} regions translated, ` +
        `${t.invalidations} invalidated, ${ms.toFixed(1)} ms, ${
          (result.instret / ms / 1000).toFixed(1)
        } MIPS\n`,
    );
  }
  return result.reason === "max-insns" ? EXIT_MAX_INSNS : result.status;
}

/**
 * rvplug's benchmark: guest MIPS of the translator, the interpreter and qemu-riscv32 on the bench
 * guests of examples/, the command line end to end, and the overhead of plugins (ours and QEMU's C
 * plugins) over plain runs. Every ratio compares numbers measured in the same run; every number is
 * the best of N repetitions (machines are noisy).
 *
 *     deno task bench                 # full run, best of 3 (a few minutes)
 *     deno task bench --quick         # one repetition, smaller sizes (seconds)
 *     deno run -A tests/bench/bench.ts --help
 *
 * qemu-riscv32 and gcc are optional: without them the qemu columns read "n/a".
 * @module
 */

import {
  best,
  buildQemuPlugins,
  type Clock,
  countLine,
  cpuClockAvailable,
  cpuWithoutBackgroundMs,
  type Environment,
  environment,
  fmt,
  geomean,
  type InProcessOptions,
  pct,
  QEMU,
  type QemuPlugins,
  readLoadavg,
  REPO_ROOT,
  runInProcess,
  runProcess,
  type Sample,
  table,
  times,
} from "./_util.ts";

/** A bench guest of examples/build and its problem sizes. */
interface Guest {
  name: string;
  /** The program's default size. */
  size: number;
  /** About 25 M instructions or less: for the interpreter, and plugin runs with --quick. */
  small: number;
  /**
   * Target of the whole command's time over qemu-riscv32's: 1.0 for guests that run 2 s or more
   * under qemu (issue 13), 2.0 for the code-heavy one; none for the short ones.
   */
  target?: number;
}

const GUESTS: readonly Guest[] = [
  { name: "bench_sort", size: 500000, small: 50000 },
  { name: "bench_hash", size: 700, small: 70 },
  { name: "bench_matmul", size: 250, small: 116 },
  { name: "bench_interp", size: 60000, small: 12000 },
  { name: "bench_mix", size: 1000000, small: 100000 },
  // CoreMark-like mix (2.4 G instructions, over 2 s under qemu) and a code-heavy guest.
  { name: "bench_core", size: 10000, small: 100, target: 1.0 },
  { name: "bench_code", size: 4, small: 1, target: 2.0 },
];

/** Start-up target: hello world's whole command, wall-clock ms. */
const HELLO_TARGET_MS = 40;
/** Peak RSS target of every bench guest, MB. */
const RSS_TARGET_MB = 60;

const DEFAULT_PLUGIN_GUESTS = ["bench_sort", "bench_hash", "bench_interp"];

/** Plugin configurations: ours (specs relative to the repository root) and QEMU's C plugin. */
const PLUGIN_CONFIGS = [
  { id: "none", label: "no plugin", ours: [], qemu: undefined, target: undefined },
  {
    id: "inline",
    label: "insn count, inline",
    ours: ["plugins/insn.ts,inline=on"],
    qemu: "insn_inline",
    target: 0.10,
  },
  {
    id: "block_cb",
    label: "per-block callback",
    ours: ["tests/bench/plugins/bb_cb.ts"],
    qemu: "tb_cb",
    target: 0.40,
  },
  {
    id: "insn_cb",
    label: "per-insn callback",
    ours: ["plugins/insn.ts,inline=off"],
    qemu: "insn_cb",
    target: undefined,
  },
  {
    id: "own_call",
    label: "callstack + own call/block",
    ours: ["tests/bench/plugins/depth_cb.ts,via=own"],
    qemu: undefined,
    target: undefined,
  },
  {
    id: "qpp_call",
    label: "callstack + QPP call/block",
    ours: ["tests/bench/plugins/depth_cb.ts,via=qpp"],
    qemu: undefined,
    target: undefined,
  },
  {
    id: "profiler",
    label: "profiler (on callstack)",
    ours: ["plugins/profiler.ts,folded=,svg="],
    qemu: undefined,
    target: undefined,
  },
] as const;

type ConfigId = (typeof PLUGIN_CONFIGS)[number]["id"];

const USAGE = `Usage: deno run -A tests/bench/bench.ts [options]

Options:
  --reps N             repetitions of each measurement, best taken (default 3, --quick 1)
  --quick              one repetition; interpreter at test sizes, plugins at 1/10 sizes
  --guests a,b         guests of the engine and CLI tables (default: all seven; "sort" = bench_sort)
  --plugin-guests a,b  guests of the plugin table (default: sort,hash,interp)
  --sections a,b       any of engine,cli,plugins,sandbox (default: all)
  --no-qemu            do not run qemu-riscv32 (its columns read n/a)
  --wall               compare wall-clock times instead of CPU times (see the notes printed)
  --json               print the results as JSON instead of tables
  -h, --help           show this help`;

interface Options {
  reps: number;
  quick: boolean;
  guests: Guest[];
  pluginGuests: Guest[];
  sections: Set<string>;
  qemu: boolean;
  json: boolean;
  /** Which time the tables compare: CPU time unless --wall or unavailable. */
  clock: Clock;
}

function parseOptions(argv: readonly string[]): Options | "help" {
  const opts: Options = {
    reps: 0,
    quick: false,
    guests: [...GUESTS],
    pluginGuests: guestList(DEFAULT_PLUGIN_GUESTS.join(",")),
    sections: new Set(["engine", "cli", "plugins", "sandbox"]),
    qemu: true,
    json: false,
    clock: "cpu",
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new TypeError(`Cannot parse "${flag}": expected a value`);
      return v;
    };
    switch (flag) {
      case "-h":
      case "--help":
        return "help";
      case "--reps": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new TypeError(`Cannot parse --reps: expected N>0`);
        opts.reps = n;
        break;
      }
      case "--quick":
        opts.quick = true;
        break;
      case "--guests":
        opts.guests = guestList(value());
        break;
      case "--plugin-guests":
        opts.pluginGuests = guestList(value());
        break;
      case "--sections": {
        const list = value().split(",").filter(Boolean);
        for (const s of list) {
          if (!["engine", "cli", "plugins", "sandbox"].includes(s)) {
            throw new TypeError(
              `Cannot parse --sections "${s}": expected engine, cli, plugins, sandbox`,
            );
          }
        }
        opts.sections = new Set(list);
        break;
      }
      case "--no-qemu":
        opts.qemu = false;
        break;
      case "--json":
        opts.json = true;
        break;
      case "--wall":
        opts.clock = "wall";
        break;
      default:
        throw new TypeError(`Cannot parse "${arg}": unknown option (see --help)`);
    }
  }
  if (opts.reps === 0) opts.reps = opts.quick ? 1 : 3;
  return opts;
}

function guestList(text: string): Guest[] {
  return text.split(",").filter(Boolean).map((name) => {
    const full = name.startsWith("bench_") ? name : `bench_${name}`;
    const g = GUESTS.find((g) => g.name === full);
    if (!g) {
      throw new TypeError(
        `Cannot parse guest "${name}": expected one of ${GUESTS.map((g) => g.name).join(", ")}`,
      );
    }
    return g;
  });
}

function elfPath(name: string): string {
  return `examples/build/${name}.elf`;
}

/** The test-size argument of a guest (examples/expected/NAME.args). */
function testSize(g: Guest): number {
  const text = Deno.readTextFileSync(`${REPO_ROOT}/examples/expected/${g.name}.args`);
  return Number(text.trim().split("\n")[0]);
}

// ---------------------------------------------------------------------------------------------
// Progress on stderr: one line per section; per step only on a terminal.

const encoder = new TextEncoder();
const tty = Deno.stderr.isTerminal();
function progress(text: string, step = false): void {
  if (step && !tty) return;
  Deno.stderr.writeSync(encoder.encode(tty ? `\r\x1b[K${text}${step ? "" : "\n"}` : `${text}\n`));
}
/** How the tables' times were taken. */
function clockName(subprocessesOnly = false): string {
  if (CLOCK === "wall") return "wall-clock time";
  return subprocessesOnly ? "CPU ms (user+sys, all threads)" : "CPU time";
}

function progressDone(): void {
  if (tty) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
}

/** Problems found on the way (wrong status, counts that differ): printed as notes. */
const problems: string[] = [];

/** The time the tables compare (set by main). */
let CLOCK: Clock = "cpu";

/** Best of the samples on {@linkcode CLOCK}. */
function bestOf(samples: readonly Sample[]): number {
  return best(samples, CLOCK);
}

/** Wall time and run-queue wait of the in-process runs timed: how loaded the machine was. */
const load = { wall: 0, wait: 0 };

function noted(s: Sample): Sample {
  if (s.wait !== undefined) {
    load.wall += s.wall;
    load.wait += s.wait;
  }
  return s;
}

function expect(cond: boolean, what: string): void {
  if (!cond && !problems.includes(what)) problems.push(what);
}

// ---------------------------------------------------------------------------------------------
// Section 1: engine

interface EngineRow {
  guest: string;
  size: number;
  insns: number;
  runTimes: Sample[];
  totalTimes: Sample[];
  regions: number;
  blocks: number;
  interpSize: number;
  interpInsns: number;
  interpTimes: Sample[];
  qemuTimes: Sample[];
  /** qemu's own count (inline plugin), when it could be taken. */
  qemuInsns?: number;
}

interface EngineDerived {
  mips: number;
  mipsTotal: number;
  interpMips: number;
  qemuMips: number;
  vsInterp: number;
  ofQemu: number;
  qemuTimeOverOurs: number;
}

function engineDerived(r: EngineRow): EngineDerived {
  const mips = r.insns / bestOf(r.runTimes) / 1e3;
  const mipsTotal = r.insns / bestOf(r.totalTimes) / 1e3;
  const interpMips = r.interpInsns / bestOf(r.interpTimes) / 1e3;
  const qemuMips = r.insns / bestOf(r.qemuTimes) / 1e3;
  return {
    mips,
    mipsTotal,
    interpMips,
    qemuMips,
    vsInterp: mips / interpMips,
    ofQemu: mips / qemuMips,
    qemuTimeOverOurs: bestOf(r.qemuTimes) / bestOf(r.totalTimes),
  };
}

async function engineSection(
  opts: Options,
  qemu: boolean,
  cplugins: QemuPlugins | undefined,
): Promise<EngineRow[]> {
  const rows: EngineRow[] = [];
  const bytes = new Map<string, Uint8Array>();
  for (const g of opts.guests) {
    bytes.set(g.name, Deno.readFileSync(`${REPO_ROOT}/${elfPath(g.name)}`));
    rows.push({
      guest: g.name,
      size: g.size,
      insns: 0,
      runTimes: [],
      totalTimes: [],
      regions: 0,
      blocks: 0,
      interpSize: opts.quick ? testSize(g) : g.small,
      interpInsns: 0,
      interpTimes: [],
      qemuTimes: [],
    });
  }
  progress(`bench: engine, ${rows.length} guests x ${opts.reps} reps`);
  const outputs = new Map<string, string>();
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const [i, g] of opts.guests.entries()) {
      const row = rows[i]!;
      progress(`bench: engine ${g.name} translator, rep ${rep}/${opts.reps}`, true);
      const r = await runInProcess(elfPath(g.name), bytes.get(g.name)!, [String(g.size)]);
      expect(r.status === 0, `${g.name}: translator exited with status ${r.status}`);
      expect(
        row.insns === 0 || row.insns === r.instret,
        `${g.name}: instret differs between repetitions`,
      );
      const seen = outputs.get(g.name);
      expect(seen === undefined || seen === r.stdout, `${g.name}: output differs between runs`);
      outputs.set(g.name, r.stdout);
      row.insns = r.instret;
      row.runTimes.push(noted(r.run));
      row.totalTimes.push(r.total);
      row.regions = r.regions;
      row.blocks = r.blocks;
      if (qemu) {
        progress(`bench: engine ${g.name} qemu, rep ${rep}/${opts.reps}`, true);
        const q = await runProcess(QEMU, [elfPath(g.name), String(g.size)], CLOCK === "cpu");
        expect(q.status === 0, `${g.name}: qemu-riscv32 exited with status ${q.status}`);
        row.qemuTimes.push(q.time);
      }
    }
  }
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const [i, g] of opts.guests.entries()) {
      const row = rows[i]!;
      progress(`bench: engine ${g.name} interpreter, rep ${rep}/${opts.reps}`, true);
      const r = await runInProcess(elfPath(g.name), bytes.get(g.name)!, [String(row.interpSize)], {
        engine: "interp",
      });
      expect(r.status === 0, `${g.name}: interpreter exited with status ${r.status}`);
      row.interpInsns = r.instret;
      row.interpTimes.push(noted(r.run));
    }
  }
  if (qemu && cplugins) {
    // The qemu MIPS use our instruction count: check once that qemu executes as many.
    for (const [i, g] of opts.guests.entries()) {
      progress(`bench: engine ${g.name} qemu instruction count`, true);
      const q = await runProcess(QEMU, [
        "-plugin",
        cplugins.so.insn_inline,
        elfPath(g.name),
        String(g.size),
      ], CLOCK === "cpu");
      rows[i]!.qemuInsns = countLine(q.stderr, "insns");
      expect(
        rows[i]!.qemuInsns === rows[i]!.insns,
        `${g.name}: qemu executed ${rows[i]!.qemuInsns} instructions, rvplug ${rows[i]!.insns}`,
      );
    }
  }
  progressDone();
  return rows;
}

function engineReport(rows: EngineRow[], opts: Options, qemu: boolean): string {
  const body = rows.map((r) => {
    const d = engineDerived(r);
    return [
      r.guest,
      String(r.size),
      fmt(r.insns),
      fmt(d.mips),
      fmt(d.mipsTotal),
      String(r.interpSize),
      fmt(d.interpMips, 1),
      qemu ? fmt(d.qemuMips) : "n/a",
      times(d.vsInterp, 1),
      qemu ? `${(d.ofQemu * 100).toFixed(0)}%` : "n/a",
      qemu ? times(d.qemuTimeOverOurs) : "n/a",
    ];
  });
  const ds = rows.map(engineDerived);
  const gm = (f: (d: EngineDerived) => number) => geomean(ds.map(f));
  body.push([]);
  body.push([
    "geomean",
    "",
    "",
    fmt(gm((d) => d.mips)),
    fmt(gm((d) => d.mipsTotal)),
    "",
    fmt(gm((d) => d.interpMips), 1),
    qemu ? fmt(gm((d) => d.qemuMips)) : "n/a",
    times(gm((d) => d.vsInterp), 1),
    qemu ? `${(gm((d) => d.ofQemu) * 100).toFixed(0)}%` : "n/a",
    qemu ? times(gm((d) => d.qemuTimeOverOurs)) : "n/a",
  ]);
  const out = [
    `== Engine: guest MIPS (${clockName()}), best of ${opts.reps} ==`,
    table([
      "guest",
      "N",
      "insns",
      "MIPS",
      "MIPS total",
      "interp N",
      "interp MIPS",
      "qemu MIPS",
      "vs interp",
      "% of qemu",
      "qemu t/ours",
    ], body),
    "MIPS: instructions / time of run() in-process (translation is lazy, inside run()); MIPS total:",
    "  also new Machine() and load(). interp: the reference interpreter at size 'interp N'.",
    `  qemu: ${clockName()} of \`qemu-riscv32 prog N\` (stdout to /dev/null), our instruction count.`,
    "  % of qemu: our MIPS / qemu's MIPS; qemu t/ours: qemu's time / our total time.",
  ];
  const verified = rows.filter((r) => r.qemuInsns !== undefined && r.qemuInsns === r.insns);
  if (qemu && rows.some((r) => r.qemuInsns !== undefined)) {
    out.push(
      `  Instruction counts checked with qemu + insn_inline.so: ${verified.length}/${rows.length} equal.`,
    );
  }
  if (!qemu) out.push("  qemu-riscv32 not run: its columns read n/a.");
  const worst = ds.reduce((w, d, i) => (d.ofQemu < ds[w]!.ofQemu ? i : w), 0);
  out.push("");
  out.push(
    `Summary (engine): translator geomean ${fmt(gm((d) => d.mips))} MIPS, ` +
      `${times(gm((d) => d.vsInterp), 1)} the interpreter` +
      (qemu
        ? `, ${(gm((d) => d.ofQemu) * 100).toFixed(0)}% of qemu-riscv32's MIPS ` +
          `(lowest: ${rows[worst]!.guest} ${(ds[worst]!.ofQemu * 100).toFixed(0)}%)`
        : "") +
      ".",
  );
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Section 2: command line end to end

interface CliRow {
  guest: string;
  args: string[];
  cliTimes: Sample[];
  qemuTimes: Sample[];
  /** Instructions the guest runs (from the engine section), for whole-command MIPS. */
  insns?: number;
  target?: number;
}

async function cliSection(
  opts: Options,
  qemu: boolean,
  engine: EngineRow[] | undefined,
): Promise<CliRow[]> {
  const rows: CliRow[] = [
    { guest: "hello (start-up)", args: [elfPath("hello")], cliTimes: [], qemuTimes: [] },
    ...opts.guests.map((g) => ({
      guest: g.name,
      args: [elfPath(g.name), String(g.size)],
      cliTimes: [],
      qemuTimes: [],
      insns: engine?.find((e) => e.guest === g.name)?.insns,
      target: g.target,
    })),
  ];
  progress(`bench: command line, ${rows.length} programs x ${opts.reps} reps`);
  const deno = Deno.execPath();
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const row of rows) {
      progress(`bench: cli ${row.guest}, rep ${rep}/${opts.reps}`, true);
      const r = await runProcess(deno, ["run", "-A", "mod.ts", ...row.args], CLOCK === "cpu");
      expect(r.status === 0, `${row.guest}: the CLI exited with status ${r.status}`);
      row.cliTimes.push(r.time);
      // The engine section timed these qemu runs already: reuse them.
      const reuse = engine?.find((e) => e.guest === row.guest && e.qemuTimes.length > 0);
      if (qemu && !reuse) {
        const q = await runProcess(QEMU, row.args, CLOCK === "cpu");
        expect(q.status === 0, `${row.guest}: qemu-riscv32 exited with status ${q.status}`);
        row.qemuTimes.push(q.time);
      }
    }
  }
  for (const row of rows) {
    const reuse = engine?.find((e) => e.guest === row.guest && e.qemuTimes.length > 0);
    if (reuse) row.qemuTimes = reuse.qemuTimes;
  }
  progressDone();
  return rows;
}

/** Largest peak RSS of the samples, MB; NaN when unknown. */
function peakRss(samples: readonly Sample[]): number {
  const known = samples.flatMap((s) => (s.rssMb === undefined ? [] : [s.rssMb]));
  return known.length ? Math.max(...known) : NaN;
}

function cliReport(rows: CliRow[], opts: Options, qemu: boolean): string {
  const missed: string[] = [];
  const body = rows.map((r, i) => {
    const c = bestOf(r.cliTimes), q = bestOf(r.qemuTimes), rss = peakRss(r.cliTimes);
    const wall = best(r.cliTimes, "wall");
    let target = "";
    if (i === 0) {
      target = `<=${HELLO_TARGET_MS} ms ${wall <= HELLO_TARGET_MS ? "met" : "MISSED"}`;
    } else if (r.target !== undefined && qemu) {
      target = `<=${r.target.toFixed(1)}x ${c / q <= r.target ? "met" : "MISSED"}`;
    }
    if (target.endsWith("MISSED")) missed.push(`${r.guest} time`);
    if (i > 0 && rss > RSS_TARGET_MB) missed.push(`${r.guest} RSS`);
    return [
      r.guest,
      fmt(c),
      qemu ? fmt(q) : "n/a",
      qemu ? times(c / q) : "n/a",
      target,
      r.insns === undefined ? "" : fmt(r.insns / c / 1e3),
      r.insns === undefined || !qemu ? "" : fmt(r.insns / q / 1e3),
      fmt(rss),
      qemu ? fmt(peakRss(r.qemuTimes)) : "n/a",
      fmt(wall),
      qemu ? fmt(best(r.qemuTimes, "wall")) : "n/a",
    ];
  });
  const guests = rows.slice(1);
  const sumCli = guests.reduce((s, r) => s + bestOf(r.cliTimes), 0);
  const sumQemu = guests.reduce((s, r) => s + bestOf(r.qemuTimes), 0);
  const withInsns = guests.filter((r) => r.insns !== undefined);
  const gmMips = (side: "cliTimes" | "qemuTimes") =>
    geomean(withInsns.map((r) => r.insns! / bestOf(r[side]) / 1e3));
  body.push([]);
  body.push([
    "sum of bench guests",
    fmt(sumCli),
    qemu ? fmt(sumQemu) : "n/a",
    qemu ? times(sumCli / sumQemu) : "n/a",
    "",
    withInsns.length ? fmt(gmMips("cliTimes")) : "",
    withInsns.length && qemu ? fmt(gmMips("qemuTimes")) : "",
    fmt(Math.max(...guests.map((r) => peakRss(r.cliTimes)))),
    qemu ? fmt(Math.max(...guests.map((r) => peakRss(r.qemuTimes)))) : "n/a",
    fmt(guests.reduce((s, r) => s + best(r.cliTimes, "wall"), 0)),
    qemu ? fmt(guests.reduce((s, r) => s + best(r.qemuTimes, "wall"), 0)) : "n/a",
  ]);
  return [
    `== Command line end to end: ${clockName(true)}, best of ${opts.reps} ==`,
    table([
      "program",
      "rvplug ms",
      "qemu ms",
      "rvplug/qemu",
      "target",
      "MIPS",
      "qemu MIPS",
      "RSS MB",
      "qemu RSS",
      "rvplug wall",
      "qemu wall",
    ], body),
    "rvplug: `deno run -A mod.ts prog N` (Deno start-up and module loading included);",
    "  qemu: `qemu-riscv32 prog N`; both with stdout to /dev/null. MIPS: guest instructions / the",
    "  whole command's time (sum row: geomean). RSS: peak resident set (GNU time; n/a without it),",
    "  largest of the repetitions. Wall: best wall-clock ms. Targets (issue 13): hello <=",
    `  ${HELLO_TARGET_MS} ms wall; guests running 2 s or more under qemu <= 1.0x its time; the`,
    `  code-heavy bench_code <= 2.0x; peak RSS <= ${RSS_TARGET_MB} MB on every guest.`,
    "",
    `Summary (CLI): the ${guests.length} guests take ${fmt(sumCli)} ms with rvplug` +
    (qemu ? ` vs ${fmt(sumQemu)} ms with qemu-riscv32 (${times(sumCli / sumQemu)} its time)` : "") +
    `; start-up ${fmt(best(rows[0]!.cliTimes, "wall"))} ms wall` +
    (qemu ? ` vs ${fmt(best(rows[0]!.qemuTimes, "wall"))} ms` : "") +
    `; targets ${missed.length ? `missed: ${missed.join(", ")}` : "met"}.`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Section 3: plugins

interface PluginRow {
  guest: string;
  size: number;
  insns: number;
  ours: Record<ConfigId, Sample[]>;
  qemu: Record<ConfigId, Sample[]>;
  /** Blocks counted by bb_cb.ts and TBs by tb_cb.so. */
  ourBlocks?: number;
  qemuBlocks?: number;
}

async function pluginSection(
  opts: Options,
  cplugins: QemuPlugins | undefined,
): Promise<PluginRow[]> {
  const empty = (): Record<ConfigId, Sample[]> => ({
    none: [],
    inline: [],
    block_cb: [],
    insn_cb: [],
    own_call: [],
    qpp_call: [],
    profiler: [],
  });
  const rows: PluginRow[] = opts.pluginGuests.map((g) => ({
    guest: g.name,
    size: opts.quick ? g.small : g.size,
    insns: 0,
    ours: empty(),
    qemu: empty(),
  }));
  progress(
    `bench: plugins, ${rows.length} guests x ${PLUGIN_CONFIGS.length} configurations x ` +
      `${opts.reps} reps`,
  );
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const row of rows) {
      const bytes = Deno.readFileSync(`${REPO_ROOT}/${elfPath(row.guest)}`);
      const args = [String(row.size)];
      // Rotate the order each repetition so that no configuration always runs first.
      const configs = PLUGIN_CONFIGS.map((_, i) =>
        PLUGIN_CONFIGS[(i + rep - 1) % PLUGIN_CONFIGS.length]!
      );
      for (const c of configs) {
        progress(`bench: plugins ${row.guest} ${c.label}, rep ${rep}/${opts.reps}`, true);
        const options: InProcessOptions = { plugins: c.ours };
        const r = await runInProcess(elfPath(row.guest), bytes, args, options);
        expect(r.status === 0, `${row.guest}: exited with status ${r.status} (${c.label})`);
        expect(
          row.insns === 0 || r.instret === row.insns,
          `${row.guest}: instret changes with ${c.label}`,
        );
        row.insns = r.instret;
        if (c.id === "inline" || c.id === "insn_cb") {
          const n = countLine(r.log, "insns");
          expect(n === r.instret, `${row.guest}: ${c.label} counted ${n}, instret ${r.instret}`);
        }
        if (c.id === "block_cb") row.ourBlocks = countLine(r.log, "blocks");
        if (c.id === "profiler") {
          const n = Number(/profiler: (\d+) instructions/.exec(r.log)?.[1]);
          expect(n === r.instret, `${row.guest}: profiler counted ${n}, instret ${r.instret}`);
        }
        row.ours[c.id].push(noted(r.run));
        if (!cplugins) continue;
        const plugin = c.qemu === undefined ? [] : ["-plugin", cplugins.so[c.qemu]];
        const q = await runProcess(QEMU, [...plugin, elfPath(row.guest), ...args], CLOCK === "cpu");
        expect(q.status === 0, `${row.guest}: qemu exited with status ${q.status} (${c.label})`);
        if (c.id === "inline" || c.id === "insn_cb") {
          const n = countLine(q.stderr, "insns");
          expect(n === row.insns, `${row.guest}: qemu ${c.qemu} counted ${n}, ours ${row.insns}`);
        }
        if (c.id === "block_cb") row.qemuBlocks = countLine(q.stderr, "blocks");
        row.qemu[c.id].push(q.time);
      }
    }
  }
  progressDone();
  return rows;
}

function overheads(row: PluginRow, side: "ours" | "qemu"): Record<ConfigId, number> {
  const base = bestOf(row[side].none);
  const o = {} as Record<ConfigId, number>;
  for (const c of PLUGIN_CONFIGS) o[c.id] = bestOf(row[side][c.id]) / base - 1;
  return o;
}

function pluginReport(rows: PluginRow[], opts: Options, qemuNote: string | undefined): string {
  const qemu = qemuNote === undefined;
  const body: string[][] = [];
  for (const row of rows) {
    const ours = overheads(row, "ours"), theirs = overheads(row, "qemu");
    for (const [i, c] of PLUGIN_CONFIGS.entries()) {
      const ms = bestOf(row.ours[c.id]);
      const target = c.target === undefined
        ? ""
        : `<${c.target * 100}% ${ours[c.id] < c.target ? "met" : "MISSED"}`;
      body.push([
        i === 0 ? `${row.guest} ${row.size}` : "",
        c.label,
        fmt(ms, 1),
        fmt(row.insns / ms / 1e3),
        c.id === "none" ? "" : pct(ours[c.id]),
        target,
        qemu ? fmt(bestOf(row.qemu[c.id]), 1) : "n/a",
        c.id === "none" ? "" : qemu ? pct(theirs[c.id]) : "n/a",
      ]);
    }
    body.push([]);
  }
  body.pop();
  const out = [
    `== Plugin overhead over no plugin (${clockName()}), best of ${opts.reps} ==`,
    table(
      [
        "guest N",
        "configuration",
        "rvplug ms",
        "MIPS",
        "overhead",
        "target",
        "qemu ms",
        "overhead",
      ],
      body,
    ),
    "rvplug: time of run() in-process with plugins/insn.ts inline=on / tests/bench/plugins/bb_cb.ts",
    "  (tb.onExec, flags none) / plugins/insn.ts inline=off. qemu: time of qemu-riscv32 with",
    "  tests/bench/qemu_plugins/insn_inline.c / tb_cb.c / insn_cb.c (gcc -O2).",
    "  QPP rows: plugins/callstack.ts with tests/bench/plugins/depth_cb.ts calling its own depth()",
    "  (via=own) or callstack's depth() through QPP (via=qpp) once per block; plugins/profiler.ts",
    "  (which loads callstack) writing no files.",
  ];
  for (const row of rows) {
    if (row.ourBlocks === undefined) continue;
    out.push(
      `  ${row.guest}: ${fmt(row.ourBlocks)} blocks executed (${
        (row.insns / row.ourBlocks).toFixed(1)
      } insns/block)` +
        (row.qemuBlocks === undefined
          ? ""
          : `; qemu ${fmt(row.qemuBlocks)} TBs (${(row.insns / row.qemuBlocks).toFixed(1)})`),
    );
  }
  if (qemuNote) out.push(`  ${qemuNote}`);
  const worst = (side: "ours" | "qemu", id: ConfigId) =>
    Math.max(...rows.map((r) => overheads(r, side)[id]));
  const inl = worst("ours", "inline"), blk = worst("ours", "block_cb");
  // QPP: a call to callstack.depth() per block against the same plugin calling its own
  // function; the profiler against the plain per-block callback plugin.
  const ratio = (a: ConfigId, b: ConfigId) =>
    Math.max(...rows.map((r) => bestOf(r.ours[a]) / bestOf(r.ours[b]) - 1));
  const qpp = ratio("qpp_call", "own_call"), prof = ratio("profiler", "block_cb");
  out.push("");
  out.push(
    `Summary (plugins): worst overhead inline ${pct(inl)} (target <10%: ` +
      `${inl < 0.1 ? "met" : "MISSED"}), per-block callback ${pct(blk)} (target <40%: ` +
      `${blk < 0.4 ? "met" : "MISSED"}), per-insn callback ${pct(worst("ours", "insn_cb"))}` +
      (qemu
        ? `; qemu ${pct(worst("qemu", "inline"))}, ${pct(worst("qemu", "block_cb"))}, ` +
          `${pct(worst("qemu", "insn_cb"))}.`
        : "."),
  );
  out.push(
    `Summary (QPP): a QPP call per block costs ${pct(qpp)} over a call of the plugin's own ` +
      `function (worst guest; target <10%: ${qpp < 0.1 ? "met" : "MISSED"}); the profiler ` +
      `costs ${pct(prof)} over the plain per-block callback plugin (worst guest).`,
  );
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------

function clockNote(): string {
  const pad = "\n            ";
  const lines = CLOCK === "wall" ? ["wall-clock time"] : [
    "CPU time: in-process, the main thread's on-CPU time (/proc/self/task/PID/schedstat;",
    "V8's background compiler and GC threads excluded); subprocesses, user+sys of all threads",
    "(bash time). --wall compares wall-clock times instead.",
  ];
  if (load.wall > 0) {
    const waited = load.wait / load.wall;
    lines.push(
      `In-process runs waited for a CPU ${(waited * 100).toFixed(0)}% of their wall time` +
        (waited > 0.1 ? "" : "."),
    );
    if (waited > 0.1) lines.push("(a loaded machine: wall-clock times are unreliable).");
  }
  return lines.join(pad);
}

function environmentReport(env: Environment, opts: Options, endLoad: string | undefined): string {
  return [
    "== Environment ==",
    `date        ${env.date}`,
    `deno        ${env.deno} (V8 ${env.v8}, TypeScript ${env.typescript}), ${env.target}`,
    `qemu        ${env.qemu ?? "not found"}${opts.qemu ? "" : " (not run: --no-qemu)"}`,
    `gcc         ${env.gcc ?? "not found"}`,
    `host        ${env.cpu}, ${env.cores} cores; load average ${env.loadavg} at start, ` +
    `${endLoad ?? "?"} at end`,
    `options     reps ${opts.reps}${opts.quick ? ", --quick" : ""}`,
    `clock       ${clockNote()}`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Section 4: sandboxed plugins against the same plugins in-process

const SANDBOX_CONFIGS = [
  { label: "insn count, inline", spec: "plugins/insn.ts,inline=on", target: 1.15 },
  { label: "per-block callback", spec: "plugins/bb.ts", target: 2 },
  { label: "memory trace, callback", spec: "plugins/mem.ts,callback=on", target: 2 },
] as const;

interface SandboxRow {
  guest: string;
  size: number;
  config: string;
  target: number;
  /**
   * CPU ms of this process's own threads (the plugin's Worker too, not V8's background threads),
   * best of reps: runs in this process, where rvplug's own code is warm and only the sandbox's
   * Worker starts cold.
   */
  inProcess: number;
  sandboxed: number;
  /** The same as whole commands (`deno run -A mod.ts --plugin ...`): what a user waits for. */
  commandInProcess: number;
  commandSandboxed: number;
}

async function sandboxSection(opts: Options): Promise<SandboxRow[]> {
  const rows: SandboxRow[] = [];
  progress(`bench: sandbox, ${opts.pluginGuests.length} guests x 3 plugins x ${opts.reps} reps`);
  for (const g of opts.pluginGuests) {
    const bytes = Deno.readFileSync(`${REPO_ROOT}/${elfPath(g.name)}`);
    const size = opts.quick ? g.small : g.size;
    for (const c of SANDBOX_CONFIGS) {
      const best = {
        inProcess: Infinity,
        sandboxed: Infinity,
        commandInProcess: Infinity,
        commandSandboxed: Infinity,
      };
      const logs: string[] = [];
      for (let rep = 1; rep <= opts.reps; rep++) {
        for (const sandboxed of rep % 2 ? [false, true] : [true, false]) {
          progress(`bench: sandbox ${g.name} ${c.label}, rep ${rep}/${opts.reps}`, true);
          const spec = sandboxed ? `${c.spec},sandbox=on` : c.spec;
          const t0 = cpuWithoutBackgroundMs(), w0 = performance.now();
          const r = await runInProcess(elfPath(g.name), bytes, [String(size)], { plugins: [spec] });
          const ms = CLOCK === "cpu" ? cpuWithoutBackgroundMs() - t0 : performance.now() - w0;
          expect(r.status === 0, `${g.name}: exited with status ${r.status} (${spec})`);
          logs.push(r.log);
          const key = sandboxed ? "sandboxed" : "inProcess";
          best[key] = Math.min(best[key], ms);
          const args = ["run", "-A", "mod.ts", "--plugin", spec, elfPath(g.name), String(size)];
          const cmd = await runProcess(Deno.execPath(), args, CLOCK === "cpu");
          expect(cmd.status === 0, `${g.name}: the CLI exited with status ${cmd.status} (${spec})`);
          const cmdKey = sandboxed ? "commandSandboxed" : "commandInProcess";
          best[cmdKey] = Math.min(best[cmdKey], bestOf([cmd.time]));
        }
      }
      expect(
        logs.every((l) => l === logs[0]),
        `${g.name}: ${c.label} prints differently sandboxed`,
      );
      rows.push({ guest: g.name, size, config: c.label, target: c.target, ...best });
    }
  }
  progressDone();
  return rows;
}

function sandboxReport(rows: SandboxRow[], opts: Options): string {
  const clock = CLOCK === "cpu" ? "CPU ms" : "wall ms";
  return [
    `== Sandboxed plugins: ${clock}, best of ${opts.reps}, whole run incl. loading ==`,
    table(
      [
        "guest",
        "size",
        "plugin",
        "in-process",
        "sandboxed",
        "ratio",
        "command",
        "sandboxed",
        "ratio",
        "target",
      ],
      rows.map((r) => [
        r.guest,
        String(r.size),
        r.config,
        fmt(r.inProcess),
        fmt(r.sandboxed),
        times(r.sandboxed / r.inProcess),
        fmt(r.commandInProcess),
        fmt(r.commandSandboxed),
        times(r.commandSandboxed / r.commandInProcess),
        `<= ${times(r.target)}`,
      ]),
    ),
    "First ratio: runs in this process, where rvplug's code is warm but each sandboxed run starts",
    "a Worker (CPU of the main thread and the Worker, not of V8's background threads); second:",
    "whole commands (deno run -A mod.ts --plugin SPEC[,sandbox=on] ...), where both start cold",
    "(CPU of all threads).",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (opts === "help") {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  const env = environment();
  CLOCK = opts.clock === "cpu" && cpuClockAvailable() ? "cpu" : "wall";
  const qemu = opts.qemu && env.qemu !== undefined;
  let cplugins: QemuPlugins | undefined;
  let qemuPluginNote: string | undefined;
  if (!qemu) {
    qemuPluginNote = opts.qemu ? "qemu-riscv32 not found: qemu columns n/a." : "qemu not run.";
  } else {
    const built = buildQemuPlugins();
    if (typeof built === "string") {
      qemuPluginNote = `QEMU plugins not built (${built}): qemu columns n/a.`;
    } else {
      // Debian's qemu-user has plugin support; another build may not.
      const probe = await runProcess(
        QEMU,
        ["-plugin", built.so.insn_inline, elfPath("hello")],
        CLOCK === "cpu",
      );
      if (probe.status !== 0 || countLine(probe.stderr, "insns") === undefined) {
        qemuPluginNote = `qemu-riscv32 cannot load plugins (${
          probe.stderr.split("\n")[0]
        }): qemu columns n/a.`;
      } else {
        cplugins = built;
      }
    }
  }

  const results: Record<string, unknown> = {
    environment: env,
    options: {
      reps: opts.reps,
      quick: opts.quick,
      guests: opts.guests.map((g) => g.name),
      pluginGuests: opts.pluginGuests.map((g) => g.name),
      sections: [...opts.sections],
      qemu: opts.qemu,
    },
  };
  const sections: string[] = [];
  let engine: EngineRow[] | undefined;
  if (opts.sections.has("engine")) {
    engine = await engineSection(opts, qemu, cplugins);
    results.engine = engine.map((r) => ({ ...r, ...engineDerived(r) }));
    sections.push(engineReport(engine, opts, qemu));
  }
  if (opts.sections.has("cli")) {
    const cli = await cliSection(opts, qemu, engine);
    results.cli = cli;
    sections.push(cliReport(cli, opts, qemu));
  }
  if (opts.sections.has("plugins")) {
    const plugins = await pluginSection(opts, cplugins);
    results.plugins = plugins.map((r) => ({
      ...r,
      oursOverhead: overheads(r, "ours"),
      qemuOverhead: cplugins ? overheads(r, "qemu") : undefined,
    }));
    sections.push(pluginReport(plugins, opts, qemuPluginNote));
  }
  if (opts.sections.has("sandbox")) {
    const sandbox = await sandboxSection(opts);
    results.sandbox = sandbox;
    sections.push(sandboxReport(sandbox, opts));
  }
  const endLoad = readLoadavg();
  results.loadavgEnd = endLoad;
  results.problems = problems;
  results.seconds = (performance.now() - started) / 1e3;
  if (opts.json) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    sections.push(environmentReport(env, opts, endLoad));
    if (problems.length) sections.push(["== Problems ==", ...problems].join("\n"));
    sections.push(`Benchmark took ${(results.seconds as number).toFixed(0)} s.`);
    console.log(sections.join("\n\n"));
  }
  return problems.length ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

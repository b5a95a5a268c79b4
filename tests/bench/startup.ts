/**
 * Start-up and peak memory of the command line, against Deno running an empty script and
 * qemu-riscv32, measured in the same run (issue 13's targets: hello in at most 40 ms wall, peak
 * RSS at most 60 MB on every bench guest).
 *
 *     deno task startup                 # best of 20, interleaved
 *     deno task startup --reps 50 --rt  # --rt: run each command under `chrt -f 10` (root only)
 *     deno task startup --compare ../other-checkout --no-guests  # two versions of rvplug
 *
 * Method: the commands run one after another, round-robin, `--reps` times each; the table shows
 * the best and median wall time (hyperfine-style: a process started and waited for, output to
 * /dev/null) and the largest peak RSS (GNU time's %M). On a shared machine the best time is the
 * one to quote; `--rt` gives the commands a real-time priority so that other load does not delay
 * them (keep it short: real-time processes hold the CPUs). Then each examples/build/bench_*.elf
 * runs once at its default size for its peak RSS.
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { join } from "@std/path";
import { QEMU, qemuAvailable } from "../_tools.ts";
import { fmt as fmtDigits, type ProcessRun, REPO_ROOT, runProcess } from "./_util.ts";

/** Start-up target of hello world's whole command, wall-clock ms. */
export const HELLO_TARGET_MS = 40;
/** Peak RSS target of every bench guest, MB. */
export const RSS_TARGET_MB = 60;

/** Runs `argv` from the repository root, output to /dev/null, timed, with its peak RSS. */
function timeRun(argv: readonly string[], rt = false): Promise<ProcessRun> {
  return runProcess(argv[0]!, argv.slice(1), false, {
    rss: true,
    prefix: rt ? ["chrt", "-f", "10"] : [],
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
}

const fmt = (v: number | undefined) => fmtDigits(v, 1);

async function main(): Promise<void> {
  const flags = parseArgs(Deno.args, {
    boolean: ["rt", "help", "no-guests"],
    string: ["reps", "compare"],
    default: { reps: "20" },
  });
  if (flags.help) {
    console.log("Usage: deno task startup [--reps N] [--rt] [--compare CHECKOUT] [--no-guests]");
    return;
  }
  const reps = Number(flags.reps);
  const deno = Deno.execPath();
  const empty = join(await Deno.makeTempDir(), "empty.ts");
  await Deno.writeTextFile(empty, "");
  const hello = join("examples", "build", "hello.elf");
  const commands: { label: string; argv: string[] }[] = [
    { label: "deno, empty script", argv: [deno, "run", "-A", empty] },
    {
      label: "rvplug --version (module loading)",
      argv: [deno, "run", "-A", "mod.ts", "--version"],
    },
    { label: "rvplug hello", argv: [deno, "run", "-A", "mod.ts", hello] },
  ];
  if (flags.compare !== undefined) {
    // Another checkout's rvplug (another branch, say), interleaved with this one's.
    const other = [deno, "run", "-A", "--config", join(flags.compare, "deno.json")];
    const entry = join(flags.compare, "mod.ts");
    commands.push(
      { label: "compared --version", argv: [...other, entry, "--version"] },
      { label: "compared hello", argv: [...other, entry, hello] },
    );
  }
  if (qemuAvailable()) commands.push({ label: "qemu-riscv32 hello", argv: [QEMU, hello] });
  const runs = commands.map(() => [] as ProcessRun[]);
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, c] of commands.entries()) {
      const r = await timeRun(c.argv, flags.rt);
      if (r.status !== 0) {
        throw new Error(`${c.label} exited with status ${r.status}: ${r.stderr.trim()}`);
      }
      runs[i]!.push(r);
    }
  }
  console.log(`== Start-up: ${reps} runs each, interleaved${flags.rt ? ", chrt -f 10" : ""} ==`);
  console.log("command                              best ms  median ms  peak RSS MB");
  for (const [i, c] of commands.entries()) {
    const walls = runs[i]!.map((r) => r.time.wall);
    const rss = Math.max(...runs[i]!.map((r) => r.time.rssMb ?? NaN));
    console.log(
      `${c.label.padEnd(36)} ${fmt(Math.min(...walls)).padStart(7)}  ${
        fmt(median(walls)).padStart(9)
      }  ${fmt(rss).padStart(11)}`,
    );
  }
  const helloBest = Math.min(...runs[2]!.map((r) => r.time.wall));
  console.log(
    `hello: ${fmt(helloBest)} ms (target <= ${HELLO_TARGET_MS} ms: ${
      helloBest <= HELLO_TARGET_MS ? "met" : "MISSED"
    }); Deno alone ${fmt(Math.min(...runs[0]!.map((r) => r.time.wall)))} ms`,
  );

  if (flags["no-guests"]) return;
  const guests = [...Deno.readDirSync(join(REPO_ROOT, "examples", "build"))]
    .map((e) => e.name)
    .filter((n) => /^bench_.*\.elf$/.test(n))
    .sort();
  console.log(`\n== Peak RSS of the bench guests (default sizes, one run each) ==`);
  for (const g of guests) {
    // No --rt here: memory does not depend on the load, and a real-time guest of seconds would
    // hold a core.
    const r = await timeRun([deno, "run", "-A", "mod.ts", join("examples", "build", g)]);
    const rss = r.time.rssMb;
    const verdict = rss !== undefined && rss <= RSS_TARGET_MB ? "met" : "MISSED";
    console.log(
      `${g.padEnd(20)} ${fmt(rss).padStart(6)} MB  ${fmt(r.time.wall).padStart(8)} ms  ${
        rss !== undefined ? `<= ${RSS_TARGET_MB} MB ${verdict}` : ""
      }`,
    );
  }
}

if (import.meta.main) await main();

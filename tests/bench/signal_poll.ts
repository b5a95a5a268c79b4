/**
 * What listening for host signals costs: each bench guest runs in process as the command line
 * runs it (the signal Worker started, the machine polling it, the run in slices that let the
 * event loop turn) and without any of that (one `run()`), in alternating order after a warm-up, best of
 * N each. Times are the main thread's on-CPU time (its schedstat), which a loaded machine
 * disturbs less than wall-clock time. The ratio is the time with polling over the time
 * without; 1.00x means free.
 *
 *     deno run -A tests/bench/signal_poll.ts [--reps N] [--quick]
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { Machine } from "../../core/machine.ts";
import { listenHostSignals, runSliced } from "../../core/host_signals.ts";
import { geomean, REPO_ROOT, table, times } from "./_util.ts";

const GUESTS: readonly [name: string, size: number, small: number][] = [
  ["bench_sort", 500000, 50000],
  ["bench_hash", 700, 70],
  ["bench_matmul", 250, 116],
  ["bench_interp", 60000, 12000],
  ["bench_mix", 1000000, 100000],
  ["bench_core", 10000, 100],
];

const flags = parseArgs(Deno.args, { string: ["reps"], boolean: ["quick"] });
const reps = Number(flags.reps ?? (flags.quick ? 1 : 3));

const SCHEDSTAT = `/proc/self/task/${Deno.pid}/schedstat`;

/** The main thread's on-CPU milliseconds so far. */
function cpuMs(): number {
  return Number(Deno.readTextFileSync(SCHEDSTAT).split(" ")[0]) / 1e6;
}

/** One run's on-CPU ms; `polled`: as the command line runs it. */
async function timeRun(bytes: Uint8Array, args: string[], polled: boolean): Promise<number> {
  const signals = polled ? listenHostSignals() : undefined;
  const machine = new Machine({
    io: { stdin: () => null, stdout: () => {}, stderr: () => {} },
    hostSignal: signals,
  });
  machine.load(bytes, { argv: ["guest", ...args] });
  const t0 = cpuMs();
  try {
    const r = polled ? await runSliced(machine) : machine.run();
    if (r.status !== 0) throw new Error(`guest ${args} ended with ${r.status}`);
  } finally {
    signals?.close();
    machine.syscalls.close();
  }
  return cpuMs() - t0;
}

const rows: string[][] = [];
const ratios: number[] = [];
for (const [name, size, small] of GUESTS) {
  const bytes = Deno.readFileSync(`${REPO_ROOT}/examples/build/${name}.elf`);
  const args = [String(flags.quick ? small : size)];
  let off = Infinity, on = Infinity;
  await timeRun(bytes, args, false);
  await timeRun(bytes, args, true);
  for (let i = 0; i < reps; i++) {
    // Each goes first every other time: neither gains from what the other warmed.
    for (const polled of i % 2 ? [true, false] : [false, true]) {
      const t = await timeRun(bytes, args, polled);
      if (polled) on = Math.min(on, t);
      else off = Math.min(off, t);
    }
  }
  ratios.push(on / off);
  rows.push([name, off.toFixed(0), on.toFixed(0), times(on / off, 3)]);
}
rows.push([], ["geomean", "", "", times(geomean(ratios), 3)]);
console.log(table(["guest", "off cpu ms", "polled cpu ms", "polled/off"], rows));

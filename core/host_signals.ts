/**
 * Host signals for the guest: SIGINT (Ctrl-C) and SIGTERM sent to rvplug are caught (they no
 * longer kill it at once) and handed to the guest through the machine's `hostSignal` poll, so
 * that its handler runs, or the run ends with 128 + N and plugins' exit callbacks and reports
 * still run. The listeners run on the event loop, which a synchronous run never lets in: the
 * caller runs the guest in slices and lets the event loop turn between them
 * ({@linkcode runSliced}).
 * @module
 */

import type { Machine, RunResult } from "./machine.ts";

/** The host signals forwarded to the guest, with their Linux numbers. */
const FORWARDED: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

/** Instructions per slice; the event loop turns only every {@linkcode TURN_MS}. */
const SLICE_INSNS = 1 << 22;
/** How often the event loop turns during a run: a turn costs a timer tick (1-4 ms). */
const TURN_MS = 500;

/** A running listener: `take()` returns the last signal caught (0 when none) and clears it. */
export interface HostSignals {
  take(): number;
  close(): void;
}

/**
 * Starts catching SIGINT and SIGTERM.
 * @returns the listener, or undefined where signals cannot be listened for (not a Unix host)
 */
export function listenHostSignals(): HostSignals | undefined {
  if (Deno.build.os === "windows") return undefined;
  let caught = 0;
  const listeners = Object.entries(FORWARDED).map(([name, num]) => {
    const fn = () => void (caught = num);
    Deno.addSignalListener(name as Deno.Signal, fn);
    return [name as Deno.Signal, fn] as const;
  });
  return {
    take() {
      const sig = caught;
      caught = 0;
      return sig;
    },
    close() {
      for (const [name, fn] of listeners) Deno.removeSignalListener(name, fn);
    },
  };
}

/**
 * Runs `machine` to its end (or a debugger stop), letting the event loop turn about every half
 * second so that the signal listeners can run. A guest loop that never leaves its translated
 * region sees them only when the region returns.
 */
export async function runSliced(machine: Machine): Promise<RunResult> {
  let last = performance.now();
  for (;;) {
    const r = machine.run({ insns: SLICE_INSNS });
    if (r.reason !== "paused") return r;
    if (performance.now() - last < TURN_MS) continue;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = performance.now();
  }
}

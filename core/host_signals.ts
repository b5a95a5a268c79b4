/**
 * Host signals for the guest: SIGINT (Ctrl-C) and SIGTERM sent to rvplug are caught (they no
 * longer kill it at once) and handed to the guest, so that its handler runs, or the run ends
 * with 128 + N and plugins' exit callbacks and reports still run.
 *
 * The guest runs synchronously on the main thread, whose event loop a blocked guest never lets
 * turn; so the listeners live in a small Worker with an event loop of its own. It stores the
 * signal in shared memory and wakes the main thread if it waits there (`Atomics.wait`): in
 * rt_sigsuspend, a sleep, or a read of stdin, which the Worker does for it (a host read on
 * the main thread would block it past the signal). Between syscalls the run loop polls.
 * @module
 */

import type { Machine, RunResult } from "./machine.ts";
import type { HostEvents } from "./signal_delivery.ts";

/** The host signals forwarded to the guest, with their Linux numbers. */
const FORWARDED: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

/** Instructions per slice; the event loop turns only every {@linkcode TURN_MS}. */
const SLICE_INSNS = 1 << 22;
/** How often the event loop turns during a run: a turn costs a timer tick (1-4 ms). */
const TURN_MS = 500;
/** How long the main thread waits for the Worker to listen before running the guest. */
const START_MS = 10_000;
/** Bytes the Worker reads from stdin at a time. */
const STDIN_CHUNK = 65536;

/** Cells of the shared control array. */
const CELL = {
  /** Last signal caught, 0 when none (the main thread takes it). */
  SIGNAL: 0,
  /** Bumped at every event (signal, stdin data): what the main thread waits on. */
  EVENTS: 1,
  /** State of stdin: see {@linkcode STDIN}. */
  STDIN: 2,
  /** Bytes of stdin data ready (the errno after an error), and how many the guest has taken. */
  LENGTH: 3,
  TAKEN: 4,
  /** 1 once the Worker listens. */
  READY: 5,
} as const;
/** States of stdin in the Worker. */
const STDIN = { IDLE: 0, READING: 1, DATA: 2, EOF: 3, ERROR: 4 } as const;

/** A running listener. */
export interface HostSignals extends HostEvents {
  /** The last signal caught (0 when none), which it clears. */
  take(): number;
  /** Stops listening (the signals' default actions come back). */
  close(): void;
}

/** The Worker: listens, and reads stdin when asked. Plain JavaScript, from a Blob. */
const WORKER_SOURCE = `
let ctl, data;
const wake = () => { Atomics.add(ctl, ${CELL.EVENTS}, 1); Atomics.notify(ctl, ${CELL.EVENTS}); };
self.onmessage = async (e) => {
  if (e.data.ctl) {
    ctl = new Int32Array(e.data.ctl);
    data = new Uint8Array(e.data.data);
    for (const [name, num] of e.data.signals) {
      Deno.addSignalListener(name, () => { Atomics.store(ctl, ${CELL.SIGNAL}, num); wake(); });
    }
    Atomics.store(ctl, ${CELL.READY}, 1);
    wake();
    return;
  }
  const buf = new Uint8Array(data.length);
  let state, n = 0;
  try {
    const got = await Deno.stdin.read(buf);
    if (got === null) state = ${STDIN.EOF};
    else [state, n] = [${STDIN.DATA}, got];
  } catch (e) {
    // The host errno, for the guest's read (EIO when unknown).
    state = ${STDIN.ERROR};
    n = Number(/os error (\\d+)/.exec(String(e?.message))?.[1] ?? 5);
  }
  if (state !== ${STDIN.ERROR}) data.set(buf.subarray(0, n));
  Atomics.store(ctl, ${CELL.LENGTH}, n); // the count, or the errno
  Atomics.store(ctl, ${CELL.TAKEN}, 0);
  Atomics.store(ctl, ${CELL.STDIN}, state);
  wake();
};
`;

/**
 * Starts catching SIGINT and SIGTERM; blocks until they are caught.
 * @returns the listener, or undefined where signals cannot be listened for (not a Unix host)
 */
export function listenHostSignals(): HostSignals | undefined {
  if (Deno.build.os === "windows") return undefined;
  const ctl = new Int32Array(new SharedArrayBuffer(8 * 4));
  const dataBuffer = new SharedArrayBuffer(STDIN_CHUNK);
  const data = new Uint8Array(dataBuffer);
  let worker: Worker;
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  try {
    worker = new Worker(url, { type: "module" });
  } catch {
    return listenOnMainThread();
  } finally {
    URL.revokeObjectURL(url);
  }
  worker.postMessage({ ctl: ctl.buffer, data: dataBuffer, signals: Object.entries(FORWARDED) });
  const start = performance.now();
  while (Atomics.load(ctl, CELL.READY) === 0 && performance.now() - start < START_MS) {
    Atomics.wait(ctl, CELL.EVENTS, Atomics.load(ctl, CELL.EVENTS), 100);
  }
  if (Atomics.load(ctl, CELL.READY) === 0) {
    worker.terminate();
    return listenOnMainThread();
  }
  // A regular file never blocks: read it here, without a round trip to the Worker.
  const stdinBlocks = mayBlock();
  return {
    take() {
      // A plain read first: the run loop polls often, signals are rare.
      return ctl[CELL.SIGNAL] === 0 ? 0 : Atomics.exchange(ctl, CELL.SIGNAL, 0);
    },
    wait(ms) {
      if (ctl[CELL.SIGNAL] !== 0) return;
      Atomics.wait(ctl, CELL.EVENTS, Atomics.load(ctl, CELL.EVENTS), Math.max(0, ms));
    },
    readStdin(buf, interrupted) {
      if (!stdinBlocks) return Deno.stdin.readSync(buf);
      for (;;) {
        const events = Atomics.load(ctl, CELL.EVENTS);
        const state = Atomics.load(ctl, CELL.STDIN);
        if (state === STDIN.DATA) {
          const taken = ctl[CELL.TAKEN]!, length = ctl[CELL.LENGTH]!;
          const n = Math.min(buf.length, length - taken);
          buf.set(data.subarray(taken, taken + n));
          if (taken + n < length) Atomics.store(ctl, CELL.TAKEN, taken + n);
          else Atomics.store(ctl, CELL.STDIN, STDIN.IDLE);
          return n;
        }
        if (state === STDIN.EOF || state === STDIN.ERROR) {
          // A terminal gives more after its end of file: the next read asks again.
          Atomics.store(ctl, CELL.STDIN, STDIN.IDLE);
          if (state === STDIN.ERROR) {
            throw new Error(`Cannot read stdin (os error ${ctl[CELL.LENGTH]})`);
          }
          return null;
        }
        // Data that arrives after a signal cut this read short is kept for the next one.
        if (interrupted()) return undefined;
        if (state === STDIN.IDLE) {
          Atomics.store(ctl, CELL.STDIN, STDIN.READING);
          worker.postMessage("read");
        }
        Atomics.wait(ctl, CELL.EVENTS, events, 50);
      }
    },
    close() {
      worker.terminate();
    },
  };
}

/**
 * The listeners on the main thread, where no Worker can run: they see signals only when the
 * event loop turns ({@linkcode runSliced}), so a guest blocked in a call sees them when it
 * returns.
 */
function listenOnMainThread(): HostSignals {
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
    wait(ms) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    },
    close() {
      for (const [name, fn] of listeners) Deno.removeSignalListener(name, fn);
    },
  };
}

/** Whether a read of stdin may block: it is not a regular file (or we cannot tell). */
function mayBlock(): boolean {
  try {
    // Never a permission prompt: without the right to look, assume it may block.
    const allowed = Deno.permissions.querySync({ name: "read", path: "/dev/stdin" });
    return allowed.state !== "granted" || !Deno.statSync("/dev/stdin").isFile;
  } catch {
    return true;
  }
}

/**
 * Runs `machine` to its end (or a debugger stop), letting the event loop turn about every half
 * second (for plugins' timers and such; host signals need no turn).
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

/**
 * Host signals for the guest: SIGINT (Ctrl-C) and SIGTERM sent to rvplug are caught (they no
 * longer kill it at once) and handed to the guest, so that its handler runs, or the run ends
 * with 128 + N and plugins' exit callbacks and reports still run.
 *
 * The guest runs synchronously on the main thread, whose event loop a blocked guest never lets
 * turn; so the listeners live in a small Worker with an event loop of its own. It stores the
 * signal in shared memory and wakes the main thread if it waits there (`Atomics.wait`): in
 * rt_sigsuspend, a sleep, or a host call that may block, which the Worker makes for it (the
 * same call on the main thread would block it past the signal): a read of stdin, and the open,
 * reads and writes of a FIFO or a terminal the guest opens. Between syscalls the run loop polls.
 * @module
 */

import type { Machine, RunResult } from "./machine.ts";
import type { HostEvents } from "./signal_delivery.ts";
import type { HostedFiles } from "./syscalls/_streams.ts";

/** The host signals forwarded to the guest, with their Linux numbers. */
const FORWARDED: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

/** Instructions per slice; the event loop turns only every {@linkcode TURN_MS}. */
const SLICE_INSNS = 1 << 22;
/** How often the event loop turns during a run: a turn costs a timer tick (1-4 ms). */
const TURN_MS = 500;
/** How long the main thread waits for the Worker to listen before running the guest. */
const START_MS = 10_000;
/** Bytes the Worker reads at a time (the size of the shared data buffer). */
const CHUNK = 65536;
/** How long a wait for the Worker lasts before it looks again (a lost wake-up costs this). */
const WAIT_MS = 50;

/** Cells of the shared control array. */
const CELL = {
  /** Last signal caught, 0 when none (the main thread takes it). */
  SIGNAL: 0,
  /** Bumped at every event (signal, a call's result): what the main thread waits on. */
  EVENTS: 1,
  /** 1 while the mailbox holds a result the main thread has not taken. */
  MAIL: 2,
  /** The result: which file (0: stdin), what it is ({@linkcode RESULT}), a count or errno. */
  FILE: 3,
  RESULT: 4,
  LENGTH: 5,
  /** 1 once the Worker listens. */
  READY: 6,
} as const;
/** What a call in the Worker came to. */
const RESULT = { DATA: 1, EOF: 2, ERROR: 3, OPENED: 4, WROTE: 5 } as const;

/** A result the main thread took from the mailbox. */
interface Result {
  readonly kind: number;
  /** The count, or the errno of an error. */
  readonly length: number;
  /** Bytes read (DATA), of which `taken` are consumed. */
  readonly data?: Uint8Array;
  taken: number;
}

/** A running listener. */
export interface HostSignals extends HostEvents {
  /** The last signal caught (0 when none), which it clears. */
  take(): number;
  /** Stops listening (the signals' default actions come back). */
  close(): void;
}

/**
 * The Worker: listens, and makes the calls that may block when asked (file 0 is stdin), one
 * result at a time in the mailbox. Plain JavaScript, from a Blob.
 */
const WORKER_SOURCE = `
let ctl, data;
const files = new Map(), results = [];
const wake = () => { Atomics.add(ctl, ${CELL.EVENTS}, 1); Atomics.notify(ctl, ${CELL.EVENTS}); };
const post = () => {
  if (results.length === 0 || Atomics.load(ctl, ${CELL.MAIL}) !== 0) return;
  const r = results.shift();
  if (r.bytes) data.set(r.bytes);
  ctl[${CELL.FILE}] = r.file;
  ctl[${CELL.RESULT}] = r.kind;
  ctl[${CELL.LENGTH}] = r.length;
  Atomics.store(ctl, ${CELL.MAIL}, 1);
  wake();
};
// The host errno, for the guest's call (EIO when unknown).
const errno = (e) => Number(/os error (\\d+)/.exec(String(e?.message))?.[1] ?? 5);
self.onmessage = async (e) => {
  const m = e.data;
  if (m.ctl) {
    ctl = new Int32Array(m.ctl);
    data = new Uint8Array(m.data);
    files.set(0, Deno.stdin);
    for (const [name, num] of m.signals) {
      Deno.addSignalListener(name, () => { Atomics.store(ctl, ${CELL.SIGNAL}, num); wake(); });
    }
    Atomics.store(ctl, ${CELL.READY}, 1);
    wake();
    return;
  }
  if (m.op === "taken") return post();
  if (m.op === "close") {
    try { files.get(m.file)?.close(); } catch { /* a read in flight fails with it */ }
    files.delete(m.file);
    return;
  }
  let r;
  try {
    if (m.op === "open") {
      files.set(m.file, await Deno.open(m.path, m.options));
      r = { kind: ${RESULT.OPENED}, length: 0 };
    } else if (m.op === "read") {
      const buf = new Uint8Array(m.length);
      const got = await files.get(m.file).read(buf);
      r = got === null
        ? { kind: ${RESULT.EOF}, length: 0 }
        : { kind: ${RESULT.DATA}, length: got, bytes: buf.subarray(0, got) };
    } else {
      r = { kind: ${RESULT.WROTE}, length: await files.get(m.file).write(m.bytes) };
    }
  } catch (e) {
    r = { kind: ${RESULT.ERROR}, length: errno(e) };
  }
  results.push({ file: m.file, ...r });
  post();
};
`;

/**
 * Starts catching SIGINT and SIGTERM; blocks until they are caught.
 * @returns the listener, or undefined where signals cannot be listened for (not a Unix host)
 */
export function listenHostSignals(): HostSignals | undefined {
  if (Deno.build.os === "windows") return undefined;
  const ctl = new Int32Array(new SharedArrayBuffer(8 * 4));
  const dataBuffer = new SharedArrayBuffer(CHUNK);
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
  const calls = new WorkerCalls(worker, ctl, new Uint8Array(dataBuffer));
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
      try {
        return calls.read(0, buf, interrupted);
      } catch (e) {
        throw new Error(`Cannot read stdin ${(e as Error).message}`);
      }
    },
    files: (interrupted) => calls.bind(interrupted),
    close() {
      worker.terminate();
    },
  };
}

/**
 * The main thread's side of the calls the Worker makes: each waits for its result, or gives up
 * when a signal is due (`interrupted()`); a result that comes after that is kept for the next
 * call on the same file (data read after a signal cut the read short is not lost).
 */
class WorkerCalls {
  readonly #worker: Worker;
  readonly #ctl: Int32Array;
  readonly #data: Uint8Array;
  /** Results taken from the mailbox, by file, not yet consumed. */
  readonly #results = new Map<number, Result[]>();
  /** Files with a call in flight. */
  readonly #busy = new Set<number>();
  /** Files the guest closed, or whose open it gave up: their late results are dropped. */
  readonly #gone = new Set<number>();
  #nextFile = 1;

  constructor(worker: Worker, ctl: Int32Array, data: Uint8Array) {
    this.#worker = worker;
    this.#ctl = ctl;
    this.#data = data;
  }

  /** The calls as the syscall layer makes them, interrupted by `interrupted()`. */
  bind(interrupted: () => boolean): HostedFiles {
    return {
      open: (path, options) => this.open(path, options, interrupted),
      read: (file, buf) => this.read(file, buf, interrupted),
      write: (file, bytes) => this.write(file, bytes, interrupted),
      close: (file) => this.close(file),
    };
  }

  /**
   * Opens `path` in the Worker (an open of a FIFO waits for the other end).
   * @returns the file's number, or undefined when a signal came first
   * @throws Error with the host's `(os error N)` when the open fails
   */
  open(path: string, options: Deno.OpenOptions, interrupted: () => boolean): number | undefined {
    const file = this.#nextFile++;
    const r = this.#await(file, { op: "open", file, path, options }, interrupted);
    if (!r) {
      this.#gone.add(file);
      return undefined;
    }
    this.#consume(file);
    return file;
  }

  /** Reads `file` as `readSync` would: a count, null at end of file; undefined: interrupted. */
  read(file: number, buf: Uint8Array, interrupted: () => boolean): number | null | undefined {
    const length = Math.min(buf.length, CHUNK);
    const r = this.#await(file, { op: "read", file, length }, interrupted);
    if (!r) return undefined;
    if (r.kind !== RESULT.DATA) {
      // A terminal gives more after its end of file: the next read asks again.
      this.#consume(file);
      return null;
    }
    const n = Math.min(buf.length, r.length - r.taken);
    buf.set(r.data!.subarray(r.taken, r.taken + n));
    r.taken += n;
    if (r.taken === r.length) this.#consume(file);
    return n;
  }

  /** Writes `bytes` to `file`: the count written; undefined when a signal came first. */
  write(file: number, bytes: Uint8Array, interrupted: () => boolean): number | undefined {
    const r = this.#await(file, { op: "write", file, bytes: bytes.slice() }, interrupted);
    if (r) this.#consume(file);
    return r?.length;
  }

  /** Closes `file` in the Worker. */
  close(file: number): void {
    this.#results.delete(file);
    if (this.#busy.has(file)) this.#gone.add(file);
    this.#worker.postMessage({ op: "close", file });
  }

  /**
   * The next result for `file`, asking the Worker with `request` unless a call is in flight;
   * undefined once `interrupted()` says so.
   * @throws Error with the host's `(os error N)` for an error result (consumed)
   */
  #await(
    file: number,
    request: Record<string, unknown>,
    interrupted: () => boolean,
  ): Result | undefined {
    const ctl = this.#ctl;
    for (;;) {
      const events = Atomics.load(ctl, CELL.EVENTS);
      this.#takeMail();
      const r = this.#results.get(file)?.[0];
      if (r?.kind === RESULT.ERROR) {
        this.#consume(file);
        throw new Error(`(os error ${r.length})`);
      }
      if (r) return r;
      if (interrupted()) return undefined;
      if (!this.#busy.has(file)) {
        this.#busy.add(file);
        this.#worker.postMessage(request);
      }
      Atomics.wait(ctl, CELL.EVENTS, events, WAIT_MS);
    }
  }

  /** Moves the mailbox's result, if any, to its file's results, and frees the mailbox. */
  #takeMail(): void {
    const ctl = this.#ctl;
    if (Atomics.load(ctl, CELL.MAIL) === 0) return;
    const file = ctl[CELL.FILE]!, kind = ctl[CELL.RESULT]!, length = ctl[CELL.LENGTH]!;
    const data = kind === RESULT.DATA ? this.#data.slice(0, length) : undefined;
    Atomics.store(ctl, CELL.MAIL, 0);
    this.#worker.postMessage({ op: "taken" });
    this.#busy.delete(file);
    if (this.#gone.has(file)) {
      // An open the guest gave up on: the file is not wanted.
      if (kind === RESULT.OPENED) this.#worker.postMessage({ op: "close", file });
      this.#gone.delete(file);
      return;
    }
    const list = this.#results.get(file) ?? [];
    list.push({ kind, length, data, taken: 0 });
    this.#results.set(file, list);
  }

  /** Drops the first result of `file`. */
  #consume(file: number): void {
    const list = this.#results.get(file);
    list?.shift();
    if (list?.length === 0) this.#results.delete(file);
  }
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

/**
 * The GDB remote stub's connection: listens on a TCP port, waits for one debugger, and serves
 * it (core/gdb/session.ts) until the guest's run ends, the debugger detaches, kills it, or goes
 * away.
 *
 * A small Worker holds the socket (core/gdb/relay.ts), so that gdb's interrupt (Ctrl-C, a 0x03
 * byte) is seen while the guest's thread is busy or blocked in a call (a read, a sleep): the
 * Worker raises a flag in shared memory that the machine polls with host signals, and the run
 * stops as for a SIGINT (T02). Packets reach the stub through the event loop, which turns
 * between slices of instructions.
 * @module
 */

import type { Machine, RunResult } from "../machine.ts";
import { encodePacket, type Incoming, PacketReader } from "./packet.ts";
import { Relay } from "./relay.ts";
import { GDB_SIGINT, GdbSession, linuxSignal } from "./session.ts";

/** How often a running guest looks for the debugger's interrupt, in milliseconds. */
const POLL_MS = 100;

/** Options of {@linkcode serveGdb}. */
export interface GdbServerOptions {
  /** TCP port; 0 picks a free one (see `onListen`). */
  port: number;
  /** Address to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** Called once listening, with the port (useful with port 0). */
  onListen?: (port: number) => void;
  /** Instructions run between two looks at the connection. @default {1_000_000} */
  slice?: number;
}

/**
 * Waits for a debugger on `options.port` and lets it control `machine`, which must be loaded
 * and not yet started (the debugger sees it before its first instruction).
 * @returns the result that ended the run, or undefined when the debugger detached or went
 *   away with the guest still running (breakpoints and watchpoints are then removed)
 * @throws RangeError when it cannot listen on the port; PluginError when a plugin callback
 *   throws during the run
 */
export async function serveGdb(
  machine: Machine,
  options: GdbServerOptions,
): Promise<RunResult | undefined> {
  const hostname = options.hostname ?? "127.0.0.1";
  const relay = new Relay();
  let link: Link;
  try {
    const port = await relay.listen(hostname, options.port);
    options.onListen?.(port);
    await relay.accepted();
    link = new Link(relay);
  } catch (e) {
    relay.close();
    throw e;
  }
  // As qemu-user: every signal stops for gdb first, which delivers it or drops it.
  machine.stopAtSignals = true;
  machine.debuggerInterrupt = () => relay.takeInterrupt();
  try {
    return await serve(machine, link, relay, options.slice ?? 1_000_000);
  } finally {
    machine.debuggerInterrupt = undefined;
    machine.stopAtSignals = false;
    relay.close();
  }
}

async function serve(
  machine: Machine,
  link: Link,
  relay: Relay,
  slice: number,
): Promise<RunResult | undefined> {
  const session = new GdbSession(machine);
  const points = new Set<string>();
  const forget = () => {
    for (const p of points) session.handle(`z${p}`);
  };
  for (;;) {
    const ev = await link.next();
    if (!ev) {
      forget();
      return undefined;
    }
    if (ev.kind === "ack") {
      if (!ev.ok) await link.resend();
      continue;
    }
    if (ev.kind === "bad") {
      await link.raw("-");
      continue;
    }
    if (ev.kind === "interrupt") continue; // already stopped
    await link.raw("+");
    // Remember what is inserted, to take it out when the debugger goes away.
    if (/^[Zz][0-4],/.test(ev.data)) {
      const key = ev.data.slice(1);
      if (ev.data[0] === "Z") points.add(key);
      else points.delete(key);
    }
    const action = session.handle(ev.data);
    switch (action.kind) {
      case "reply":
        await link.send(action.text);
        break;
      case "kill":
        if (action.ok) await link.send("OK");
        return machine.end(0);
      case "detach":
        await link.send("OK");
        forget();
        return undefined;
      case "resume": {
        const signal = linuxSignal(action.signal);
        relay.running = true;
        const r = action.step
          ? machine.step(signal)
          : await runSliced(machine, link, slice, signal);
        relay.running = false;
        if (r === "interrupt") {
          await link.send(session.signalReply(GDB_SIGINT));
          break;
        }
        await link.send(session.stopReply(r));
        if (machine.ended) return machine.ended;
        break;
      }
    }
  }
}

/**
 * Runs until a stop, looking at the connection for an interrupt every {@linkcode POLL_MS}: a
 * look costs a timer tick (1-4 ms), and a message-channel round trip, cheaper, does not let the
 * socket's data in promptly.
 */
async function runSliced(
  machine: Machine,
  link: Link,
  slice: number,
  signal: number,
): Promise<RunResult | "interrupt"> {
  let last = performance.now();
  for (let first = true;; first = false) {
    // The signal goes with the first slice only; later slices go on where the last paused.
    const r = machine.run(first ? { insns: slice, signal } : { insns: slice });
    if (r.reason !== "paused") return r;
    if (performance.now() - last < POLL_MS) continue;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = performance.now();
    if (link.takeInterrupt()) return "interrupt";
  }
}

/** The connection: incoming events queued as the relay passes them on, outgoing packets. */
class Link {
  readonly #relay: Relay;
  readonly #reader = new PacketReader();
  readonly #queue: Incoming[] = [];
  #closed = false;
  #wake: (() => void) | undefined;
  #last: string | undefined;

  constructor(relay: Relay) {
    this.#relay = relay;
    relay.onData = (bytes) => {
      if (bytes) this.#queue.push(...this.#reader.push(bytes));
      else this.#closed = true; // a reset connection ends the session like a closed one
      this.#wake?.();
    };
  }

  /** The next event, or undefined once the debugger has gone. */
  async next(): Promise<Incoming | undefined> {
    while (this.#queue.length === 0 && !this.#closed) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    return this.#queue.shift();
  }

  /** Whether an interrupt byte arrived (it is consumed). */
  takeInterrupt(): boolean {
    const i = this.#queue.findIndex((e) => e.kind === "interrupt");
    if (i >= 0) this.#queue.splice(i, 1);
    return i >= 0;
  }

  send(payload: string): Promise<void> {
    this.#last = payload;
    return this.#relay.write(encodePacket(payload));
  }

  resend(): Promise<void> {
    return this.#last === undefined ? Promise.resolve() : this.send(this.#last);
  }

  raw(text: string): Promise<void> {
    return this.#relay.write(new TextEncoder().encode(text));
  }
}

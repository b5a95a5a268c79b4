/**
 * The debugger's socket, held by a small Worker: the guest runs on the main thread, whose event
 * loop does not turn while the guest is in a busy loop or blocked in a call, so the main thread
 * cannot see gdb's interrupt (a 0x03 byte) then. The Worker passes every byte on to the main
 * thread (as messages, read when its event loop turns), and while the guest runs it also raises
 * a flag in shared memory at an interrupt, which the machine polls with host signals, blocking
 * calls included ({@linkcode Relay.takeInterrupt}).
 * @module
 */

/** States of the shared flag. */
const FLAG = { STOPPED: 0, RUNNING: 1, INTERRUPTED: 2 } as const;

/** gdb's interrupt byte. */
const INTERRUPT = 3;

/** The Worker: listens, accepts one connection, relays it. Plain JavaScript, from a Blob. */
const RELAY_SOURCE = `
let listener, conn, flag, writing = Promise.resolve();
const writeAll = async (bytes) => {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
};
self.onmessage = async (e) => {
  const m = e.data;
  if (m.op === "write") {
    writing = writing.then(() => writeAll(m.bytes)).then(
      () => self.postMessage({ kind: "wrote", id: m.id }),
      () => self.postMessage({ kind: "wrote", id: m.id, failed: true }),
    );
    return;
  }
  flag = new Int32Array(m.flag);
  try {
    listener = Deno.listen({ hostname: m.hostname, port: m.port });
  } catch (err) {
    self.postMessage({ kind: "error", message: String(err?.message ?? err) });
    return;
  }
  self.postMessage({ kind: "listening", port: listener.addr.port });
  try {
    conn = await listener.accept();
  } catch (err) {
    self.postMessage({ kind: "error", message: String(err?.message ?? err) });
    return;
  } finally {
    listener.close();
  }
  try { conn.setNoDelay(true); } catch { /* only latency */ }
  self.postMessage({ kind: "connected" });
  const buf = new Uint8Array(16384);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      const bytes = buf.slice(0, n);
      if (bytes.includes(${INTERRUPT})) {
        Atomics.compareExchange(flag, 0, ${FLAG.RUNNING}, ${FLAG.INTERRUPTED});
      }
      self.postMessage({ kind: "data", bytes }, [bytes.buffer]);
    }
  } catch { /* a reset connection ends the session like a closed one */ }
  self.postMessage({ kind: "closed" });
};
`;

/** Messages from the Worker. */
type RelayMessage =
  | { kind: "listening"; port: number }
  | { kind: "connected" }
  | { kind: "error"; message: string }
  | { kind: "data"; bytes: Uint8Array }
  | { kind: "closed" }
  | { kind: "wrote"; id: number; failed?: boolean };

/** The main thread's side of the relayed connection. */
export class Relay {
  readonly #worker: Worker;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  #listening = Promise.withResolvers<number>();
  #connected = Promise.withResolvers<void>();
  readonly #writes = new Map<number, () => void>();
  #nextWrite = 0;
  #closed = false;

  /** Receives the bytes that come, then undefined once the connection is gone. */
  set onData(receive: (bytes: Uint8Array | undefined) => void) {
    this.#onData = receive;
    // What came before anyone listened.
    for (const bytes of this.#early.splice(0)) receive(bytes);
  }

  #onData: ((bytes: Uint8Array | undefined) => void) | undefined;
  readonly #early: (Uint8Array | undefined)[] = [];

  #deliver(bytes: Uint8Array | undefined): void {
    if (this.#onData) this.#onData(bytes);
    else this.#early.push(bytes);
  }

  constructor() {
    const url = URL.createObjectURL(new Blob([RELAY_SOURCE], { type: "text/javascript" }));
    try {
      this.#worker = new Worker(url, { type: "module" });
    } finally {
      URL.revokeObjectURL(url);
    }
    // Nothing pending must keep the process alive once the run is over (see close()).
    this.#listening.promise.catch(() => {});
    this.#connected.promise.catch(() => {});
    this.#worker.onmessage = (e: MessageEvent<RelayMessage>) => this.#receive(e.data);
  }

  #receive(m: RelayMessage): void {
    switch (m.kind) {
      case "listening":
        this.#listening.resolve(m.port);
        break;
      case "connected":
        this.#connected.resolve();
        break;
      case "error": {
        const error = new Error(m.message);
        this.#listening.reject(error);
        this.#connected.reject(error);
        break;
      }
      case "data":
        this.#deliver(m.bytes);
        break;
      case "closed":
        this.#closed = true;
        this.#deliver(undefined);
        break;
      case "wrote":
        if (m.failed) this.#closed = true;
        this.#writes.get(m.id)?.();
        this.#writes.delete(m.id);
    }
  }

  /**
   * Listens on `hostname:port`.
   * @returns the port (the one picked for port 0)
   * @throws RangeError when it cannot
   */
  async listen(hostname: string, port: number): Promise<number> {
    this.#worker.postMessage({ op: "listen", hostname, port, flag: this.#flag.buffer });
    try {
      return await this.#listening.promise;
    } catch (e) {
      throw new RangeError(`Cannot listen for gdb on ${hostname}:${port}: ${(e as Error).message}`);
    }
  }

  /** Resolves once a debugger connected. */
  accepted(): Promise<void> {
    return this.#connected.promise;
  }

  /** Whether the guest runs: only then does an interrupt byte raise the flag. */
  set running(on: boolean) {
    Atomics.store(this.#flag, 0, on ? FLAG.RUNNING : FLAG.STOPPED);
  }

  /** Whether the debugger interrupted the running guest (the flag is cleared). */
  takeInterrupt(): boolean {
    return this.#flag[0] === FLAG.INTERRUPTED &&
      Atomics.compareExchange(this.#flag, 0, FLAG.INTERRUPTED, FLAG.RUNNING) ===
        FLAG.INTERRUPTED;
  }

  /** Sends `bytes`; resolves once they are written (or the connection failed). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const id = this.#nextWrite++;
    const written = Promise.withResolvers<void>();
    this.#writes.set(id, written.resolve);
    this.#worker.postMessage({ op: "write", id, bytes });
    return written.promise;
  }

  /** Closes the connection and ends the Worker. */
  close(): void {
    this.#closed = true;
    for (const done of this.#writes.values()) done();
    this.#writes.clear();
    this.#worker.terminate();
  }
}

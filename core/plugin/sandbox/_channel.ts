/**
 * The shared memory between rvplug and a sandboxed plugin's Worker, and the primitives both sides
 * use on it:
 *
 * - the event ring: rvplug writes execution and memory events (Int32 words) and publishes them in
 *   batches; the Worker runs the plugin's callbacks in order. A record that needs an answer (a
 *   call) is followed by a synchronous wait for it.
 * - the mailbox: during a call, the Worker asks rvplug for what only it has (registers, memory,
 *   disassembly) and finally answers the call, in JSON.
 * - the call buffer: the JSON arguments of the call record being served.
 * - the outbox: messages the Worker sends at any time (plugin output, registrations, failures),
 *   a byte ring of JSON texts that rvplug drains whenever it publishes or waits.
 * - the arena: every scoreboard of the plugin, so that inline operations in translated code and
 *   the plugin's own reads see the same counters.
 * @module
 */

/** Indices of the control words. */
export const enum Ctl {
  /** Event ring: words published by rvplug. */
  RingWrite = 0,
  /** Event ring: words consumed by the Worker. */
  RingRead = 1,
  /** Mailbox state, a {@linkcode Mail}. */
  Mail = 2,
  /** Mailbox: bytes of the JSON text in it. */
  MailLen = 3,
  /** Outbox: bytes written by the Worker. */
  OutWrite = 4,
  /** Outbox: bytes consumed by rvplug. */
  OutRead = 5,
  /** Set by rvplug when the Worker must stop. */
  Closed = 6,
  /** Bumped by the Worker after each change rvplug may wait for. */
  Seq = 7,
  /** Call buffer: bytes of the JSON text in it. */
  CallLen = 8,
  /**
   * Set by the Worker while it waits for events (after checking the ring once more): only then
   * does rvplug wake it.
   */
  Sleeping = 9,
  Size = 16,
}

/** Mailbox states. */
export const enum Mail {
  Idle = 0,
  /** The Worker asks rvplug something. */
  Request = 1,
  /** rvplug has answered the request. */
  Response = 2,
  /** The Worker has finished the call. */
  Done = 3,
  /**
   * rvplug, instead of answering the Worker's request, asks it to run the call in the call
   * buffer first (answered with `Done`, after which rvplug sets `Request` again).
   */
  Nested = 4,
}

/** The name of the wire error rvplug answers a request with when the run ends meanwhile. */
export const UNWIND = "rvplug.Unwind";

/**
 * Event ring records, by their first word: a site id (>= 0) is an execution callback without
 * register access, `[id]`; {@linkcode memHeader} starts a memory callback, `[header]`,
 * `[header, vaddr]` or `[header, vaddr, value]` (as many as the callback reads, which the header
 * says too: the Worker finds the next record without looking at the site); the {@linkcode Rec}
 * values start records that need an answer.
 */
export const enum Rec {
  /** `[Call]`: a call whose JSON arguments are in the call buffer. */
  Call = -0x80000000,
  /** `[SyncExec, site]`: an execution callback run while rvplug waits. */
  SyncExec = -0x7fffffff,
  /** `[SyncMem, site, info, vaddr, value]`: a memory callback run while rvplug waits. */
  SyncMem = -0x7ffffffe,
}

/** Site ids must stay below this for {@linkcode memHeader} to fit a word. */
export const MAX_SITES = 1 << 24;

/**
 * First word of a memory record, negative: site `id`, the number of `words` after it (0-2) and
 * the access's info.
 */
export function memHeader(id: number, words: number, info: number): number {
  return -1 - (id * 64 + words * 16 + info);
}

/** Words of the event ring (a power of two). */
export const RING_WORDS = 1 << 18;
/** rvplug publishes after this many words. */
export const BATCH_WORDS = 1 << 13;
/**
 * rvplug wakes a sleeping Worker once this many words wait for it (or when it waits for an
 * answer): each wake-up costs two system calls, and events need no answer.
 */
export const WAKE_WORDS = 1 << 16;
/** Bytes of the outbox (a power of two). */
export const OUT_BYTES = 1 << 20;
const GROWABLE = 1 << 30;

/** The shared buffers of one sandboxed plugin. */
export interface Shared {
  readonly ctl: SharedArrayBuffer;
  readonly ring: SharedArrayBuffer;
  readonly mail: SharedArrayBuffer;
  readonly call: SharedArrayBuffer;
  readonly out: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
}

/** New, zeroed shared buffers. */
export function newShared(): Shared {
  const growable = () => new SharedArrayBuffer(1 << 16, { maxByteLength: GROWABLE });
  return {
    ctl: new SharedArrayBuffer(Ctl.Size * 4),
    ring: new SharedArrayBuffer(RING_WORDS * 4),
    mail: growable(),
    call: growable(),
    out: new SharedArrayBuffer(OUT_BYTES),
    arena: new SharedArrayBuffer(0, { maxByteLength: GROWABLE }),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `value` as JSON into the growable `buf`; returns its length in bytes. */
export function writeJson(buf: SharedArrayBuffer, value: unknown): number {
  const bytes = encoder.encode(JSON.stringify(value) ?? "null");
  if (bytes.length > buf.byteLength) buf.grow(Math.max(bytes.length, buf.byteLength * 2));
  new Uint8Array(buf).set(bytes);
  return bytes.length;
}

/** Reads the JSON value of `len` bytes from `buf`. */
export function readJson(buf: SharedArrayBuffer, len: number): unknown {
  return JSON.parse(decoder.decode(new Uint8Array(buf, 0, len).slice()));
}

/**
 * Appends one JSON message to the outbox, waiting for room while rvplug drains it.
 * @returns false when rvplug closed the channel meanwhile
 */
export function postOut(ctl: Int32Array, out: Uint8Array, value: unknown): boolean {
  const bytes = encoder.encode(JSON.stringify(value));
  const need = bytes.length + 4;
  if (need > out.length) throw new RangeError(`Cannot send a message of ${bytes.length} bytes`);
  const w = Atomics.load(ctl, Ctl.OutWrite);
  for (;;) {
    const r = Atomics.load(ctl, Ctl.OutRead);
    if (out.length - ((w - r) | 0) >= need) break;
    if (Atomics.load(ctl, Ctl.Closed)) return false;
    bump(ctl);
    Atomics.wait(ctl, Ctl.OutRead, r, 50);
  }
  const mask = out.length - 1;
  const len = bytes.length;
  const put = (at: number, src: Uint8Array) => {
    const i = at & mask, first = Math.min(src.length, out.length - i);
    out.set(src.subarray(0, first), i);
    out.set(src.subarray(first), 0);
  };
  put(w, new Uint8Array([len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24]));
  put(w + 4, bytes);
  Atomics.store(ctl, Ctl.OutWrite, (w + need) | 0);
  bump(ctl);
  return true;
}

/** Takes every message waiting in the outbox, oldest first. */
export function drainOut(ctl: Int32Array, out: Uint8Array): unknown[] {
  const w = Atomics.load(ctl, Ctl.OutWrite);
  let r = Atomics.load(ctl, Ctl.OutRead);
  if (r === w) return [];
  const mask = out.length - 1;
  const take = (at: number, n: number) => {
    const bytes = new Uint8Array(n);
    for (let k = 0; k < n; k++) bytes[k] = out[(at + k) & mask]!; // masked: in range
    return bytes;
  };
  const messages: unknown[] = [];
  while (r !== w) {
    const h = take(r, 4);
    const len = h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24);
    messages.push(JSON.parse(decoder.decode(take(r + 4, len))));
    r = (r + 4 + len) | 0;
  }
  Atomics.store(ctl, Ctl.OutRead, r);
  Atomics.notify(ctl, Ctl.OutRead);
  return messages;
}

/** Tells rvplug something changed (it waits on the sequence word). */
export function bump(ctl: Int32Array): void {
  Atomics.add(ctl, Ctl.Seq, 1);
  Atomics.notify(ctl, Ctl.Seq);
}

/** An error sent across the channel: its class name, message and stack. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** The wire form of `e`. */
export function toWire(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: "Error", message: String(e) };
}

/** Rebuilds an error of a built-in class from its wire form. */
export function fromWire(w: WireError): Error {
  const Class = w.name === "RangeError"
    ? RangeError
    : w.name === "TypeError"
    ? TypeError
    : w.name === "SyntaxError"
    ? SyntaxError
    : Error;
  const e = new Class(w.message);
  if (Class === Error && w.name !== "Error") e.name = w.name;
  if (w.stack !== undefined) e.stack = w.stack;
  return e;
}

/**
 * Running a guest through the library with captured standard streams, and formatting what it
 * leaves behind.
 * @module
 */

import { Machine, type RunResult } from "../mod.ts";

/** Options of {@linkcode runGuest}. */
export interface GuestRunOptions {
  /** Arguments after argv[0] (which is the ELF path). @default {[]} */
  args?: readonly string[];
  /** The exact guest environment, in order, as `NAME=value` strings. @default {[]} */
  env?: readonly string[];
  /** Standard input; without it the guest reads end of file at once, like `/dev/null`. */
  stdin?: string | Uint8Array;
  /** Execution engine. @default {"translate"} */
  engine?: "translate" | "interp";
  /** Instruction limit. @default {Infinity} */
  maxInsns?: number;
}

/** What a guest run through the library produced. */
export interface GuestRun {
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard output, raw. */
  stdoutBytes: Uint8Array;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
  /** Exit status as a shell sees it (128 + N for death by signal N). */
  status: number;
  /** Why the run ended. */
  reason: RunResult["reason"];
  /** The fatal signal, if any. */
  signal?: number;
  /** The fault that raised the signal, if one did: its kind, pc and the address involved. */
  fault?: { kind: string; pc: number; addr: number };
  /** Instructions retired. */
  instret: number;
  /** A copy of x0..x31 at the end of the run. */
  regs: Int32Array;
  /** The pc at the end of the run. */
  pc: number;
}

/** Collects written chunks and joins them once. */
class Sink {
  #chunks: Uint8Array[] = [];
  write = (bytes: Uint8Array): void => {
    this.#chunks.push(bytes.slice());
  };
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of this.#chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** A stdin callback that serves `input` and then end of file. */
function stdinFrom(input: string | Uint8Array | undefined): (buf: Uint8Array) => number | null {
  const data = typeof input === "string"
    ? new TextEncoder().encode(input)
    : input ?? new Uint8Array();
  let pos = 0;
  return (buf) => {
    if (pos >= data.length) return null;
    const n = Math.min(buf.length, data.length - pos);
    buf.set(data.subarray(pos, pos + n));
    pos += n;
    return n;
  };
}

/**
 * Runs a guest ELF with the library API, capturing its standard streams.
 * @param elfPath path of the RV32 ELF; it is also the guest's argv[0]
 * @param options arguments, environment, stdin, engine and instruction limit
 * @returns the captured output, the exit status and the final architectural state
 */
export function runGuest(elfPath: string, options: GuestRunOptions = {}): GuestRun {
  const out = new Sink(), err = new Sink();
  const machine = new Machine({
    engine: options.engine ?? "translate",
    maxInsns: options.maxInsns,
    // The translator's tests test compiled code: no region entry runs in the interpreter first.
    coldRuns: 0,
    io: { stdin: stdinFrom(options.stdin), stdout: out.write, stderr: err.write },
  });
  machine.load(Deno.readFileSync(elfPath), {
    argv: [elfPath, ...(options.args ?? [])],
    env: [...(options.env ?? [])],
    name: elfPath,
  });
  let result: RunResult;
  try {
    result = machine.run();
  } finally {
    machine.syscalls.close();
  }
  const stdoutBytes = out.bytes();
  const decoder = new TextDecoder();
  return {
    stdout: decoder.decode(stdoutBytes),
    stdoutBytes,
    stderr: decoder.decode(err.bytes()),
    status: result.status,
    reason: result.reason,
    signal: result.signal,
    fault: result.fault &&
      { kind: result.fault.kind, pc: result.fault.pc, addr: result.fault.addr },
    instret: result.instret,
    regs: machine.cpu.x.slice(),
    pc: machine.cpu.pc >>> 0,
  };
}

/** Formats a number as `0x` and as many hex digits as it needs. */
export function hex(v: number): string {
  return "0x" + v.toString(16);
}

/** Formats a 32-bit value as `0x` and 8 hex digits. */
export function hex32(v: number): string {
  return "0x" + (v >>> 0).toString(16).padStart(8, "0");
}

/**
 * The commands of the GDB remote serial protocol, answered for one {@linkcode Machine}: what the
 * stub replies to each packet, and which stop reply ends a resumption. No I/O here (see
 * server.ts), so hostile input can be tested packet by packet.
 * @module
 */

import type { Machine, RunResult } from "../machine.ts";
import type { WatchKind } from "../debug.ts";
import { PAGE_SHIFT, PROT_READ } from "../memory.ts";
import { MAX_PACKET } from "./packet.ts";
import { TARGET_FILES } from "./target_xml.ts";

/** What the stub does after a packet: reply, resume the guest, or end the session. */
export type Action =
  | { readonly kind: "reply"; readonly text: string }
  | { readonly kind: "resume"; readonly step: boolean; readonly signal: number }
  /** `k`, `vKill`: end the run (`vKill` wants an OK first). */
  | { readonly kind: "kill"; readonly ok: boolean }
  /** `D`: let the guest run on without the debugger (after replying OK). */
  | { readonly kind: "detach" };

/** Largest memory read answered at once: its hex fills a packet. */
const MAX_READ = MAX_PACKET / 2;
/** Register numbers: x0..x31, then pc. */
const PC_REGNUM = 32;
/** gdb's signal numbers (not the target's) for the stop replies. */
export const GDB_SIGTRAP = 5;
export const GDB_SIGINT = 2;
/** gdb's number for a signal it has no name for. */
const GDB_SIGNAL_UNKNOWN = 143;
/**
 * The Linux signal of each gdb signal number (the index; 0 where Linux has none), as qemu's
 * table: gdb numbers follow no one system (SIGUSR1 is 30, SIGBUS 10).
 */
const LINUX_OF_GDB: readonly number[] = [
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  0,
  8,
  9,
  7,
  11,
  31,
  13,
  14,
  15,
  23,
  19,
  20,
  18,
  17,
  21,
  22,
  29,
  24,
  25,
  26,
  27,
  28,
  0,
  10,
  12,
  30,
];

/** gdb's number for Linux signal `sig`. */
export function gdbSignal(sig: number): number {
  const n = LINUX_OF_GDB.indexOf(sig);
  return sig > 0 && n > 0 ? n : GDB_SIGNAL_UNKNOWN;
}

/** The Linux signal for gdb's number `n`; 0 for none (or one Linux does not have). */
export function linuxSignal(n: number): number {
  return LINUX_OF_GDB[n] ?? 0;
}
/** `qXfer:<object>:read:<annex>:<offset>,<length>`; every group takes part in a match. */
const XFER_READ = /^qXfer:(features|auxv):read:([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/;
type XferRead = [
  packet: string,
  object: "features" | "auxv",
  annex: string,
  offset: string,
  length: string,
];
const WATCH_KINDS: Record<string, WatchKind> = { "2": "write", "3": "read", "4": "access" };
const WATCH_PREFIX: Record<WatchKind, string> = {
  write: "watch",
  read: "rwatch",
  access: "awatch",
};

/** One debugger's session with a machine stopped before its first instruction. */
export class GdbSession {
  readonly #m: Machine;
  /** The auxiliary vector as the guest's stack holds it, for `qXfer:auxv:read`. */
  readonly #auxv: Uint8Array;
  /** Process and thread id in stop replies (`p1.1`): qemu-user also reports process 1. */
  readonly #thread = "p01.01";

  constructor(machine: Machine) {
    this.#m = machine;
    this.#auxv = readAuxv(machine);
  }

  /** The last stop reply, which `?` repeats. */
  #lastStop: string | undefined;

  /** The stop reply for how a resumption ended. */
  stopReply(r: RunResult): string {
    return this.#lastStop = this.#stopReply(r);
  }

  #stopReply(r: RunResult): string {
    switch (r.reason) {
      case "exit":
      case "max-insns":
        return `W${hex8(r.status)}`;
      case "signal":
        return `X${hex8(gdbSignal(r.signal ?? 9))}`;
      case "signal-stop":
        return this.signalReply(gdbSignal(r.signal!));
      case "watchpoint": {
        const w = r.watch!;
        return `T05thread:${this.#thread};${WATCH_PREFIX[w.watch.kind]}:${w.addr.toString(16)};`;
      }
      default: // breakpoint, step
        return this.signalReply(GDB_SIGTRAP);
    }
  }

  /** A `T` stop reply for signal `sig` (gdb's numbering). */
  signalReply(sig: number): string {
    return `T${hex8(sig)}thread:${this.#thread};`;
  }

  /** What to do with packet `p`; malformed or unknown packets get an error or empty reply. */
  handle(p: string): Action {
    try {
      return this.#handle(p);
    } catch (e) {
      if (e instanceof SyntaxError || e instanceof RangeError) return reply("E01");
      throw e;
    }
  }

  #handle(p: string): Action {
    const m = this.#m, cpu = m.cpu;
    switch (p[0]) {
      case "?":
        return reply(
          m.ended ? this.stopReply(m.ended) : this.#lastStop ?? this.signalReply(GDB_SIGTRAP),
        );
      case "g":
        return reply([...cpu.x, cpu.pc].map(le32).join(""));
      case "G": {
        const hexRegs = p.slice(1);
        if (hexRegs.length < 33 * 8) throw new SyntaxError("short G packet");
        for (let i = 0; i <= PC_REGNUM; i++) this.#setReg(i, parseLe32(hexRegs.slice(i * 8)));
        return reply("OK");
      }
      case "p": {
        const n = parseHex(p.slice(1));
        if (n > PC_REGNUM) return reply("E14");
        return reply(le32(n === PC_REGNUM ? cpu.pc : cpu.x[n]!));
      }
      case "P": {
        const [n = "", v] = p.slice(1).split("=");
        const reg = parseHex(n);
        if (reg > PC_REGNUM || v === undefined) return reply("E14");
        this.#setReg(reg, parseLe32(v));
        return reply("OK");
      }
      case "m": {
        const [addr, len] = parseAddrLen(p.slice(1));
        const bytes = this.#read(addr, Math.min(len, MAX_READ));
        if (bytes.length === 0 && len > 0) return reply("E14");
        return reply([...bytes].map(hex8).join(""));
      }
      case "M": {
        const colon = p.indexOf(":");
        const [addr, len] = parseAddrLen(p.slice(1, colon < 0 ? undefined : colon));
        const data = p.slice(colon + 1);
        if (colon < 0 || data.length !== len * 2) throw new SyntaxError("bad M packet");
        const bytes = new Uint8Array(len);
        for (let i = 0; i < len; i++) bytes[i] = parseHex(data.slice(2 * i, 2 * i + 2));
        return reply(this.#write(addr, bytes) ? "OK" : "E14");
      }
      case "X": {
        const colon = p.indexOf(":");
        const [addr, len] = parseAddrLen(p.slice(1, colon < 0 ? undefined : colon));
        const data = p.slice(colon + 1);
        if (colon < 0 || data.length !== len) throw new SyntaxError("bad X packet");
        const bytes = Uint8Array.from(data, (c) => c.charCodeAt(0));
        return reply(this.#write(addr, bytes) ? "OK" : "E14");
      }
      case "c":
      case "s":
        if (p.length > 1) cpu.pc = parseHex(p.slice(1));
        return { kind: "resume", step: p[0] === "s", signal: 0 };
      case "C":
      case "S": {
        const [sig = "", addr] = p.slice(1).split(";");
        if (addr !== undefined) cpu.pc = parseHex(addr);
        return { kind: "resume", step: p[0] === "S", signal: parseHex(sig) };
      }
      case "Z":
      case "z":
        return reply(this.#point(p[0] === "Z", p.slice(1)));
      case "k":
        return { kind: "kill", ok: false };
      case "D":
        return { kind: "detach" };
      case "H":
      case "T":
        return reply("OK");
      case "v":
        return this.#v(p);
      case "q":
        return reply(this.#query(p));
      default:
        return reply("");
    }
  }

  #v(p: string): Action {
    if (p === "vCont?") return reply("vCont;c;C;s;S");
    if (p.startsWith("vKill")) return { kind: "kill", ok: true };
    if (!p.startsWith("vCont;")) return reply(""); // vMustReplyEmpty and the unknown
    // One thread: the first action applies to it (gdb lists the specific ones first).
    const [action = ""] = p.slice(6).split(/[;:]/, 1);
    switch (action[0]) {
      case "c":
      case "s":
        return { kind: "resume", step: action[0] === "s", signal: 0 };
      case "C":
      case "S":
        return { kind: "resume", step: action[0] === "S", signal: parseHex(action.slice(1)) };
      default:
        return reply("E01");
    }
  }

  #query(p: string): string {
    if (p.startsWith("qSupported")) {
      return `PacketSize=${
        MAX_PACKET.toString(16)
      };qXfer:features:read+;qXfer:auxv:read+;vContSupported+;multiprocess+`;
    }
    if (p === "qAttached" || p.startsWith("qAttached:")) return "0";
    if (p === "qC") return `QC${this.#thread}`;
    if (p === "qfThreadInfo") return `m${this.#thread}`;
    if (p === "qsThreadInfo") return "l";
    if (p === "qOffsets") return "Text=00000000;Data=00000000;Bss=00000000";
    const xfer = XFER_READ.exec(p) as XferRead | null;
    if (xfer) {
      const [, object, annex, offHex, lenHex] = xfer;
      const doc = object === "auxv" ? String.fromCharCode(...this.#auxv) : TARGET_FILES.get(annex);
      if (doc === undefined) return "E00";
      const off = parseHex(offHex), len = Math.min(parseHex(lenHex), MAX_READ);
      const chunk = doc.slice(off, off + len);
      return (off + len >= doc.length ? "l" : "m") + chunk;
    }
    return "";
  }

  /** Z/z: insert or remove a breakpoint (0, 1) or watchpoint (2 write, 3 read, 4 access). */
  #point(insert: boolean, args: string): string {
    const [type = "", addrHex = "", kindHex = ""] = args.split(/[,;]/);
    const addr = parseHex(addrHex), len = parseHex(kindHex);
    if (type === "0" || type === "1") {
      if (insert) this.#m.addBreakpoint(addr);
      else this.#m.removeBreakpoint(addr);
      return "OK";
    }
    const kind = WATCH_KINDS[type];
    if (!kind || len === 0) return "";
    if (insert) this.#m.addWatchpoint(addr, len, kind);
    else this.#m.removeWatchpoint(addr, len, kind);
    return "OK";
  }

  #setReg(n: number, v: number): void {
    if (n === PC_REGNUM) this.#m.cpu.pc = v >>> 0;
    else if (n !== 0) this.#m.cpu.x[n] = v;
  }

  /** The readable prefix of `[addr, addr + len)`. */
  #read(addr: number, len: number): Uint8Array {
    const mem = this.#m.mem;
    let n = 0;
    while (n < len && (mem.perm[((addr + n) >>> 0) >>> PAGE_SHIFT]! & PROT_READ)) n++;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = mem.u8[(addr + i) >>> 0]!;
    return out;
  }

  /** Writes into mapped memory, even read-only (gdb may patch code); false if unmapped. */
  #write(addr: number, bytes: Uint8Array): boolean {
    if (bytes.length > MAX_PACKET || !this.#m.mem.check(addr, bytes.length, 0)) return false;
    this.#m.mem.write(addr, bytes);
    return true;
  }
}

function reply(text: string): Action {
  return { kind: "reply", text };
}

function hex8(v: number): string {
  return (v & 0xff).toString(16).padStart(2, "0");
}

function le32(v: number): string {
  return [v, v >>> 8, v >>> 16, v >>> 24].map(hex8).join("");
}

/** A hex number of at most 8 digits. @throws SyntaxError otherwise */
function parseHex(s: string): number {
  if (!/^[0-9a-fA-F]{1,8}$/.test(s)) throw new SyntaxError(`bad hex number "${s.slice(0, 16)}"`);
  return Number.parseInt(s, 16);
}

function parseLe32(s: string): number {
  if (!/^[0-9a-fA-F]{8}/.test(s)) throw new SyntaxError("bad register value");
  let v = 0;
  for (let i = 3; i >= 0; i--) v = (v << 8) | Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return v | 0;
}

function parseAddrLen(s: string): [number, number] {
  const [a = "", l] = s.split(",");
  if (l === undefined) throw new SyntaxError("expected addr,length");
  return [parseHex(a), parseHex(l)];
}

/**
 * The auxiliary vector on the initial stack: after argc, argv and envp (each NULL-terminated),
 * pairs up to and including AT_NULL.
 */
function readAuxv(m: Machine): Uint8Array {
  const mem = m.mem, sp = m.cpu.x[2]! >>> 0;
  const word = (a: number) => mem.check(a, 4, PROT_READ) ? mem.i32[a >>> 2]! >>> 0 : 0;
  if (!mem.check(sp, 4, PROT_READ)) return new Uint8Array();
  let a = sp + 4 + (word(sp) + 1) * 4; // past argc and argv
  while (word(a) !== 0 && a < sp + 0x100000) a += 4; // envp
  const start = a += 4;
  while (word(a) !== 0 && a < sp + 0x100000) a += 8;
  return mem.read(start, a + 8 - start);
}

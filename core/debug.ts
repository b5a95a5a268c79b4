/**
 * Debugger state of a machine: breakpoints, watchpoints, and the watched single step.
 *
 * Translated code runs on with watchpoints set: their pages lose their read and write bits in
 * the permission table while it runs ({@linkcode DebugState.hideWatchedPages}), so that every
 * access to them leaves the inlined fast path for the memory slow path, which checks the
 * watched ranges. An access that misses them goes on; one that hits throws a
 * {@linkcode WatchTrap} before it happens, and the machine runs that one instruction in the
 * interpreter ({@linkcode DebugState.stepWatched}), which reports the hit after it.
 * @module
 */

import { step } from "./interp.ts";
import type { Hart } from "./isa/insn.ts";
import { type Memory, PAGE_SHIFT, PROT_READ, PROT_WRITE } from "./memory.ts";

/** What a watchpoint catches: writes, reads, or both (gdb's watch, rwatch, awatch). */
export type WatchKind = "write" | "read" | "access";

/** A watched range of guest memory. */
export interface Watchpoint {
  /** First guest address watched. */
  readonly addr: number;
  /** Number of bytes watched. */
  readonly len: number;
  /** Which accesses it catches. */
  readonly kind: WatchKind;
}

/** A watchpoint that fired: the watchpoint, and the start of the access that hit it. */
export interface WatchHit {
  /** The watchpoint that fired. */
  readonly watch: Watchpoint;
  /** Guest address where the access that hit it starts. */
  readonly addr: number;
}

/** Thrown by the memory slow path before an access that hits a watchpoint, at `pc`. */
export class WatchTrap {
  constructor(readonly pc: number) {}
}

/** The slow-path accessors a watch replaces on the memory instance while pages are hidden. */
const ACCESSORS = ["load8", "load16", "load32", "store8", "store16", "store32"] as const;
const SIZES = [1, 2, 4, 1, 2, 4] as const;

/** Breakpoints and watchpoints of one machine. */
export class DebugState {
  readonly breakpoints: Set<number> = new Set();
  readonly watchpoints: Watchpoint[] = [];
  /** While pages are hidden: the memory, and the true permission byte of each hidden page. */
  #hidden: { mem: Memory; perms: Map<number, number> } | undefined;

  /**
   * Clears the read and write bits of the pages watchpoints cover, and routes the memory slow
   * path through the watch check (see the module doc). Undo with {@linkcode revealWatchedPages}
   * before anything else looks at permissions: syscalls, signal delivery, the debugger.
   */
  hideWatchedPages(mem: Memory): void {
    if (this.#hidden || this.watchpoints.length === 0) return;
    const perms = new Map<number, number>();
    for (const w of this.watchpoints) {
      const last = (w.addr + w.len - 1) >>> PAGE_SHIFT;
      for (let p = w.addr >>> PAGE_SHIFT; p <= last; p++) {
        if (!perms.has(p)) perms.set(p, mem.perm[p]!);
      }
    }
    this.#hidden = { mem, perms };
    hide(mem, perms);
    if (this.#routed !== mem) this.#route(mem);
  }

  /**
   * Puts back the permissions {@linkcode hideWatchedPages} changed.
   * @returns whether pages were hidden
   */
  revealWatchedPages(): boolean {
    const hidden = this.#hidden;
    if (!hidden) return false;
    this.#hidden = undefined;
    reveal(hidden.mem, hidden.perms);
    return true;
  }

  /** The memory whose slow path goes through the watch check. */
  #routed: Memory | undefined;

  /** Replaces the slow-path accessors of `mem` (its own properties shadow the class's). */
  #route(mem: Memory): void {
    this.#unroute();
    this.#routed = mem;
    const proto = Object.getPrototypeOf(mem) as Memory;
    ACCESSORS.forEach((name, i) => {
      const original = proto[name] as (addr: number, a: number, b?: number) => number;
      const size = SIZES[i]!, write = name.startsWith("store");
      const slow = (addr: number, a: number, b?: number) => {
        const hidden = this.#hidden, perms = hidden?.perms;
        const first = (addr >>> 0) >>> PAGE_SHIFT, last = ((addr >>> 0) + size - 1) >>> PAGE_SHIFT;
        if (!perms || (!perms.has(first) && !perms.has(last))) {
          return original.call(mem, addr, a, b);
        }
        if (this.#hits(addr >>> 0, size, write)) throw new WatchTrap(b === undefined ? a : b);
        // A miss: the access goes on with the true permissions.
        this.#hidden = undefined;
        reveal(mem, perms);
        try {
          return original.call(mem, addr, a, b);
        } finally {
          hide(mem, perms);
          this.#hidden = hidden;
        }
      };
      Object.defineProperty(mem, name, { value: slow, configurable: true, writable: true });
    });
  }

  #unroute(): void {
    const mem = this.#routed;
    if (!mem) return;
    this.#routed = undefined;
    for (const name of ACCESSORS) delete (mem as unknown as Record<string, unknown>)[name];
  }

  /** Whether an access of `len` bytes at `addr` hits a watchpoint. */
  #hits(addr: number, len: number, write: boolean): boolean {
    for (const w of this.watchpoints) {
      const kindOk = w.kind === "access" || (w.kind === "write") === write;
      if (kindOk && addr < w.addr + w.len && w.addr < addr + len) return true;
    }
    return false;
  }

  /** Whether the run loop must look for stops. */
  get active(): boolean {
    return this.breakpoints.size > 0 || this.watchpoints.length > 0;
  }

  /** Adds a watchpoint; false if it is already set. */
  addWatch(w: Watchpoint): boolean {
    if (this.#find(w) >= 0) return false;
    this.watchpoints.push(w);
    return true;
  }

  /** Removes a watchpoint; false if it was not set. */
  removeWatch(w: Watchpoint): boolean {
    const i = this.#find(w);
    if (i >= 0) this.watchpoints.splice(i, 1);
    if (this.watchpoints.length === 0) {
      this.revealWatchedPages();
      this.#unroute();
    }
    return i >= 0;
  }

  #find(w: Watchpoint): number {
    return this.watchpoints.findIndex((o) =>
      o.addr === w.addr && o.len === w.len && o.kind === w.kind
    );
  }

  /**
   * Runs one instruction in the interpreter, watching its memory accesses.
   * @returns the first watchpoint the instruction's accesses hit, if any
   */
  stepWatched(hart: Hart): WatchHit | undefined {
    const accesses: [number, number, boolean][] = [];
    const mem: Memory = Object.create(hart.mem);
    const base = hart.mem;
    mem.load8 = (a, pc) => (accesses.push([a >>> 0, 1, false]), base.load8(a, pc));
    mem.load16 = (a, pc) => (accesses.push([a >>> 0, 2, false]), base.load16(a, pc));
    mem.load32 = (a, pc) => (accesses.push([a >>> 0, 4, false]), base.load32(a, pc));
    mem.store8 = (a, v, pc) => (accesses.push([a >>> 0, 1, true]), base.store8(a, v, pc));
    mem.store16 = (a, v, pc) => (accesses.push([a >>> 0, 2, true]), base.store16(a, v, pc));
    mem.store32 = (a, v, pc) => (accesses.push([a >>> 0, 4, true]), base.store32(a, v, pc));
    step({ ...hart, mem });
    for (const [addr, len, write] of accesses) {
      for (const watch of this.watchpoints) {
        const kindOk = watch.kind === "access" || (watch.kind === "write") === write;
        if (kindOk && addr < watch.addr + watch.len && watch.addr < addr + len) {
          return { watch, addr };
        }
      }
    }
    return undefined;
  }
}

/** Clears the read and write bits of `perms`' pages. */
function hide(mem: Memory, perms: ReadonlyMap<number, number>): void {
  for (const [p, perm] of perms) mem.perm[p] = perm & ~(PROT_READ | PROT_WRITE);
}

/** Puts back `perms`' permission bytes. */
function reveal(mem: Memory, perms: ReadonlyMap<number, number>): void {
  for (const [p, perm] of perms) mem.perm[p] = perm;
}

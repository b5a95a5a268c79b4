/**
 * Debugger state of a machine: breakpoints, watchpoints, and the watched single step.
 * @module
 */

import { step } from "./interp.ts";
import type { Hart } from "./isa/insn.ts";
import type { Memory } from "./memory.ts";

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

/** Breakpoints and watchpoints of one machine. */
export class DebugState {
  readonly breakpoints: Set<number> = new Set();
  readonly watchpoints: Watchpoint[] = [];

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

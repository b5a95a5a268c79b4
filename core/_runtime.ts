/**
 * The one runtime interface translated code uses: a table of calls (`rt.` in generated source:
 * memory slow paths, faults, syscalls, arithmetic helpers too long to inline) and a scratch state
 * (`state.` in generated source) that regions, the machine and the plugin host share.
 * @module
 */

import type { CpuState } from "./cpu.ts";
import { GuestFault } from "./errors.ts";
import type { FaultKind } from "./errors.ts";
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from "./isa/arith.ts";
import { readCsr, timeTicks } from "./isa/zicsr.ts";
import type { Memory } from "./memory.ts";

/** What a store did to the code of the running region (generated code tests the numbers). */
export const enum CodeWrite {
  /** Nothing of it changed. */
  None = 0,
  /** The store's own block changed: the region leaves after the store. */
  Here = 1,
  /** Only other blocks changed: the region leaves before the next block it would run. */
  Later = 2,
}

/**
 * Scratch state of the running region, read and written by generated code. A region keeps its
 * counts in locals; it stores here only what someone outside may need to see.
 */
export interface RuntimeState {
  /** Instructions the region may retire before it must return (for --max-insns). */
  budget: number;
  /**
   * Index in its block of the instruction running a slow path, fault or syscall: the number of
   * instructions of the block retired before it, should it raise an exception.
   */
  blockInsn: number;
  /**
   * The plugin callback site that ran last (see core/plugin/sites.ts), or -1 once a slow path,
   * fault or syscall has run since: an exception is the site's when this is not -1.
   */
  site: number;
  /** Instructions the running region has retired but not yet added to cpu.instret. */
  pendingInsns: number;
  /**
   * What a store did to the running region's code; the store's slow path returns it:
   * {@linkcode CodeWrite}.
   */
  codeWritten: CodeWrite;
}

/** What generated code may call. `k` arguments give {@linkcode RuntimeState.blockInsn}. */
export interface RuntimeCalls {
  /**
   * Called by a region on an exception, after writing registers back: counts the instructions
   * retired before it (`ic` in the region plus those of the current block), returns what to throw.
   */
  unwind(e: unknown, ic: number): unknown;
  ld8(a: number, pc: number, k: number): number;
  ld16(a: number, pc: number, k: number): number;
  ld32(a: number, pc: number, k: number): number;
  /** Slow-path stores return what they did to the running region's code. */
  st8(a: number, v: number, pc: number, k: number): CodeWrite;
  st16(a: number, v: number, pc: number, k: number): CodeWrite;
  st32(a: number, v: number, pc: number, k: number): CodeWrite;
  fault(kind: FaultKind, pc: number, addr: number): GuestFault;
  /** Whether `e` is a guest fault (not an exit or a plugin's exception). */
  isFault(e: unknown): boolean;
  /** Runs the syscall of the ecall at `pc`; returns the pc to continue at (normally `next`). */
  ecall(pc: number, next: number): number;
  mulh: typeof mulh;
  mulhsu: typeof mulhsu;
  mulhu: typeof mulhu;
  div: typeof div;
  divu: typeof divu;
  rem: typeof rem;
  remu: typeof remu;
  readCsr: typeof readCsr;
  timeTicks: typeof timeTicks;
}

/** Name of a call of the runtime, as instruction emitters name it (`Emitter.rt`). */
export type RuntimeCall = keyof RuntimeCalls;

/** The runtime of one machine: its call table and its scratch state. */
export interface Runtime {
  readonly calls: RuntimeCalls;
  readonly state: RuntimeState;
}

/** What the runtime needs from the machine and the plugin host. */
export interface RuntimeHooks {
  /** Runs the syscall of the ecall at `pc` with the registers in cpu.x; returns the next pc. */
  ecall(pc: number, next: number): number;
  /** Instructions of its block retired when plugin site `site` runs. */
  siteRetired(site: number): number;
  /** The exception to throw for `e`, raised by the callback at plugin site `site`. */
  siteError(e: unknown, site: number): unknown;
}

/** Creates the runtime translated code uses. */
export function createRuntime(mem: Memory, cpu: CpuState, hooks: RuntimeHooks): Runtime {
  const state: RuntimeState = {
    budget: 0,
    blockInsn: 0,
    site: -1,
    pendingInsns: 0,
    codeWritten: CodeWrite.None,
  };
  // Slow paths record where they are (blockInsn) and that no plugin callback is running (site),
  // so that a fault they raise is counted and reported right: the fast path never pays for this.
  const load = (read: (a: number, pc: number) => number) => (a: number, pc: number, k: number) => {
    state.blockInsn = k;
    state.site = -1;
    return read(a, pc);
  };
  const store =
    (write: (a: number, v: number, pc: number) => void) =>
    (a: number, v: number, pc: number, k: number) => {
      state.blockInsn = k;
      state.site = -1;
      state.codeWritten = CodeWrite.None;
      write(a, v, pc);
      return state.codeWritten as CodeWrite; // set by the write (Memory.onCodeWrite)
    };
  const calls: RuntimeCalls = {
    unwind(e, ic) {
      state.pendingInsns = 0;
      const site = state.site;
      state.site = -1;
      cpu.instret += ic + (site >= 0 ? hooks.siteRetired(site) : state.blockInsn);
      return site >= 0 ? hooks.siteError(e, site) : e;
    },
    ld8: load((a, pc) => mem.load8(a, pc)),
    ld16: load((a, pc) => mem.load16(a, pc)),
    ld32: load((a, pc) => mem.load32(a, pc)),
    st8: store((a, v, pc) => mem.store8(a, v, pc)),
    st16: store((a, v, pc) => mem.store16(a, v, pc)),
    st32: store((a, v, pc) => mem.store32(a, v, pc)),
    fault: (kind, pc, addr) => new GuestFault(kind, pc, addr),
    isFault: (e) => e instanceof GuestFault,
    ecall: hooks.ecall,
    mulh,
    mulhsu,
    mulhu,
    div,
    divu,
    rem,
    remu,
    readCsr,
    timeTicks,
  };
  return { calls, state };
}

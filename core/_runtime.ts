/**
 * The one runtime interface translated code calls (`rt.` in generated source): memory slow paths,
 * faults, syscalls, and the arithmetic helpers too long to inline.
 * @module
 */

import { GuestFault } from "./errors.ts";
import type { FaultKind } from "./errors.ts";
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from "./isa/arith.ts";
import { readCsr, timeTicks } from "./isa/zicsr.ts";
import type { Memory } from "./memory.ts";

/** What generated code may call. `k` arguments say how many insns of the block retired before. */
export interface Runtime {
  /** Instructions the region may retire before it must return (for --max-insns). */
  budget: number;
  /** Instructions of the current block retired before the one that raised the last exception. */
  k: number;
  /** Set when a store hit translated code; the store's slow path returns it. */
  codeWritten: boolean;
  ld8(a: number, pc: number, k: number): number;
  ld16(a: number, pc: number, k: number): number;
  ld32(a: number, pc: number, k: number): number;
  /** Slow-path stores return true when they overwrote translated code. */
  st8(a: number, v: number, pc: number, k: number): boolean;
  st16(a: number, v: number, pc: number, k: number): boolean;
  st32(a: number, v: number, pc: number, k: number): boolean;
  fault(kind: FaultKind, pc: number, addr: number): GuestFault;
  ecall(pc: number): void;
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

/** Creates the runtime for `mem`; `ecall` runs a syscall with the registers in cpu.x. */
export function createRuntime(mem: Memory, ecall: (pc: number) => void): Runtime {
  const rt: Runtime = {
    budget: 0,
    k: 0,
    codeWritten: false,
    ld8: (a, pc, k) => (rt.k = k, mem.load8(a, pc)),
    ld16: (a, pc, k) => (rt.k = k, mem.load16(a, pc)),
    ld32: (a, pc, k) => (rt.k = k, mem.load32(a, pc)),
    st8: (a, v, pc, k) => (rt.k = k, rt.codeWritten = false, mem.store8(a, v, pc), rt.codeWritten),
    st16: (
      a,
      v,
      pc,
      k,
    ) => (rt.k = k, rt.codeWritten = false, mem.store16(a, v, pc), rt.codeWritten),
    st32: (
      a,
      v,
      pc,
      k,
    ) => (rt.k = k, rt.codeWritten = false, mem.store32(a, v, pc), rt.codeWritten),
    fault: (kind, pc, addr) => new GuestFault(kind, pc, addr),
    ecall,
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
  return rt;
}

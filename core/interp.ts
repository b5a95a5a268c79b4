/**
 * The reference interpreter: fetch, decode and execute one instruction at a time, nothing cached
 * but the decoding of instruction bits.
 * Tests compare the translator against it; `--interp` runs a whole program with it, and the
 * translator runs cold code with it (see core/translate.ts).
 * @module
 */

import { GuestExit, GuestFault } from "./errors.ts";
import { fetchFaultAddress, fetchInsn } from "./isa/decode.ts";
import type { Hart, Insn } from "./isa/insn.ts";

/** Executes the instruction at `h.cpu.pc` and retires it; returns it. */
export function step(h: Hart): Insn {
  const cpu = h.cpu, pc = cpu.pc;
  const insn = fetchInsn(h.mem, pc);
  if (!insn) throw new GuestFault("segv", pc, fetchFaultAddress(h.mem, pc));
  let next: number;
  try {
    next = insn.def.exec(insn, h, pc);
  } catch (e) {
    // An exit syscall retires its ecall (QEMU counts it too); a faulting instruction does not.
    if (e instanceof GuestExit) cpu.instret++;
    throw e;
  }
  cpu.x[0] = 0;
  cpu.pc = next >>> 0;
  cpu.instret++;
  return insn;
}

/**
 * Executes instructions from `h.cpu.pc` through the next control transfer (branch, jump, trap,
 * CSR access, fence.i), or `max` of them, whichever comes first; returns the next pc.
 * `onIndirect` hears of an indirect jump (jalr) ending the run: its pc and its target.
 */
export function stepBlock(
  h: Hart,
  max: number,
  onIndirect?: (pc: number, target: number) => void,
): number {
  const cpu = h.cpu;
  for (let n = 0; n < max; n++) {
    const pc = cpu.pc, flow = step(h).def.flow;
    if (flow === "next") continue;
    if (flow === "indirect") onIndirect?.(pc, cpu.pc);
    break;
  }
  return cpu.pc;
}

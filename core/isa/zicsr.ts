/**
 * Zicsr (the user-mode counters) and Zifencei.
 *
 * A Linux user program can read cycle, time and instret and their high halves; every other CSR,
 * and any write, is an illegal instruction. `cycle` reads the exact retired-instruction count
 * (one instruction per cycle), `time` the host clock in ticks of 10 MHz (the timebase of QEMU's
 * virt machine and so of most RISC-V Linux systems).
 * @module
 */

import { GuestFault } from "../errors.ts";
import { enc, type Insn, type InsnDef, MASK_F3, OPC } from "./insn.ts";

/** Numbers of the user-readable CSRs. */
export const CSR = {
  cycle: 0xc00,
  time: 0xc01,
  instret: 0xc02,
  cycleh: 0xc80,
  timeh: 0xc81,
  instreth: 0xc82,
} as const;

/** Names of the CSRs by number, for the disassembler. */
export const CSR_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(CSR).map(([name, n]) => [n, name]),
);

const TIMEBASE_HZ = 10_000_000;

/** The value of `time` now: host wall-clock time in 10 MHz ticks. */
export function timeTicks(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * (TIMEBASE_HZ / 1000));
}

/**
 * Reads user CSR `csr` given the retired-instruction count and the time.
 * @returns the 32-bit value, or `undefined` for a CSR that does not exist in user mode
 */
export function readCsr(csr: number, instret: number, time: () => number): number | undefined {
  switch (csr) {
    case CSR.cycle:
    case CSR.instret:
      return instret | 0;
    case CSR.cycleh:
    case CSR.instreth:
      return Math.floor(instret / 2 ** 32) | 0;
    case CSR.time:
      return time() | 0;
    case CSR.timeh:
      return Math.floor(time() / 2 ** 32) | 0;
  }
  return undefined;
}

/** Whether the instruction writes its CSR (csrrw always; set/clear only with a non-zero source). */
function writesCsr(i: Insn): boolean {
  return i.def.name === "csrrw" || i.def.name === "csrrwi" || i.rs1 !== 0;
}

function csrInsn(name: string, f3: number): InsnDef {
  return {
    name,
    ext: "Zicsr",
    format: f3 & 4 ? "csri" : "csr",
    mask: MASK_F3,
    match: enc(OPC.SYSTEM, f3),
    flow: "sync",
    exec(i, h, pc) {
      if (writesCsr(i)) throw new GuestFault("ill", pc, pc);
      h.cpu.x[i.rd] = h.readCsr(i.imm, pc);
      return pc + i.size;
    },
    emit(i, e) {
      if (writesCsr(i) || readCsr(i.imm, 0, () => 0) === undefined) {
        return e.fault("ill", String(e.pc));
      }
      const value = `${e.rt("readCsr")}(${i.imm}, ${e.instret()}, ${e.rt("timeTicks")})`;
      return e.w(i.rd, value) + e.sync();
    },
  };
}

/** The Zicsr and Zifencei instructions. */
export const ZICSR: readonly InsnDef[] = [
  csrInsn("csrrw", 1),
  csrInsn("csrrs", 2),
  csrInsn("csrrc", 3),
  csrInsn("csrrwi", 5),
  csrInsn("csrrsi", 6),
  csrInsn("csrrci", 7),
  {
    // Stores to translated code invalidate it at once, so fence.i has nothing left to do but
    // end the block, as QEMU does.
    name: "fence.i",
    ext: "Zifencei",
    format: "none",
    mask: MASK_F3,
    match: enc(OPC.MISC_MEM, 1),
    flow: "sync",
    exec: (i, _h, pc) => pc + i.size,
    emit: (_i, e) => e.sync(),
  },
];

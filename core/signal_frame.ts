/**
 * The riscv Linux signal frame: what a handler finds on its stack (arch/riscv/kernel/signal.c),
 * and the `rt_sigreturn` trampoline it returns through.
 *
 * Frame (944 bytes, 16-byte aligned, below the interrupted sp or on the alternate stack):
 *
 *     0    siginfo (128): si_signo, si_errno, si_code, then si_pid/si_uid(/si_value) or si_addr
 *     128  ucontext: uc_flags, uc_link, uc_stack (sp, flags, size), uc_sigmask (8 bytes),
 *          padding to 1024 bits of mask, then at 128 + 160 the mcontext: pc, x1..x31, and the
 *          floating-point state (528 bytes, zero: the hart has no F/D)
 *
 * The handler starts with a0 = signal, a1 = &siginfo, a2 = &ucontext, sp = the frame and ra =
 * the trampoline (`li a7, 139; ecall`), which qemu-riscv32 7.2 puts on a page of its own just
 * below the stack guard: {@linkcode SIGTRAMP}, mapped by {@linkcode mapSigtramp}.
 * @module
 */

import { STACK_GUARD } from "./address_map.ts";
import type { CpuState } from "./cpu.ts";
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from "./memory.ts";
import type { Memory } from "./memory.ts";
import type { AltStack, SigInfo } from "./syscalls/_signal.ts";

/** Address of the signal return trampoline. */
export const SIGTRAMP = STACK_GUARD - PAGE_SIZE;

/** Offsets in the frame. */
export const FRAME = {
  SIZE: 944,
  UC: 128,
  UC_STACK: 128 + 8,
  UC_SIGMASK: 128 + 20,
  MCONTEXT: 128 + 160,
} as const;

const SS_ONSTACK = 1, SS_DISABLE = 2;

/** Maps the trampoline page (read and execute) and writes `li a7, 139; ecall` on it. */
export function mapSigtramp(mem: Memory): void {
  mem.map(SIGTRAMP, PAGE_SIZE, PROT_READ | PROT_WRITE);
  const code = new Uint8Array(new Uint32Array([0x08b00893, 0x00000073]).buffer);
  mem.write(SIGTRAMP, code);
  mem.protect(SIGTRAMP, PAGE_SIZE, PROT_READ | PROT_EXEC);
}

/** The alternate stack as `uc_stack` reports it for the interrupted sp. */
function stackFlags(alt: AltStack, onIt: boolean): number {
  return alt.size === 0 ? SS_DISABLE : onIt ? SS_ONSTACK : 0;
}

/** What {@linkcode writeFrame} needs besides the registers. */
export interface FrameSetup {
  readonly info: SigInfo;
  /** Where the frame goes below (the interrupted sp, or the top of the alternate stack). */
  readonly stackTop: number;
  /** The mask to restore at rt_sigreturn. */
  readonly oldMask: bigint;
  readonly altStack: AltStack;
  /** Whether the interrupted code was on the alternate stack. */
  readonly onAltStack: boolean;
}

/**
 * Writes the frame for the registers in `cpu` (cpu.pc is where the handler returns to).
 * @returns the frame's address, or undefined when the stack is not writable there
 */
export function writeFrame(mem: Memory, cpu: CpuState, s: FrameSetup): number | undefined {
  const frame = ((s.stackTop - FRAME.SIZE) & ~15) >>> 0;
  if (!mem.check(frame, FRAME.SIZE, PROT_WRITE)) return undefined;
  const buf = new ArrayBuffer(FRAME.SIZE);
  const v = new DataView(buf);
  const { info } = s;
  v.setInt32(0, info.signo, true);
  v.setInt32(8, info.code, true);
  if (info.addr !== undefined) v.setUint32(12, info.addr, true);
  else if (info.pid !== undefined) {
    v.setInt32(12, info.pid, true);
    v.setUint32(16, info.uid ?? 0, true);
    if (info.value !== undefined) v.setInt32(20, info.value, true);
  }
  v.setUint32(FRAME.UC_STACK, s.altStack.sp, true);
  v.setUint32(FRAME.UC_STACK + 4, stackFlags(s.altStack, s.onAltStack) | s.altStack.flags, true);
  v.setUint32(FRAME.UC_STACK + 8, s.altStack.size, true);
  v.setBigUint64(FRAME.UC_SIGMASK, s.oldMask, true);
  v.setUint32(FRAME.MCONTEXT, cpu.pc, true);
  for (let r = 1; r < 32; r++) v.setInt32(FRAME.MCONTEXT + 4 * r, cpu.x[r]!, true);
  mem.write(frame, new Uint8Array(buf));
  return frame;
}

/** What rt_sigreturn found in the frame at sp. */
export interface RestoredFrame {
  readonly mask: bigint;
  /** `uc_stack` as saved (rt_sigreturn sets the alternate stack from it, as sigaltstack). */
  readonly stack: { readonly sp: number; readonly flags: number; readonly size: number };
}

/**
 * Restores the registers and pc from the frame at `frame` (the handler's sp at its return).
 * @returns the saved mask and alternate stack, or undefined when the frame is not readable
 */
export function readFrame(mem: Memory, cpu: CpuState, frame: number): RestoredFrame | undefined {
  if (!mem.check(frame, FRAME.SIZE, PROT_READ)) return undefined;
  const v = new DataView(mem.read(frame, FRAME.SIZE).buffer);
  cpu.pc = v.getUint32(FRAME.MCONTEXT, true);
  for (let r = 1; r < 32; r++) cpu.x[r] = v.getInt32(FRAME.MCONTEXT + 4 * r, true);
  return {
    mask: v.getBigUint64(FRAME.UC_SIGMASK, true),
    stack: {
      sp: v.getUint32(FRAME.UC_STACK, true),
      flags: v.getUint32(FRAME.UC_STACK + 4, true),
      size: v.getUint32(FRAME.UC_STACK + 8, true),
    },
  };
}

/**
 * futex_time64 for a guest with one thread, which no other thread or process can wake.
 *
 * - FUTEX_WAKE and FUTEX_WAKE_BITSET wake nobody: 0.
 * - FUTEX_WAIT and FUTEX_WAIT_BITSET fail with EAGAIN when the word differs from `val`, as on
 *   Linux. When it matches, a wait with a timeout sleeps it out and fails with ETIMEDOUT; a wait
 *   without one would sleep for ever (a deadlock), so it returns 0 at once, a spurious wake-up,
 *   which futex(2) allows: the caller sees the word unchanged and waits again, a loop that
 *   `--max-insns` can stop where a real hang could not be.
 * - FUTEX_REQUEUE, FUTEX_CMP_REQUEUE and FUTEX_WAKE_OP move and wake nobody (WAKE_OP still updates
 *   the second word); the priority-inheritance operations fail with ENOSYS, as on a kernel built
 *   without them.
 * @module
 */

import type { Memory } from "../memory.ts";
import { CLOCK, FUTEX, type SyscallArgs } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { canRead, canWrite } from "./_guest.ts";
import { clockNs, readTimespec, sleepNs } from "./_time.ts";

const CMD_MASK = ~(FUTEX.PRIVATE_FLAG | FUTEX.CLOCK_REALTIME);

/**
 * futex_time64(uaddr, op, val, timeout or val2, uaddr2, val3)
 * @param mem guest memory
 * @param a the six arguments
 * @returns the result or -errno
 */
export function futex(mem: Memory, a: SyscallArgs): number {
  const [uaddr, op, val, timeout, uaddr2, val3] = a;
  const cmd = op & CMD_MASK;
  if (op & FUTEX.CLOCK_REALTIME && cmd !== FUTEX.WAIT_BITSET && cmd !== FUTEX.WAIT_REQUEUE_PI) {
    return -ERRNO.ENOSYS;
  }
  const word = (addr: number): number | undefined => {
    if (addr & 3) return -ERRNO.EINVAL;
    return canRead(mem, addr, 4) ? undefined : -ERRNO.EFAULT;
  };
  switch (cmd) {
    case FUTEX.WAIT:
    case FUTEX.WAIT_BITSET: {
      let ns: bigint | undefined;
      if (timeout) {
        const t = readTimespec(mem, timeout);
        if (typeof t === "number") return t;
        if (t < 0n) return -ERRNO.EINVAL;
        ns = t;
      }
      if (cmd === FUTEX.WAIT_BITSET && val3 === 0) return -ERRNO.EINVAL;
      const bad = word(uaddr);
      if (bad) return bad;
      if (mem.load32(uaddr, 0) !== (val | 0)) return -ERRNO.EAGAIN;
      if (ns === undefined) return 0;
      // FUTEX_WAIT's timeout is relative, FUTEX_WAIT_BITSET's absolute.
      const clock = op & FUTEX.CLOCK_REALTIME ? CLOCK.REALTIME : CLOCK.MONOTONIC;
      sleepNs(cmd === FUTEX.WAIT ? ns : ns - clockNs(clock, 0)!);
      return -ERRNO.ETIMEDOUT;
    }
    case FUTEX.WAKE:
    case FUTEX.WAKE_BITSET:
      if (cmd === FUTEX.WAKE_BITSET && val3 === 0) return -ERRNO.EINVAL;
      return word(uaddr) ?? 0;
    case FUTEX.REQUEUE:
    case FUTEX.CMP_REQUEUE: {
      const bad = word(uaddr) ?? word(uaddr2);
      if (bad) return bad;
      if (cmd === FUTEX.CMP_REQUEUE && mem.load32(uaddr, 0) !== (val3 | 0)) return -ERRNO.EAGAIN;
      return 0;
    }
    case FUTEX.WAKE_OP: {
      const bad = word(uaddr) ?? word(uaddr2);
      if (bad) return bad;
      if (!canWrite(mem, uaddr2, 4)) return -ERRNO.EFAULT;
      return wakeOp(mem, uaddr2, val3);
    }
    case FUTEX.LOCK_PI:
    case FUTEX.UNLOCK_PI:
    case FUTEX.TRYLOCK_PI:
    case FUTEX.WAIT_REQUEUE_PI:
    case FUTEX.CMP_REQUEUE_PI:
    case FUTEX.LOCK_PI2:
      return -ERRNO.ENOSYS;
  }
  return -ERRNO.ENOSYS;
}

/** FUTEX_WAKE_OP's update of the second word: `*uaddr2 = *uaddr2 op oparg`; wakes nobody. */
function wakeOp(mem: Memory, uaddr2: number, encoded: number): number {
  const op = (encoded >>> 28) & 7;
  const cmp = (encoded >>> 24) & 15;
  let oparg = (encoded << 8) >> 20;
  if (encoded & 0x80000000) oparg = 1 << (oparg & 31);
  const old = mem.load32(uaddr2, 0);
  const ops = [
    () => oparg,
    () => old + oparg,
    () => old | oparg,
    () => old & ~oparg,
    () => old ^ oparg,
  ];
  const apply = ops[op];
  if (!apply) return -ERRNO.ENOSYS;
  mem.store32(uaddr2, apply() | 0, 0);
  // The comparison only decides whom to wake on the second word: nobody either way.
  return cmp > 5 ? -ERRNO.ENOSYS : 0;
}

/**
 * Signals a guest sends itself, and the signal state it keeps (actions, mask).
 *
 * rvplug does not deliver signals to guest handlers: a signal raised with kill/tkill/tgkill is
 * fatal unless it is ignored (SIG_IGN) or its default action is not to terminate. Handlers are
 * remembered only so that rt_sigaction can report them back. The SIGPIPE of a write to a broken
 * pipe kills only when it has its default action and is not blocked: a handler would not run.
 * The alternate signal stack is kept for sigaltstack, never used.
 * @module
 */

import { GuestExit } from "../errors.ts";
import type { Memory } from "../memory.ts";
import { NSIG, SIG, SIG_HOW, SIG_IGN, SIZE, SS } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { canRead, canWrite, u64Bytes } from "./_guest.ts";

/** Signals whose default action does not end the process (the stop signals do nothing here). */
const NOT_FATAL: ReadonlySet<number> = new Set([
  SIG.CHLD,
  SIG.CONT,
  SIG.URG,
  SIG.WINCH,
  SIG.STOP,
  SIG.TSTP,
  SIG.TTIN,
  SIG.TTOU,
]);
const UNBLOCKABLE = (1n << BigInt(SIG.KILL - 1)) | (1n << BigInt(SIG.STOP - 1));

/** The signal state of the guest process. */
export class GuestSignals {
  readonly #mem: Memory;
  readonly #pid: number;
  /** The struct sigaction last installed per signal; absent means SIG_DFL. */
  readonly #actions = new Map<number, Uint8Array>();
  #mask = 0n;
  /** The alternate signal stack: sp, flags (SS_AUTODISARM) and size; size 0 when disabled. */
  #altStack = { sp: 0, flags: 0, size: 0 };

  /**
   * @param mem guest memory
   * @param pid the guest's pid (and tid)
   */
  constructor(mem: Memory, pid: number) {
    this.#mem = mem;
    this.#pid = pid;
  }

  /** kill(pid, sig): the guest can signal only itself (pid 0 or its own pid). */
  kill(pid: number, sig: number): number {
    if (sig < 0 || sig > NSIG) return -ERRNO.EINVAL;
    if (pid !== 0 && pid !== this.#pid) return -ERRNO.ESRCH;
    return this.#raise(sig);
  }

  /** tgkill(tgid, tid, sig); tkill(tid, sig) is tgkill(own pid, tid, sig). */
  tgkill(tgid: number, tid: number, sig: number): number {
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG) return -ERRNO.EINVAL;
    if (tgid !== this.#pid || tid !== this.#pid) return -ERRNO.ESRCH;
    return this.#raise(sig);
  }

  /** rt_sigaction(sig, act, oldact, sigsetsize): remembers the action, never runs it. */
  sigaction(sig: number, act: number, oldact: number, sigsetsize: number): number {
    if (sigsetsize !== SIZE.SIGSET || sig < 1 || sig > NSIG) return -ERRNO.EINVAL;
    if (act && (sig === SIG.KILL || sig === SIG.STOP)) return -ERRNO.EINVAL;
    if (act && !canRead(this.#mem, act, SIZE.SIGACTION)) return -ERRNO.EFAULT;
    if (oldact && !canWrite(this.#mem, oldact, SIZE.SIGACTION)) return -ERRNO.EFAULT;
    if (oldact) this.#mem.write(oldact, this.#actions.get(sig) ?? new Uint8Array(SIZE.SIGACTION));
    if (act) this.#actions.set(sig, this.#mem.read(act, SIZE.SIGACTION));
    return 0;
  }

  /** rt_sigprocmask(how, set, oldset, sigsetsize): keeps the mask; blocking delays nothing. */
  sigprocmask(how: number, set: number, oldset: number, sigsetsize: number): number {
    if (sigsetsize !== SIZE.SIGSET) return -ERRNO.EINVAL;
    if (set && how !== SIG_HOW.BLOCK && how !== SIG_HOW.UNBLOCK && how !== SIG_HOW.SETMASK) {
      return -ERRNO.EINVAL;
    }
    if (set && !canRead(this.#mem, set, SIZE.SIGSET)) return -ERRNO.EFAULT;
    if (oldset && !canWrite(this.#mem, oldset, SIZE.SIGSET)) return -ERRNO.EFAULT;
    if (oldset) this.#mem.write(oldset, u64Bytes(this.#mask));
    if (set) {
      const bits = new DataView(this.#mem.read(set, SIZE.SIGSET).buffer).getBigUint64(0, true);
      const mask = how === SIG_HOW.BLOCK
        ? this.#mask | bits
        : how === SIG_HOW.UNBLOCK
        ? this.#mask & ~bits
        : bits;
      this.#mask = mask & ~UNBLOCKABLE;
    }
    return 0;
  }

  /** sigaltstack(ss, old_ss) */
  sigaltstack(ss: number, oldSs: number): number {
    const mem = this.#mem;
    let next: { sp: number; flags: number; size: number } | undefined;
    if (ss) {
      if (!canRead(mem, ss, SIZE.STACK_T)) return -ERRNO.EFAULT;
      const v = new DataView(mem.read(ss, SIZE.STACK_T).buffer);
      const flags = v.getUint32(4, true);
      const mode = flags & ~SS.AUTODISARM;
      if (mode !== 0 && mode !== SS.DISABLE && mode !== SS.ONSTACK) return -ERRNO.EINVAL;
      next = mode === SS.DISABLE
        ? { sp: 0, flags: 0, size: 0 }
        : { sp: v.getUint32(0, true), flags: flags & SS.AUTODISARM, size: v.getUint32(8, true) };
      if (mode !== SS.DISABLE && next.size < SS.MINSIGSTKSZ) return -ERRNO.ENOMEM;
    }
    if (oldSs) {
      if (!canWrite(mem, oldSs, SIZE.STACK_T)) return -ERRNO.EFAULT;
      const old = this.#altStack;
      const v = new DataView(new ArrayBuffer(SIZE.STACK_T));
      v.setUint32(0, old.sp, true);
      v.setUint32(4, (old.size ? 0 : SS.DISABLE) | old.flags, true);
      v.setUint32(8, old.size, true);
      mem.write(oldSs, new Uint8Array(v.buffer));
    }
    if (next) this.#altStack = next;
    return 0;
  }

  /**
   * Whether a signal the kernel raises (SIGPIPE) ends the guest: it is not blocked and keeps its
   * default action, which terminates.
   * @param sig the signal
   * @returns true when it is fatal
   */
  killsByDefault(sig: number): boolean {
    const action = this.#actions.get(sig);
    const handler = action ? new DataView(action.buffer).getUint32(0, true) : 0;
    const blocked = (this.#mask >> BigInt(sig - 1)) & 1n;
    return handler === 0 && !blocked && !NOT_FATAL.has(sig);
  }

  /** Delivers `sig` (0 only checks): returns 0, or throws GuestExit(128 + sig) for a fatal one. */
  #raise(sig: number): number {
    if (sig === 0) return 0;
    const action = this.#actions.get(sig);
    const handler = action ? new DataView(action.buffer).getUint32(0, true) : 0;
    if (sig !== SIG.KILL && (handler === SIG_IGN || NOT_FATAL.has(sig))) return 0;
    throw new GuestExit(128 + sig, sig);
  }
}

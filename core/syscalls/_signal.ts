/**
 * Signals a guest sends itself, and the signal state it keeps: actions, mask, pending signals,
 * the alternate stack, the real-time interval timer.
 *
 * A signal raised with kill/tkill/tgkill/rt_sigqueueinfo that is not blocked and keeps a default
 * action that terminates ends the guest at once (GuestExit); one that is ignored is dropped; any
 * other is left pending, for the machine to deliver to its handler when the syscall returns (or
 * when it is unblocked), see core/signal_frame.ts. The SIGPIPE of a write to a broken pipe is
 * raised the same way, after the write has been traced.
 *
 * As on Linux, a real-time signal (32 and up) is queued each time it is sent, with its siginfo
 * (`si_value`); a standard one is pending at most once. And there are two pending sets: the
 * thread's (tkill, tgkill, rt_tgsigqueueinfo, SIGPIPE, faults) and the process's (kill,
 * rt_sigqueueinfo, the timer, Ctrl-C); the thread's are taken first.
 * @module
 */

import { GuestExit } from "../errors.ts";
import type { Memory } from "../memory.ts";
import { NSIG, SI, SIG, SIG_HOW, SIG_IGN, SIZE, SS } from "./_abi.ts";
import { ERRNO, ERRNO_RESTARTSYS } from "./_errno.ts";
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
/** The synchronous signals, which Linux takes before the others of a pending set. */
const SYNCHRONOUS = [SIG.SEGV, SIG.BUS, SIG.ILL, SIG.TRAP, SIG.FPE, SIG.SYS].reduce(
  (set, sig) => set | sigBit(sig),
  0n,
);
/** The first real-time signal (the kernel's SIGRTMIN): these queue. */
const SIGRTMIN = 32;

/** `sa_flags` bits the machine acts on. */
export const SA = {
  SIGINFO: 4,
  ONSTACK: 0x08000000,
  RESTART: 0x10000000,
  NODEFER: 0x40000000,
  RESETHAND: 0x80000000,
} as const;

/** What a signal carries into its handler's siginfo. */
export interface SigInfo {
  readonly signo: number;
  /** `si_code`: SI_USER (0), SI_TKILL (-6), SI_KERNEL (0x80), or a fault's code. */
  readonly code: number;
  /** Sender's pid and uid (kill, tgkill). */
  readonly pid?: number;
  readonly uid?: number;
  /** Faulting address (SIGSEGV, SIGBUS, SIGILL, SIGTRAP). */
  readonly addr?: number;
  /** `si_value` (rt_sigqueueinfo), after the sender. */
  readonly value?: number;
}

/** A signal's action as `struct sigaction` holds it on riscv (16 bytes: no sa_restorer). */
export interface SigAction {
  readonly handler: number;
  readonly flags: number;
  readonly mask: bigint;
}

/** The alternate signal stack: `size` 0 when disabled. */
export interface AltStack {
  readonly sp: number;
  readonly flags: number;
  readonly size: number;
}

/** Whether the default action of `sig` ends the process (the stop signals do nothing here). */
export function terminatesByDefault(sig: number): boolean {
  return !NOT_FATAL.has(sig);
}

/** The bit of `sig` in a signal set. */
export function sigBit(sig: number): bigint {
  return 1n << BigInt(sig - 1);
}

/** The signal state of the guest process. */
export class GuestSignals {
  readonly #mem: Memory;
  readonly #pid: number;
  /** The struct sigaction last installed per signal; absent means SIG_DFL. */
  readonly #actions = new Map<number, Uint8Array>();
  #mask = 0n;
  /** The alternate signal stack: sp, flags (SS_AUTODISARM) and size; size 0 when disabled. */
  #altStack: AltStack = { sp: 0, flags: 0, size: 0 };
  /** Signals sent to the thread (tkill, faults...), taken before the process's. */
  readonly #threadPending = new PendingSet();
  /** Signals sent to the process (kill, the timer, Ctrl-C). */
  readonly #processPending = new PendingSet();
  readonly #uid: number;
  readonly #sp: () => number;
  /** ITIMER_REAL: when it next fires (performance.now() ms) and its interval; 0 when off. */
  #timer = { deadline: 0, interval: 0 };

  /**
   * @param mem guest memory
   * @param pid the guest's pid (and tid)
   * @param uid the guest's uid, which signals it sends itself carry
   * @param sp reads the guest's stack pointer (sigaltstack tells whether it is on the stack)
   */
  constructor(mem: Memory, pid: number, uid = 0, sp: () => number = () => 0) {
    this.#mem = mem;
    this.#pid = pid;
    this.#uid = uid;
    this.#sp = sp;
  }

  /** Whether a pending signal is not blocked: the machine must deliver it. */
  get deliverable(): boolean {
    return ((this.#threadPending.bits | this.#processPending.bits) & ~this.#mask) !== 0n;
  }

  /**
   * Set while a debugger watches signals: a fatal signal the guest sends itself is queued like
   * any other, so that the run stops for it before it ends the guest.
   */
  deferFatal = false;

  /** The mask rt_sigsuspend replaced, to restore when a handler returns; undefined otherwise. */
  savedMask: bigint | undefined;

  /** The blocked set. */
  get mask(): bigint {
    return this.#mask;
  }

  set mask(mask: bigint) {
    this.#mask = mask & ~UNBLOCKABLE;
  }

  /** The alternate signal stack. */
  get altStack(): AltStack {
    return this.#altStack;
  }

  set altStack(s: AltStack) {
    this.#altStack = s;
  }

  /** Whether `sp` lies on the alternate signal stack. */
  onAltStack(sp: number): boolean {
    const s = this.#altStack;
    return s.size > 0 && sp - s.sp >= 0 && sp - s.sp <= s.size;
  }

  /** The action of `sig`; SIG_DFL (handler 0) when none was set. */
  action(sig: number): SigAction {
    const raw = this.#actions.get(sig);
    if (!raw) return { handler: 0, flags: 0, mask: 0n };
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return {
      handler: v.getUint32(0, true),
      flags: v.getUint32(4, true),
      mask: v.getBigUint64(8, true),
    };
  }

  /** Puts `sig` back to its default action (SA_RESETHAND, or a fault nobody can handle). */
  resetAction(sig: number): void {
    this.#actions.delete(sig);
  }

  /** Whether `sig` would be dropped: ignored, or harmless by default. */
  ignores(sig: number): boolean {
    const h = this.action(sig).handler;
    return h === SIG_IGN || (h === 0 && NOT_FATAL.has(sig));
  }

  /**
   * Makes `sig` pending (unless it is ignored); the machine delivers it when it can.
   * @param toThread whether it was sent to the thread (tkill, SIGPIPE) rather than the process
   */
  queue(info: SigInfo, toThread = false): void {
    if (this.ignores(info.signo)) return;
    (toThread ? this.#threadPending : this.#processPending).add(info);
  }

  /**
   * Takes the next signal to deliver, as Linux's dequeue_signal does: from the thread's pending
   * set, then the process's, the lowest-numbered one not blocked, a synchronous one first; the
   * first sent of a real-time signal's queue.
   */
  take(): SigInfo | undefined {
    return this.#threadPending.take(this.#mask) ?? this.#processPending.take(this.#mask);
  }

  /**
   * rt_sigsuspend(set, sigsetsize): blocks `set` instead of the mask until a signal arrives
   * (`wait` returns when one is deliverable); the handler's return restores the mask.
   */
  sigsuspend(set: number, sigsetsize: number, wait: () => boolean | void): number {
    if (sigsetsize !== SIZE.SIGSET) return -ERRNO.EINVAL;
    if (!canRead(this.#mem, set, SIZE.SIGSET)) return -ERRNO.EFAULT;
    const bits = new DataView(this.#mem.read(set, SIZE.SIGSET).buffer).getBigUint64(0, true);
    this.savedMask = this.#mask;
    this.mask = bits;
    // Stopped by a debugger instead: the call starts again when the run goes on.
    return wait() === true ? -ERRNO_RESTARTSYS : -ERRNO.EINTR;
  }

  /** rt_sigpending(set, sigsetsize) */
  sigpending(set: number, sigsetsize: number): number {
    if (sigsetsize > SIZE.SIGSET) return -ERRNO.EINVAL;
    if (!canWrite(this.#mem, set, sigsetsize)) return -ERRNO.EFAULT;
    const pending = this.#threadPending.bits | this.#processPending.bits;
    this.#mem.write(set, u64Bytes(pending & this.#mask).subarray(0, sigsetsize));
    return 0;
  }

  /**
   * setitimer(which, new, old) with the 32-bit `struct itimerval` of riscv32 (seconds and
   * microseconds, interval first). Only ITIMER_REAL (SIGALRM) runs; the others are refused.
   */
  setitimer(which: number, value: number, old: number, now: number = performance.now()): number {
    if (which !== 0) return which === 1 || which === 2 ? -ERRNO.ENOSYS : -ERRNO.EINVAL;
    if (value && !canRead(this.#mem, value, 16)) return -ERRNO.EFAULT;
    if (old && !canWrite(this.#mem, old, 16)) return -ERRNO.EFAULT;
    if (old) this.getitimer(which, old, now);
    if (value) {
      const v = new DataView(this.#mem.read(value, 16).buffer);
      const ms = (i: number) => v.getInt32(i, true) * 1000 + v.getInt32(i + 4, true) / 1000;
      if (v.getInt32(4, true) >= 1e6 || v.getInt32(12, true) >= 1e6) return -ERRNO.EINVAL;
      const interval = ms(0), first = ms(8);
      this.#timer = first > 0 ? { deadline: now + first, interval } : { deadline: 0, interval: 0 };
    }
    return 0;
  }

  /** getitimer(which, curr) */
  getitimer(which: number, curr: number, now: number = performance.now()): number {
    if (which !== 0) return which === 1 || which === 2 ? -ERRNO.ENOSYS : -ERRNO.EINVAL;
    if (!canWrite(this.#mem, curr, 16)) return -ERRNO.EFAULT;
    const t = this.#timer;
    const left = t.deadline ? Math.max(t.deadline - now, 1e-3) : 0;
    const v = new DataView(new ArrayBuffer(16));
    const put = (i: number, ms: number) => {
      const us = Math.round(ms * 1000);
      v.setInt32(i, Math.floor(us / 1e6), true);
      v.setInt32(i + 4, us % 1e6, true);
    };
    put(0, t.interval);
    put(8, left);
    this.#mem.write(curr, new Uint8Array(v.buffer));
    return 0;
  }

  /** When ITIMER_REAL fires next (performance.now() ms), or undefined when it is off. */
  get timerDeadline(): number | undefined {
    return this.#timer.deadline || undefined;
  }

  /** Raises SIGALRM if ITIMER_REAL is due at `now`, and re-arms it; returns whether it fired. */
  pollTimer(now: number = performance.now()): boolean {
    const t = this.#timer;
    if (!t.deadline || now < t.deadline) return false;
    this.#timer = t.interval > 0
      ? { deadline: Math.max(t.deadline + t.interval, now), interval: t.interval }
      : { deadline: 0, interval: 0 };
    this.queue({ signo: SIG.ALRM, code: SI.KERNEL });
    return true;
  }

  /** kill(pid, sig): the guest can signal only itself (pid 0 or its own pid). */
  kill(pid: number, sig: number): number {
    if (sig < 0 || sig > NSIG) return -ERRNO.EINVAL;
    if (pid !== 0 && pid !== this.#pid) return -ERRNO.ESRCH;
    return this.#raise({ signo: sig, code: SI.USER, pid: this.#pid, uid: this.#uid }, false);
  }

  /** tgkill(tgid, tid, sig); tkill(tid, sig) is tgkill(own pid, tid, sig). */
  tgkill(tgid: number, tid: number, sig: number): number {
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG) return -ERRNO.EINVAL;
    if (tgid !== this.#pid || tid !== this.#pid) return -ERRNO.ESRCH;
    return this.#raise({ signo: sig, code: SI.TKILL, pid: this.#pid, uid: this.#uid }, true);
  }

  /**
   * rt_sigqueueinfo(tgid, sig, uinfo), and rt_tgsigqueueinfo(tgid, tid, sig, uinfo) when `tid`
   * is given: sends `sig` with the caller's siginfo (its si_code, sender and si_value).
   */
  sigqueueinfo(tgid: number, tid: number | undefined, sig: number, uinfo: number): number {
    if (tid !== undefined && (tgid <= 0 || tid <= 0)) return -ERRNO.EINVAL;
    if (!canRead(this.#mem, uinfo, SIZE.SIGINFO)) return -ERRNO.EFAULT;
    if (sig < 0 || sig > NSIG) return -ERRNO.EINVAL;
    if (tgid !== this.#pid || (tid !== undefined && tid !== this.#pid)) return -ERRNO.ESRCH;
    const v = new DataView(this.#mem.read(uinfo, SIZE.SIGINFO).buffer);
    const code = v.getInt32(8, true);
    // Linux refuses a kernel's or kill's si_code only from another process: to itself, anything.
    return this.#raise({
      signo: sig,
      code,
      pid: v.getInt32(12, true),
      uid: v.getUint32(16, true),
      value: v.getInt32(20, true),
    }, tid !== undefined);
  }

  /** rt_sigaction(sig, act, oldact, sigsetsize): the machine runs the handler it sets. */
  sigaction(sig: number, act: number, oldact: number, sigsetsize: number): number {
    if (sigsetsize !== SIZE.SIGSET || sig < 1 || sig > NSIG) return -ERRNO.EINVAL;
    if (act && (sig === SIG.KILL || sig === SIG.STOP)) return -ERRNO.EINVAL;
    if (act && !canRead(this.#mem, act, SIZE.SIGACTION)) return -ERRNO.EFAULT;
    if (oldact && !canWrite(this.#mem, oldact, SIZE.SIGACTION)) return -ERRNO.EFAULT;
    if (oldact) this.#mem.write(oldact, this.#actions.get(sig) ?? new Uint8Array(SIZE.SIGACTION));
    if (act) this.#actions.set(sig, this.#mem.read(act, SIZE.SIGACTION));
    return 0;
  }

  /** rt_sigprocmask(how, set, oldset, sigsetsize): signals raised while blocked stay pending. */
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
    let next: AltStack | undefined;
    const on = this.onAltStack(this.#sp());
    if (ss) {
      if (on) return -ERRNO.EPERM;
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
      v.setUint32(4, (old.size ? (on ? SS.ONSTACK : 0) : SS.DISABLE) | old.flags, true);
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

  /**
   * Sends a signal to the guest (signal 0 only checks): ends it at once (GuestExit(128 + sig))
   * when the signal is fatal now, else drops it or leaves it pending for the machine to deliver.
   */
  #raise(info: SigInfo, toThread: boolean): number {
    const sig = info.signo;
    if (sig === 0) return 0;
    if (sig === SIG.KILL || (this.killsByDefault(sig) && !this.deferFatal)) {
      throw new GuestExit(128 + sig, sig);
    }
    this.queue(info, toThread);
    return 0;
  }
}

/** One pending set: a standard signal at most once, a real-time one as often as it was sent. */
class PendingSet {
  /** The pending signals' bits. */
  bits = 0n;
  /** What each pending signal carries, the first sent first. */
  readonly #infos = new Map<number, SigInfo[]>();

  add(info: SigInfo): void {
    const sig = info.signo, queued = this.#infos.get(sig);
    if (!queued) {
      this.#infos.set(sig, [info]);
      this.bits |= sigBit(sig);
    } else if (sig >= SIGRTMIN) queued.push(info);
  }

  /** Takes the next signal not in `mask` (see {@linkcode GuestSignals.take}). */
  take(mask: bigint): SigInfo | undefined {
    let ready = this.bits & ~mask;
    if (ready === 0n) return undefined;
    if (ready & SYNCHRONOUS) ready &= SYNCHRONOUS;
    let sig = 1;
    while (!(ready & sigBit(sig))) sig++;
    const queued = this.#infos.get(sig)!;
    const info = queued.shift()!;
    if (queued.length === 0) {
      this.#infos.delete(sig);
      this.bits &= ~sigBit(sig);
    }
    return info;
  }
}

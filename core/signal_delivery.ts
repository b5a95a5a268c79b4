/**
 * Delivering signals to the guest's handlers, as Linux riscv does: between instructions, after a
 * syscall, on a fault, when the interval timer or a host signal fires. A handler runs on a
 * signal frame (core/signal_frame.ts) and comes back through rt_sigreturn; a signal with no
 * handler that terminates by default ends the guest (GuestExit with status 128 + signal).
 * @module
 */

import type { CpuState } from "./cpu.ts";
import { GuestExit, type GuestFault, SIGNAL_OF_FAULT } from "./errors.ts";
import type { Memory } from "./memory.ts";
import type { DisconKind } from "./plugin/api.ts";
import { SIG } from "./signals.ts";
import { readFrame, SIGTRAMP, writeFrame } from "./signal_frame.ts";
import {
  debuggerStopped,
  type HostedFiles,
  type Interrupted,
  type LinuxSyscalls,
  SA,
  sigBit,
  type SigInfo,
  terminatesByDefault,
} from "./syscalls/mod.ts";

const SIG_IGN = 1;
const SS_DISABLE = 2, SS_AUTODISARM = 0x80000000, MINSIGSTKSZ = 2048;
/** `si_code` of a fault: SEGV_ACCERR when the page is mapped, else SEGV_MAPERR, ILL_ILLOPC... */
const SEGV_MAPERR = 1, SEGV_ACCERR = 2, FAULT_CODE = 1;
/** `si_code` of a signal the kernel sends (the interval timer, a terminal's Ctrl-C). */
const SI_KERNEL = 0x80;
/** `si_code` of a signal a debugger sends. */
const SI_USER = 0;
const ERRNO_EINTR = 4;

/** What delivery tells plugins: a discontinuity, as QEMU's API reports one. */
export type Discontinuity = (kind: DisconKind, from: number, to: number) => void;

/**
 * Where signals from outside the guest come from (core/host_signals.ts: Ctrl-C, SIGTERM), and
 * how a blocked guest waits for them.
 */
export interface HostEvents {
  /** A signal that arrived (its number), or 0; each is returned once. */
  take(): number;
  /** Blocks the thread for up to `ms`, less when a signal arrives. */
  wait(ms: number): void;
  /**
   * Reads stdin as `Deno.stdin.readSync` would (a count, or null at end of file), but gives up
   * and returns undefined once `interrupted()` says so (it asks whenever it wakes up).
   */
  readStdin?(buf: Uint8Array, interrupted: () => boolean): number | null | undefined;
  /**
   * Host files whose calls may block (a FIFO, a terminal), whose calls return undefined once
   * `interrupted()` says so.
   */
  files?(interrupted: () => boolean): HostedFiles;
}

/**
 * Thrown when a signal is about to be delivered while a debugger watches them
 * ({@linkcode SignalDelivery.stopAtSignals}): the run stops there, and the debugger says which
 * signal to deliver, if any, when it resumes ({@linkcode SignalDelivery.resume}).
 */
export class SignalStop {
  /**
   * @param signo the signal
   * @param regs x0..x31 and pc as the guest resumes, to put back: code that the stop unwinds
   *   through may write stale registers; absent for a fault (nothing to put back)
   */
  constructor(readonly signo: number, readonly regs?: readonly number[]) {}
}

/** Longest wait between two looks at the interval timer and the host, in milliseconds. */
const WAIT_SLICE_MS = 50;

/** Signal delivery for one machine. */
export class SignalDelivery {
  readonly #mem: Memory;
  readonly #cpu: CpuState;
  readonly #sys: LinuxSyscalls;
  readonly #discontinuity: Discontinuity;
  /** Host signals for the guest (Ctrl-C, SIGTERM), and waits they can cut short. */
  readonly #host: HostEvents;

  /**
   * @param host signals from outside (a poll returning one, or 0), or {@linkcode HostEvents};
   *   default: none
   */
  constructor(
    mem: Memory,
    cpu: CpuState,
    sys: LinuxSyscalls,
    discontinuity: Discontinuity,
    host: (() => number) | HostEvents = () => 0,
  ) {
    this.#mem = mem;
    this.#cpu = cpu;
    this.#sys = sys;
    this.#discontinuity = discontinuity;
    this.#host = typeof host === "function" ? { take: host, wait: sleepMs } : host;
    sys.onSigreturn = () => this.#sigreturn();
    const readStdin = this.#host.readStdin?.bind(this.#host);
    const interrupted = () => this.#arrived();
    sys.blocking = {
      sleep: (ms) => this.sleep(ms),
      readStdin: readStdin && ((buf) => readStdin(buf, interrupted)),
      files: this.#host.files?.(interrupted),
    };
  }

  /**
   * While set (a debugger is attached), a signal about to be delivered, a fault's too, stops the
   * run with {@linkcode SignalStop}, as qemu-user stops for gdb before each signal. Clearing it
   * (the debugger detached or went away) drops the signal a stop holds, as qemu-user does: a
   * fault then happens again when its instruction runs again.
   */
  get stopAtSignals(): boolean {
    return this.#stopAtSignals;
  }

  set stopAtSignals(on: boolean) {
    this.#stopAtSignals = on;
    if (!on) {
      this.#held = undefined;
      this.#passFault = false;
    }
    // kill() of a fatal signal must stop too, not end the guest at once.
    this.#sys.signals.deferFatal = on;
  }

  #stopAtSignals = false;

  /**
   * While set (a debugger is attached), asked with the host's signals whether the debugger
   * interrupted the run (and cleared): then the run stops as for a SIGINT that nothing holds,
   * wherever the guest is, a blocking call too, which the machine then restarts (or a signal
   * the debugger sends cuts short, as on Linux).
   */
  debuggerInterrupt: (() => boolean) | undefined;
  /** The debugger interrupted: the next delivery stops instead. */
  #debuggerStop = false;
  /** The signal a stop holds back, with its fault for a synchronous one. */
  #held: { info: SigInfo; fault?: GuestFault } | undefined;
  /** Set to let the held fault through once, when the debugger delivers it. */
  #passFault = false;

  /**
   * Goes on after a {@linkcode SignalStop}: delivers `sig` (with the held signal's siginfo when
   * it is the same), nothing when it is 0, or the held signal when `sig` is undefined; then what
   * else is pending. Needs no stop before: a debugger may send a signal any time.
   * @throws GuestFault when the held fault is to be delivered (the caller handles it as any),
   *   GuestExit when a signal ends the guest, SignalStop for the next signal
   */
  resume(sig: number | undefined): void {
    const held = this.#held;
    this.#held = undefined;
    if (!held && !sig) {
      // A syscall the debugger's interrupt cut short runs again, or another signal comes.
      if (this.#restart) this.deliverPending();
      return;
    }
    const chosen = sig ?? held!.info.signo;
    if (held?.fault && chosen === held.info.signo) {
      this.#passFault = true;
      throw held.fault;
    }
    const info = held?.info.signo === chosen ? held.info : { signo: chosen, code: SI_USER };
    this.deliverPending(held?.fault ? "exception" : "interrupt", chosen ? info : undefined);
  }

  /** Whether a pending signal waits for delivery (cheap: the syscall path asks every time). */
  get pending(): boolean {
    return this.#sys.signals.deliverable || this.#debuggerStop;
  }

  /** Whether the interval timer runs (the machine then looks at it more often). */
  get timerRunning(): boolean {
    return this.#sys.signals.timerDeadline !== undefined;
  }

  /**
   * Delivers every pending signal that is not blocked, with cpu.pc where the guest resumes:
   * the last delivered handler runs first, the others when it returns.
   * @throws GuestExit when one of them ends the guest
   */
  deliverPending(kind: DisconKind = "interrupt", first?: SigInfo): void {
    const signals = this.#sys.signals;
    this.#restart ??= this.#sys.takeInterrupted();
    if (this.#debuggerStop) {
      // A call it cut short stays so (a0 ERESTARTSYS) until the run goes on, as under ptrace.
      this.#debuggerStop = false;
      const cpu = this.#cpu;
      throw new SignalStop(SIG.INT, [...cpu.x, cpu.pc]);
    }
    if (first) this.#deliver(first, kind);
    for (let info = signals.take(); info; info = signals.take()) {
      if (this.#stopAtSignals) this.#hold(info);
      this.#deliver(info, kind);
    }
    // No handler ran (the signal was ignored after all): the syscall goes on, as on Linux.
    if (this.#restart) this.#settleRestart(true);
    const saved = signals.savedMask;
    if (saved !== undefined) {
      // rt_sigsuspend's mask held until a handler ran; the frame holds the one to go back to.
      signals.savedMask = undefined;
      if (!this.#delivered) signals.mask = saved;
    }
    this.#delivered = false;
  }

  #delivered = false;

  /** Stops the run before delivering `info`, which the debugger may then deliver. */
  #hold(info: SigInfo, fault?: GuestFault): never {
    this.#held = { info, fault };
    const cpu = this.#cpu;
    throw new SignalStop(info.signo, fault ? undefined : [...cpu.x, cpu.pc]);
  }
  /** The syscall a signal interrupted, until the first handler decides its fate. */
  #restart: Interrupted | undefined;

  /**
   * An interrupted syscall: restarted (pc back on its ecall, a0 as it was), as Linux does for
   * a handler with SA_RESTART, else it fails with EINTR.
   */
  #settleRestart(restart: boolean): void {
    const r = this.#restart!, cpu = this.#cpu;
    this.#restart = undefined;
    this.#sys.traceInterrupted(r, restart);
    if (restart) {
      cpu.x[10] = r.a0;
      cpu.pc = r.pc;
    } else cpu.x[10] = -ERRNO_EINTR;
  }

  /**
   * A fault: runs the handler of its signal if there is one and the signal is not blocked.
   * @returns false when the fault ends the guest (no handler, ignored or blocked: Linux then
   *   kills it), true when cpu.pc is now the handler's
   * @throws GuestExit when another pending signal ends the guest
   */
  fault(f: GuestFault): boolean {
    const sig = SIGNAL_OF_FAULT[f.kind], signals = this.#sys.signals;
    const code = f.kind === "segv"
      ? (this.#mem.check(f.addr, 1, 0) ? SEGV_ACCERR : SEGV_MAPERR)
      : FAULT_CODE;
    if (this.#stopAtSignals && !this.#passFault) {
      this.#cpu.pc = f.pc;
      this.#hold({ signo: sig, code, addr: f.addr }, f);
    }
    this.#passFault = false;
    const { handler } = signals.action(sig);
    if (handler === 0 || handler === SIG_IGN || (signals.mask & sigBit(sig)) !== 0n) {
      signals.resetAction(sig);
      return false;
    }
    this.#cpu.pc = f.pc;
    this.#deliver({ signo: sig, code, addr: f.addr }, "exception");
    this.deliverPending();
    return true;
  }

  /**
   * Looks for signals from outside: the interval timer, the host (Ctrl-C). Delivers what is
   * pending, with cpu.pc where the guest resumes.
   * @throws GuestExit when a signal ends the guest
   */
  poll(): void {
    if (this.#arrived()) this.deliverPending();
  }

  /** Queues what the interval timer and the host raised; returns whether a signal is due. */
  #arrived(): boolean {
    const signals = this.#sys.signals;
    signals.pollTimer();
    const host = this.#host.take();
    if (host) signals.queue({ signo: host, code: SI_KERNEL });
    if (this.debuggerInterrupt?.()) this.#debuggerStop = true;
    return signals.deliverable || this.#debuggerStop;
  }

  /**
   * Waits until a signal is deliverable (rt_sigsuspend): for the interval timer, or a host
   * signal; without either the guest would wait forever, as on Linux.
   * @returns true when the debugger interrupted the wait instead
   */
  wait(): boolean {
    return debuggerStopped(this.sleep(Infinity));
  }

  /**
   * Sleeps `ms` milliseconds, or less when a signal becomes deliverable (the interval timer's,
   * a host signal).
   * @returns the milliseconds left: 0 when it slept them all; negated when the debugger
   *   interrupted it and no signal is due (the call is to restart)
   */
  sleep(ms: number): number {
    const end = performance.now() + ms;
    for (;;) {
      if (this.#arrived()) {
        const left = Math.max(end - performance.now(), Number.MIN_VALUE);
        return this.#sys.signals.deliverable ? left : -left; // else the debugger's stop
      }
      const now = performance.now();
      if (now >= end) return 0;
      const timer = this.#sys.signals.timerDeadline ?? Infinity;
      this.#host.wait(Math.max(0, Math.min(end - now, timer - now, WAIT_SLICE_MS)));
    }
  }

  #deliver(info: SigInfo, kind: DisconKind): void {
    const cpu = this.#cpu, signals = this.#sys.signals, sig = info.signo;
    const act = signals.action(sig);
    if (act.handler === SIG_IGN) return;
    if (act.handler === 0) {
      if (!terminatesByDefault(sig)) return;
      if (this.#restart) this.#settleRestart(false);
      this.#sys.traceSignal(info);
      throw new GuestExit(128 + sig, sig);
    }
    if (this.#restart) this.#settleRestart((act.flags & SA.RESTART) !== 0);
    this.#sys.traceSignal(info);
    const sp = stackPointer(cpu), alt = signals.altStack, onAlt = signals.onAltStack(sp);
    const useAlt = (act.flags & SA.ONSTACK) !== 0 && alt.size > 0 && !onAlt;
    const frame = writeFrame(this.#mem, cpu, {
      info,
      stackTop: useAlt ? alt.sp + alt.size : sp,
      oldMask: signals.savedMask ?? signals.mask,
      altStack: alt,
      onAltStack: onAlt,
    });
    if (frame === undefined) {
      // No room for the frame: Linux forces a SIGSEGV, fatal with its handler reset.
      signals.resetAction(SIG.SEGV);
      this.#sys.traceSignal({ signo: SIG.SEGV, code: SI_KERNEL });
      throw new GuestExit(128 + SIG.SEGV, SIG.SEGV);
    }
    this.#delivered = true;
    signals.savedMask = undefined;
    if (useAlt && (alt.flags & SS_AUTODISARM) !== 0) {
      signals.altStack = { sp: 0, flags: 0, size: 0 };
    }
    signals.mask = signals.mask | act.mask | ((act.flags & SA.NODEFER) ? 0n : sigBit(sig));
    if (act.flags & SA.RESETHAND) signals.resetAction(sig);
    const from = cpu.pc;
    cpu.x[1] = SIGTRAMP;
    cpu.x[2] = frame;
    cpu.x[10] = sig;
    cpu.x[11] = frame;
    cpu.x[12] = frame + 128;
    cpu.pc = act.handler >>> 0;
    this.#discontinuity(kind, from, cpu.pc);
  }

  /** rt_sigreturn: registers, pc, mask and alternate stack back from the frame at sp. */
  #sigreturn(): void {
    const cpu = this.#cpu, signals = this.#sys.signals;
    const r = readFrame(this.#mem, cpu, stackPointer(cpu));
    if (!r) {
      signals.resetAction(SIG.SEGV);
      this.#sys.traceSignal({ signo: SIG.SEGV, code: SI_KERNEL });
      throw new GuestExit(128 + SIG.SEGV, SIG.SEGV);
    }
    signals.mask = r.mask;
    // As sigaltstack(&uc_stack, NULL) would: refused while on the alternate stack.
    if (!signals.onAltStack(stackPointer(cpu))) {
      const mode = r.stack.flags & ~SS_AUTODISARM & ~1;
      if (mode === SS_DISABLE) signals.altStack = { sp: 0, flags: 0, size: 0 };
      else if (mode === 0 && r.stack.size >= MINSIGSTKSZ) {
        signals.altStack = {
          sp: r.stack.sp,
          flags: r.stack.flags & SS_AUTODISARM,
          size: r.stack.size,
        };
      }
    }
  }
}

/** Sleeps on the thread (nothing can wake it early). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The guest's sp (x2), unsigned. */
function stackPointer(cpu: CpuState): number {
  return cpu.x[2]! >>> 0; // x holds all 32 registers
}

/**
 * The Linux system call layer: what an `ecall` does in a riscv32 Linux user-mode guest.
 *
 * The machine reads a7 and a0..a5, calls {@linkcode LinuxSyscalls.call}, and writes the result
 * to a0; plugins wrap `call()`, so it touches no register itself:
 *
 * ```
 * call(num, args):
 *   line  = strace ? formatCall(num, args) : undefined     // before the call, as QEMU does
 *   ret   = handlers[num]?.(args) ?? -ENOSYS                // host errors become -errno
 *   strace?.(`${pid} ${line}${formatReturn(num, args, ret)}`)
 *   return ret
 * ```
 *
 * Guest paths are host paths and go through Deno's permissions: what Deno may not touch reads as
 * `EACCES`. The handlers live in private modules by concern: `_files.ts` (paths, opening,
 * metadata), `_io.ts` (reads and writes), `_fds.ts` (dup, fcntl, pipes, poll),
 * `_mm.ts` (memory), `_signal.ts`, `_time.ts`, `_futex.ts`,
 * `_process.ts` (sessions, prctl, scheduling) and `_resource.ts` (limits, usage);
 * the strace printer is `_strace.ts`.
 *
 * The guest has one thread, and nothing outside it shares its pipes or futexes, so no syscall
 * blocks for ever: one that would (a futex wait or ppoll without a timeout, a read of an empty
 * pipe) returns at once, as each module describes. Timed waits really sleep.
 * @module
 */

import { MMAP_BASE } from "../address_map.ts";
import type { CpuState } from "../cpu.ts";
import { GuestExit, hex } from "../errors.ts";
import type { Memory } from "../memory.ts";
import { SYS } from "./numbers.ts";
import { O, SI, SIG, type SyscallArgs, syscallArgs } from "./_abi.ts";
import { ERRNO, ERRNO_RESTARTSYS, errnoMessage, hostErrno } from "./_errno.ts";
import { FdTable, hostFdFlags } from "./_fdtable.ts";
import { GuestFds } from "./_fds.ts";
import { GuestFiles } from "./_files.ts";
import { futex } from "./_futex.ts";
import { absolute, denoIo, getrandom, type HostIds, hostIds } from "./_guest.ts";
import { GuestRw } from "./_io.ts";
import { GuestMappings } from "./_mm.ts";
import { GuestProcess } from "./_process.ts";
import { GuestResources } from "./_resource.ts";
import { GuestSignals, type SigInfo } from "./_signal.ts";
import { formatCall, formatFiltered, formatReturn, formatSignal, signalName } from "./_strace.ts";
import { clockGetres, clockGettime, clockNanosleep, debuggerStopped, sleepNs } from "./_time.ts";
import type { GuestIo, HostedFiles } from "./_streams.ts";

export type { GuestIo, HostedFiles };

/**
 * What rt_sigreturn returns: QEMU's internal "return from sigreturn" code, which its strace
 * prints as `= -1 errno=513 (Successful exit from sigreturn)`; the machine does not write it.
 */
export const ERRNO_SIGRETURN = 513;

/** A syscall a signal interrupted: its ecall's pc, first argument, and strace line so far. */
export interface Interrupted {
  readonly pc: number;
  readonly a0: number;
  readonly traced: string | undefined;
}

/** Waits of blocking syscalls that a signal can cut short (the machine's signal delivery). */
export interface BlockingWaits {
  /**
   * Sleeps `ms`, less when a signal is due; returns the milliseconds left (0: slept them all),
   * negated when a debugger stopped the run instead (see `debuggerStopped`).
   */
  sleep(ms: number): number;
  /** Reads stdin; undefined when a signal is due first. Unset: the guest's io reads it. */
  readStdin: ((buf: Uint8Array) => number | null | undefined) | undefined;
  /** FIFOs and terminals the guest opens. Unset: opened and read on this thread. */
  files?: HostedFiles | undefined;
}
export type { AltStack, SigAction, SigInfo } from "./_signal.ts";
export { GuestSignals, SA, sigBit, terminatesByDefault } from "./_signal.ts";
export { debuggerStopped };

/** Options of {@linkcode LinuxSyscalls}. */
export interface SyscallOptions {
  /**
   * The guest's stdin, stdout and stderr.
   * @default Deno's standard streams, synchronously
   */
  io?: GuestIo;
  /**
   * Receives one line per syscall in the format of `qemu-riscv32 -strace`, e.g.
   * `12345 write(1,0x12345,13) = 13` (no trailing newline), plus QEMU's line for a signal that
   * ends the guest, `--- SIGIOT {si_signo=SIGIOT, ...} ---`.
   * @default no tracing
   */
  strace?: (line: string) => void;
  /**
   * Host path of the guest program, which `readlinkat("/proc/self/exe")` returns.
   * @default none: that readlinkat fails with ENOENT
   */
  exePath?: string;
}

type Handler = (a: SyscallArgs) => number;

/** sizeof(struct robust_list_head) on ilp32. */
const ROBUST_LIST_HEAD_SIZE = 12;

/**
 * The Linux syscalls of one riscv32 guest process.
 *
 * @example Write to a captured stdout
 * ```ts
 * import { LinuxSyscalls } from "./mod.ts";
 * import { SYS } from "./numbers.ts";
 * import { CpuState } from "../cpu.ts";
 * import { Memory, PROT_READ, PROT_WRITE } from "../memory.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const mem = new Memory();
 * mem.map(0x10000, 4096, PROT_READ | PROT_WRITE);
 * mem.write(0x10000, new TextEncoder().encode("hi\n"));
 * let out = "";
 * const sys = new LinuxSyscalls(mem, new CpuState(), {
 *   io: { stdin: () => null, stdout: (b) => out += new TextDecoder().decode(b), stderr: () => {} },
 * });
 * assertEquals(sys.call(SYS.write, [1, 0x10000, 3], 0), 3);
 * assertEquals(out, "hi\n");
 * ```
 */
export class LinuxSyscalls {
  readonly #mem: Memory;
  readonly #strace: ((line: string) => void) | undefined;
  readonly #ids: HostIds;
  readonly #files: GuestFiles;
  readonly #rw: GuestRw;
  readonly #fds: GuestFds;
  readonly #mm: GuestMappings;
  readonly #handlers: ReadonlyMap<number, Handler>;
  readonly #signals: GuestSignals;
  readonly #process: GuestProcess;
  readonly #resources: GuestResources;
  /** A signal the last syscall raised that ends the guest once the syscall is traced (SIGPIPE). */
  #fatalSignal: number | undefined;

  /**
   * @param mem the guest's memory
   * @param cpu the guest's registers: syscalls get their arguments through {@linkcode call};
   *   sigaltstack reads sp
   * @param options streams, tracing, program path
   */
  constructor(mem: Memory, cpu: CpuState, options: SyscallOptions = {}) {
    this.#mem = mem;
    this.#strace = options.strace;
    this.#ids = hostIds();
    const exePath = options.exePath === undefined ? undefined : absolute(options.exePath);
    // With Deno's own streams, F_GETFL shows the host descriptors' flags, as under QEMU.
    const stdioFlags = [O.RDONLY, O.WRONLY, O.WRONLY].map((flags, fd) =>
      options.io ? flags : hostFdFlags(fd) ?? flags
    ) as [number, number, number];
    const fdTable = new FdTable(stdioFlags);
    const hosted = () => this.blocking?.files;
    this.#files = new GuestFiles(mem, this.#ids, exePath, fdTable, hosted);
    const sp = () => cpu.x[2]! >>> 0; // x holds all 32 registers
    this.#signals = new GuestSignals(mem, this.#ids.pid, this.#ids.uid, sp);
    this.#rw = new GuestRw(mem, options.io ?? denoIo(), fdTable, () => {
      if (this.#signals.killsByDefault(SIG.PIPE)) this.#fatalSignal = SIG.PIPE;
      else this.#signals.queue({ signo: SIG.PIPE, code: SI.USER, ...this.#sender() }, true);
    }, () => this.blocking?.readStdin);
    this.#fds = new GuestFds(mem, fdTable, (ms) => this.#sleep(ms));
    this.#mm = new GuestMappings(
      mem,
      MMAP_BASE,
      (fd, offset, len) => this.#files.readForMap(fd, offset, len),
    );
    const name = exePath?.slice(exePath.lastIndexOf("/") + 1) ?? "rvplug";
    this.#process = new GuestProcess(mem, this.#ids, name);
    this.#resources = new GuestResources(mem, this.#ids.pid, this.#ids.uid);
    this.#handlers = this.#table();
  }

  /** The current program break. The loader sets the initial one (page aligned) before the run. */
  get brk(): number {
    return this.#mm.brk;
  }

  set brk(addr: number) {
    this.#mm.brk = addr;
  }

  /**
   * Runs system call `num`.
   *
   * Guest mistakes (bad pointers, bad descriptors, unknown syscalls) and host errors come back as
   * negative errnos; nothing but {@linkcode GuestExit} is thrown.
   * @param num the syscall number (a7); see {@linkcode SYS}
   * @param args a0..a5 (signed or unsigned 32-bit values; missing ones read as 0)
   * @param pc the pc of the `ecall`, where a syscall a signal interrupts restarts
   * @returns the value for a0 as a signed 32-bit number: the result, or -errno
   * @throws {GuestExit} for exit and exit_group (status & 0xff), and for a fatal signal the guest
   *   sends itself with kill/tkill/tgkill (status 128 + signal)
   */
  call(num: number, args: readonly number[], pc: number): number {
    const a = syscallArgs(args);
    const strace = this.#strace;
    // Formatted before the call, as QEMU does, in case the call overwrites a string argument.
    const line = strace && formatCall(num, a, this.#mem);
    let ret: number;
    try {
      ret = (this.#handlers.get(num)?.(a) ?? -ERRNO.ENOSYS) | 0;
    } catch (e) {
      if (e instanceof GuestExit) {
        if (strace && line) this.#traceExit(strace, num, line, e);
        throw e;
      }
      ret = -hostErrno(e);
    }
    if (ret === -ERRNO_RESTARTSYS) {
      // Traced once the signal's handler says whether the call restarts (see traceInterrupted).
      const traced = strace && line ? `${this.#ids.pid} ${line}` : undefined;
      this.#interrupted = { pc, a0: a[0] | 0, traced };
    } else if (strace && line) {
      strace(`${this.#ids.pid} ${line}${formatReturn(num, a, ret, this.#mem)}`);
    }
    const sig = this.#fatalSignal;
    if (sig !== undefined) {
      // The kernel's SIGPIPE for a write to a broken pipe comes as from kill (QEMU prints SI_USER).
      this.#fatalSignal = undefined;
      strace?.(formatSignal(sig, SI.USER, this.#ids.pid, this.#ids.uid));
      throw new GuestExit(128 + sig, sig);
    }
    return ret;
  }

  /** The guest's signal state: the machine delivers what is pending. */
  get signals(): GuestSignals {
    return this.#signals;
  }

  /** Called by rt_sigreturn to restore the registers from the signal frame. */
  onSigreturn: (() => void) | undefined;
  /**
   * Called by rt_sigsuspend: returns once a signal is deliverable, true when a debugger stopped
   * the run instead (the call is restarted).
   */
  waitForSignal: (() => boolean | void) | undefined;
  /** Waits that a signal can cut short; without them, sleeps run to their end. */
  blocking: BlockingWaits | undefined;
  #interrupted: Interrupted | undefined;

  /**
   * The syscall that last returned {@linkcode ERRNO_RESTARTSYS}, which the signal delivery after
   * it restarts or fails; cleared.
   */
  takeInterrupted(): Interrupted | undefined {
    const r = this.#interrupted;
    this.#interrupted = undefined;
    return r;
  }

  /**
   * Traces an interrupted syscall as qemu -strace shows it: failed with EINTR, or with its
   * "to be restarted" code before it runs again.
   */
  traceInterrupted(call: Interrupted, restarted: boolean): void {
    if (!call.traced) return;
    const result = restarted
      ? `${ERRNO_RESTARTSYS} (To be restarted)`
      : `${ERRNO.EINTR} (${errnoMessage(ERRNO.EINTR)})`;
    this.#strace?.(`${call.traced} = -1 errno=${result}`);
  }

  /** Sleeps `ms` or until a signal is due; returns the milliseconds left. */
  #sleep(ms: number): number {
    if (this.blocking) return this.blocking.sleep(ms);
    sleepNs(BigInt(Math.round(ms * 1e6)));
    return 0;
  }

  /** Traces a signal taken by the guest, as qemu -strace does (`--- SIGUSR1 {...} ---`). */
  traceSignal(info: SigInfo, mapped = true): void {
    const strace = this.#strace;
    if (!strace) return;
    if (info.code === SI.USER || info.code === SI.TKILL) {
      strace(formatSignal(info.signo, info.code, info.pid ?? 0, info.uid ?? 0));
      return;
    }
    const name = signalName(info.signo);
    const code = info.code === SI.KERNEL ? "SI_KERNEL" : String(info.code);
    // QEMU shows the sender of a signal the kernel sends (the timer's): nobody.
    const addr = info.addr !== undefined
      ? `, si_addr=${hex(info.addr)}`
      : info.code === SI.KERNEL
      ? ", si_pid=0, si_uid=0"
      : "";
    void mapped;
    strace(`--- ${name} {si_signo=${name}, si_code=${code}${addr}} ---`);
  }

  #sender(): { pid: number; uid: number } {
    return { pid: this.#ids.pid, uid: this.#ids.uid };
  }

  /**
   * Traces a syscall that did not run because a plugin's filter answered it (see
   * `formatFiltered`): with --strace, a skipped call still shows.
   * @param num the syscall number
   * @param args a0..a5
   * @param ret the result the filter supplied
   */
  traceFiltered(num: number, args: readonly number[], ret: number): void {
    const line = this.#strace && formatFiltered(num, syscallArgs(args), ret, this.#mem);
    if (line) this.#strace?.(`${this.#ids.pid} ${line}`);
  }

  /** Closes the host files the guest left open. */
  close(): void {
    this.#files.closeAll();
  }

  #table(): Map<number, Handler> {
    const f = this.#files;
    const rw = this.#rw;
    const fds = this.#fds;
    const m = this.#mm;
    const sig = this.#signals;
    const proc = this.#process;
    const res = this.#resources;
    const mem = this.#mem;
    const { pid, ppid, uid, gid } = this.#ids;
    return new Map<number, Handler>([
      [SYS.exit, (a) => this.#exit(a[0])],
      [SYS.exit_group, (a) => this.#exit(a[0])],
      [SYS.read, (a) => rw.read(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.write, (a) => rw.write(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.readv, (a) => rw.readv(a[0] | 0, a[1] >>> 0, a[2] | 0)],
      [SYS.writev, (a) => rw.writev(a[0] | 0, a[1] >>> 0, a[2] | 0)],
      [SYS.openat, (a) => f.openat(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.close, (a) => f.close(a[0] | 0)],
      [SYS.llseek, (a) => f.llseek(a[0] | 0, a[1] | 0, a[2] >>> 0, a[3] >>> 0, a[4] >>> 0)],
      [SYS.fstat64, (a) => f.fstat64(a[0] | 0, a[1] >>> 0)],
      [SYS.fstatat64, (a) => f.fstatat64(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.statx, (a) => f.statx(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0, a[4] >>> 0)],
      [SYS.readlinkat, (a) => f.readlinkat(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] | 0)],
      [SYS.faccessat, (a) => f.faccessat(a[0] | 0, a[1] >>> 0, a[2] >>> 0, 0)],
      [SYS.faccessat2, (a) => f.faccessat(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.getcwd, (a) => f.getcwd(a[0] >>> 0, a[1] >>> 0)],
      [SYS.unlinkat, (a) => f.unlinkat(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.mkdirat, (a) => f.mkdirat(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      [
        SYS.renameat2,
        (a) => f.renameat2(a[0] | 0, a[1] >>> 0, a[2] | 0, a[3] >>> 0, a[4] >>> 0),
      ],
      [SYS.chdir, (a) => f.chdir(a[0] >>> 0)],
      [SYS.fchdir, (a) => f.fchdir(a[0] | 0)],
      [SYS.truncate64, (a) => f.truncate64(a[0] >>> 0, a[1] >>> 0, a[2] | 0)],
      [SYS.ftruncate64, (a) => f.ftruncate64(a[0] | 0, a[1] >>> 0, a[2] | 0)],
      [SYS.fsync, (a) => f.fsync(a[0] | 0, false)],
      [SYS.fdatasync, (a) => f.fsync(a[0] | 0, true)],
      [SYS.utimensat_time64, (a) => f.utimensat(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.ioctl, (a) => f.ioctl(a[0] | 0)],
      [SYS.dup, (a) => fds.dup(a[0] | 0)],
      [SYS.dup3, (a) => fds.dup3(a[0] | 0, a[1] | 0, a[2] >>> 0)],
      [SYS.fcntl64, (a) => fds.fcntl64(a[0] | 0, a[1] | 0, a[2] >>> 0)],
      [SYS.pipe2, (a) => fds.pipe2(a[0] >>> 0, a[1] >>> 0)],
      [
        SYS.ppoll_time64,
        (a) => fds.ppoll(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0, a[4] >>> 0),
      ],
      [SYS.umask, (a) => this.#umask(a[0] >>> 0)],
      [SYS.brk, (a) => m.setBreak(a[0] >>> 0)],
      [
        SYS.mmap2,
        (a) => m.mmap2(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0, a[4] | 0, a[5] >>> 0),
      ],
      [SYS.munmap, (a) => m.munmap(a[0] >>> 0, a[1] >>> 0)],
      [SYS.mprotect, (a) => m.mprotect(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.madvise, (a) => m.madvise(a[0] >>> 0, a[1] >>> 0, a[2] | 0)],
      [SYS.clock_gettime64, (a) => clockGettime(mem, pid, a[0] | 0, a[1] >>> 0)],
      [SYS.clock_getres_time64, (a) => clockGetres(mem, pid, a[0] | 0, a[1] >>> 0)],
      [
        SYS.clock_nanosleep_time64,
        (a) =>
          clockNanosleep(
            mem,
            pid,
            a[0] | 0,
            a[1] >>> 0,
            a[2] >>> 0,
            a[3] >>> 0,
            (ms) => this.#sleep(ms),
          ),
      ],
      [SYS.futex_time64, (a) => futex(mem, a)],
      [SYS.sched_yield, () => 0],
      [SYS.membarrier, (a) => proc.membarrier(a[0] | 0, a[1] >>> 0)],
      [SYS.getpid, () => pid],
      [SYS.gettid, () => pid],
      [SYS.getppid, () => ppid],
      [SYS.getuid, () => uid],
      [SYS.geteuid, () => uid],
      [SYS.getgid, () => gid],
      [SYS.getegid, () => gid],
      [SYS.getresuid, (a) => proc.getres(uid, [a[0] >>> 0, a[1] >>> 0, a[2] >>> 0])],
      [SYS.getresgid, (a) => proc.getres(gid, [a[0] >>> 0, a[1] >>> 0, a[2] >>> 0])],
      [SYS.setsid, () => proc.setsid()],
      [SYS.getpgid, (a) => proc.getpgid(a[0] | 0)],
      [SYS.getsid, (a) => proc.getsid(a[0] | 0)],
      [SYS.setpgid, (a) => proc.setpgid(a[0] | 0, a[1] | 0)],
      [
        SYS.prctl,
        (a) => proc.prctl(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0, a[4] >>> 0),
      ],
      [SYS.sched_getscheduler, (a) => proc.schedGetscheduler(a[0] | 0)],
      [SYS.sched_getparam, (a) => proc.schedGetparam(a[0] | 0, a[1] >>> 0)],
      [SYS.sched_get_priority_max, (a) => proc.schedPriority(a[0] | 0, false)],
      [SYS.sched_get_priority_min, (a) => proc.schedPriority(a[0] | 0, true)],
      [SYS.set_tid_address, () => pid],
      [SYS.set_robust_list, (a) => (a[1] >>> 0 === ROBUST_LIST_HEAD_SIZE ? 0 : -ERRNO.EINVAL)],
      [SYS.uname, (a) => proc.uname(a[0] >>> 0)],
      [SYS.rt_sigaction, (a) => sig.sigaction(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.rt_sigprocmask, (a) => sig.sigprocmask(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.kill, (a) => sig.kill(a[0] | 0, a[1] | 0)],
      [SYS.tkill, (a) => sig.tgkill(pid, a[0] | 0, a[1] | 0)],
      [SYS.tgkill, (a) => sig.tgkill(a[0] | 0, a[1] | 0, a[2] | 0)],
      [SYS.rt_sigqueueinfo, (a) => sig.sigqueueinfo(a[0] | 0, undefined, a[1] | 0, a[2] >>> 0)],
      [
        SYS.rt_tgsigqueueinfo,
        (a) => sig.sigqueueinfo(a[0] | 0, a[1] | 0, a[2] | 0, a[3] >>> 0),
      ],
      [SYS.sigaltstack, (a) => sig.sigaltstack(a[0] >>> 0, a[1] >>> 0)],
      [SYS.rt_sigpending, (a) => sig.sigpending(a[0] >>> 0, a[1] >>> 0)],
      [
        SYS.rt_sigsuspend,
        (a) => sig.sigsuspend(a[0] >>> 0, a[1] >>> 0, () => this.waitForSignal?.()),
      ],
      [SYS.setitimer, (a) => sig.setitimer(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.getitimer, (a) => sig.getitimer(a[0] | 0, a[1] >>> 0)],
      [SYS.rt_sigreturn, () => {
        this.onSigreturn?.();
        return -ERRNO_SIGRETURN;
      }],
      [SYS.getrandom, (a) => getrandom(mem, a[0] >>> 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.prlimit64, (a) => res.prlimit(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.getrlimit, (a) => res.getrlimit(a[0] >>> 0, a[1] >>> 0)],
      [SYS.setrlimit, (a) => res.setrlimit(a[0] >>> 0, a[1] >>> 0)],
      [SYS.getrusage, (a) => res.getrusage(a[0] | 0, a[1] >>> 0)],
      [SYS.times, (a) => res.times(a[0] >>> 0)],
      [SYS.sysinfo, (a) => res.sysinfo(a[0] >>> 0)],
      [SYS.sched_getaffinity, (a) => proc.schedGetaffinity(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      // Translated code sees stores to code pages (Memory.onCodeWrite): nothing to flush.
      [SYS.riscv_flush_icache, () => 0],
    ]);
  }

  /** Traces a syscall that ended the guest: exit, or a fatal signal sent with kill/tkill/tgkill. */
  #traceExit(strace: (line: string) => void, num: number, line: string, exit: GuestExit): void {
    const { pid, uid } = this.#ids;
    const sig = exit.signal;
    // QEMU prints `exit(3)` with no result, and dies inside kill(SIGKILL) before printing one.
    if (sig === undefined || sig === SIG.KILL) {
      strace(`${pid} ${line}`);
      return;
    }
    strace(`${pid} ${line} = 0`);
    strace(formatSignal(sig, num === SYS.kill ? SI.USER : SI.TKILL, pid, uid));
  }

  #exit(status: number): never {
    throw new GuestExit(status & 0xff);
  }

  /** umask(mask): sets the mask (its permission bits) and returns the old one. */
  #umask(mask: number): number {
    const old = this.#files.umask;
    this.#files.umask = mask & 0o777;
    return old;
  }
}

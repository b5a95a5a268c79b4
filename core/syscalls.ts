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
 * `EACCES`. File syscalls live in `_syscall_files.ts`, memory ones in `_syscall_mm.ts`, the strace
 * printer in `_syscall_strace.ts`; process, signal, clock and identity syscalls are here.
 * @module
 */

import { cpuUsage } from "node:process";
import type { CpuState } from "./cpu.ts";
import { GuestExit } from "./errors.ts";
import type { Memory } from "./memory.ts";
import { SYS } from "./syscall_numbers.ts";
import { CLOCK, GRND, NSIG, RLIMIT, SI, SIG, SIG_HOW, SIG_IGN, SIZE } from "./_syscall_abi.ts";
import { ERRNO, hostErrno } from "./_syscall_errno.ts";
import { GuestFiles, MAX_FDS } from "./_syscall_files.ts";
import { canRead, canWrite, type HostIds, hostIds, tryOr, writeAll } from "./_syscall_guest.ts";
import { GuestMappings } from "./_syscall_mm.ts";
import { formatCall, formatReturn, formatSignal } from "./_syscall_strace.ts";

/** The guest's standard streams. */
export interface GuestIo {
  /** Reads what is available into `buf`, like `Deno.stdin.readSync`: a count, or null at EOF. */
  stdin: (buf: Uint8Array) => number | null;
  /** Writes all of `bytes` to standard output. */
  stdout: (bytes: Uint8Array) => void;
  /** Writes all of `bytes` to standard error. */
  stderr: (bytes: Uint8Array) => void;
}

/** Options of {@linkcode LinuxSyscalls}. */
export interface SyscallOptions {
  /**
   * The guest's stdin, stdout and stderr.
   * @default Deno's standard streams, synchronously
   */
  io?: GuestIo;
  /**
   * Receives one line per syscall in the format of `qemu-riscv32 -strace`, e.g.
   * `12345 write(1,0x12345,13) = 13` (no trailing newline), plus QEMU's `--- SIGABRT ... ---` line
   * when a signal ends the guest.
   * @default no tracing
   */
  strace?: (line: string) => void;
  /**
   * Host path of the guest program, which `readlinkat("/proc/self/exe")` returns.
   * @default none: that readlinkat fails with ENOENT
   */
  exePath?: string;
}

/**
 * Where mappings without a usable address hint start (growing up), well above the program, its
 * heap, and the stack the loader puts below 0x40800000.
 */
export const MMAP_BASE = 0x60000000;

type Handler = (a: readonly number[]) => number;

/** Signals whose default action is to do nothing (SIGSTOP and friends stop; here they do nothing). */
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
const RLIM_INFINITY = 2n ** 64n - 1n;
/** Default soft limit of the stack, as on a usual Linux host. */
const STACK_LIMIT = 8n << 20n;
/** sizeof(struct robust_list_head) on ilp32. */
const ROBUST_LIST_HEAD_SIZE = 12;
/** Resolution clock_getres reports for the *_COARSE clocks (a 250 Hz tick). */
const COARSE_RESOLUTION_NS = 4_000_000;
/** Longest getrandom() result, as Linux caps it. */
const GETRANDOM_MAX = 0x1ffffff;
/** crypto.getRandomValues fills at most this many bytes per call. */
const RANDOM_CHUNK = 65536;

/**
 * The Linux syscalls of one riscv32 guest process.
 *
 * @example Write to a captured stdout
 * ```ts
 * import { LinuxSyscalls } from "./syscalls.ts";
 * import { SYS } from "./syscall_numbers.ts";
 * import { CpuState } from "./cpu.ts";
 * import { Memory, PROT_READ, PROT_WRITE } from "./memory.ts";
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
  readonly #mm: GuestMappings;
  readonly #handlers: ReadonlyMap<number, Handler>;
  /** The 16-byte struct sigaction last installed per signal; absent means SIG_DFL. */
  readonly #actions = new Map<number, Uint8Array>();
  #sigmask = 0n;
  readonly #limits = new Map<number, readonly [bigint, bigint]>([
    [RLIMIT.STACK, [STACK_LIMIT, RLIM_INFINITY]],
    [RLIMIT.NOFILE, [BigInt(MAX_FDS), BigInt(MAX_FDS)]],
  ]);

  /**
   * @param mem the guest's memory
   * @param _cpu the guest's registers; unused, as every syscall gets its arguments through
   *   {@linkcode call}
   * @param options streams, tracing, program path
   */
  constructor(mem: Memory, _cpu: CpuState, options: SyscallOptions = {}) {
    this.#mem = mem;
    this.#strace = options.strace;
    this.#ids = hostIds();
    const exePath = options.exePath === undefined ? undefined : absolute(options.exePath);
    this.#files = new GuestFiles(mem, options.io ?? denoIo(), this.#ids, exePath);
    this.#mm = new GuestMappings(
      mem,
      MMAP_BASE,
      (fd, offset, len) => this.#files.readForMap(fd, offset, len),
    );
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
   * @param _pc the pc of the `ecall`, for callers' hooks; the syscalls do not need it
   * @returns the value for a0 as a signed 32-bit number: the result, or -errno
   * @throws {GuestExit} for exit and exit_group (status & 0xff), and for a fatal signal the guest
   *   sends itself with kill/tkill/tgkill (status 128 + signal)
   */
  call(num: number, args: readonly number[], _pc: number): number {
    const line = this.#strace ? formatCall(num, args, this.#mem) : undefined;
    let ret: number;
    try {
      ret = (this.#handlers.get(num)?.(args) ?? -ERRNO.ENOSYS) | 0;
    } catch (e) {
      if (e instanceof GuestExit) {
        if (line !== undefined) this.#traceExit(num, line, e);
        throw e;
      }
      ret = -hostErrno(e);
    }
    if (line !== undefined) {
      this.#strace!(`${this.#ids.pid} ${line}${formatReturn(num, args, ret, this.#mem)}`);
    }
    return ret;
  }

  /** Closes the host files the guest left open. */
  close(): void {
    this.#files.closeAll();
  }

  #table(): Map<number, Handler> {
    const f = this.#files;
    const m = this.#mm;
    const { pid, ppid, uid, gid } = this.#ids;
    return new Map<number, Handler>([
      [SYS.exit, (a) => this.#exit(a[0])],
      [SYS.exit_group, (a) => this.#exit(a[0])],
      [SYS.read, (a) => f.read(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.write, (a) => f.write(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.readv, (a) => f.readv(a[0] | 0, a[1] >>> 0, a[2] | 0)],
      [SYS.writev, (a) => f.writev(a[0] | 0, a[1] >>> 0, a[2] | 0)],
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
      [SYS.ioctl, (a) => f.ioctl(a[0] | 0)],
      [SYS.brk, (a) => m.setBreak(a[0] >>> 0)],
      [
        SYS.mmap2,
        (a) => m.mmap2(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0, a[4] | 0, a[5] >>> 0),
      ],
      [SYS.munmap, (a) => m.munmap(a[0] >>> 0, a[1] >>> 0)],
      [SYS.mprotect, (a) => m.mprotect(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.clock_gettime64, (a) => this.#clockGettime(a[0] | 0, a[1] >>> 0)],
      [SYS.clock_getres_time64, (a) => this.#clockGetres(a[0] | 0, a[1] >>> 0)],
      [SYS.getpid, () => pid],
      [SYS.gettid, () => pid],
      [SYS.getppid, () => ppid],
      [SYS.getuid, () => uid],
      [SYS.geteuid, () => uid],
      [SYS.getgid, () => gid],
      [SYS.getegid, () => gid],
      [SYS.set_tid_address, () => pid],
      [SYS.set_robust_list, (a) => (a[1] >>> 0 === ROBUST_LIST_HEAD_SIZE ? 0 : -ERRNO.EINVAL)],
      [SYS.uname, (a) => this.#uname(a[0] >>> 0)],
      [SYS.rt_sigaction, (a) => this.#sigaction(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.rt_sigprocmask, (a) => this.#sigprocmask(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.kill, (a) => this.#kill(a[0] | 0, a[1] | 0)],
      [SYS.tkill, (a) => this.#tgkill(pid, a[0] | 0, a[1] | 0)],
      [SYS.tgkill, (a) => this.#tgkill(a[0] | 0, a[1] | 0, a[2] | 0)],
      [SYS.getrandom, (a) => this.#getrandom(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.prlimit64, (a) => this.#prlimit(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.sched_getaffinity, (a) => this.#getaffinity(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
      // Translated code sees stores to code pages (Memory.onCodeWrite): nothing to flush.
      [SYS.riscv_flush_icache, () => 0],
    ]);
  }

  #traceExit(num: number, line: string, exit: GuestExit): void {
    const { pid, uid } = this.#ids;
    const sig = exit.signal;
    // QEMU prints `exit(3)` with no result, and dies inside kill(SIGKILL) before printing one.
    if (sig === undefined || sig === SIG.KILL) {
      this.#strace!(`${pid} ${line}`);
      return;
    }
    this.#strace!(`${pid} ${line} = 0`);
    this.#strace!(formatSignal(sig, num === SYS.kill ? SI.USER : SI.TKILL, pid, uid));
  }

  #exit(status: number): never {
    throw new GuestExit(status & 0xff);
  }

  /** kill(pid, sig): the guest can signal only itself (pid 0 or its own pid). */
  #kill(pid: number, sig: number): number {
    if (sig < 0 || sig > NSIG) return -ERRNO.EINVAL;
    if (pid !== 0 && pid !== this.#ids.pid) return -ERRNO.ESRCH;
    return this.#raise(sig);
  }

  /** tgkill(tgid, tid, sig); tkill(tid, sig) is tgkill(own pid, tid, sig). */
  #tgkill(tgid: number, tid: number, sig: number): number {
    if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG) return -ERRNO.EINVAL;
    if (tgid !== this.#ids.pid || tid !== this.#ids.pid) return -ERRNO.ESRCH;
    return this.#raise(sig);
  }

  /**
   * Delivers `sig` to the guest. Handlers cannot run (rvplug does not deliver signals), so a
   * signal is fatal unless it is ignored or its default action is not to terminate.
   */
  #raise(sig: number): number {
    if (sig === 0) return 0;
    const action = this.#actions.get(sig);
    const handler = action ? new DataView(action.buffer).getUint32(0, true) : 0;
    if (sig !== SIG.KILL && (handler === SIG_IGN || NOT_FATAL.has(sig))) return 0;
    throw new GuestExit(128 + sig, sig);
  }

  /** rt_sigaction(sig, act, oldact, sigsetsize): remembers the action, never runs it. */
  #sigaction(sig: number, act: number, oldact: number, sigsetsize: number): number {
    if (sigsetsize !== SIZE.SIGSET || sig < 1 || sig > NSIG) return -ERRNO.EINVAL;
    if (act && (sig === SIG.KILL || sig === SIG.STOP)) return -ERRNO.EINVAL;
    if (act && !canRead(this.#mem, act, SIZE.SIGACTION)) return -ERRNO.EFAULT;
    if (oldact && !canWrite(this.#mem, oldact, SIZE.SIGACTION)) return -ERRNO.EFAULT;
    if (oldact) this.#mem.write(oldact, this.#actions.get(sig) ?? new Uint8Array(SIZE.SIGACTION));
    if (act) this.#actions.set(sig, this.#mem.read(act, SIZE.SIGACTION));
    return 0;
  }

  /** rt_sigprocmask(how, set, oldset, sigsetsize): keeps the mask; blocking delays nothing. */
  #sigprocmask(how: number, set: number, oldset: number, sigsetsize: number): number {
    if (sigsetsize !== SIZE.SIGSET) return -ERRNO.EINVAL;
    if (set && how !== SIG_HOW.BLOCK && how !== SIG_HOW.UNBLOCK && how !== SIG_HOW.SETMASK) {
      return -ERRNO.EINVAL;
    }
    if (set && !canRead(this.#mem, set, SIZE.SIGSET)) return -ERRNO.EFAULT;
    if (oldset && !canWrite(this.#mem, oldset, SIZE.SIGSET)) return -ERRNO.EFAULT;
    if (oldset) this.#mem.write(oldset, u64Bytes(this.#sigmask));
    if (set) {
      const bits = new DataView(this.#mem.read(set, SIZE.SIGSET).buffer).getBigUint64(0, true);
      const mask = how === SIG_HOW.BLOCK
        ? this.#sigmask | bits
        : how === SIG_HOW.UNBLOCK
        ? this.#sigmask & ~bits
        : bits;
      this.#sigmask = mask & ~UNBLOCKABLE;
    }
    return 0;
  }

  /** clock_gettime64(clockid, tp) */
  #clockGettime(clock: number, tp: number): number {
    const ns = this.#clockNs(clock);
    if (ns === undefined) return -ERRNO.EINVAL;
    if (!canWrite(this.#mem, tp, SIZE.TIMESPEC64)) return -ERRNO.EFAULT;
    this.#mem.write(tp, timespec(ns));
    return 0;
  }

  /** clock_getres_time64(clockid, res): 1 ns, or a tick for the coarse clocks. */
  #clockGetres(clock: number, res: number): number {
    if (this.#clockNs(clock) === undefined) return -ERRNO.EINVAL;
    if (res === 0) return 0;
    if (!canWrite(this.#mem, res, SIZE.TIMESPEC64)) return -ERRNO.EFAULT;
    const coarse = clock === CLOCK.REALTIME_COARSE || clock === CLOCK.MONOTONIC_COARSE;
    this.#mem.write(res, timespec(BigInt(coarse ? COARSE_RESOLUTION_NS : 1)));
    return 0;
  }

  /**
   * Reads a clock in nanoseconds. The monotonic clocks count from the start of rvplug, not from
   * the host's boot; the CPU-time clocks measure the whole Deno process.
   * @returns the time, or undefined for a clock Linux would reject
   */
  #clockNs(clock: number): bigint | undefined {
    switch (clock) {
      case CLOCK.REALTIME:
      case CLOCK.REALTIME_COARSE:
      case CLOCK.TAI:
        return msToNs(performance.timeOrigin + performance.now());
      case CLOCK.MONOTONIC:
      case CLOCK.MONOTONIC_RAW:
      case CLOCK.MONOTONIC_COARSE:
      case CLOCK.BOOTTIME:
        return msToNs(performance.now());
      case CLOCK.PROCESS_CPUTIME_ID:
      case CLOCK.THREAD_CPUTIME_ID:
        return cpuTimeNs();
    }
    // Negative ids name the CPU clock of a process or thread: ~pid << 3 | type (type 3 is invalid).
    const pid = ~(clock >> 3);
    if (clock < 0 && (clock & 3) !== 3 && (pid === 0 || pid === this.#ids.pid)) return cpuTimeNs();
    return undefined;
  }

  /** uname(buf): Linux on riscv32, with the host's node name and kernel release. */
  #uname(buf: number): number {
    const fields = [
      "Linux",
      tryOr(() => Deno.hostname(), "localhost"),
      tryOr(() => Deno.osRelease(), "6.1.0"),
      "#1 SMP",
      "riscv32",
      "(none)",
    ];
    const bytes = new Uint8Array(fields.length * SIZE.UTS_FIELD);
    fields.forEach((field, i) => {
      const text = new TextEncoder().encode(field).subarray(0, SIZE.UTS_FIELD - 1);
      bytes.set(text, i * SIZE.UTS_FIELD);
    });
    if (!canWrite(this.#mem, buf, bytes.length)) return -ERRNO.EFAULT;
    this.#mem.write(buf, bytes);
    return 0;
  }

  /** getrandom(buf, buflen, flags) */
  #getrandom(buf: number, len: number, flags: number): number {
    if (flags & ~(GRND.NONBLOCK | GRND.RANDOM | GRND.INSECURE)) return -ERRNO.EINVAL;
    if (flags & GRND.RANDOM && flags & GRND.INSECURE) return -ERRNO.EINVAL;
    len = Math.min(len, GETRANDOM_MAX);
    if (!canWrite(this.#mem, buf, len)) return -ERRNO.EFAULT;
    const bytes = new Uint8Array(len);
    for (let at = 0; at < len; at += RANDOM_CHUNK) {
      crypto.getRandomValues(bytes.subarray(at, at + RANDOM_CHUNK));
    }
    this.#mem.write(buf, bytes);
    return len;
  }

  /** prlimit64(pid, resource, new_limit, old_limit): limits are recorded, not enforced. */
  #prlimit(pid: number, resource: number, newLimit: number, oldLimit: number): number {
    if (pid !== 0 && pid !== this.#ids.pid) return -ERRNO.ESRCH;
    if (resource >= RLIMIT.NLIMITS) return -ERRNO.EINVAL;
    let next: readonly [bigint, bigint] | undefined;
    if (newLimit) {
      if (!canRead(this.#mem, newLimit, SIZE.RLIMIT64)) return -ERRNO.EFAULT;
      const v = new DataView(this.#mem.read(newLimit, SIZE.RLIMIT64).buffer);
      next = [v.getBigUint64(0, true), v.getBigUint64(8, true)];
      if (next[0] > next[1]) return -ERRNO.EINVAL;
    }
    if (oldLimit) {
      if (!canWrite(this.#mem, oldLimit, SIZE.RLIMIT64)) return -ERRNO.EFAULT;
      const [cur, max] = this.#limits.get(resource) ?? [RLIM_INFINITY, RLIM_INFINITY];
      const bytes = new Uint8Array(SIZE.RLIMIT64);
      bytes.set(u64Bytes(cur), 0);
      bytes.set(u64Bytes(max), 8);
      this.#mem.write(oldLimit, bytes);
    }
    if (next) this.#limits.set(resource, next);
    return 0;
  }

  /** sched_getaffinity(pid, len, mask): one CPU, as the guest has one hart. */
  #getaffinity(pid: number, len: number, mask: number): number {
    if (pid !== 0 && pid !== this.#ids.pid) return -ERRNO.ESRCH;
    if (len < SIZE.CPU_MASK_WORD || len % SIZE.CPU_MASK_WORD) return -ERRNO.EINVAL;
    if (!canWrite(this.#mem, mask, SIZE.CPU_MASK_WORD)) return -ERRNO.EFAULT;
    this.#mem.write(mask, new Uint8Array([1, 0, 0, 0]));
    return SIZE.CPU_MASK_WORD;
  }
}

function denoIo(): GuestIo {
  return {
    stdin: (buf) => Deno.stdin.readSync(buf),
    stdout: (bytes) => writeAll(Deno.stdout, bytes),
    stderr: (bytes) => writeAll(Deno.stderr, bytes),
  };
}

function absolute(path: string): string {
  const joined = path.startsWith("/") ? path : `${tryOr(() => Deno.cwd(), "")}/${path}`;
  return tryOr(() => Deno.realPathSync(joined), joined);
}

function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

function cpuTimeNs(): bigint {
  const { user, system } = cpuUsage();
  return BigInt(Math.round(user + system)) * 1000n;
}

/** struct __kernel_timespec for a time in nanoseconds. */
function timespec(ns: bigint): Uint8Array {
  const bytes = new Uint8Array(SIZE.TIMESPEC64);
  const v = new DataView(bytes.buffer);
  v.setBigInt64(0, ns / 1_000_000_000n, true);
  v.setBigInt64(8, ns % 1_000_000_000n, true);
  return bytes;
}

function u64Bytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}

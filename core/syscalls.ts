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

import type { CpuState } from "./cpu.ts";
import { GuestExit } from "./errors.ts";
import type { Memory } from "./memory.ts";
import { SYS } from "./syscall_numbers.ts";
import { GRND, RLIMIT, SI, SIG, SIZE } from "./_syscall_abi.ts";
import { ERRNO, hostErrno } from "./_syscall_errno.ts";
import { GuestFiles, MAX_FDS } from "./_syscall_files.ts";
import {
  canRead,
  canWrite,
  type HostIds,
  hostIds,
  sysInfo,
  tryOr,
  u64Bytes,
  writeAll,
} from "./_syscall_guest.ts";
import { GuestSignals } from "./_syscall_signal.ts";
import { clockGetres, clockGettime } from "./_syscall_time.ts";
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

/**
 * Where mappings without a usable address hint start (growing up), well above the program, its
 * heap, and the stack the loader puts below 0x40800000.
 */
export const MMAP_BASE = 0x60000000;

type Handler = (a: readonly number[]) => number;

const RLIM_INFINITY = 2n ** 64n - 1n;
/** Default soft limit of the stack, as on a usual Linux host. */
const STACK_LIMIT = 8n << 20n;
/** sizeof(struct robust_list_head) on ilp32. */
const ROBUST_LIST_HEAD_SIZE = 12;
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
  readonly #signals: GuestSignals;
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
    this.#signals = new GuestSignals(mem, this.#ids.pid);
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
    const strace = this.#strace;
    // Formatted before the call, as QEMU does, in case the call overwrites a string argument.
    const line = strace && formatCall(num, args, this.#mem);
    let ret: number;
    try {
      ret = (this.#handlers.get(num)?.(args) ?? -ERRNO.ENOSYS) | 0;
    } catch (e) {
      if (e instanceof GuestExit) {
        if (strace && line) this.#traceExit(strace, num, line, e);
        throw e;
      }
      ret = -hostErrno(e);
    }
    if (strace && line) {
      strace(`${this.#ids.pid} ${line}${formatReturn(num, args, ret, this.#mem)}`);
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
    const sig = this.#signals;
    const mem = this.#mem;
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
      [SYS.clock_gettime64, (a) => clockGettime(mem, pid, a[0] | 0, a[1] >>> 0)],
      [SYS.clock_getres_time64, (a) => clockGetres(mem, pid, a[0] | 0, a[1] >>> 0)],
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
      [SYS.rt_sigaction, (a) => sig.sigaction(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.rt_sigprocmask, (a) => sig.sigprocmask(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.kill, (a) => sig.kill(a[0] | 0, a[1] | 0)],
      [SYS.tkill, (a) => sig.tgkill(pid, a[0] | 0, a[1] | 0)],
      [SYS.tgkill, (a) => sig.tgkill(a[0] | 0, a[1] | 0, a[2] | 0)],
      [SYS.getrandom, (a) => this.#getrandom(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0)],
      [SYS.prlimit64, (a) => this.#prlimit(a[0] | 0, a[1] >>> 0, a[2] >>> 0, a[3] >>> 0)],
      [SYS.sched_getaffinity, (a) => this.#getaffinity(a[0] | 0, a[1] >>> 0, a[2] >>> 0)],
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

  /** uname(buf): Linux on riscv32, with the host's node name and kernel release. */
  #uname(buf: number): number {
    const fields = [
      "Linux",
      sysInfo("hostname", () => Deno.hostname(), "localhost"),
      sysInfo("osRelease", () => Deno.osRelease(), "6.1.0"),
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

/** The absolute, symlink-free form of `path` as far as Deno may read it (it never prompts). */
function absolute(path: string): string {
  const mayRead = (at?: string) =>
    Deno.permissions.querySync({ name: "read", path: at }).state === "granted";
  const joined = path.startsWith("/") || !mayRead() ? path : `${Deno.cwd()}/${path}`;
  return mayRead(joined) ? tryOr(() => Deno.realPathSync(joined), joined) : joined;
}

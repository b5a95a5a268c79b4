/**
 * The `-strace` printer: formats a system call the way qemu-riscv32 7.2 does, so that the two
 * traces can be diffed.
 *
 * Every format here was read off `qemu-riscv32 -strace` (Debian's 7.2) running small riscv32
 * programs: QEMU prints some arguments signed (`%d`), some unsigned, pointers either as `0x%08x`
 * with `NULL` or as `%p` with `(nil)`, and flags as `A|B|0xrest` in its own table order. Syscalls
 * without a dedicated format print six signed arguments, and numbers missing from QEMU's table
 * print as `Unknown syscall N` with no result.
 * @module
 */

import type { Memory } from "../memory.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../memory.ts";
import { signalName as linuxSignalName } from "../signals.ts";
import { SYS, syscallName } from "./numbers.ts";
import {
  ACCESS,
  AT,
  CLOCK,
  F,
  IOCTL,
  MADV,
  MAP,
  O,
  PROT_EXTRA,
  SEEK,
  SI,
  SIG,
  SIG_HOW,
  STATX,
  type SyscallArgs,
} from "./_abi.ts";
import { errnoMessage } from "./_errno.ts";
import {
  d,
  dirfd,
  fileMode,
  flags,
  type FlagTable,
  hex,
  o,
  openFlags,
  p,
  ptr,
  str,
  u,
  x,
} from "./_strace_print.ts";

type ArgFormat = (a: SyscallArgs, mem: Memory) => string;

/** riscv32 syscalls that QEMU 7.2's strace table lacks (measured: it prints `Unknown syscall N`). */
const QEMU_UNNAMED: ReadonlySet<number> = new Set([
  SYS.open_by_handle_at,
  SYS.sched_setattr,
  SYS.preadv2,
  SYS.pwritev2,
  SYS.pkey_mprotect,
  SYS.pkey_alloc,
  SYS.pkey_free,
  SYS.rseq,
  SYS.kexec_file_load,
  SYS.clock_settime64,
  SYS.clock_adjtime64,
  SYS.clock_getres_time64,
  SYS.clock_nanosleep_time64,
  SYS.timer_gettime64,
  SYS.timerfd_gettime64,
  SYS.timerfd_settime64,
  SYS.utimensat_time64,
  SYS.pselect6_time64,
  SYS.ppoll_time64,
  SYS.io_pgetevents_time64,
  SYS.recvmmsg_time64,
  SYS.mq_timedsend_time64,
  SYS.mq_timedreceive_time64,
  SYS.semtimedop_time64,
  SYS.rt_sigtimedwait_time64,
  SYS.futex_time64,
  SYS.sched_rr_get_interval_time64,
  SYS.io_uring_setup,
  SYS.io_uring_enter,
  SYS.io_uring_register,
  SYS.open_tree,
  SYS.move_mount,
  SYS.fsopen,
  SYS.fsconfig,
  SYS.fspick,
  SYS.clone3,
  SYS.openat2,
]);

// Flag tables, in QEMU's order (which decides the printed order). A leading 0-valued entry names
// the value 0.
const AT_FILE_FLAGS: FlagTable = [
  ["AT_EACCESS", AT.EACCESS],
  ["AT_SYMLINK_NOFOLLOW", AT.SYMLINK_NOFOLLOW],
];
const UNLINKAT_FLAGS: FlagTable = [["AT_REMOVEDIR", AT.REMOVEDIR]];
const STATX_FLAGS: FlagTable = [
  ["AT_EMPTY_PATH", AT.EMPTY_PATH],
  ["AT_NO_AUTOMOUNT", AT.NO_AUTOMOUNT],
  ["AT_SYMLINK_NOFOLLOW", AT.SYMLINK_NOFOLLOW],
  ["AT_STATX_FORCE_SYNC", AT.STATX_FORCE_SYNC],
  ["AT_STATX_DONT_SYNC", AT.STATX_DONT_SYNC],
];
const STATX_MASK: FlagTable = [
  ["STATX_ALL", STATX.ALL],
  ["STATX_BASIC_STATS", STATX.BASIC_STATS],
  ["STATX_TYPE", STATX.TYPE],
  ["STATX_MODE", STATX.MODE],
  ["STATX_NLINK", STATX.NLINK],
  ["STATX_UID", STATX.UID],
  ["STATX_GID", STATX.GID],
  ["STATX_ATIME", STATX.ATIME],
  ["STATX_MTIME", STATX.MTIME],
  ["STATX_CTIME", STATX.CTIME],
  ["STATX_INO", STATX.INO],
  ["STATX_SIZE", STATX.SIZE],
  ["STATX_BLOCKS", STATX.BLOCKS],
  ["STATX_BTIME", STATX.BTIME],
];
const ACCESS_FLAGS: FlagTable = [
  ["F_OK", ACCESS.F_OK],
  ["R_OK", ACCESS.R_OK],
  ["W_OK", ACCESS.W_OK],
  ["X_OK", ACCESS.X_OK],
];
const PROT_FLAGS: FlagTable = [
  ["PROT_NONE", 0],
  ["PROT_EXEC", PROT_EXEC],
  ["PROT_READ", PROT_READ],
  ["PROT_WRITE", PROT_WRITE],
  ["PROT_SEM", PROT_EXTRA.SEM],
  ["PROT_GROWSDOWN", PROT_EXTRA.GROWSDOWN],
  ["PROT_GROWSUP", PROT_EXTRA.GROWSUP],
];
const MMAP_FLAGS: FlagTable = [
  ["MAP_SHARED", MAP.SHARED],
  ["MAP_PRIVATE", MAP.PRIVATE],
  ["MAP_ANONYMOUS", MAP.ANONYMOUS],
  ["MAP_DENYWRITE", MAP.DENYWRITE],
  ["MAP_FIXED", MAP.FIXED],
  ["MAP_GROWSDOWN", MAP.GROWSDOWN],
  ["MAP_EXECUTABLE", MAP.EXECUTABLE],
  ["MAP_LOCKED", MAP.LOCKED],
  ["MAP_NONBLOCK", MAP.NONBLOCK],
  ["MAP_NORESERVE", MAP.NORESERVE],
  ["MAP_POPULATE", MAP.POPULATE],
  ["MAP_UNINITIALIZED", MAP.UNINITIALIZED],
];

const CLOCK_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(CLOCK).map(([name, id]) => [id, `CLOCK_${name}`]),
);
const SEEK_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SEEK).map(([name, v]) => [v, `SEEK_${name}`]),
);
const HOW_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SIG_HOW).map(([name, v]) => [v, `SIG_${name}`]),
);
const MADV_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(MADV).map(([name, v]) => [v, `MADV_${name}`]),
);
const IOCTL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(IOCTL).map(([name, v]) => [v, name]),
);
/** Requests whose argument QEMU prints as an output pointer. */
const IOCTL_OUT: ReadonlySet<number> = new Set([
  IOCTL.TCGETS,
  IOCTL.TIOCGPGRP,
  IOCTL.TIOCGWINSZ,
  IOCTL.FIONREAD,
]);
/**
 * Names a signal as QEMU does (`SIGIOT` for 6), or its number when it has no name.
 * @param sig the signal number
 * @returns the name or the unsigned number
 */
export function signalName(sig: number): string {
  // QEMU's signal table lists SIGIOT after SIGABRT, so 6 prints as SIGIOT.
  return sig === SIG.ABRT ? "SIGIOT" : linuxSignalName(sig) ?? u(sig);
}

const rw: ArgFormat = (a) => [d(a[0]), x(a[1]), d(a[2])].join(",");
const faccessat: ArgFormat = (a, mem) =>
  [dirfd(a[0]), str(mem, a[1]), flags(ACCESS_FLAGS, a[2]), flags(AT_FILE_FLAGS, a[3])].join(",");
const none: ArgFormat = () => "";

/**
 * QEMU's print_fcntl after the descriptor: the command's name and its argument as the command
 * reads it (some with a stray trailing comma, as QEMU prints them), or the number and a pointer.
 */
type Arg = (v: number) => string;
const noArg: Arg = () => "";
const FCNTL_ARGS: ReadonlyMap<number, [string, Arg]> = new Map<number, [string, Arg]>([
  [F.DUPFD, ["F_DUPFD", (v) => "," + d(v)]],
  [F.GETFD, ["F_GETFD", noArg]],
  [F.SETFD, ["F_SETFD", (v) => "," + d(v)]],
  [F.GETFL, ["F_GETFL", noArg]],
  [F.SETFL, ["F_SETFL", (v) => "," + openFlags(v)]],
  ...([
    ["F_GETLK", F.GETLK],
    ["F_SETLK", F.SETLK],
    ["F_SETLKW", F.SETLKW],
    ["F_GETLK64", F.GETLK64],
    ["F_SETLK64", F.SETLK64],
    ["F_SETLKW64", F.SETLKW64],
    ["F_OFD_GETLK", F.OFD_GETLK],
    ["F_OFD_SETLK", F.OFD_SETLK],
    ["F_OFD_SETLKW", F.OFD_SETLKW],
    ["F_GETOWN_EX", F.GETOWN_EX],
    ["F_SETOWN_EX", F.SETOWN_EX],
  ] as const).map(([name, cmd]) =>
    [cmd, [name, (v: number) => "," + ptr(v)]] as [number, [string, Arg]]
  ),
  [F.GETOWN, ["F_GETOWN", noArg]],
  [F.SETOWN, ["F_SETOWN", (v) => `,${d(v)},`]],
  [F.GETSIG, ["F_GETSIG", noArg]],
  [F.SETSIG, ["F_SETSIG", (v) => `,${d(v)},`]],
  [F.SETLEASE, ["F_SETLEASE", (v) => "," + d(v)]],
  [F.GETLEASE, ["F_GETLEASE", noArg]],
  [F.DUPFD_CLOEXEC, ["F_DUPFD_CLOEXEC", (v) => "," + d(v)]],
  [F.NOTIFY, ["F_NOTIFY", (v) => "," + d(v)]],
  [F.SETPIPE_SZ, ["F_SETPIPE_SZ", (v) => "," + d(v)]],
  [F.GETPIPE_SZ, ["F_GETPIPE_SZ", noArg]],
  [F.ADD_SEALS, ["F_ADD_SEALS", (v) => ",0x" + hex(v).padStart(8, "0")]],
  [F.GET_SEALS, ["F_GET_SEALS", noArg]],
]);

const fcntl: ArgFormat = (a) => {
  const known = FCNTL_ARGS.get(a[1] | 0);
  return known
    ? `${d(a[0])},${known[0]}${known[1](a[2])}`
    : [d(a[0]), d(a[1]), ptr(a[2])].join(",");
};

const FORMATS: ReadonlyMap<number, ArgFormat> = new Map<number, ArgFormat>([
  [SYS.read, rw],
  [SYS.write, rw],
  [SYS.writev, (a) => [d(a[0]), p(a[1]), x(a[2])].join(",")],
  [SYS.openat, (a, mem) => {
    const parts = [dirfd(a[0]), str(mem, a[1]), openFlags(a[2])];
    if (a[2] & O.CREAT) parts.push(fileMode(a[3]));
    return parts.join(",");
  }],
  [SYS.close, (a) => d(a[0])],
  [SYS.llseek, (a) => {
    const whence = SEEK_NAMES.get(a[4] >>> 0) ?? "UNKNOWN";
    return [d(a[0]), u(a[1]), u(a[2]), ptr(a[3]), whence].join(",");
  }],
  [SYS.fstat64, (a) => [d(a[0]), ptr(a[1])].join(",")],
  [
    SYS.fstatat64,
    (a, mem) => [dirfd(a[0]), str(mem, a[1]), ptr(a[2]), flags(AT_FILE_FLAGS, a[3])].join(","),
  ],
  [SYS.statx, (a, mem) =>
    [
      dirfd(a[0]),
      str(mem, a[1]),
      flags(STATX_FLAGS, a[2]),
      flags(STATX_MASK, a[3]),
      ptr(a[4]),
    ].join(",")],
  [SYS.brk, (a) => ptr(a[0])],
  [SYS.mmap2, (a) =>
    [
      ptr(a[0]),
      d(a[1]),
      flags(PROT_FLAGS, a[2]),
      flags(MMAP_FLAGS, a[3]),
      d(a[4]),
      x(a[5]),
    ].join(",")],
  [SYS.munmap, (a) => [ptr(a[0]), d(a[1])].join(",")],
  [SYS.mprotect, (a) => [ptr(a[0]), d(a[1]), flags(PROT_FLAGS, a[2])].join(",")],
  [SYS.clock_gettime64, (a) => [CLOCK_NAMES.get(a[0] >>> 0) ?? x(a[0]), ptr(a[1])].join(",")],
  [SYS.exit, (a) => d(a[0])],
  [SYS.exit_group, (a) => d(a[0])],
  [SYS.getpid, none],
  [SYS.getppid, none],
  [SYS.gettid, none],
  [SYS.getuid, none],
  [SYS.geteuid, none],
  [SYS.getgid, none],
  [SYS.getegid, none],
  [SYS.uname, (a) => p(a[0])],
  [SYS.rt_sigaction, (a) => [signalName(a[0] >>> 0), ptr(a[1]), ptr(a[2])].join(",")],
  [
    SYS.rt_sigprocmask,
    (a) => [HOW_NAMES.get(a[0] >>> 0) ?? "UNKNOWN", ptr(a[1]), ptr(a[2])].join(","),
  ],
  [SYS.ioctl, (a) => {
    const request = a[1] >>> 0;
    const name = IOCTL_NAMES.get(request);
    if (name === undefined) return [d(a[0]), x(request), x(a[2])].join(",");
    return [d(a[0]), name, IOCTL_OUT.has(request) ? ptr(a[2]) : x(a[2])].join(",");
  }],
  [SYS.getrandom, (a) => [x(a[0]), u(a[1]), u(a[2])].join(",")],
  [SYS.readlinkat, (a, mem) => [dirfd(a[0]), str(mem, a[1]), ptr(a[2]), u(a[3])].join(",")],
  [SYS.faccessat, faccessat],
  [SYS.faccessat2, faccessat],
  [SYS.getcwd, (a) => [p(a[0]), d(a[1])].join(",")],
  [SYS.mkdirat, (a, mem) => [dirfd(a[0]), str(mem, a[1]), fileMode(a[2])].join(",")],
  [SYS.unlinkat, (a, mem) => [dirfd(a[0]), str(mem, a[1]), flags(UNLINKAT_FLAGS, a[2])].join(",")],
  [SYS.chdir, (a, mem) => str(mem, a[0])],
  [SYS.fchdir, (a) => d(a[0])],
  [SYS.fsync, (a) => d(a[0])],
  [SYS.fdatasync, (a) => d(a[0])],
  // QEMU prints the 64-bit length through a 32-bit parameter: only the low word shows.
  [SYS.truncate64, (a, mem) => [str(mem, a[0]), u(a[1])].join(",")],
  [SYS.ftruncate64, (a) => [d(a[0]), u(a[1])].join(",")],
  [SYS.kill, (a) => [d(a[0]), signalName(a[1] >>> 0)].join(",")],
  [SYS.dup, (a) => d(a[0])],
  [SYS.dup3, (a) => [d(a[0]), d(a[1]), d(a[2])].join(",")],
  [SYS.fcntl64, fcntl],
  [SYS.umask, (a) => o(a[0])],
  [SYS.madvise, (a) => [ptr(a[0]), d(a[1]), MADV_NAMES.get(a[2] >>> 0) ?? x(a[2])].join(",")],
  [SYS.setsid, none],
  [SYS.getpgid, (a) => u(a[0])],
  [SYS.getsid, (a) => d(a[0])],
  [SYS.setpgid, (a) => [u(a[0]), u(a[1])].join(",")],
  [SYS.sigaltstack, (a) => [p(a[0]), p(a[1])].join(",")],
  [SYS.tkill, (a) => [d(a[0]), signalName(a[1] >>> 0)].join(",")],
  [SYS.tgkill, (a) => [d(a[0]), d(a[1]), signalName(a[2] >>> 0)].join(",")],
]);

/**
 * Formats the call part of a strace line, `write(1,0x11708,6)`.
 * @param num the syscall number
 * @param args a0..a5
 * @param mem guest memory, for the strings among the arguments
 * @returns the text, `Unknown syscall N` for numbers QEMU cannot name, or `undefined` when QEMU
 *   prints nothing at all (riscv_flush_icache, which QEMU handles before its syscall layer)
 */
export function formatCall(num: number, args: SyscallArgs, mem: Memory): string | undefined {
  if (num === SYS.riscv_flush_icache) return undefined;
  const name = syscallName(num);
  if (name === undefined || QEMU_UNNAMED.has(num)) return `Unknown syscall ${num}`;
  const format = FORMATS.get(num);
  const text = format ? format(args, mem) : args.map(d).join(",");
  return `${name}(${text})`;
}

/**
 * Formats the result part of a strace line: ` = 6`, ` = -1 errno=2 (No such file or directory)`,
 * ` = 0x00013000` for addresses, or nothing where QEMU prints no result.
 * @param num the syscall number
 * @param args a0..a5
 * @param ret the value returned in a0
 * @param mem guest memory, for results QEMU prints from memory (clock_gettime64)
 * @returns the text to append to {@linkcode formatCall}'s
 */
export function formatReturn(
  num: number,
  args: SyscallArgs,
  ret: number,
  mem: Memory,
): string {
  if (syscallName(num) === undefined || QEMU_UNNAMED.has(num)) return "";
  ret |= 0;
  // QEMU's internal code for "registers restored": its message, as it prints it.
  if (num === SYS.rt_sigreturn && ret === -513) {
    return " = -1 errno=513 (Successful exit from sigreturn)";
  }
  if (ret < 0 && ret >= -4096) return ` = -1 errno=${-ret} (${errnoMessage(-ret)})`;
  if (num === SYS.brk || num === SYS.mmap2) return ` = 0x${hex(ret).padStart(8, "0")}`;
  if (num === SYS.clock_gettime64) {
    const at = args[1] >>> 0;
    const view = new DataView(mem.u8.buffer, at, 16);
    const sec = view.getBigInt64(0, true);
    const nsec = view.getBigInt64(8, true);
    return ` = ${ret} ({tv_sec = ${sec},tv_nsec = ${nsec}})`;
  }
  return ` = ${ret}`;
}

/**
 * Formats the line of a syscall that did not run because a plugin's `onSyscallFilter` answered
 * it: the line it would have had with the filter's result, marked ` (filtered)` (QEMU has no such
 * line). Arguments are read from memory after the filter ran.
 * @param num the syscall number
 * @param args a0..a5
 * @param ret the filter's result
 * @param mem guest memory, for the strings among the arguments
 * @returns the line without the pid, or `undefined` where QEMU would print nothing
 */
export function formatFiltered(
  num: number,
  args: SyscallArgs,
  ret: number,
  mem: Memory,
): string | undefined {
  const call = formatCall(num, args, mem);
  return call && `${call}${formatReturn(num, args, ret, mem)} (filtered)`;
}

/**
 * Formats the line QEMU prints when a signal arrives, e.g.
 * `--- SIGIOT {si_signo=SIGIOT, si_code=SI_USER, si_pid=42, si_uid=0} ---`.
 * @param sig the signal number
 * @param code `SI.USER` for kill, `SI.TKILL` for tkill/tgkill
 * @param pid the sender's pid
 * @param uid the sender's uid
 * @returns the line
 */
export function formatSignal(sig: number, code: number, pid: number, uid: number): string {
  const name = signalName(sig);
  const codeName = code === SI.TKILL ? "SI_TKILL" : "SI_USER";
  return `--- ${name} {si_signo=${name}, si_code=${codeName}, si_pid=${pid}, si_uid=${uid}} ---`;
}

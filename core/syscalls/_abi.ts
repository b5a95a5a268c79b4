/**
 * Constants of the riscv32 Linux user ABI (asm-generic values) that the syscall layer and its
 * strace printer share: flag bits, special file descriptors, struct sizes, signal numbers.
 * @module
 */

/** `openat` flags (asm-generic octal values). `SYNC_` and `TMPFILE_` are the kernel's `__O_*` bits. */
export const O = {
  RDONLY: 0o0,
  WRONLY: 0o1,
  RDWR: 0o2,
  ACCMODE: 0o3,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  DIRECT: 0o40000,
  LARGEFILE: 0o100000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  NOATIME: 0o1000000,
  CLOEXEC: 0o2000000,
  SYNC_: 0o4000000,
  PATH: 0o10000000,
  TMPFILE_: 0o20000000,
} as const;

/** `*at` special directory descriptor and flags. */
export const AT = {
  FDCWD: -100,
  SYMLINK_NOFOLLOW: 0x100,
  EACCESS: 0x200,
  REMOVEDIR: 0x200,
  NO_AUTOMOUNT: 0x800,
  EMPTY_PATH: 0x1000,
  STATX_FORCE_SYNC: 0x2000,
  STATX_DONT_SYNC: 0x4000,
} as const;

/** `renameat2` flags. */
export const RENAME = { NOREPLACE: 1, EXCHANGE: 2, WHITEOUT: 4 } as const;

/** `utimensat` tv_nsec values that set a time to now or leave it alone. */
export const UTIME = { NOW: (1 << 30) - 1, OMIT: (1 << 30) - 2 } as const;

/** `faccessat` modes. */
export const ACCESS = { F_OK: 0, X_OK: 1, W_OK: 2, R_OK: 4 } as const;

/** `mmap` flags. */
export const MAP = {
  SHARED: 0x1,
  PRIVATE: 0x2,
  SHARED_VALIDATE: 0x3,
  TYPE: 0xf,
  FIXED: 0x10,
  ANONYMOUS: 0x20,
  GROWSDOWN: 0x100,
  DENYWRITE: 0x800,
  EXECUTABLE: 0x1000,
  LOCKED: 0x2000,
  NORESERVE: 0x4000,
  POPULATE: 0x8000,
  NONBLOCK: 0x10000,
  FIXED_NOREPLACE: 0x100000,
  UNINITIALIZED: 0x4000000,
} as const;

/** `mprotect`/`mmap` protection bits beyond R/W/X (see core/memory.ts for those). */
export const PROT_EXTRA = { SEM: 0x8, GROWSDOWN: 0x01000000, GROWSUP: 0x02000000 } as const;

/** `llseek` whence values. */
export const SEEK = { SET: 0, CUR: 1, END: 2 } as const;

/** Clock ids of `clock_gettime64`. */
export const CLOCK = {
  REALTIME: 0,
  MONOTONIC: 1,
  PROCESS_CPUTIME_ID: 2,
  THREAD_CPUTIME_ID: 3,
  MONOTONIC_RAW: 4,
  REALTIME_COARSE: 5,
  MONOTONIC_COARSE: 6,
  BOOTTIME: 7,
  REALTIME_ALARM: 8,
  BOOTTIME_ALARM: 9,
  SGI_CYCLE: 10,
  TAI: 11,
} as const;

/** File type bits of `st_mode`. */
export const S_IF = {
  MT: 0o170000,
  SOCK: 0o140000,
  LNK: 0o120000,
  REG: 0o100000,
  BLK: 0o060000,
  DIR: 0o040000,
  CHR: 0o020000,
  IFO: 0o010000,
} as const;

/** `statx` mask bits. */
export const STATX = {
  TYPE: 0x1,
  MODE: 0x2,
  NLINK: 0x4,
  UID: 0x8,
  GID: 0x10,
  ATIME: 0x20,
  MTIME: 0x40,
  CTIME: 0x80,
  INO: 0x100,
  SIZE: 0x200,
  BLOCKS: 0x400,
  BASIC_STATS: 0x7ff,
  BTIME: 0x800,
  ALL: 0xfff,
  /** The kernel's `STATX__RESERVED`: a mask with it is rejected. */
  RESERVED_: 0x80000000,
} as const;

export { NSIG, SIG } from "../signals.ts";

/** `rt_sigprocmask` operations. */
export const SIG_HOW = { BLOCK: 0, UNBLOCK: 1, SETMASK: 2 } as const;

/** `sa_handler` value that ignores a signal. */
export const SIG_IGN = 1;

/** `si_code` values of a signal sent by `kill`, by `tkill`/`tgkill`, and by the kernel. */
export const SI = { USER: 0, TKILL: -6, KERNEL: 0x80 } as const;

/** Terminal ioctl requests. */
export const IOCTL = {
  TCGETS: 0x5401,
  TCSETS: 0x5402,
  TCSETSW: 0x5403,
  TCSETSF: 0x5404,
  TIOCGPGRP: 0x540f,
  TIOCSPGRP: 0x5410,
  TIOCGWINSZ: 0x5413,
  TIOCSWINSZ: 0x5414,
  FIONREAD: 0x541b,
} as const;

/** `getrandom` flags. */
export const GRND = { NONBLOCK: 0x1, RANDOM: 0x2, INSECURE: 0x4 } as const;

/** `prlimit64` resources used here, and the number of resources. */
export const RLIMIT = { STACK: 3, NOFILE: 7, NLIMITS: 16 } as const;

/** `fcntl64` commands (asm-generic; the `*64` lock commands take `struct flock64`). */
export const F = {
  DUPFD: 0,
  GETFD: 1,
  SETFD: 2,
  GETFL: 3,
  SETFL: 4,
  GETLK: 5,
  SETLK: 6,
  SETLKW: 7,
  SETOWN: 8,
  GETOWN: 9,
  SETSIG: 10,
  GETSIG: 11,
  GETLK64: 12,
  SETLK64: 13,
  SETLKW64: 14,
  SETOWN_EX: 15,
  GETOWN_EX: 16,
  OFD_GETLK: 36,
  OFD_SETLK: 37,
  OFD_SETLKW: 38,
  SETLEASE: 1024,
  GETLEASE: 1025,
  NOTIFY: 1026,
  DUPFD_CLOEXEC: 1030,
  SETPIPE_SZ: 1031,
  GETPIPE_SZ: 1032,
  ADD_SEALS: 1033,
  GET_SEALS: 1034,
} as const;

/** The one descriptor flag, `FD_CLOEXEC`. */
export const FD_CLOEXEC = 1;

/** `l_type` of `struct flock`. */
export const LOCK = { RDLCK: 0, WRLCK: 1, UNLCK: 2 } as const;

/** `madvise` advice values, named as QEMU's strace names them (in its table order). */
export const MADV = {
  NORMAL: 0,
  RANDOM: 1,
  SEQUENTIAL: 2,
  WILLNEED: 3,
  DONTNEED: 4,
  FREE: 8,
  REMOVE: 9,
  DONTFORK: 10,
  DOFORK: 11,
  MERGEABLE: 12,
  UNMERGEABLE: 13,
  HUGEPAGE: 14,
  NOHUGEPAGE: 15,
  DONTDUMP: 16,
  DODUMP: 17,
  WIPEONFORK: 18,
  KEEPONFORK: 19,
  COLD: 20,
  PAGEOUT: 21,
  POPULATE_READ: 22,
  POPULATE_WRITE: 23,
  DONTNEED_LOCKED: 24,
} as const;

/** `futex` operations (the low bits of `op`) and the flags above them. */
export const FUTEX = {
  WAIT: 0,
  WAKE: 1,
  FD: 2,
  REQUEUE: 3,
  CMP_REQUEUE: 4,
  WAKE_OP: 5,
  LOCK_PI: 6,
  UNLOCK_PI: 7,
  TRYLOCK_PI: 8,
  WAIT_BITSET: 9,
  WAKE_BITSET: 10,
  WAIT_REQUEUE_PI: 11,
  CMP_REQUEUE_PI: 12,
  LOCK_PI2: 13,
  PRIVATE_FLAG: 128,
  CLOCK_REALTIME: 256,
} as const;

/** `prctl` options handled here. */
export const PR = {
  SET_PDEATHSIG: 1,
  GET_PDEATHSIG: 2,
  GET_DUMPABLE: 3,
  SET_DUMPABLE: 4,
  GET_KEEPCAPS: 7,
  SET_KEEPCAPS: 8,
  SET_NAME: 15,
  GET_NAME: 16,
  GET_SECCOMP: 21,
  SET_SECCOMP: 22,
  SET_TIMERSLACK: 29,
  GET_TIMERSLACK: 30,
  SET_CHILD_SUBREAPER: 36,
  GET_CHILD_SUBREAPER: 37,
  SET_NO_NEW_PRIVS: 38,
  GET_NO_NEW_PRIVS: 39,
} as const;

/** `poll` event bits. */
export const POLL = {
  IN: 0x1,
  PRI: 0x2,
  OUT: 0x4,
  ERR: 0x8,
  HUP: 0x10,
  NVAL: 0x20,
  RDNORM: 0x40,
  WRNORM: 0x100,
} as const;

/** `sigaltstack` flags, and the smallest stack it accepts on riscv (`MINSIGSTKSZ`). */
export const SS = { ONSTACK: 1, DISABLE: 2, AUTODISARM: 0x80000000, MINSIGSTKSZ: 2048 } as const;

/** `membarrier` commands (each a bit of the `MEMBARRIER_CMD_QUERY` mask) and its one flag. */
export const MEMBARRIER = {
  QUERY: 0,
  GLOBAL: 1,
  GLOBAL_EXPEDITED: 2,
  REGISTER_GLOBAL_EXPEDITED: 4,
  PRIVATE_EXPEDITED: 8,
  REGISTER_PRIVATE_EXPEDITED: 16,
  PRIVATE_EXPEDITED_SYNC_CORE: 32,
  REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: 64,
  PRIVATE_EXPEDITED_RSEQ: 128,
  REGISTER_PRIVATE_EXPEDITED_RSEQ: 256,
  GET_REGISTRATIONS: 512,
  FLAG_CPU: 1,
} as const;

/** `getrusage` targets. */
export const RUSAGE = { SELF: 0, CHILDREN: -1, THREAD: 1 } as const;

/** Scheduling policies. */
export const SCHED = { OTHER: 0, FIFO: 1, RR: 2, BATCH: 3, IDLE: 5, DEADLINE: 6 } as const;

/** `clock_nanosleep` and `FUTEX_WAIT_BITSET` take an absolute time with this flag. */
export const TIMER_ABSTIME = 1;

/** Clock ticks per second of `times` and `struct tms` (`USER_HZ`). */
export const USER_HZ = 100;

/** Writes of at most this many bytes to a pipe are atomic (`PIPE_BUF`). */
export const PIPE_BUF = 4096;

/** Default capacity of a pipe, and the largest an unprivileged F_SETPIPE_SZ may ask for. */
export const PIPE_SIZE = { DEFAULT: 65536, MAX: 1048576 } as const;

/** Sizes, in bytes, of guest structures and limits of the riscv32 ABI. */
export const SIZE = {
  /** `struct stat64` (asm-generic, 32-bit). */
  STAT64: 104,
  /** `struct statx`. */
  STATX: 256,
  /** One field of `struct new_utsname`. */
  UTS_FIELD: 65,
  /** `struct __kernel_timespec` (time64). */
  TIMESPEC64: 16,
  /** `struct iovec` (ilp32). */
  IOVEC: 8,
  /** `sigset_t` as the kernel takes it. */
  SIGSET: 8,
  /** `siginfo_t`. */
  SIGINFO: 128,
  /** `struct sigaction` of the kernel: handler, flags, mask (riscv has no `sa_restorer`). */
  SIGACTION: 16,
  /** `struct rlimit64`. */
  RLIMIT64: 16,
  /** One word of a CPU affinity mask (`unsigned long`). */
  CPU_MASK_WORD: 4,
  /** `struct rlimit` of getrlimit/setrlimit (two `unsigned long`). */
  RLIMIT: 8,
  /** `struct sysinfo` (ilp32). */
  SYSINFO: 64,
  /** `struct rusage` (two 32-bit `struct timeval`, fourteen `long`). */
  RUSAGE: 72,
  /** `struct tms` (four `clock_t`). */
  TMS: 16,
  /** `struct pollfd`. */
  POLLFD: 8,
  /** `stack_t` of sigaltstack: sp, flags, size. */
  STACK_T: 12,
  /** `struct flock` (32-bit offsets) of F_GETLK/F_SETLK/F_SETLKW. */
  FLOCK: 16,
  /** `struct flock64` of the `*64` and OFD lock commands. */
  FLOCK64: 32,
  /** `struct sched_param`. */
  SCHED_PARAM: 4,
  /** The task name of PR_SET_NAME/PR_GET_NAME, its NUL included (`TASK_COMM_LEN`). */
  TASK_COMM: 16,
} as const;

/** Largest iovec count of `readv`/`writev`. */
export const IOV_MAX = 1024;

/** Longest path, terminating NUL included. */
export const PATH_MAX = 4096;

/** Largest byte count one `read` or `write` moves (`MAX_RW_COUNT`). */
export const MAX_RW_COUNT = 0x7ffff000;

/** A syscall's six arguments, a0..a5. */
export type SyscallArgs = readonly [number, number, number, number, number, number];

/**
 * A syscall's six arguments from the (possibly shorter) list a caller passed: missing ones read as
 * 0, as from zeroed registers.
 * @param args a0..a5, or fewer
 * @returns all six
 */
export function syscallArgs(args: readonly number[]): SyscallArgs {
  return [args[0] ?? 0, args[1] ?? 0, args[2] ?? 0, args[3] ?? 0, args[4] ?? 0, args[5] ?? 0];
}

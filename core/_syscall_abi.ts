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

/** Signal numbers (riscv uses the generic ones). */
export const SIG = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
} as const;

/** Highest signal number (`_NSIG`). */
export const NSIG = 64;

/** `rt_sigprocmask` operations. */
export const SIG_HOW = { BLOCK: 0, UNBLOCK: 1, SETMASK: 2 } as const;

/** `sa_handler` value that ignores a signal. */
export const SIG_IGN = 1;

/** `si_code` values of a signal sent by `kill` and by `tkill`/`tgkill`. */
export const SI = { USER: 0, TKILL: -6 } as const;

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
  /** `struct sigaction` of the kernel: handler, flags, mask (riscv has no `sa_restorer`). */
  SIGACTION: 16,
  /** `struct rlimit64`. */
  RLIMIT64: 16,
  /** One word of a CPU affinity mask (`unsigned long`). */
  CPU_MASK_WORD: 4,
} as const;

/** Largest iovec count of `readv`/`writev`. */
export const IOV_MAX = 1024;

/** Longest path, terminating NUL included. */
export const PATH_MAX = 4096;

/** Largest byte count one `read` or `write` moves (`MAX_RW_COUNT`). */
export const MAX_RW_COUNT = 0x7ffff000;

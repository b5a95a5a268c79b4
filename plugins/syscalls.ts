/**
 * syscalls: decodes the guest's riscv32 Linux syscalls (names, arguments, strings read from guest
 * memory, results and errno) and offers them to other plugins through QPP (syscalls.d.ts), as
 * PANDA's syscalls2 does: `on_all_sys_enter`/`on_all_sys_return`, typed callbacks per syscall
 * (`on_sys_openat_enter` with its path, `on_sys_read_return` and `on_sys_write_enter` with the
 * bytes, close, mmap2, brk, exit...) and functions such as `syscallName(num)`.
 *
 * Usage: `--plugin plugins/syscalls.ts[,print=on]` — prints nothing unless `print=on`, which logs
 * each call as `qemu-riscv32 -strace` lays it out, without the pid column and with flags as
 * numbers: `openat(AT_FDCWD,"/tmp/f",0x241,0644) = 3`, `close(9) = -1 errno=9 (EBADF)`; a call
 * that does not return (exit_group) prints no result.
 * @module
 */

import type { PluginApi, PluginArgs, QppCheck } from "../mod.ts";
import type {} from "./syscalls.d.ts";

export const apiVersion = 2;
/** The version of syscalls' interface (syscalls.d.ts). */
export const qppVersion = 1;

const _qppCheck: QppCheck<"syscalls", typeof import("./syscalls.ts")> = true;

/**
 * How an argument prints: `d` signed, `u` unsigned, `x` hex, `p` pointer (`0x%08x`, NULL for 0),
 * `s` a C string, `f` a directory descriptor (AT_FDCWD), `o` octal.
 */
type Kind = "d" | "u" | "x" | "p" | "s" | "f" | "o";

/** Argument kinds of the syscalls decoded; the others print six signed numbers. */
const KINDS: Record<string, string> = {
  openat: "fsxo",
  close: "d",
  read: "dxd",
  write: "dxd",
  readv: "dxd",
  writev: "dxd",
  pread64: "dxduu",
  pwrite64: "dxduu",
  llseek: "duupd",
  brk: "p",
  mmap2: "pdxxdx",
  munmap: "pd",
  mprotect: "pdx",
  exit: "d",
  exit_group: "d",
  getpid: "",
  getppid: "",
  gettid: "",
  getuid: "",
  geteuid: "",
  getgid: "",
  getegid: "",
  faccessat: "fsxx",
  faccessat2: "fsxx",
  fstatat64: "fspx",
  statx: "fsxxp",
  unlinkat: "fsx",
  mkdirat: "fso",
  readlinkat: "fspu",
  getcwd: "pd",
  fstat64: "dp",
  ioctl: "dxx",
  fcntl64: "ddx",
  dup: "d",
  dup3: "ddd",
  uname: "p",
  rt_sigaction: "dpp",
  rt_sigprocmask: "dpp",
  kill: "dd",
  tgkill: "ddd",
  getrandom: "xuu",
  set_tid_address: "p",
  clock_gettime64: "dp",
  pipe2: "px",
};

/** Linux errno names, by number. */
const ERRNO = [
  "",
  "EPERM",
  "ENOENT",
  "ESRCH",
  "EINTR",
  "EIO",
  "ENXIO",
  "E2BIG",
  "ENOEXEC",
  "EBADF",
  "ECHILD",
  "EAGAIN",
  "ENOMEM",
  "EACCES",
  "EFAULT",
  "ENOTBLK",
  "EBUSY",
  "EEXIST",
  "EXDEV",
  "ENODEV",
  "ENOTDIR",
  "EISDIR",
  "EINVAL",
  "ENFILE",
  "EMFILE",
  "ENOTTY",
  "ETXTBSY",
  "EFBIG",
  "ENOSPC",
  "ESPIPE",
  "EROFS",
  "EMLINK",
  "EPIPE",
  "EDOM",
  "ERANGE",
  "EDEADLK",
  "ENAMETOOLONG",
  "ENOLCK",
  "ENOSYS",
  "ENOTEMPTY",
  "ELOOP",
];

/** The plugin's state (a module instance per plugin name; install resets it). */
const state = {
  name: (_num: number): string | undefined => undefined,
  numbers: new Map<string, number>(),
  cString: (_vaddr: number): string | undefined => undefined,
};

/** The name of syscall `num` as `qemu-riscv32 -strace` spells it, if it has one. */
export function syscallName(num: number): string | undefined {
  return state.name(num);
}

/** The number of the syscall named `name`, if there is one. */
export function syscallNumber(name: string): number | undefined {
  return state.numbers.get(name);
}

/** The errno name of a result (`ENOENT` for -2), or undefined when it is no error. */
export function errnoName(ret: number): string | undefined {
  ret |= 0;
  if (ret >= 0 || ret < -4095) return undefined;
  return ERRNO[-ret] || `E${-ret}`;
}

const hex = (v: number) => "0x" + (v >>> 0).toString(16);

/** The call as `name(arg,...)`, strings read from guest memory, as `-strace` lays it out. */
export function formatCall(num: number, args: readonly number[]): string {
  const name = state.name(num);
  if (name === undefined) return `syscall_${num}(${args.map((a) => a | 0).join(",")})`;
  let kinds = (KINDS[name] ?? "dddddd").split("") as Kind[];
  // As -strace: openat's mode only when it creates the file (O_CREAT).
  if (name === "openat" && !((args[2] ?? 0) & 0o100)) kinds = kinds.slice(0, 3);
  return `${name}(${kinds.map((k, i) => formatArg(k, args[i] ?? 0)).join(",")})`;
}

function formatArg(kind: Kind, v: number): string {
  switch (kind) {
    case "d":
      return String(v | 0);
    case "u":
      return String(v >>> 0);
    case "x":
      return hex(v);
    case "p":
      return v === 0 ? "NULL" : "0x" + (v >>> 0).toString(16).padStart(8, "0");
    case "o":
      return "0" + (v >>> 0).toString(8);
    case "f":
      return (v | 0) === -100 ? "AT_FDCWD" : String(v | 0);
    case "s": {
      const s = state.cString(v);
      return s === undefined ? hex(v) : JSON.stringify(s);
    }
  }
}

/** The result as `-strace` prints it: ` = 3`, ` = 0x00014000`, ` = -1 errno=9 (EBADF)`. */
function formatReturn(name: string | undefined, ret: number): string {
  const errno = errnoName(ret);
  if (errno) return ` = -1 errno=${-(ret | 0)} (${errno})`;
  if (name === "brk" || name === "mmap2") {
    return ` = 0x${(ret >>> 0).toString(16).padStart(8, "0")}`;
  }
  return ` = ${ret | 0}`;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { print } = api.parseArgs(args, { print: { type: "bool", default: false } });
  state.name = (num) => api.syscallName(num);
  state.numbers = new Map();
  for (let n = 0; n < 512; n++) {
    const name = api.syscallName(n);
    if (name !== undefined) state.numbers.set(name, n);
  }
  state.cString = (vaddr) => {
    try {
      return api.readCString(vaddr >>> 0, 4096);
    } catch {
      return undefined; // an unreadable pointer prints as a number
    }
  };
  const run = {
    allEnter: api.qpp.createCb("syscalls", "on_all_sys_enter"),
    allReturn: api.qpp.createCb("syscalls", "on_all_sys_return"),
    openatEnter: api.qpp.createCb("syscalls", "on_sys_openat_enter"),
    openatReturn: api.qpp.createCb("syscalls", "on_sys_openat_return"),
    readEnter: api.qpp.createCb("syscalls", "on_sys_read_enter"),
    readReturn: api.qpp.createCb("syscalls", "on_sys_read_return"),
    writeEnter: api.qpp.createCb("syscalls", "on_sys_write_enter"),
    writeReturn: api.qpp.createCb("syscalls", "on_sys_write_return"),
    closeEnter: api.qpp.createCb("syscalls", "on_sys_close_enter"),
    closeReturn: api.qpp.createCb("syscalls", "on_sys_close_return"),
    mmap2Enter: api.qpp.createCb("syscalls", "on_sys_mmap2_enter"),
    mmap2Return: api.qpp.createCb("syscalls", "on_sys_mmap2_return"),
    brkEnter: api.qpp.createCb("syscalls", "on_sys_brk_enter"),
    brkReturn: api.qpp.createCb("syscalls", "on_sys_brk_return"),
    exitEnter: api.qpp.createCb("syscalls", "on_sys_exit_enter"),
    exitGroupEnter: api.qpp.createCb("syscalls", "on_sys_exit_group_enter"),
  };
  const bytesAt = (vaddr: number, len: number): Uint8Array => {
    if (len <= 0) return new Uint8Array();
    try {
      return api.readMemory(vaddr >>> 0, len);
    } catch {
      return new Uint8Array(); // a bad buffer: the syscall fails with EFAULT
    }
  };

  /** The syscall in progress: rvplug runs one hart, so syscalls never nest. */
  let pc = 0, path = "", written: Uint8Array = new Uint8Array();
  let args6: number[] = [];

  api.onSyscall((_vcpu, num, a0, a1, a2, a3, a4, a5) => {
    pc = api.readRegister("pc") >>> 0;
    args6 = [a0, a1, a2, a3, a4, a5];
    const name = api.syscallName(num);
    if (print) {
      api.outs(formatCall(num, args6) + (name === "exit" || name === "exit_group" ? "\n" : ""));
    }
    run.allEnter(pc, num, args6);
    switch (name) {
      case "openat":
        path = state.cString(a1) ?? "";
        run.openatEnter(pc, a0, path, a2, a3);
        break;
      case "read":
        run.readEnter(pc, a0, a1 >>> 0, a2);
        break;
      case "write":
        written = bytesAt(a1, a2);
        run.writeEnter(pc, a0, written);
        break;
      case "close":
        run.closeEnter(pc, a0);
        break;
      case "mmap2":
        run.mmap2Enter(pc, a0 >>> 0, a1 >>> 0, a2, a3, a4, a5 >>> 0);
        break;
      case "brk":
        run.brkEnter(pc, a0 >>> 0);
        break;
      case "exit":
        run.exitEnter(pc, a0);
        break;
      case "exit_group":
        run.exitGroupEnter(pc, a0);
        break;
    }
  });

  api.onSyscallReturn((_vcpu, num, ret) => {
    const name = api.syscallName(num);
    const [a0 = 0, a1 = 0, a2 = 0, a3 = 0] = args6;
    if (print) api.outs(formatReturn(name, ret) + "\n");
    run.allReturn(pc, num, ret, args6);
    switch (name) {
      case "openat":
        run.openatReturn(pc, ret, a0, path, a2, a3);
        break;
      case "read":
        run.readReturn(pc, ret, a0, bytesAt(a1, ret));
        break;
      case "write":
        run.writeReturn(pc, ret, a0, written);
        break;
      case "close":
        run.closeReturn(pc, ret, a0);
        break;
      case "mmap2":
        run.mmap2Return(pc, ret, a0 >>> 0, a1 >>> 0);
        break;
      case "brk":
        run.brkReturn(pc, ret >>> 0, a0 >>> 0);
        break;
    }
  });
}

/**
 * syscall: syscall statistics, like QEMU's tests/tcg/plugins/syscall.c (7.2).
 *
 * Usage: `--plugin plugins/syscall.ts[,print=on|off][,names=on|off]`
 *
 * By default prints at exit the table QEMU prints: `syscall no.  calls  errors`, then one row per
 * syscall number, most called first (ties by number here; QEMU leaves them in hash order), where
 * errors count negative results. A syscall that does not return (exit, exit_group) counts a call
 * and no error. `names=on` adds a column with the riscv32 name of each syscall. `print=on`
 * prints no table but logs each call as it happens, as QEMU does: `syscall #N` on entry and
 * `syscall #N returned -> R` on return.
 * @module
 */

import type { PluginApi, PluginArgs, VcpuIndex } from "../mod.ts";

export const apiVersion = 1;

/** riscv32 Linux syscall names (asm-generic numbers, the 64-bit time variants of rv32). */
const NAMES: Record<number, string> = {
  17: "getcwd",
  25: "fcntl64",
  29: "ioctl",
  46: "ftruncate64",
  48: "faccessat",
  56: "openat",
  57: "close",
  62: "_llseek",
  63: "read",
  64: "write",
  65: "readv",
  66: "writev",
  93: "exit",
  94: "exit_group",
  96: "set_tid_address",
  129: "kill",
  131: "tgkill",
  134: "rt_sigaction",
  135: "rt_sigprocmask",
  160: "uname",
  172: "getpid",
  178: "gettid",
  214: "brk",
  215: "munmap",
  222: "mmap2",
  226: "mprotect",
  261: "prlimit64",
  278: "getrandom",
  291: "statx",
  403: "clock_gettime64",
};

interface Options {
  print: boolean;
  names: boolean;
}

function parseArgs(api: PluginApi, args: PluginArgs): Options {
  const opts: Options = { print: false, names: false };
  for (const [key, value] of args) {
    if (key === "print") opts.print = api.parseBool(key, value);
    else if (key === "names") opts.names = api.parseBool(key, value);
    else throw new TypeError(`Unknown argument "${key}"`);
  }
  return opts;
}

interface Stats {
  num: number;
  calls: number;
  errors: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { print, names } = parseArgs(api, args);
  // State: statistics by syscall number.
  const stats = new Map<number, Stats>();
  const entry = (num: number): Stats => {
    let s = stats.get(num);
    if (!s) stats.set(num, s = { num, calls: 0, errors: 0 });
    return s;
  };

  api.onSyscall((_vcpu: VcpuIndex, num: number) => {
    if (print) api.outs(`syscall #${num}\n`);
    else entry(num).calls++;
  });

  api.onSyscallReturn((_vcpu: VcpuIndex, num: number, ret: number) => {
    if (print) api.outs(`syscall #${num} returned -> ${ret}\n`);
    else if (ret < 0) entry(num).errors++;
  });

  api.onExit(() => {
    if (print) return;
    const rows = [...stats.values()].sort((a, b) => b.calls - a.calls || a.num - b.num);
    let out = `syscall no.  calls  errors${names ? "  name" : ""}\n`;
    for (const { num, calls, errors } of rows) {
      out += `${String(num).padEnd(13)}${String(calls).padEnd(6)} `;
      out += names ? `${String(errors).padEnd(6)}  ${NAMES[num] ?? "?"}\n` : `${errors}\n`;
    }
    api.outs(out);
  });
}

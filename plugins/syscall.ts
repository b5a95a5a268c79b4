/**
 * syscall: syscall statistics, like QEMU's tests/tcg/plugins/syscall.c (7.2).
 *
 * Usage: `--plugin plugins/syscall.ts[,print=on|off][,names=on|off]`
 *
 * By default prints at exit the table QEMU prints: `syscall no.  calls  errors`, then one row per
 * syscall number, most called first (ties by number here; QEMU leaves them in hash order), where
 * errors count negative results. A syscall that does not return (exit, exit_group) counts a call
 * and no error. `names=on` adds a column with the name of each syscall, as `api.syscallName` gives
 * it (QEMU's `-strace` spelling: `llseek`, `mmap2`). `print=on` prints no table but logs each call
 * as it happens, as QEMU does: `syscall #N` on entry and `syscall #N returned -> R` on return.
 * @module
 */

import type { PluginApi, PluginArgs, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

interface Stats {
  num: number;
  calls: number;
  errors: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { print, names } = api.parseArgs(args, {
    print: { type: "bool", default: false },
    names: { type: "bool", default: false },
  });
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
      out += names
        ? `${String(errors).padEnd(6)}  ${api.syscallName(num) ?? "?"}\n`
        : `${errors}\n`;
    }
    api.outs(out);
  });
}

/**
 * filetrace: which files the guest opens, reads and writes, built only on the syscalls plugin
 * (QPP): its openat, read, write and close callbacks, and `dup`/`dup3` seen through
 * `on_all_sys_return`.
 *
 * Usage: `--plugin plugins/filetrace.ts[,log=on]`
 *
 * With `log=on`, logs each event as it happens: `open "PATH" = FD` (or `= -1 ENAME`),
 * `read FD "PATH" N bytes`, `write FD "PATH" N bytes`, `close FD "PATH"`. At exit prints a summary,
 * one row per file in the order first opened, then the standard streams used:
 *
 *     filetrace: FILE opens failed reads bytes-read writes bytes-written
 *     "/tmp/f" 5 1 8 10029 12 10011
 *
 * where `opens` and `failed` count openat calls and their failures, reads and writes count the
 * calls that succeeded and their bytes. Vectored and positioned I/O (readv, pwrite64...) is not
 * counted.
 * @module
 */

import type { PluginApi, PluginArgs, QppUses } from "../mod.ts";
import type {} from "./syscalls.d.ts";

export const apiVersion = 2;
/** filetrace uses version 1 of syscalls' interface. */
export const qppUses = { syscalls: 1 } satisfies QppUses;

interface FileStats {
  readonly name: string;
  opens: number;
  failed: number;
  reads: number;
  bytesRead: number;
  writes: number;
  bytesWritten: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { log } = api.parseArgs(args, { log: { type: "bool", default: false } });
  const { syscallName, errnoName } = api.qpp.use("syscalls");
  const files = new Map<string, FileStats>();
  const file = (name: string): FileStats => {
    let f = files.get(name);
    if (!f) {
      files.set(
        name,
        f = { name, opens: 0, failed: 0, reads: 0, bytesRead: 0, writes: 0, bytesWritten: 0 },
      );
    }
    return f;
  };
  /** Open descriptors: the file each one is, by its display name. */
  const fds = new Map<number, string>([[0, "<stdin>"], [1, "<stdout>"], [2, "<stderr>"]]);
  const named = (fd: number) => fds.get(fd) ?? `<fd ${fd}>`;
  const say = (text: string) => log && api.outs(`filetrace: ${text}\n`);

  api.qpp.regCb("syscalls", "on_sys_openat_return", (_pc, ret, _dirfd, path) => {
    const name = JSON.stringify(path), f = file(name);
    f.opens++;
    if (ret < 0) {
      f.failed++;
      say(`open ${name} = -1 ${errnoName(ret)}`);
    } else {
      fds.set(ret, name);
      say(`open ${name} = ${ret}`);
    }
  });
  api.qpp.regCb("syscalls", "on_sys_read_return", (_pc, ret, fd) => {
    if (ret < 0) return;
    const f = file(named(fd));
    f.reads++;
    f.bytesRead += ret;
    say(`read ${fd} ${f.name} ${ret} bytes`);
  });
  api.qpp.regCb("syscalls", "on_sys_write_return", (_pc, ret, fd) => {
    if (ret < 0) return;
    const f = file(named(fd));
    f.writes++;
    f.bytesWritten += ret;
    say(`write ${fd} ${f.name} ${ret} bytes`);
  });
  api.qpp.regCb("syscalls", "on_sys_close_return", (_pc, ret, fd) => {
    if (ret < 0) return;
    say(`close ${fd} ${named(fd)}`);
    fds.delete(fd);
  });
  api.qpp.regCb("syscalls", "on_all_sys_return", (_pc, num, ret, a) => {
    const name = syscallName(num);
    if ((name === "dup" || name === "dup3") && ret >= 0) fds.set(ret, named(a[0]!));
  });

  api.onExit(() => {
    let out = "filetrace: FILE opens failed reads bytes-read writes bytes-written\n";
    const rows = [...files.values()].sort((a, b) =>
      Number(!b.name.startsWith("<")) - Number(!a.name.startsWith("<"))
    );
    for (const f of rows) {
      out += `${f.name} ${f.opens} ${f.failed} ${f.reads} ${f.bytesRead} ${f.writes} ` +
        `${f.bytesWritten}\n`;
    }
    api.outs(out);
  });
}

/**
 * The printf conversions and flag printers of QEMU's strace, as the `-strace` printer of
 * `_strace.ts` applies them to 32-bit arguments.
 * @module
 */

import type { Memory } from "../memory.ts";
import { AT, O, PATH_MAX, S_IF } from "./_abi.ts";

/** Names and values of a flag set, in QEMU's order (which decides the printed order). */
export type FlagTable = readonly (readonly [string, number])[];

// A leading 0-valued entry names the value 0.
const ACCESS_MODES: FlagTable = [
  ["O_RDONLY", O.RDONLY],
  ["O_WRONLY", O.WRONLY],
  ["O_RDWR", O.RDWR],
];
const OPEN_FLAGS: FlagTable = [
  ["O_APPEND", O.APPEND],
  ["O_CREAT", O.CREAT],
  ["O_DIRECTORY", O.DIRECTORY],
  ["O_EXCL", O.EXCL],
  ["O_LARGEFILE", O.LARGEFILE],
  ["O_NOCTTY", O.NOCTTY],
  ["O_NOFOLLOW", O.NOFOLLOW],
  ["O_NONBLOCK", O.NONBLOCK],
  ["O_DSYNC", O.DSYNC],
  ["__O_SYNC", O.SYNC_],
  ["O_TRUNC", O.TRUNC],
  ["O_DIRECT", O.DIRECT],
  ["O_NOATIME", O.NOATIME],
  ["O_CLOEXEC", O.CLOEXEC],
  ["O_PATH", O.PATH],
  ["__O_TMPFILE", O.TMPFILE_],
];
const FILE_TYPES: FlagTable = [
  ["S_IFSOCK", S_IF.SOCK],
  ["S_IFLNK", S_IF.LNK],
  ["S_IFREG", S_IF.REG],
  ["S_IFBLK", S_IF.BLK],
  ["S_IFDIR", S_IF.DIR],
  ["S_IFCHR", S_IF.CHR],
  ["S_IFIFO", S_IF.IFO],
];

// printf conversions as QEMU applies them to a 32-bit argument.
export const d = (v: number): string => String(v | 0);
export const u = (v: number): string => String(v >>> 0);
export const hex = (v: number): string => (v >>> 0).toString(16);
/** `%#x` */
export const x = (v: number): string => (v >>> 0 ? "0x" + hex(v) : "0");
/** `%#o` */
export const o = (v: number): string => (v >>> 0 ? "0" + (v >>> 0).toString(8) : "0");
/** `%p` */
export const p = (v: number): string => (v >>> 0 ? "0x" + hex(v) : "(nil)");
/** QEMU's print_pointer */
export const ptr = (v: number): string => (v >>> 0 ? "0x" + hex(v).padStart(8, "0") : "NULL");
export const dirfd = (v: number): string => ((v | 0) === AT.FDCWD ? "AT_FDCWD" : d(v));

/** QEMU's print_flags: names in table order, then the rest in hex. */
export function flags(table: FlagTable, value: number): string {
  let rest = value >>> 0;
  const [first] = table;
  if (rest === 0 && first?.[1] === 0) return first[0];
  const names: string[] = [];
  for (const [name, bits] of table) {
    if (bits !== 0 && (rest & bits) >>> 0 === bits) {
      names.push(name);
      rest = (rest & ~bits) >>> 0;
    }
  }
  if (names.length === 0) return x(rest);
  if (rest) names.push(x(rest));
  return names.join("|");
}

/** QEMU's print_file_mode: at most one file type name, then the permission bits in octal. */
export function fileMode(mode: number): string {
  mode >>>= 0;
  if (mode === 0) return "000";
  const type = FILE_TYPES.find(([, bits]) => (mode & bits) === bits);
  const perm = (mode & ~S_IF.MT) >>> 0;
  const parts = type ? [type[0]] : [];
  if (perm) parts.push("0" + perm.toString(8));
  return parts.join("|");
}

export function openFlags(v: number): string {
  const access = flags(ACCESS_MODES, v & O.ACCMODE);
  const rest = (v & ~O.ACCMODE) >>> 0;
  return rest ? `${access}|${flags(OPEN_FLAGS, rest)}` : access;
}

export function str(mem: Memory, addr: number): string {
  const s = mem.readCString(addr, PATH_MAX);
  return s === undefined ? ptr(addr) : `"${s}"`;
}

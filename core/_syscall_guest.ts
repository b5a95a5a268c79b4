/**
 * Small helpers of the syscall layer: guest pointer checks, guest paths, and the host identity
 * the guest sees.
 * @module
 */

import type { Memory } from "./memory.ts";
import { PROT_READ, PROT_WRITE } from "./memory.ts";
import { PATH_MAX } from "./_syscall_abi.ts";
import { ERRNO } from "./_syscall_errno.ts";

const ADDRESS_SPACE = 2 ** 32;

/**
 * Whether the guest may read `len` bytes at `addr` (an empty range always passes).
 * @param mem guest memory
 * @param addr guest address
 * @param len byte count
 * @returns true when every byte is in a readable page and the range does not wrap
 */
export function canRead(mem: Memory, addr: number, len: number): boolean {
  return len === 0 || (addr + len <= ADDRESS_SPACE && mem.check(addr, len, PROT_READ));
}

/**
 * Whether the guest may write `len` bytes at `addr` (an empty range always passes).
 * @param mem guest memory
 * @param addr guest address
 * @param len byte count
 * @returns true when every byte is in a writable page and the range does not wrap
 */
export function canWrite(mem: Memory, addr: number, len: number): boolean {
  return len === 0 || (addr + len <= ADDRESS_SPACE && mem.check(addr, len, PROT_WRITE));
}

/**
 * Reads a NUL-terminated path from guest memory.
 * @param mem guest memory
 * @param addr guest address of the path
 * @returns the path, or a negative errno: -EFAULT for an unreadable string, -ENAMETOOLONG for one
 *   longer than PATH_MAX
 */
export function readPath(mem: Memory, addr: number): string | number {
  const path = mem.readCString(addr, PATH_MAX);
  if (path !== undefined) return path;
  return canRead(mem, addr, PATH_MAX) ? -ERRNO.ENAMETOOLONG : -ERRNO.EFAULT;
}

/** Who the guest process is: the host's ids, as QEMU passes them through. */
export interface HostIds {
  /** Process id (also the thread id of the one guest thread). */
  readonly pid: number;
  /** Parent process id. */
  readonly ppid: number;
  /** Real and effective user id. */
  readonly uid: number;
  /** Real and effective group id. */
  readonly gid: number;
}

/**
 * Reads the host's process and user ids. Ids that Deno may not read (no `--allow-sys`) read as 0.
 * @returns the ids
 */
export function hostIds(): HostIds {
  return {
    pid: Deno.pid,
    ppid: Deno.ppid,
    uid: sysInfo("uid", () => Deno.uid(), 0),
    gid: sysInfo("gid", () => Deno.gid(), 0),
  };
}

/**
 * Reads host information behind a `--allow-sys` permission, without prompting for it.
 * @param kind the permission's kind
 * @param read the Deno call
 * @param fallback the value when the permission is not granted or the call fails
 * @returns the value
 */
export function sysInfo<T>(
  kind: Deno.SysPermissionDescriptor["kind"],
  read: () => T | null,
  fallback: T,
): T {
  if (Deno.permissions.querySync({ name: "sys", kind }).state !== "granted") return fallback;
  return tryOr(read, fallback);
}

/**
 * Returns `f()`, or `fallback` when `f` throws or gives null.
 * @param f the host query
 * @param fallback the value to use without it
 * @returns the value
 */
export function tryOr<T>(f: () => T | null, fallback: T): T {
  try {
    return f() ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * Writes all of `bytes` to a host stream, looping over short writes.
 * @param sink a Deno file or standard stream
 * @param bytes what to write
 */
export function writeAll(sink: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += sink.writeSync(bytes.subarray(done));
}

/**
 * Encodes an unsigned 64-bit little-endian value, as guest structs hold them.
 * @param value the value
 * @returns its 8 bytes
 */
export function u64Bytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}

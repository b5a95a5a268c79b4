/**
 * Small helpers of the syscall layer: guest pointer checks, guest paths, and the host identity
 * the guest sees.
 * @module
 */

import { ADDRESS_SPACE } from "../address_map.ts";
import type { Memory } from "../memory.ts";
import type { GuestIo } from "./_streams.ts";
import { PROT_READ, PROT_WRITE } from "../memory.ts";
import { GRND, PATH_MAX } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";

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

/** Longest getrandom() result, as Linux caps it. */
const GETRANDOM_MAX = 0x1ffffff;
/** crypto.getRandomValues fills at most this many bytes per call. */
const RANDOM_CHUNK = 65536;

/**
 * getrandom(buf, buflen, flags): random bytes from the host's generator (which never blocks).
 * @param mem guest memory
 * @param buf guest address of the buffer
 * @param len its length
 * @param flags GRND_* flags
 * @returns the count written, or -errno
 */
export function getrandom(mem: Memory, buf: number, len: number, flags: number): number {
  if (flags & ~(GRND.NONBLOCK | GRND.RANDOM | GRND.INSECURE)) return -ERRNO.EINVAL;
  if (flags & GRND.RANDOM && flags & GRND.INSECURE) return -ERRNO.EINVAL;
  len = Math.min(len, GETRANDOM_MAX);
  if (!canWrite(mem, buf, len)) return -ERRNO.EFAULT;
  const bytes = new Uint8Array(len);
  for (let at = 0; at < len; at += RANDOM_CHUNK) {
    crypto.getRandomValues(bytes.subarray(at, at + RANDOM_CHUNK));
  }
  mem.write(buf, bytes);
  return len;
}

/**
 * The guest's standard streams on Deno's own, synchronously.
 * @returns the streams
 */
export function denoIo(): GuestIo {
  return {
    stdin: (buf) => Deno.stdin.readSync(buf),
    stdout: (bytes) => writeAll(Deno.stdout, bytes),
    stderr: (bytes) => writeAll(Deno.stderr, bytes),
  };
}

/**
 * The absolute, symlink-free form of `path` as far as Deno may read it (it never prompts).
 * @param path a host path
 * @returns the resolved path, or `path` itself
 */
export function absolute(path: string): string {
  const mayRead = (at?: string) =>
    Deno.permissions.querySync({ name: "read", path: at }).state === "granted";
  const joined = path.startsWith("/") || !mayRead() ? path : `${Deno.cwd()}/${path}`;
  return mayRead(joined) ? tryOr(() => Deno.realPathSync(joined), joined) : joined;
}

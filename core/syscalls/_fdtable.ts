/**
 * The guest's descriptor table: descriptors point at shared open file descriptions (what `dup`
 * copies), each with its status flags, and carry their own close-on-exec flag; and the in-memory
 * pipes that `pipe2` creates.
 * @module
 */

import { O, PIPE_SIZE } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import type { HostedFiles } from "./_streams.ts";

/** What an open file description refers to. */
export type Entry =
  | { readonly kind: "stdin" }
  | { readonly kind: "stdout" }
  | { readonly kind: "stderr" }
  | {
    readonly kind: "file";
    readonly file: Deno.FsFile;
    readonly path: string;
    readonly readable: boolean;
    readonly writable: boolean;
  }
  // A FIFO or terminal, whose open, reads and writes a signal can cut short (HostedFiles).
  | {
    readonly kind: "hosted";
    readonly hosted: HostedFiles;
    readonly file: number;
    readonly path: string;
    readonly readable: boolean;
    readonly writable: boolean;
  }
  // A directory, or any file opened with O_PATH: usable as a dirfd and by fstat, not for I/O.
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "path"; readonly path: string }
  | { readonly kind: "pipe"; readonly pipe: Pipe; readonly end: "read" | "write" };

/** An open file description: what `dup`ed descriptors share. */
export interface Description {
  /** The open object. */
  readonly entry: Entry;
  /** The status flags F_GETFL reports: access mode, O_APPEND, O_NONBLOCK... */
  flags: number;
  /** How many descriptors refer to it. */
  refs: number;
}

/** The status flags F_SETFL may change (the kernel's `SETFL_MASK`, less FASYNC as under QEMU). */
export const SETFL_MASK = O.APPEND | O.NONBLOCK | O.DIRECT | O.NOATIME;

/** The descriptor limit the guest sees (RLIMIT_NOFILE). */
export const MAX_FDS = 1024;

/**
 * A pipe's buffer, shared by its two ends. Each end is an open file description; the pipe counts
 * them to tell end of file (no writers) and a broken pipe (no readers).
 */
export class Pipe {
  /** Open descriptions of the read end and of the write end. */
  readers = 0;
  writers = 0;
  /** How many bytes it holds at most (F_GETPIPE_SZ). */
  capacity: number = PIPE_SIZE.DEFAULT;
  /** Inode number fstat reports. */
  readonly ino: number;
  #chunks: Uint8Array[] = [];
  #size = 0;

  /** @param ino the inode number fstat reports */
  constructor(ino: number) {
    this.ino = ino;
  }

  /** Bytes waiting to be read. */
  get size(): number {
    return this.#size;
  }

  /** Appends `data` (the caller makes sure it fits). */
  write(data: Uint8Array): number {
    if (data.length) this.#chunks.push(data.slice());
    this.#size += data.length;
    return data.length;
  }

  /** Takes up to `count` bytes from the front. */
  read(count: number): Uint8Array {
    const out = new Uint8Array(Math.min(count, this.#size));
    let done = 0;
    let chunk: Uint8Array | undefined;
    while (done < out.length && (chunk = this.#chunks.shift())) {
      const n = Math.min(chunk.length, out.length - done);
      out.set(chunk.subarray(0, n), done);
      done += n;
      if (n < chunk.length) this.#chunks.unshift(chunk.subarray(n));
    }
    this.#size -= done;
    return out;
  }
}

interface Slot {
  readonly desc: Description;
  cloexec: boolean;
}

/** The descriptor table. */
export class FdTable {
  readonly #slots = new Map<number, Slot>();

  /**
   * Creates the table with descriptors 0-2 on the standard streams.
   * @param stdioFlags F_GETFL of descriptors 0, 1 and 2
   */
  constructor(stdioFlags: readonly [number, number, number]) {
    const [stdin, stdout, stderr] = stdioFlags;
    this.add({ kind: "stdin" }, stdin);
    this.add({ kind: "stdout" }, stdout);
    this.add({ kind: "stderr" }, stderr);
  }

  /** The description `fd` refers to, if it is open. */
  get(fd: number): Description | undefined {
    return this.#slots.get(fd)?.desc;
  }

  /** The entry `fd` refers to, if it is open. */
  entry(fd: number): Entry | undefined {
    return this.#slots.get(fd)?.desc.entry;
  }

  /** Whether `fd` is open. */
  has(fd: number): boolean {
    return this.#slots.has(fd);
  }

  /** FD_CLOEXEC of an open `fd`. */
  cloexec(fd: number): boolean {
    return this.#slots.get(fd)?.cloexec ?? false;
  }

  /** Sets FD_CLOEXEC of an open `fd`. */
  setCloexec(fd: number, on: boolean): void {
    const slot = this.#slots.get(fd);
    if (slot) slot.cloexec = on;
  }

  /** The lowest closed descriptor at or above `min`, or -1 when every one is open. */
  free(min = 0): number {
    for (let fd = min; fd < MAX_FDS; fd++) if (!this.#slots.has(fd)) return fd;
    return -1;
  }

  /**
   * Opens a new description on the lowest free descriptor.
   * @returns the descriptor, or -EMFILE
   */
  add(entry: Entry, flags: number, cloexec = false): number {
    const fd = this.free();
    if (fd < 0) return -ERRNO.EMFILE;
    if (entry.kind === "pipe") entry.pipe[entry.end === "read" ? "readers" : "writers"]++;
    this.#slots.set(fd, { desc: { entry, flags, refs: 1 }, cloexec });
    return fd;
  }

  /**
   * Points `fd` (closing what it had) at the description of open descriptor `from`.
   * @returns `fd`
   */
  place(fd: number, from: number, cloexec: boolean): number {
    const desc = this.#slots.get(from)!.desc;
    desc.refs++;
    this.close(fd);
    this.#slots.set(fd, { desc, cloexec });
    return fd;
  }

  /** Closes `fd`: 0, or -EBADF when it is not open. */
  close(fd: number): number {
    const slot = this.#slots.get(fd);
    if (!slot) return -ERRNO.EBADF;
    this.#slots.delete(fd);
    release(slot.desc);
    return 0;
  }

  /** Closes every descriptor. */
  closeAll(): void {
    for (const fd of [...this.#slots.keys()]) this.close(fd);
  }
}

/** Drops one reference to `desc`, closing the host file or the pipe end with the last one. */
function release(desc: Description): void {
  if (--desc.refs > 0) return;
  const entry = desc.entry;
  if (entry.kind === "file") entry.file.close();
  if (entry.kind === "hosted") entry.hosted.close(entry.file);
  if (entry.kind === "pipe") entry.pipe[entry.end === "read" ? "readers" : "writers"]--;
}

/** Status flags read from the host's descriptor table (Linux `/proc/self/fdinfo`). */
const HOST_FLAGS = O.ACCMODE | O.APPEND | O.NONBLOCK | O.DSYNC | O.SYNC_;

/**
 * The status flags of the host's descriptor `fd` as QEMU would pass them on (access mode,
 * O_APPEND, O_NONBLOCK, O_DSYNC, __O_SYNC; these bits have the same values on every Linux
 * architecture), when Deno may read `/proc/self/fdinfo`.
 * @param fd a host descriptor (0, 1 or 2)
 * @returns the flags, or undefined
 */
export function hostFdFlags(fd: number): number | undefined {
  const path = `/proc/self/fdinfo/${fd}`;
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
  try {
    const octal = /^flags:\s*([0-7]+)$/m.exec(Deno.readTextFileSync(path))?.[1];
    return octal === undefined ? undefined : parseInt(octal, 8) & HOST_FLAGS;
  } catch {
    return undefined;
  }
}

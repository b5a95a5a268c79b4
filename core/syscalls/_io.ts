/**
 * Reads and writes on every kind of descriptor: the standard streams, host files, and pipes.
 *
 * Pipes are in-memory buffers (`_fdtable.ts`). The guest is their only reader and writer,
 * so a read or write that would block for ever fails with EAGAIN instead: a read of an empty pipe
 * whose write end is open, a write that finds the pipe full (a write longer than PIPE_BUF stores
 * what fits and returns the short count). A write to a pipe without readers fails with EPIPE and
 * raises SIGPIPE.
 * @module
 */

import type { Memory } from "../memory.ts";
import type { GuestIo } from "./_streams.ts";
import { IOV_MAX, MAX_RW_COUNT, O, PIPE_BUF, SIZE } from "./_abi.ts";
import { ERRNO, ERRNO_RESTARTSYS } from "./_errno.ts";
import type { Description, FdTable } from "./_fdtable.ts";
import { canRead, canWrite, writeAll } from "./_guest.ts";

/** Reads stdin: a count, null at end of file, undefined when a signal interrupted it. */
export type StdinReader = (buf: Uint8Array) => number | null | undefined;

/** Largest host buffer used for one read; longer file reads loop. */
const CHUNK = 1 << 20;

/** read, write, readv and writev. */
export class GuestRw {
  readonly #mem: Memory;
  readonly #io: GuestIo;
  readonly #fds: FdTable;
  readonly #brokenPipe: () => void;
  readonly #signalledStdin: () => StdinReader | undefined;

  /**
   * @param mem guest memory
   * @param io the standard streams
   * @param fds the descriptor table
   * @param brokenPipe called when a write finds a pipe without readers (to raise SIGPIPE)
   * @param signalledStdin a stdin reader that a signal can interrupt (returning undefined),
   *   which replaces `io.stdin` when there is one
   */
  constructor(
    mem: Memory,
    io: GuestIo,
    fds: FdTable,
    brokenPipe: () => void,
    signalledStdin: () => StdinReader | undefined = () => undefined,
  ) {
    this.#mem = mem;
    this.#io = io;
    this.#fds = fds;
    this.#brokenPipe = brokenPipe;
    this.#signalledStdin = signalledStdin;
  }

  /** read(fd, buf, count) */
  read(fd: number, buf: number, count: number): number {
    count = Math.min(count, MAX_RW_COUNT);
    if (!canWrite(this.#mem, buf, count)) return -ERRNO.EFAULT;
    const data = this.#readFrom(fd, count);
    if (typeof data === "number") return data;
    this.#mem.write(buf, data);
    return data.length;
  }

  /** write(fd, buf, count) */
  write(fd: number, buf: number, count: number): number {
    count = Math.min(count, MAX_RW_COUNT);
    if (!canRead(this.#mem, buf, count)) return -ERRNO.EFAULT;
    return this.#writeTo(fd, this.#mem.read(buf, count));
  }

  /** readv(fd, iov, iovcnt): one read for the total length, scattered over the buffers. */
  readv(fd: number, iov: number, iovcnt: number): number {
    const vecs = this.#iovecs(iov, iovcnt, canWrite);
    if (typeof vecs === "number") return vecs;
    const data = this.#readFrom(fd, vecs.reduce((sum, [, len]) => sum + len, 0));
    if (typeof data === "number") return data;
    let done = 0;
    for (const [base, len] of vecs) {
      if (done >= data.length) break;
      this.#mem.write(base, data.subarray(done, done + len));
      done += len;
    }
    return data.length;
  }

  /** writev(fd, iov, iovcnt): the buffers gathered into one write. */
  writev(fd: number, iov: number, iovcnt: number): number {
    const vecs = this.#iovecs(iov, iovcnt, canRead);
    if (typeof vecs === "number") return vecs;
    const data = new Uint8Array(vecs.reduce((sum, [, len]) => sum + len, 0));
    let done = 0;
    for (const [base, len] of vecs) {
      data.set(this.#mem.read(base, len), done);
      done += len;
    }
    return this.#writeTo(fd, data);
  }

  #readFrom(fd: number, count: number): Uint8Array | number {
    const desc = this.#fds.get(fd);
    const entry = desc?.entry;
    if (!entry || entry.kind === "path" || entry.kind === "stdout" || entry.kind === "stderr") {
      return -ERRNO.EBADF;
    }
    if (entry.kind === "dir") return -ERRNO.EISDIR;
    if (entry.kind === "pipe") {
      const pipe = entry.pipe;
      if (entry.end !== "read") return -ERRNO.EBADF;
      if (count === 0 || pipe.size > 0 || pipe.writers === 0) return pipe.read(count);
      return -ERRNO.EAGAIN;
    }
    if (entry.kind === "stdin") {
      // One host read, as a terminal or pipe returns what is there.
      const buf = new Uint8Array(Math.min(count, CHUNK));
      if (count === 0) return buf;
      const read = this.#signalledStdin() ?? this.#io.stdin;
      const n = read(buf);
      // A signal came first: the machine restarts the read after its handler, or fails it.
      if (n === undefined) return -ERRNO_RESTARTSYS;
      return buf.subarray(0, n ?? 0);
    }
    if (!entry.readable) return -ERRNO.EBADF;
    if (entry.kind === "hosted") {
      // One read, as a FIFO or a terminal returns what is there.
      const buf = new Uint8Array(Math.min(count, CHUNK));
      if (count === 0) return buf;
      const n = entry.hosted.read(entry.file, buf);
      return n === undefined ? -ERRNO_RESTARTSYS : buf.subarray(0, n ?? 0);
    }
    return readFull(entry.file, count);
  }

  #writeTo(fd: number, data: Uint8Array): number {
    const desc = this.#fds.get(fd);
    const entry = desc?.entry;
    if (entry?.kind === "stdout") this.#io.stdout(data);
    else if (entry?.kind === "stderr") this.#io.stderr(data);
    else if (entry?.kind === "pipe" && entry.end === "write") return this.#writePipe(desc!, data);
    else if (entry?.kind === "hosted" && entry.writable) {
      const n = entry.hosted.write(entry.file, data);
      return n === undefined ? -ERRNO_RESTARTSYS : n;
    } else if (entry?.kind === "file" && entry.writable) {
      if (desc!.flags & O.APPEND) entry.file.seekSync(0, Deno.SeekMode.End);
      writeAll(entry.file, data);
    } else return -ERRNO.EBADF;
    return data.length;
  }

  /** A write to a pipe: all of a short write or none, what fits of a longer one. */
  #writePipe(desc: Description, data: Uint8Array): number {
    if (desc.entry.kind !== "pipe" || data.length === 0) return 0;
    const pipe = desc.entry.pipe;
    if (pipe.readers === 0) {
      this.#brokenPipe();
      return -ERRNO.EPIPE;
    }
    const room = pipe.capacity - pipe.size;
    if (room === 0 || (data.length <= PIPE_BUF && room < data.length)) return -ERRNO.EAGAIN;
    return pipe.write(data.subarray(0, room));
  }

  /** Reads and checks an iovec array: the [base, len] pairs, or a negative errno. */
  #iovecs(
    iov: number,
    iovcnt: number,
    usable: (mem: Memory, addr: number, len: number) => boolean,
  ): [number, number][] | number {
    if (iovcnt < 0 || iovcnt > IOV_MAX) return -ERRNO.EINVAL;
    if (!canRead(this.#mem, iov, iovcnt * SIZE.IOVEC)) return -ERRNO.EFAULT;
    const vecs: [number, number][] = [];
    let total = 0;
    for (let i = 0; i < iovcnt; i++) {
      const at = iov + i * SIZE.IOVEC;
      const base = this.#mem.load32(at, 0) >>> 0;
      const len = this.#mem.load32(at + 4, 0) >>> 0;
      total += len;
      if (len > MAX_RW_COUNT || total > MAX_RW_COUNT) return -ERRNO.EINVAL;
      if (!usable(this.#mem, base, len)) return -ERRNO.EFAULT;
      vecs.push([base, len]);
    }
    return vecs;
  }
}

/**
 * Reads up to `count` bytes, stopping at end of file or at a short read (a pipe, a device).
 * @param file the host file
 * @param count how many bytes at most
 * @returns the bytes read
 */
export function readFull(file: Deno.FsFile, count: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let done = 0;
  while (done < count) {
    const want = Math.min(count - done, CHUNK);
    const chunk = new Uint8Array(want);
    const n = file.readSync(chunk) ?? 0;
    chunks.push(chunk.subarray(0, n));
    done += n;
    if (n < want) break;
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(done);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

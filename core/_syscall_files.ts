/**
 * The guest's file descriptors and the file system calls.
 *
 * Descriptors 0-2 start out as the {@linkcode GuestIo} streams; `openat` hands out the lowest free
 * number, like Linux. Guest paths are host paths. Each method takes the already-typed arguments of
 * its syscall and returns the result or a negative errno; host errors thrown by Deno propagate to
 * `LinuxSyscalls.call()`, which maps them.
 * @module
 */

import type { Memory } from "./memory.ts";
import type { GuestIo } from "./syscalls.ts";
import { ACCESS, AT, IOV_MAX, MAX_RW_COUNT, O, S_IF, SEEK, SIZE, STATX } from "./_syscall_abi.ts";
import { ERRNO } from "./_syscall_errno.ts";
import { canRead, canWrite, type HostIds, readPath, writeAll } from "./_syscall_guest.ts";
import {
  encodeStat64,
  encodeStatx,
  type StatInfo,
  statInfo,
  terminalInfo,
} from "./_syscall_stat.ts";

type Entry =
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
  // A directory, or any file opened with O_PATH: usable as a dirfd and by fstat, not for I/O.
  | { readonly kind: "dir"; readonly path: string }
  | { readonly kind: "path"; readonly path: string };

/** Largest host buffer used for one read; longer file reads loop. */
const CHUNK = 1 << 20;
/** The descriptor limit the guest sees (RLIMIT_NOFILE). */
export const MAX_FDS = 1024;

const encoder = new TextEncoder();

/** The descriptor table and the syscalls on files. */
export class GuestFiles {
  readonly #mem: Memory;
  readonly #io: GuestIo;
  readonly #ids: HostIds;
  readonly #exePath: string | undefined;
  readonly #fds = new Map<number, Entry>();

  /**
   * @param mem guest memory
   * @param io the standard streams
   * @param ids the host ids (for file access checks and terminal ownership)
   * @param exePath absolute host path of the guest program
   */
  constructor(mem: Memory, io: GuestIo, ids: HostIds, exePath: string | undefined) {
    this.#mem = mem;
    this.#io = io;
    this.#ids = ids;
    this.#exePath = exePath;
    this.#fds.set(0, { kind: "stdin" });
    this.#fds.set(1, { kind: "stdout" });
    this.#fds.set(2, { kind: "stderr" });
  }

  /** Closes every host file. */
  closeAll(): void {
    for (const entry of this.#fds.values()) if (entry.kind === "file") entry.file.close();
    this.#fds.clear();
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

  /** openat(dirfd, path, flags, mode) */
  openat(dirfd: number, pathAddr: number, flags: number, mode: number): number {
    const path = this.#resolve(dirfd, pathAddr);
    if (typeof path === "number") return path;
    if (path === "") return -ERRNO.ENOENT;
    const access = flags & O.ACCMODE;
    // Unnamed temporary files need a writable open, and Deno cannot make them.
    if (flags & O.TMPFILE_) return access === O.RDONLY ? -ERRNO.EINVAL : -ERRNO.EOPNOTSUPP;
    const fd = this.#freeFd();
    if (fd < 0) return -ERRNO.EMFILE;
    const readable = access !== O.WRONLY;
    const writable = access !== O.RDONLY;

    if (flags & O.NOFOLLOW && statOrUndefined(path, false)?.isSymlink) return -ERRNO.ELOOP;
    const info = statOrUndefined(path);
    if (info && flags & O.CREAT && flags & O.EXCL) return -ERRNO.EEXIST;
    if (flags & O.DIRECTORY && !info) return -ERRNO.ENOENT;
    if (flags & O.DIRECTORY && !info?.isDirectory) return -ERRNO.ENOTDIR;
    if (flags & O.PATH) {
      if (!info) return -ERRNO.ENOENT;
      this.#fds.set(fd, { kind: "path", path });
      return fd;
    }
    if (info?.isDirectory) {
      if (writable || flags & O.CREAT) return -ERRNO.EISDIR;
      this.#fds.set(fd, { kind: "dir", path });
      return fd;
    }

    const create = (flags & O.CREAT) !== 0;
    const exclusive = create && (flags & O.EXCL) !== 0;
    const perm = mode & 0o7777;
    if (!writable) {
      // Deno opens for creating or truncating only with write access; Linux needs none.
      if (create && !info) {
        Deno.openSync(path, { write: true, createNew: exclusive, create, mode: perm }).close();
      }
      if (flags & O.TRUNC && info?.isFile) Deno.truncateSync(path, 0);
    }
    const file = Deno.openSync(path, {
      read: readable,
      write: writable && !(flags & O.APPEND),
      append: writable && (flags & O.APPEND) !== 0,
      truncate: writable && (flags & O.TRUNC) !== 0,
      create: writable && create && !exclusive,
      createNew: writable && exclusive,
      mode: perm,
    });
    this.#fds.set(fd, { kind: "file", file, path, readable, writable });
    return fd;
  }

  /** close(fd) */
  close(fd: number): number {
    const entry = this.#fds.get(fd);
    if (!entry) return -ERRNO.EBADF;
    this.#fds.delete(fd);
    if (entry.kind === "file") entry.file.close();
    return 0;
  }

  /** llseek(fd, offset_high, offset_low, result, whence) */
  llseek(fd: number, high: number, low: number, result: number, whence: number): number {
    const entry = this.#fds.get(fd);
    if (!entry || entry.kind === "path") return -ERRNO.EBADF;
    if (whence !== SEEK.SET && whence !== SEEK.CUR && whence !== SEEK.END) return -ERRNO.EINVAL;
    if (entry.kind !== "file" && entry.kind !== "dir") return -ERRNO.ESPIPE;
    // Directory offsets only matter to getdents64, which rvplug lacks: they stay 0.
    const pos = entry.kind === "dir" ? 0 : entry.file.seekSync(high * 2 ** 32 + low, whence);
    if (!canWrite(this.#mem, result, 8)) return -ERRNO.EFAULT;
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, BigInt(pos), true);
    this.#mem.write(result, bytes);
    return 0;
  }

  /** fstat64(fd, statbuf) */
  fstat64(fd: number, buf: number): number {
    const info = this.#statFd(fd);
    if (typeof info === "number") return info;
    return this.#put(buf, encodeStat64(info));
  }

  /** fstatat64(dirfd, path, statbuf, flags) */
  fstatat64(dirfd: number, pathAddr: number, buf: number, flags: number): number {
    if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH | AT.NO_AUTOMOUNT)) return -ERRNO.EINVAL;
    const info = this.#statAt(dirfd, pathAddr, flags);
    if (typeof info === "number") return info;
    return this.#put(buf, encodeStat64(info));
  }

  /** statx(dirfd, path, flags, mask, statxbuf) */
  statx(dirfd: number, pathAddr: number, flags: number, mask: number, buf: number): number {
    const known = AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH | AT.NO_AUTOMOUNT | AT.STATX_FORCE_SYNC |
      AT.STATX_DONT_SYNC;
    if (flags & ~known || mask & STATX.RESERVED_) return -ERRNO.EINVAL;
    const info = this.#statAt(dirfd, pathAddr, flags);
    if (typeof info === "number") return info;
    return this.#put(buf, encodeStatx(info));
  }

  /** readlinkat(dirfd, path, buf, bufsiz); `/proc/self/exe` names the guest program. */
  readlinkat(dirfd: number, pathAddr: number, buf: number, bufsiz: number): number {
    if (bufsiz <= 0) return -ERRNO.EINVAL;
    const path = this.#resolve(dirfd, pathAddr);
    if (typeof path === "number") return path;
    if (path === "") return -ERRNO.ENOENT;
    let target: string;
    if (path === "/proc/self/exe" || path === `/proc/${this.#ids.pid}/exe`) {
      if (this.#exePath === undefined) return -ERRNO.ENOENT;
      target = this.#exePath;
    } else {
      target = Deno.readLinkSync(path);
    }
    const bytes = encoder.encode(target).subarray(0, bufsiz);
    const err = this.#put(buf, bytes);
    return err < 0 ? err : bytes.length;
  }

  /** faccessat2(dirfd, path, mode, flags), judged from the permission bits like the kernel. */
  faccessat(dirfd: number, pathAddr: number, mode: number, flags: number): number {
    if (mode & ~(ACCESS.R_OK | ACCESS.W_OK | ACCESS.X_OK)) return -ERRNO.EINVAL;
    if (flags & ~(AT.EACCESS | AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return -ERRNO.EINVAL;
    const info = this.#statAt(dirfd, pathAddr, flags);
    if (typeof info === "number") return info;
    if (mode === ACCESS.F_OK) return 0;
    const { uid, gid } = this.#ids;
    if (uid === 0) {
      // root may read and write anything, and execute what anyone may execute.
      const anyExec = (info.mode & S_IF.MT) === S_IF.DIR || (info.mode & 0o111) !== 0;
      return mode & ACCESS.X_OK && !anyExec ? -ERRNO.EACCES : 0;
    }
    const shift = info.uid === uid ? 6 : info.gid === gid ? 3 : 0;
    return ((info.mode >>> shift) & mode) === mode ? 0 : -ERRNO.EACCES;
  }

  /** getcwd(buf, size): returns the length including the NUL. */
  getcwd(buf: number, size: number): number {
    const bytes = encoder.encode(Deno.cwd() + "\0");
    if (size < bytes.length) return -ERRNO.ERANGE;
    const err = this.#put(buf, bytes);
    return err < 0 ? err : bytes.length;
  }

  /** unlinkat(dirfd, path, flags) */
  unlinkat(dirfd: number, pathAddr: number, flags: number): number {
    if (flags & ~AT.REMOVEDIR) return -ERRNO.EINVAL;
    const path = this.#resolve(dirfd, pathAddr);
    if (typeof path === "number") return path;
    if (path === "") return -ERRNO.ENOENT;
    const isDir = Deno.lstatSync(path).isDirectory;
    if (flags & AT.REMOVEDIR && !isDir) return -ERRNO.ENOTDIR;
    if (!(flags & AT.REMOVEDIR) && isDir) return -ERRNO.EISDIR;
    Deno.removeSync(path);
    return 0;
  }

  /** mkdirat(dirfd, path, mode) */
  mkdirat(dirfd: number, pathAddr: number, mode: number): number {
    const path = this.#resolve(dirfd, pathAddr);
    if (typeof path === "number") return path;
    if (path === "") return -ERRNO.ENOENT;
    Deno.mkdirSync(path, { mode: mode & 0o7777 });
    return 0;
  }

  /** ioctl(fd, request, arg): no descriptor is a terminal, so every request fails with ENOTTY. */
  ioctl(fd: number): number {
    return this.#fds.has(fd) ? -ERRNO.ENOTTY : -ERRNO.EBADF;
  }

  /**
   * Reads what a file mapping of `fd` shows: `len` bytes from `offset` (short at end of file).
   * The file position is left as it was.
   * @returns the bytes, or a negative errno (-ENODEV for descriptors that are not files)
   */
  readForMap(fd: number, offset: number, len: number): Uint8Array | number {
    const entry = this.#fds.get(fd);
    if (!entry || entry.kind === "path") return -ERRNO.EBADF;
    if (entry.kind !== "file") return -ERRNO.ENODEV;
    if (!entry.readable) return -ERRNO.EACCES;
    const saved = entry.file.seekSync(0, Deno.SeekMode.Current);
    try {
      entry.file.seekSync(offset, Deno.SeekMode.Start);
      return readFull(entry.file, len);
    } finally {
      entry.file.seekSync(saved, Deno.SeekMode.Start);
    }
  }

  #readFrom(fd: number, count: number): Uint8Array | number {
    const entry = this.#fds.get(fd);
    if (!entry || entry.kind === "path" || entry.kind === "stdout" || entry.kind === "stderr") {
      return -ERRNO.EBADF;
    }
    if (entry.kind === "dir") return -ERRNO.EISDIR;
    if (entry.kind === "stdin") {
      // One host read, as a terminal or pipe returns what is there.
      const buf = new Uint8Array(Math.min(count, CHUNK));
      const n = count === 0 ? 0 : this.#io.stdin(buf) ?? 0;
      return buf.subarray(0, n);
    }
    if (!entry.readable) return -ERRNO.EBADF;
    return readFull(entry.file, count);
  }

  #writeTo(fd: number, data: Uint8Array): number {
    const entry = this.#fds.get(fd);
    if (entry?.kind === "stdout") this.#io.stdout(data);
    else if (entry?.kind === "stderr") this.#io.stderr(data);
    else if (entry?.kind === "file" && entry.writable) writeAll(entry.file, data);
    else return -ERRNO.EBADF;
    return data.length;
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

  /** The host path of `pathAddr` taken relative to `dirfd`, "" for an empty path, or -errno. */
  #resolve(dirfd: number, pathAddr: number): string | number {
    const path = readPath(this.#mem, pathAddr);
    if (typeof path === "number" || path === "" || path.startsWith("/") || dirfd === AT.FDCWD) {
      return path;
    }
    const entry = this.#fds.get(dirfd);
    if (!entry) return -ERRNO.EBADF;
    if (entry.kind !== "dir" && entry.kind !== "path") return -ERRNO.ENOTDIR;
    return `${entry.path}/${path}`;
  }

  #statFd(fd: number): StatInfo | number {
    if (fd === AT.FDCWD) return statInfo(Deno.statSync("."));
    const entry = this.#fds.get(fd);
    if (!entry) return -ERRNO.EBADF;
    switch (entry.kind) {
      case "file":
        return statInfo(entry.file.statSync());
      case "dir":
      case "path":
        return statInfo(Deno.statSync(entry.path));
      default:
        return terminalInfo(this.#ids.uid, this.#ids.gid);
    }
  }

  /** Metadata of `dirfd`/`path`, honouring AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW. */
  #statAt(dirfd: number, pathAddr: number, flags: number): StatInfo | number {
    const path = this.#resolve(dirfd, pathAddr);
    if (typeof path === "number") return path;
    if (path === "") return flags & AT.EMPTY_PATH ? this.#statFd(dirfd) : -ERRNO.ENOENT;
    return statInfo(flags & AT.SYMLINK_NOFOLLOW ? Deno.lstatSync(path) : Deno.statSync(path));
  }

  /** Copies `bytes` to guest `addr`: 0, or -EFAULT when the guest may not write there. */
  #put(addr: number, bytes: Uint8Array): number {
    if (!canWrite(this.#mem, addr, bytes.length)) return -ERRNO.EFAULT;
    this.#mem.write(addr, bytes);
    return 0;
  }

  #freeFd(): number {
    for (let fd = 0; fd < MAX_FDS; fd++) if (!this.#fds.has(fd)) return fd;
    return -1;
  }
}

/** Reads up to `count` bytes, stopping at end of file or at a short read (a pipe, a device). */
function readFull(file: Deno.FsFile, count: number): Uint8Array {
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
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(done);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Deno.statSync (lstatSync when `follow` is false), or undefined for a path that does not exist. */
function statOrUndefined(path: string, follow = true): Deno.FileInfo | undefined {
  try {
    return follow ? Deno.statSync(path) : Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

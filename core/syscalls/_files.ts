/**
 * The file system calls: opening, seeking, metadata, paths.
 *
 * Descriptors 0-2 start out as the standard streams; `openat` hands out the lowest free number,
 * like Linux (the table is in `_fdtable.ts`, reads and writes in `_io.ts`). Guest
 * paths are host paths; the guest's working directory starts as the host's, and `chdir` changes
 * the guest's alone (relative paths are then taken from it), never the host process's. Each method takes the already-typed arguments of its syscall and returns
 * the result or a negative errno; host errors thrown by Deno propagate to `LinuxSyscalls.call()`,
 * which maps them.
 * @module
 */

import type { Memory } from "../memory.ts";
import { ACCESS, AT, O, RENAME, S_IF, SEEK, SIZE, STATX, UTIME } from "./_abi.ts";
import { ERRNO, ERRNO_RESTARTSYS } from "./_errno.ts";
import type { FdTable } from "./_fdtable.ts";
import { canRead, canWrite, type HostIds, readPath, sysInfo } from "./_guest.ts";
import { readFull } from "./_io.ts";
import type { HostedFiles } from "./_streams.ts";
import {
  encodeStat64,
  encodeStatx,
  pipeInfo,
  type StatInfo,
  statInfo,
  terminalInfo,
} from "./_stat.ts";

/** Open flags that F_GETFL does not report. */
const OPEN_ONLY = O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC | O.CLOEXEC | O.LARGEFILE;
/** The flags O_PATH keeps. */
const PATH_KEEPS = O.PATH | O.DIRECTORY | O.NOFOLLOW;

const encoder = new TextEncoder();

/** The syscalls on files. */
export class GuestFiles {
  /**
   * The file mode creation mask, applied to the files and directories the guest creates. It
   * starts as the host process's.
   */
  umask: number = sysInfo("umask", () => Deno.umask(), 0o022);
  readonly #mem: Memory;
  readonly #ids: HostIds;
  readonly #exePath: string | undefined;
  readonly #fds: FdTable;
  readonly #hosted: () => HostedFiles | undefined;
  /** The guest's working directory (absolute, symlinks resolved) once it has changed it. */
  #cwd: string | undefined;

  /**
   * @param mem guest memory
   * @param ids the host ids (for file access checks and terminal ownership)
   * @param exePath absolute host path of the guest program
   * @param fds the descriptor table
   * @param hosted where FIFOs and terminals are opened, read and written, so that a signal can
   *   cut their calls short; without it, they are on this thread
   */
  constructor(
    mem: Memory,
    ids: HostIds,
    exePath: string | undefined,
    fds: FdTable,
    hosted: () => HostedFiles | undefined = () => undefined,
  ) {
    this.#mem = mem;
    this.#ids = ids;
    this.#exePath = exePath;
    this.#fds = fds;
    this.#hosted = hosted;
  }

  /** Closes every descriptor, and so every host file. */
  closeAll(): void {
    this.#fds.closeAll();
  }

  /** openat(dirfd, path, flags, mode) */
  openat(dirfd: number, pathAddr: number, flags: number, mode: number): number {
    const path = this.#resolve(dirfd, pathAddr);
    if (typeof path === "number") return path;
    if (path === "") return -ERRNO.ENOENT;
    const access = flags & O.ACCMODE;
    // Unnamed temporary files need a writable open, and Deno cannot make them.
    if (flags & O.TMPFILE_) return access === O.RDONLY ? -ERRNO.EINVAL : -ERRNO.EOPNOTSUPP;
    if (this.#fds.free() < 0) return -ERRNO.EMFILE;
    const readable = access !== O.WRONLY;
    const writable = access !== O.RDONLY;
    const cloexec = (flags & O.CLOEXEC) !== 0;
    const status = (flags & O.SYNC_ ? flags | O.DSYNC : flags) & ~OPEN_ONLY;

    if (flags & O.NOFOLLOW && statOrUndefined(path, false)?.isSymlink) return -ERRNO.ELOOP;
    const info = statOrUndefined(path);
    if (info && flags & O.CREAT && flags & O.EXCL) return -ERRNO.EEXIST;
    if (flags & O.DIRECTORY && !info) return -ERRNO.ENOENT;
    if (flags & O.DIRECTORY && !info?.isDirectory) return -ERRNO.ENOTDIR;
    if (flags & O.PATH) {
      if (!info) return -ERRNO.ENOENT;
      return this.#fds.add({ kind: "path", path }, flags & PATH_KEEPS, cloexec);
    }
    if (info?.isDirectory) {
      if (writable || flags & O.CREAT) return -ERRNO.EISDIR;
      return this.#fds.add({ kind: "dir", path }, status, cloexec);
    }

    const hosted = info && mayBlock(info) ? this.#hosted() : undefined;
    if (hosted) {
      // Its open may wait (a FIFO's for the other end), and so may its reads and writes.
      const file = hosted.open(path, { read: readable, write: writable });
      if (file === undefined) return -ERRNO_RESTARTSYS;
      const entry = { kind: "hosted", hosted, file, path, readable, writable } as const;
      return this.#fds.add(entry, status, cloexec);
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
    // O_APPEND is the description's status flag (F_SETFL may change it): writes seek to the end.
    const file = Deno.openSync(path, {
      read: readable,
      write: writable,
      truncate: writable && (flags & O.TRUNC) !== 0,
      create: writable && create && !exclusive,
      createNew: writable && exclusive,
      mode: perm,
    });
    if (create && !info) this.#applyUmask(path, perm);
    return this.#fds.add({ kind: "file", file, path, readable, writable }, status, cloexec);
  }

  /** close(fd) */
  close(fd: number): number {
    return this.#fds.close(fd);
  }

  /** llseek(fd, offset_high, offset_low, result, whence) */
  llseek(fd: number, high: number, low: number, result: number, whence: number): number {
    const entry = this.#fds.entry(fd);
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
    const bytes = encoder.encode((this.#cwd ?? Deno.cwd()) + "\0");
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
    this.#applyUmask(path, mode & 0o7777);
    return 0;
  }

  /** chdir(path) */
  chdir(pathAddr: number): number {
    const path = this.#resolve(AT.FDCWD, pathAddr);
    if (typeof path === "number") return path;
    if (path === "") return -ERRNO.ENOENT;
    return this.#enter(path);
  }

  /** fchdir(fd): the descriptor must name a directory (opened with O_DIRECTORY or O_PATH). */
  fchdir(fd: number): number {
    const entry = this.#fds.entry(fd);
    if (!entry) return -ERRNO.EBADF;
    return entry.kind === "dir" || entry.kind === "path" ? this.#enter(entry.path) : -ERRNO.ENOTDIR;
  }

  /**
   * renameat2(olddirfd, oldpath, newdirfd, newpath, flags). RENAME_NOREPLACE is checked before
   * the rename, not atomically (nothing else runs in the guest). RENAME_EXCHANGE and
   * RENAME_WHITEOUT fail with EINVAL, as on a file system without them: Deno has neither.
   */
  renameat2(
    oldDirfd: number,
    oldAddr: number,
    newDirfd: number,
    newAddr: number,
    flags: number,
  ): number {
    const { NOREPLACE, EXCHANGE, WHITEOUT } = RENAME;
    if (flags & ~(NOREPLACE | EXCHANGE | WHITEOUT)) return -ERRNO.EINVAL;
    if (flags & EXCHANGE && flags & (NOREPLACE | WHITEOUT)) return -ERRNO.EINVAL;
    const from = this.#resolve(oldDirfd, oldAddr);
    if (typeof from === "number") return from;
    const to = this.#resolve(newDirfd, newAddr);
    if (typeof to === "number") return to;
    if (from === "" || to === "") return -ERRNO.ENOENT;
    if (flags & (EXCHANGE | WHITEOUT)) return -ERRNO.EINVAL;
    if (flags & NOREPLACE) {
      Deno.lstatSync(from);
      if (statOrUndefined(to, false)) return -ERRNO.EEXIST;
    }
    Deno.renameSync(from, to);
    return 0;
  }

  /** truncate64(path, length_low, length_high) */
  truncate64(pathAddr: number, low: number, high: number): number {
    const length = high * 2 ** 32 + low;
    const path = this.#resolve(AT.FDCWD, pathAddr);
    if (typeof path === "number") return path;
    if (path === "") return -ERRNO.ENOENT;
    if (length < 0) return -ERRNO.EINVAL;
    Deno.truncateSync(path, length);
    return 0;
  }

  /** ftruncate64(fd, length_low, length_high): the file must be open for writing. */
  ftruncate64(fd: number, low: number, high: number): number {
    const length = high * 2 ** 32 + low;
    if (length < 0) return -ERRNO.EINVAL;
    const entry = this.#fds.entry(fd);
    if (!entry || entry.kind === "path") return -ERRNO.EBADF;
    if (entry.kind !== "file" || !entry.writable) return -ERRNO.EINVAL;
    entry.file.truncateSync(length);
    return 0;
  }

  /**
   * fsync(fd), or fdatasync(fd) when `dataOnly`. Directories need nothing; pipes and the
   * standard streams (a pipe or a terminal, usually) cannot be synced, as on Linux.
   */
  fsync(fd: number, dataOnly: boolean): number {
    const entry = this.#fds.entry(fd);
    if (!entry || entry.kind === "path") return -ERRNO.EBADF;
    if (entry.kind === "dir") return 0;
    if (entry.kind !== "file") return -ERRNO.EINVAL;
    if (dataOnly) entry.file.syncDataSync();
    else entry.file.syncSync();
    return 0;
  }

  /**
   * utimensat_time64(dirfd, path, times, flags); a NULL path means `dirfd` itself (futimens).
   * Deno sets times to the millisecond; AT_SYMLINK_NOFOLLOW on a symlink fails with EOPNOTSUPP
   * (Deno cannot change a link's own times).
   */
  utimensat(dirfd: number, pathAddr: number, timesAddr: number, flags: number): number {
    let times: [Time, Time] = [UTIME.NOW, UTIME.NOW];
    if (timesAddr !== 0) {
      if (!canRead(this.#mem, timesAddr, 2 * SIZE.TIMESPEC64)) return -ERRNO.EFAULT;
      const v = new DataView(this.#mem.read(timesAddr, 2 * SIZE.TIMESPEC64).buffer);
      // As for every time64 timespec, the kernel reads tv_nsec as a 32-bit long on riscv32.
      const time = (at: number): Time => {
        const nsec = v.getInt32(at + 8, true);
        return nsec === UTIME.NOW || nsec === UTIME.OMIT ? nsec : {
          sec: Number(v.getBigInt64(at, true)),
          nsec,
        };
      };
      times = [time(0), time(SIZE.TIMESPEC64)];
      if (times[0] === UTIME.OMIT && times[1] === UTIME.OMIT) return 0;
    }
    let target: Deno.FsFile | string;
    if (pathAddr === 0 && dirfd !== AT.FDCWD) {
      if (flags) return -ERRNO.EINVAL;
      const entry = this.#fds.entry(dirfd);
      if (!entry) return -ERRNO.EBADF;
      if (entry.kind === "file") target = entry.file;
      else if (entry.kind === "dir" || entry.kind === "path") target = entry.path;
      else return 0; // pipes and streams: times nothing shows
    } else {
      if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return -ERRNO.EINVAL;
      if (pathAddr === 0) return -ERRNO.EFAULT;
      const path = this.#resolve(dirfd, pathAddr);
      if (typeof path === "number") return path;
      if (path === "") {
        return flags & AT.EMPTY_PATH ? this.utimensat(dirfd, 0, timesAddr, 0) : -ERRNO.ENOENT;
      }
      if (flags & AT.SYMLINK_NOFOLLOW && Deno.lstatSync(path).isSymlink) return -ERRNO.EOPNOTSUPP;
      target = path;
    }
    const valid = (t: Time) => typeof t === "number" || (t.nsec >= 0 && t.nsec < 1e9);
    if (!valid(times[0]) || !valid(times[1])) return -ERRNO.EINVAL;
    const info = typeof target === "string" ? Deno.statSync(target) : target.statSync();
    const now = Date.now() / 1000;
    const seconds = (t: Time, old: Date | null): number => {
      if (typeof t !== "number") return t.sec + t.nsec / 1e9;
      if (t === UTIME.NOW) return now;
      return (old?.getTime() ?? 0) / 1000;
    };
    const atime = seconds(times[0], info.atime), mtime = seconds(times[1], info.mtime);
    if (typeof target === "string") Deno.utimeSync(target, atime, mtime);
    else target.utimeSync(atime, mtime);
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
    const entry = this.#fds.entry(fd);
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

  /** Gives a file the guest just created the mode its umask, not the host's, leaves. */
  #applyUmask(path: string, perm: number): void {
    const hostMask = sysInfo("umask", () => Deno.umask(), this.umask);
    if (hostMask !== this.umask) Deno.chmodSync(path, perm & ~this.umask);
  }

  /** Makes `path`, which must be a directory, the guest's working directory. */
  #enter(path: string): number {
    if (!Deno.statSync(path).isDirectory) return -ERRNO.ENOTDIR;
    this.#cwd = Deno.realPathSync(path);
    return 0;
  }

  /** The host path of `pathAddr` taken relative to `dirfd`, "" for an empty path, or -errno. */
  #resolve(dirfd: number, pathAddr: number): string | number {
    const path = readPath(this.#mem, pathAddr);
    if (typeof path === "number" || path === "" || path.startsWith("/")) return path;
    if (dirfd === AT.FDCWD) return this.#cwd === undefined ? path : `${this.#cwd}/${path}`;
    const entry = this.#fds.entry(dirfd);
    if (!entry) return -ERRNO.EBADF;
    if (entry.kind !== "dir" && entry.kind !== "path") return -ERRNO.ENOTDIR;
    return `${entry.path}/${path}`;
  }

  #statFd(fd: number): StatInfo | number {
    if (fd === AT.FDCWD) return statInfo(Deno.statSync(this.#cwd ?? "."));
    const entry = this.#fds.entry(fd);
    if (!entry) return -ERRNO.EBADF;
    switch (entry.kind) {
      case "file":
        return statInfo(entry.file.statSync());
      case "dir":
      case "path":
      case "hosted":
        return statInfo(Deno.statSync(entry.path));
      case "pipe":
        return pipeInfo(this.#ids.uid, this.#ids.gid, entry.pipe.ino);
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
}

/** A time utimensat sets: UTIME.NOW, UTIME.OMIT, or seconds and nanoseconds. */
type Time = number | { sec: number; nsec: number };

/**
 * Whether a call on this file may block: a FIFO, a socket, a character device other than the
 * memory ones (/dev/null, /dev/zero, /dev/urandom...: major 1), such as a terminal.
 */
function mayBlock(info: Deno.FileInfo): boolean {
  const major = ((info.rdev ?? 0) >> 8) & 0xfff;
  return info.isFifo === true || info.isSocket === true ||
    (info.isCharDevice === true && major !== 1);
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

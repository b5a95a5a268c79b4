/**
 * The syscalls on the descriptor table itself: dup, dup3, fcntl64, pipe2, and ppoll_time64.
 *
 * Record locks (F_GETLK, F_SETLK...) never conflict, as no other process shares the guest's files:
 * F_GETLK reports the range unlocked and F_SETLK/F_SETLKW succeed. ppoll finds the standard streams
 * and files always ready; when nothing is ready it sleeps out its timeout, and without a timeout
 * (nothing could ever wake it) it fails with EINTR at once.
 * @module
 */

import type { Memory } from "../memory.ts";
import { F, FD_CLOEXEC, LOCK, O, PIPE_SIZE, POLL, SIZE } from "./_abi.ts";
import { ERRNO, ERRNO_RESTARTSYS } from "./_errno.ts";
import { type Entry, type FdTable, MAX_FDS, Pipe, SETFL_MASK } from "./_fdtable.ts";
import { canRead, canWrite } from "./_guest.ts";
import { debuggerStopped, readTimespec, sleepNs, writeTimespec } from "./_time.ts";

/** The flags pipe2 accepts. */
const PIPE2_FLAGS = O.CLOEXEC | O.NONBLOCK | O.DIRECT;
/** What poll reports for objects that are always ready (the kernel's DEFAULT_POLLMASK). */
const ALWAYS_READY = POLL.IN | POLL.OUT | POLL.RDNORM | POLL.WRNORM;
/** Lock commands and the size of the struct each takes. */
const LOCK_STRUCT: ReadonlyMap<number, number> = new Map([
  [F.GETLK, SIZE.FLOCK],
  [F.SETLK, SIZE.FLOCK],
  [F.SETLKW, SIZE.FLOCK],
  [F.GETLK64, SIZE.FLOCK64],
  [F.SETLK64, SIZE.FLOCK64],
  [F.SETLKW64, SIZE.FLOCK64],
  [F.OFD_GETLK, SIZE.FLOCK64],
  [F.OFD_SETLK, SIZE.FLOCK64],
  [F.OFD_SETLKW, SIZE.FLOCK64],
]);
const GETLK: ReadonlySet<number> = new Set([F.GETLK, F.GETLK64, F.OFD_GETLK]);
const OFD_LOCK: ReadonlySet<number> = new Set([F.OFD_GETLK, F.OFD_SETLK, F.OFD_SETLKW]);

/** dup, dup3, fcntl64, pipe2 and ppoll_time64 over the descriptor table. */
export class GuestFds {
  readonly #mem: Memory;
  readonly #fds: FdTable;
  #pipes = 0;
  #owner = 0;
  #signal = 0;
  readonly #sleep: (ms: number) => number;

  /**
   * @param mem guest memory
   * @param fds the descriptor table
   * @param sleep sleeps the milliseconds given, or less when a signal is due: returns those left
   */
  constructor(
    mem: Memory,
    fds: FdTable,
    sleep: (ms: number) => number = (ms) => (sleepNs(BigInt(Math.round(ms * 1e6))), 0),
  ) {
    this.#mem = mem;
    this.#fds = fds;
    this.#sleep = sleep;
  }

  /** dup(oldfd): the lowest free descriptor, sharing the description. */
  dup(fd: number): number {
    return this.#dupFrom(fd, 0, false);
  }

  /** dup3(oldfd, newfd, flags): flags may only be O_CLOEXEC, and the descriptors must differ. */
  dup3(oldfd: number, newfd: number, flags: number): number {
    if (flags & ~O.CLOEXEC || oldfd === newfd) return -ERRNO.EINVAL;
    if (newfd < 0 || newfd >= MAX_FDS || !this.#fds.has(oldfd)) return -ERRNO.EBADF;
    return this.#fds.place(newfd, oldfd, (flags & O.CLOEXEC) !== 0);
  }

  /** fcntl64(fd, cmd, arg) */
  fcntl64(fd: number, cmd: number, arg: number): number {
    const desc = this.#fds.get(fd);
    if (!desc) return -ERRNO.EBADF;
    const path = desc.entry.kind === "path";
    const lockSize = LOCK_STRUCT.get(cmd);
    if (lockSize !== undefined) return path ? -ERRNO.EBADF : this.#lock(desc.entry, cmd, arg);
    switch (cmd) {
      case F.DUPFD:
      case F.DUPFD_CLOEXEC:
        return this.#dupFrom(fd, arg | 0, cmd === F.DUPFD_CLOEXEC);
      case F.GETFD:
        return this.#fds.cloexec(fd) ? FD_CLOEXEC : 0;
      case F.SETFD:
        this.#fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
        return 0;
      case F.GETFL:
        return desc.flags;
      case F.SETFL:
        if (path) return -ERRNO.EBADF;
        desc.flags = (arg & SETFL_MASK) | (desc.flags & ~SETFL_MASK);
        return 0;
    }
    if (path) return -ERRNO.EBADF;
    const pipe = desc.entry.kind === "pipe" ? desc.entry.pipe : undefined;
    switch (cmd) {
      case F.GETOWN:
        return this.#owner;
      case F.SETOWN:
        this.#owner = arg | 0;
        return 0;
      case F.GETSIG:
        return this.#signal;
      case F.SETSIG:
        if (arg >>> 0 > 64) return -ERRNO.EINVAL;
        this.#signal = arg;
        return 0;
      case F.GETOWN_EX: {
        if (!canWrite(this.#mem, arg, 8)) return -ERRNO.EFAULT;
        // struct f_owner_ex: F_OWNER_PGRP (2) for a process group, else F_OWNER_PID (1).
        const owner = [this.#owner < 0 ? 2 : 1, Math.abs(this.#owner)];
        this.#mem.write(arg, new Uint8Array(new Int32Array(owner).buffer));
        return 0;
      }
      case F.SETOWN_EX: {
        if (!canRead(this.#mem, arg, 8)) return -ERRNO.EFAULT;
        const v = new DataView(this.#mem.read(arg, 8).buffer);
        const type = v.getInt32(0, true), owner = v.getInt32(4, true);
        if (type >>> 0 > 2) return -ERRNO.EINVAL;
        this.#owner = type === 2 ? -owner : owner;
        return 0;
      }
      case F.GETLEASE:
        return LOCK.UNLCK;
      case F.SETLEASE:
        // Removing none is fine; taking one fails as the guest's own open counts against it.
        if (arg === LOCK.UNLCK) return 0;
        if (arg !== LOCK.RDLCK && arg !== LOCK.WRLCK) return -ERRNO.EINVAL;
        return desc.entry.kind === "file" ? -ERRNO.EAGAIN : -ERRNO.EINVAL;
      case F.GETPIPE_SZ:
        return pipe ? pipe.capacity : -ERRNO.EBADF;
      case F.SETPIPE_SZ:
        return pipe ? setPipeSize(pipe, arg >>> 0) : -ERRNO.EBADF;
      case F.NOTIFY:
        return desc.entry.kind === "dir" ? 0 : -ERRNO.ENOTDIR;
    }
    // Seals (no memfd here) and unknown commands.
    return -ERRNO.EINVAL;
  }

  /** pipe2(pipefd, flags): two descriptors on a new in-memory pipe, read end first. */
  pipe2(addr: number, flags: number): number {
    if (flags & ~PIPE2_FLAGS) return -ERRNO.EINVAL;
    if (!canWrite(this.#mem, addr, 8)) return -ERRNO.EFAULT;
    const first = this.#fds.free();
    if (first < 0 || this.#fds.free(first + 1) < 0) return -ERRNO.EMFILE;
    const pipe = new Pipe(++this.#pipes);
    const cloexec = (flags & O.CLOEXEC) !== 0;
    const readFd = this.#fds.add({ kind: "pipe", pipe, end: "read" }, flags & O.NONBLOCK, cloexec);
    const writeFlags = O.WRONLY | (flags & (O.NONBLOCK | O.DIRECT));
    const writeFd = this.#fds.add({ kind: "pipe", pipe, end: "write" }, writeFlags, cloexec);
    const fds = new DataView(new ArrayBuffer(8));
    fds.setInt32(0, readFd, true);
    fds.setInt32(4, writeFd, true);
    this.#mem.write(addr, new Uint8Array(fds.buffer));
    return 0;
  }

  /**
   * ppoll_time64(fds, nfds, timeout, sigmask, sigsetsize): fills each revents and returns how many
   * are non-zero; writes the time left back to `timeout`, as the kernel does.
   */
  ppoll(addr: number, nfds: number, timeout: number, sigmask: number, sigsetsize: number): number {
    const mem = this.#mem;
    let wait: bigint | undefined;
    if (timeout) {
      const ns = readTimespec(mem, timeout);
      if (typeof ns === "number") return ns;
      if (ns < 0n) return -ERRNO.EINVAL;
      wait = ns;
    }
    if (sigmask) {
      if (sigsetsize !== SIZE.SIGSET) return -ERRNO.EINVAL;
      if (!canRead(mem, sigmask, SIZE.SIGSET)) return -ERRNO.EFAULT;
    }
    if (nfds >>> 0 > MAX_FDS) return -ERRNO.EINVAL;
    const len = nfds * SIZE.POLLFD;
    if (!canRead(mem, addr, len) || !canWrite(mem, addr, len)) return -ERRNO.EFAULT;
    let ready = 0;
    for (let at = addr; at < addr + len; at += SIZE.POLLFD) {
      const fd = mem.load32(at, 0);
      const events = mem.load16(at + 4, 0);
      const revents = fd < 0 ? 0 : this.#poll(fd, events | POLL.ERR | POLL.HUP);
      mem.write(at + 6, new Uint8Array([revents & 0xff, revents >>> 8]));
      if (revents) ready++;
    }
    if (ready === 0 && wait === undefined) return -ERRNO.EINTR;
    // Cut short by a signal: EINTR, whatever SA_RESTART says (as Linux's ppoll).
    const left = ready === 0 ? this.#sleep(Number(wait!) / 1e6) : 0;
    if (debuggerStopped(left)) return -ERRNO_RESTARTSYS;
    if (left > 0) return -ERRNO.EINTR;
    if (timeout && canWrite(mem, timeout, SIZE.TIMESPEC64)) {
      writeTimespec(mem, timeout, ready ? wait! : 0n);
    }
    return ready;
  }

  /** The revents of descriptor `fd` for `events` (POLLERR and POLLHUP included). */
  #poll(fd: number, events: number): number {
    const entry = this.#fds.entry(fd);
    if (!entry || entry.kind === "path") return POLL.NVAL;
    if (entry.kind !== "pipe") return ALWAYS_READY & events;
    const pipe = entry.pipe;
    let mask = 0;
    if (entry.end === "read") {
      if (pipe.size > 0) mask |= POLL.IN | POLL.RDNORM;
      if (pipe.writers === 0) mask |= POLL.HUP;
    } else {
      if (pipe.size < pipe.capacity) mask |= POLL.OUT | POLL.WRNORM;
      if (pipe.readers === 0) mask |= POLL.ERR;
    }
    return mask & events;
  }

  /** F_DUPFD: the lowest free descriptor at or above `min`. */
  #dupFrom(fd: number, min: number, cloexec: boolean): number {
    if (!this.#fds.has(fd)) return -ERRNO.EBADF;
    if (min < 0 || min >= MAX_FDS) return -ERRNO.EINVAL;
    const to = this.#fds.free(min);
    return to < 0 ? -ERRNO.EMFILE : this.#fds.place(to, fd, cloexec);
  }

  /** The record lock commands: nothing else holds locks, so none ever conflicts. */
  #lock(entry: Entry, cmd: number, arg: number): number {
    const size = LOCK_STRUCT.get(cmd)!;
    if (!canRead(this.#mem, arg, size)) return -ERRNO.EFAULT;
    const lock = new DataView(this.#mem.read(arg, size).buffer);
    const type = lock.getInt16(0, true);
    if (type !== LOCK.RDLCK && type !== LOCK.WRLCK && type !== LOCK.UNLCK) return -ERRNO.EINVAL;
    if (OFD_LOCK.has(cmd) && lock.getInt32(size - 8, true) !== 0) return -ERRNO.EINVAL;
    if (GETLK.has(cmd)) {
      if (!canWrite(this.#mem, arg, 2)) return -ERRNO.EFAULT;
      this.#mem.write(arg, new Uint8Array([LOCK.UNLCK, 0]));
      return 0;
    }
    const readable = !("readable" in entry) || entry.readable;
    const writable = !("writable" in entry) || entry.writable;
    if ((type === LOCK.RDLCK && !readable) || (type === LOCK.WRLCK && !writable)) {
      return -ERRNO.EBADF;
    }
    return 0;
  }
}

/** F_SETPIPE_SZ: the capacity becomes `size` rounded up to a power of two pages. */
function setPipeSize(pipe: Pipe, size: number): number {
  if (size > PIPE_SIZE.MAX) return -ERRNO.EPERM;
  let capacity = 4096;
  while (capacity < size) capacity *= 2;
  if (capacity < pipe.size) return -ERRNO.EBUSY;
  pipe.capacity = capacity;
  return capacity;
}

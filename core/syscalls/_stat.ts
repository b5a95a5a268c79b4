/**
 * File metadata as riscv32 guests read it: `struct stat64` (fstat64, fstatat64) and `struct statx`,
 * filled from Deno's `FileInfo`.
 *
 * Layouts (little-endian, offsets in bytes), checked against what qemu-riscv32 writes:
 * - stat64 (104): dev u64 @0, ino u64 @8, mode @16, nlink @20, uid @24, gid @28, rdev u64 @32,
 *   size i64 @48, blksize @56, blocks i64 @64, atime/mtime/ctime as (i32 sec, u32 nsec) @72/80/88.
 * - statx (256): mask @0, blksize @4, attributes u64 @8, nlink @16, uid @20, gid @24, mode u16 @28,
 *   ino u64 @32, size u64 @40, blocks u64 @48, attributes_mask u64 @56, atime/btime/ctime/mtime as
 *   (i64 sec, u32 nsec, pad) @64/80/96/112, rdev major/minor @128/132, dev major/minor @136/140.
 * @module
 */

import { S_IF, SIZE, STATX } from "./_abi.ts";

/** The metadata both layouts are filled from. */
export interface StatInfo {
  /** `st_dev` in the host's (Linux) encoding. */
  dev: number;
  ino: number;
  /** File type and permission bits. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** `st_rdev` in the host's encoding. */
  rdev: number;
  size: number;
  blksize: number;
  /** Number of 512-byte blocks. */
  blocks: number;
  atime: Date | null;
  mtime: Date | null;
  ctime: Date | null;
  birthtime: Date | null;
}

/** Device number of the pseudo-terminal that the guest's stdin/stdout/stderr claim to be. */
const PTS_RDEV = makedev(136, 0);
/** Device number of devpts on a typical Linux host. */
const DEVPTS_DEV = makedev(0, 24);
/** Device number of pipefs on a typical Linux host. */
const PIPEFS_DEV = makedev(0, 14);
/** What Linux reports as st_blksize for a terminal. */
const TTY_BLKSIZE = 1024;

/**
 * Converts Deno's `FileInfo` to {@linkcode StatInfo}.
 * @param info what `Deno.statSync` or `FsFile.statSync` returned
 * @returns the metadata
 */
export function statInfo(info: Deno.FileInfo): StatInfo {
  return {
    dev: info.dev,
    ino: info.ino ?? 0,
    mode: info.mode ?? fileType(info) | 0o644,
    nlink: info.nlink ?? 1,
    uid: info.uid ?? 0,
    gid: info.gid ?? 0,
    rdev: info.rdev ?? 0,
    size: info.size,
    blksize: info.blksize ?? 4096,
    blocks: info.blocks ?? Math.ceil(info.size / 512),
    atime: info.atime,
    mtime: info.mtime,
    ctime: info.ctime,
    birthtime: info.birthtime,
  };
}

/**
 * Metadata for the guest's standard streams: a character device (a terminal) owned by the user.
 * @param uid the owner
 * @param gid the group
 * @returns the metadata
 */
export function terminalInfo(uid: number, gid: number): StatInfo {
  const now = new Date();
  return {
    dev: DEVPTS_DEV,
    ino: 3,
    mode: S_IF.CHR | 0o620,
    nlink: 1,
    uid,
    gid,
    rdev: PTS_RDEV,
    size: 0,
    blksize: TTY_BLKSIZE,
    blocks: 0,
    atime: now,
    mtime: now,
    ctime: now,
    birthtime: null,
  };
}

/**
 * Metadata for a pipe: a FIFO owned by the user, on pipefs, as Linux reports one.
 * @param uid the owner
 * @param gid the group
 * @param ino the pipe's inode number
 * @returns the metadata
 */
export function pipeInfo(uid: number, gid: number, ino: number): StatInfo {
  const now = new Date();
  return {
    dev: PIPEFS_DEV,
    ino,
    mode: S_IF.IFO | 0o600,
    nlink: 1,
    uid,
    gid,
    rdev: 0,
    size: 0,
    blksize: 4096,
    blocks: 0,
    atime: now,
    mtime: now,
    ctime: now,
    birthtime: null,
  };
}

/**
 * Encodes `struct stat64` of riscv32.
 * @param s the metadata
 * @returns the 104 bytes
 */
export function encodeStat64(s: StatInfo): Uint8Array {
  const bytes = new Uint8Array(SIZE.STAT64);
  const v = new DataView(bytes.buffer);
  v.setBigUint64(0, BigInt(s.dev), true);
  v.setBigUint64(8, BigInt(s.ino), true);
  v.setUint32(16, s.mode, true);
  v.setUint32(20, s.nlink, true);
  v.setUint32(24, s.uid, true);
  v.setUint32(28, s.gid, true);
  v.setBigUint64(32, BigInt(s.rdev), true);
  v.setBigInt64(48, BigInt(s.size), true);
  v.setInt32(56, s.blksize, true);
  v.setBigInt64(64, BigInt(s.blocks), true);
  [s.atime, s.mtime, s.ctime].forEach((t, i) => {
    const [sec, nsec] = timeParts(t);
    v.setInt32(72 + 8 * i, sec, true);
    v.setUint32(76 + 8 * i, nsec, true);
  });
  return bytes;
}

/**
 * Encodes `struct statx`.
 * @param s the metadata
 * @returns the 256 bytes; stx_mask says which fields are filled
 */
export function encodeStatx(s: StatInfo): Uint8Array {
  const bytes = new Uint8Array(SIZE.STATX);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, STATX.BASIC_STATS | (s.birthtime ? STATX.BTIME : 0), true);
  v.setUint32(4, s.blksize, true);
  v.setUint32(16, s.nlink, true);
  v.setUint32(20, s.uid, true);
  v.setUint32(24, s.gid, true);
  v.setUint16(28, s.mode, true);
  v.setBigUint64(32, BigInt(s.ino), true);
  v.setBigUint64(40, BigInt(s.size), true);
  v.setBigUint64(48, BigInt(s.blocks), true);
  [s.atime, s.birthtime, s.ctime, s.mtime].forEach((t, i) => {
    const [sec, nsec] = timeParts(t);
    v.setBigInt64(64 + 16 * i, BigInt(sec), true);
    v.setUint32(72 + 16 * i, nsec, true);
  });
  v.setUint32(128, major(s.rdev), true);
  v.setUint32(132, minor(s.rdev), true);
  v.setUint32(136, major(s.dev), true);
  v.setUint32(140, minor(s.dev), true);
  return bytes;
}

function fileType(info: Deno.FileInfo): number {
  if (info.isDirectory) return S_IF.DIR;
  if (info.isSymlink) return S_IF.LNK;
  if (info.isCharDevice) return S_IF.CHR;
  if (info.isBlockDevice) return S_IF.BLK;
  if (info.isFifo) return S_IF.IFO;
  if (info.isSocket) return S_IF.SOCK;
  return S_IF.REG;
}

/** Seconds and nanoseconds since the epoch; Deno's dates have millisecond precision. */
function timeParts(t: Date | null): [number, number] {
  const ms = t?.getTime() ?? 0;
  const sec = Math.floor(ms / 1000);
  return [sec, (ms - sec * 1000) * 1e6];
}

// glibc's makedev/major/minor for the 64-bit dev_t encoding Linux hosts use.
function makedev(maj: number, min: number): number {
  return ((maj & 0xfff) << 8 | (min & 0xff) | (min & ~0xff) << 12) >>> 0;
}

function major(dev: number): number {
  const lo = dev >>> 0;
  const hi = Math.floor(dev / 2 ** 32) >>> 0;
  return ((lo >>> 8) & 0xfff | hi & ~0xfff) >>> 0;
}

function minor(dev: number): number {
  const lo = dev >>> 0;
  const hi = Math.floor(dev / 2 ** 32) >>> 0;
  return ((lo & 0xff) | ((lo >>> 12) | (hi << 20)) & ~0xff) >>> 0;
}

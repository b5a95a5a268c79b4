/**
 * Guest memory: one flat 4 GiB buffer indexed by guest address, plus a permission byte per 4 KiB page.
 *
 * The buffer is committed lazily by the host, so an untouched page costs nothing. Translated code
 * reads the typed-array views and the permission table directly (see core/translate.ts); the
 * methods here are the slow paths and the bulk accessors used by the loader and the syscalls.
 * @module
 */

import { ADDRESS_SPACE } from "./address_map.ts";
import { GuestFault } from "./errors.ts";

/** Page size of the guest, in bytes. */
export const PAGE_SIZE = 4096;
/** log2 of {@linkcode PAGE_SIZE}. */
export const PAGE_SHIFT = 12;
/** Page may be read. Same value as Linux `PROT_READ`. */
export const PROT_READ = 1;
/** Page may be written. Same value as Linux `PROT_WRITE`. */
export const PROT_WRITE = 2;
/** Page may be executed. Same value as Linux `PROT_EXEC`. */
export const PROT_EXEC = 4;
/** Page holds guest code that has been translated: a store to it must invalidate translations. */
export const PAGE_CODE = 8;
/** Page is mapped (possibly with no access rights). */
export const PAGE_MAPPED = 16;
/** Page has been mapped at some time, so its bytes may be non-zero and need clearing on re-map. */
const PAGE_USED = 32;

const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;

/** The guest's address space. */
export class Memory {
  /** The whole address space, byte-indexed by guest address. */
  readonly u8: Uint8Array;
  /** Signed bytes view of {@linkcode u8}. */
  readonly i8: Int8Array;
  /** Half-word view (index = address >>> 1), valid for aligned accesses. */
  readonly u16: Uint16Array;
  /** Signed half-word view (index = address >>> 1). */
  readonly i16: Int16Array;
  /** Word view (index = address >>> 2), valid for aligned accesses. */
  readonly i32: Int32Array;
  /** One byte per page: PROT_* bits, {@linkcode PAGE_CODE}, {@linkcode PAGE_MAPPED}. */
  readonly perm: Uint8Array;
  /**
   * Called when a write to `[addr, addr + len)` hits page `page`, marked {@linkcode PAGE_CODE},
   * before the write lands (for map, unmap and protect: the whole page); `pc` is the guest
   * store's, for a store.
   */
  onCodeWrite: (page: number, addr: number, len: number, pc?: number) => void = () => {};

  constructor() {
    const buffer = new ArrayBuffer(ADDRESS_SPACE);
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.perm = new Uint8Array(ADDRESS_SPACE / PAGE_SIZE);
  }

  /**
   * Maps the pages covering `[addr, addr + len)` with protection `prot`, zero-filled.
   * @param addr start address (rounded down to a page)
   * @param len length in bytes (rounded up to whole pages)
   * @param prot PROT_* bits
   */
  map(addr: number, len: number, prot: number): void {
    const [first, last] = pageRange(addr, len);
    for (let p = first; p <= last; p++) {
      if (this.perm[p]! & PAGE_USED) this.u8.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
      if (this.perm[p]! & PAGE_CODE) this.onCodeWrite(p, p * PAGE_SIZE, PAGE_SIZE);
      this.perm[p] = (prot & PROT_MASK) | PAGE_MAPPED | PAGE_USED;
    }
  }

  /** Unmaps the pages covering `[addr, addr + len)`. */
  unmap(addr: number, len: number): void {
    const [first, last] = pageRange(addr, len);
    for (let p = first; p <= last; p++) {
      if (this.perm[p]! & PAGE_CODE) this.onCodeWrite(p, p * PAGE_SIZE, PAGE_SIZE);
      this.perm[p]! &= PAGE_USED;
    }
  }

  /** Changes the protection of the mapped pages covering `[addr, addr + len)`. */
  protect(addr: number, len: number, prot: number): void {
    const [first, last] = pageRange(addr, len);
    for (let p = first; p <= last; p++) {
      if (this.perm[p]! & PAGE_CODE) this.onCodeWrite(p, p * PAGE_SIZE, PAGE_SIZE);
      if (this.perm[p]! & PAGE_MAPPED) {
        this.perm[p] = (this.perm[p]! & ~PROT_MASK) | (prot & PROT_MASK);
      }
    }
  }

  /** Whether every page of `[addr, addr + len)` is mapped (`prot` 0) or grants all bits of `prot`. */
  check(addr: number, len: number, prot: number): boolean {
    if (len === 0) return true;
    const [first, last] = pageRange(addr, len);
    const need = prot === 0 ? PAGE_MAPPED : prot;
    for (let p = first; p <= last; p++) if ((this.perm[p]! & need) !== need) return false;
    return true;
  }

  /**
   * Finds `len` bytes of unmapped, page-aligned address space at or above `from`.
   * @returns the start address, or -1 when the address space is full
   */
  findFree(len: number, from: number): number {
    const pages = Math.ceil(len / PAGE_SIZE);
    let run = 0;
    for (let p = from >>> PAGE_SHIFT; p < this.perm.length; p++) {
      run = this.perm[p]! & PAGE_MAPPED ? 0 : run + 1;
      if (run === pages) return (p - pages + 1) * PAGE_SIZE;
    }
    return -1;
  }

  // Slow paths of the translated code and the interpreter's accessors. `pc` names the instruction
  // for the fault report.

  /** Loads an unsigned byte, faulting like the hardware would. */
  load8(addr: number, pc: number): number {
    addr >>>= 0;
    if (!(this.perm[addr >>> PAGE_SHIFT]! & PROT_READ)) throw new GuestFault("segv", pc, addr);
    return this.u8[addr]!;
  }

  /** Loads an unsigned half-word; misaligned addresses work, as on Linux user mode. */
  load16(addr: number, pc: number): number {
    addr >>>= 0;
    if (addr & 1 || !(this.perm[addr >>> PAGE_SHIFT]! & PROT_READ)) {
      return this.load8(addr, pc) | (this.load8(addr + 1, pc) << 8);
    }
    return this.u16[addr >>> 1]!;
  }

  /** Loads a word (as a signed 32-bit number); misaligned addresses work. */
  load32(addr: number, pc: number): number {
    addr >>>= 0;
    if (addr & 3 || !(this.perm[addr >>> PAGE_SHIFT]! & PROT_READ)) {
      return this.load16(addr, pc) | (this.load16(addr + 2, pc) << 16);
    }
    return this.i32[addr >>> 2]!;
  }

  /** Stores a byte, invalidating translated code it overwrites. */
  store8(addr: number, value: number, pc: number): void {
    addr >>>= 0;
    const perm = this.perm[addr >>> PAGE_SHIFT]!;
    if (!(perm & PROT_WRITE)) throw new GuestFault("segv", pc, addr);
    if (perm & PAGE_CODE) this.onCodeWrite(addr >>> PAGE_SHIFT, addr, 1, pc);
    this.u8[addr] = value;
  }

  /** Stores a half-word; misaligned addresses work. */
  store16(addr: number, value: number, pc: number): void {
    addr >>>= 0;
    // Check both bytes before writing either, so a faulting store changes nothing.
    this.#checkWrite(addr, 2, pc);
    this.store8(addr, value, pc);
    this.store8(addr + 1, value >>> 8, pc);
  }

  /** Stores a word; misaligned addresses work. */
  store32(addr: number, value: number, pc: number): void {
    addr >>>= 0;
    this.#checkWrite(addr, 4, pc);
    this.store16(addr, value, pc);
    this.store16(addr + 2, value >>> 16, pc);
  }

  #checkWrite(addr: number, len: number, pc: number): void {
    // Byte by byte, so the fault names the first byte that cannot be written.
    for (let i = 0; i < len; i++) {
      const a = (addr + i) >>> 0;
      if (!(this.perm[a >>> PAGE_SHIFT]! & PROT_WRITE)) throw new GuestFault("segv", pc, a);
    }
  }

  // Bulk accessors for the loader and the syscalls; they ignore PROT_* bits, callers check().

  /** Copies `len` guest bytes out, starting at `addr`. */
  read(addr: number, len: number): Uint8Array {
    addr >>>= 0;
    return this.u8.slice(addr, addr + len);
  }

  /** Copies `bytes` into guest memory at `addr`, invalidating translated code it overwrites. */
  write(addr: number, bytes: Uint8Array): void {
    addr >>>= 0;
    if (bytes.length === 0) return;
    const [first, last] = pageRange(addr, bytes.length);
    for (let p = first; p <= last; p++) {
      if (this.perm[p]! & PAGE_CODE) this.onCodeWrite(p, addr, bytes.length);
    }
    this.u8.set(bytes, addr);
  }

  /**
   * Reads a NUL-terminated string (UTF-8) at `addr`.
   * @returns the string, or `undefined` if it runs into an unreadable page or past `max` bytes
   */
  readCString(addr: number, max = PAGE_SIZE): string | undefined {
    addr >>>= 0;
    for (let i = 0; i < max; i++) {
      const a = (addr + i) >>> 0;
      if (!(this.perm[a >>> PAGE_SHIFT]! & PROT_READ)) return undefined;
      if (this.u8[a] === 0) return new TextDecoder().decode(this.u8.subarray(addr, a));
    }
    return undefined;
  }
}

function pageRange(addr: number, len: number): [number, number] {
  const first = (addr >>> 0) >>> PAGE_SHIFT;
  const last = Math.min(Math.floor(((addr >>> 0) + Math.max(len, 1) - 1) / PAGE_SIZE), 0xfffff);
  return [first, last];
}

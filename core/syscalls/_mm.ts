/**
 * The memory system calls: brk, mmap2, munmap, mprotect, madvise, over the page table of
 * core/memory.ts.
 *
 * madvise accepts every advice, as QEMU does; MADV_DONTNEED zeroes the pages that brk and
 * anonymous mmap2 made (Linux would also re-read file-backed pages, and zero the stack's: those
 * keep their contents here).
 * @module
 */

import { ADDRESS_SPACE } from "../address_map.ts";
import type { Memory } from "../memory.ts";
import { PAGE_MAPPED, PAGE_SHIFT, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from "../memory.ts";
import { MADV, MAP, PROT_EXTRA } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";

const PAGE_MASK = PAGE_SIZE - 1;
const PROT_RWX = PROT_READ | PROT_WRITE | PROT_EXEC;
/** Lowest address a mapping without MAP_FIXED may get (Linux's default `mmap_min_addr`). */
const MMAP_MIN_ADDR = 0x10000;

/** Reads the bytes a file mapping shows (see `GuestFiles.readForMap`). */
export type MapSource = (fd: number, offset: number, len: number) => Uint8Array | number;

function pageUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** The program break and the mmap area of the guest. */
export class GuestMappings {
  readonly #mem: Memory;
  readonly #mmapBase: number;
  readonly #source: MapSource;
  #brk = 0;
  #brkStart = 0;
  /** One byte per page: 1 for the anonymous pages brk and mmap2 made (allocated on first use). */
  #anon: Uint8Array | undefined;

  /**
   * @param mem guest memory
   * @param mmapBase where mappings without an address hint are placed from (growing up)
   * @param source reads file contents for file mappings
   */
  constructor(mem: Memory, mmapBase: number, source: MapSource) {
    this.#mem = mem;
    this.#mmapBase = mmapBase;
    this.#source = source;
  }

  /** The current program break. */
  get brk(): number {
    return this.#brk;
  }

  /** Sets the initial program break (the loader does, once); the break never shrinks below it. */
  set brk(addr: number) {
    this.#brk = this.#brkStart = addr >>> 0;
  }

  /** brk(addr): moves the break, mapping or unmapping whole pages; returns the (new) break. */
  setBreak(addr: number): number {
    const old = this.#brk;
    if (addr < this.#brkStart) return old;
    const oldTop = pageUp(old);
    const newTop = pageUp(addr);
    if (newTop > oldTop) {
      if (newTop > ADDRESS_SPACE || !this.#isFree(oldTop, newTop - oldTop)) return old;
      this.#mem.map(oldTop, newTop - oldTop, PROT_READ | PROT_WRITE);
      this.#markAnon(oldTop, newTop - oldTop, 1);
    } else if (newTop < oldTop) {
      this.#mem.unmap(newTop, oldTop - newTop);
      this.#markAnon(newTop, oldTop - newTop, 0);
    }
    this.#brk = addr;
    return addr;
  }

  /** mmap2(addr, length, prot, flags, fd, pgoffset): the offset counts 4096-byte units. */
  mmap2(addr: number, len: number, prot: number, flags: number, fd: number, pgoff: number): number {
    const type = flags & MAP.TYPE;
    if (
      len === 0 || (type !== MAP.SHARED && type !== MAP.PRIVATE && type !== MAP.SHARED_VALIDATE)
    ) {
      return -ERRNO.EINVAL;
    }
    if (prot & ~(PROT_RWX | PROT_EXTRA.SEM)) return -ERRNO.EINVAL;
    const size = pageUp(len);
    if (size >= ADDRESS_SPACE) return -ERRNO.ENOMEM;

    let contents: Uint8Array | undefined;
    if (!(flags & MAP.ANONYMOUS)) {
      // A private copy cannot carry the guest's writes back to the file.
      if (type !== MAP.PRIVATE && prot & PROT_WRITE) return -ERRNO.ENODEV;
      const read = this.#source(fd, pgoff * PAGE_SIZE, len);
      if (typeof read === "number") return read;
      contents = read;
    }

    let start: number;
    if (flags & (MAP.FIXED | MAP.FIXED_NOREPLACE)) {
      if (addr & PAGE_MASK) return -ERRNO.EINVAL;
      if (addr + size > ADDRESS_SPACE) return -ERRNO.ENOMEM;
      if (flags & MAP.FIXED_NOREPLACE && !this.#isFree(addr, size)) return -ERRNO.EEXIST;
      start = addr;
    } else {
      const hintOk = addr >= MMAP_MIN_ADDR && !(addr & PAGE_MASK) &&
        addr + size <= ADDRESS_SPACE && this.#isFree(addr, size);
      start = hintOk ? addr : this.#mem.findFree(size, this.#mmapBase);
      if (start < 0) start = this.#mem.findFree(size, MMAP_MIN_ADDR);
      if (start < 0) return -ERRNO.ENOMEM;
    }
    this.#mem.map(start, size, prot & PROT_RWX);
    if (contents) this.#mem.write(start, contents);
    this.#markAnon(start, size, contents ? 0 : 1);
    return start;
  }

  /** munmap(addr, length) */
  munmap(addr: number, len: number): number {
    if (addr & PAGE_MASK || len === 0 || addr + len > ADDRESS_SPACE) return -ERRNO.EINVAL;
    this.#mem.unmap(addr, len);
    this.#markAnon(addr, len, 0);
    return 0;
  }

  /** madvise(addr, length, advice): a hint, except that MADV_DONTNEED zeroes anonymous pages. */
  madvise(addr: number, len: number, advice: number): number {
    if (addr & PAGE_MASK) return -ERRNO.EINVAL;
    if (len === 0) return 0;
    const size = pageUp(len);
    if (size === 0 || addr + size > ADDRESS_SPACE) return -ERRNO.EINVAL;
    if (advice !== MADV.DONTNEED && advice !== MADV.DONTNEED_LOCKED) return 0;
    const zeros = new Uint8Array(PAGE_SIZE);
    for (let p = addr >>> PAGE_SHIFT; p < (addr + size) / PAGE_SIZE; p++) {
      // perm (like #anon) covers every page of the address space.
      if (this.#anon?.[p] && this.#mem.perm[p]! & PAGE_MAPPED) {
        this.#mem.write(p * PAGE_SIZE, zeros);
      }
    }
    return 0;
  }

  /** mprotect(addr, length, prot): -ENOMEM when part of the range is not mapped. */
  mprotect(addr: number, len: number, prot: number): number {
    if (addr & PAGE_MASK || prot & ~(PROT_RWX | PROT_EXTRA.SEM)) return -ERRNO.EINVAL;
    if (len === 0) return 0;
    const size = pageUp(len);
    if (addr + size > ADDRESS_SPACE || !this.#mem.check(addr, size, 0)) return -ERRNO.ENOMEM;
    this.#mem.protect(addr, size, prot & PROT_RWX);
    return 0;
  }

  /** Records whether the pages of `[addr, addr + len)` are anonymous (1) or not (0). */
  #markAnon(addr: number, len: number, anon: 0 | 1): void {
    if (!this.#anon && !anon) return;
    this.#anon ??= new Uint8Array(ADDRESS_SPACE / PAGE_SIZE);
    this.#anon.fill(anon, addr >>> PAGE_SHIFT, Math.ceil((addr + len) / PAGE_SIZE));
  }

  /** Whether no page of `[addr, addr + len)` is mapped. */
  #isFree(addr: number, len: number): boolean {
    const last = (addr + len - 1) >>> PAGE_SHIFT;
    for (let p = addr >>> PAGE_SHIFT; p <= last; p++) {
      if (this.#mem.perm[p]! & PAGE_MAPPED) return false; // perm covers every page
    }
    return true;
  }
}

/**
 * The ELF loader: validates a static RV32 Linux executable and maps its segments into guest memory.
 * The initial stack (argc, argv, envp, auxv) is laid out by `setupStack()` in ./stack.ts.
 *
 * Only what a static ELF32 little-endian RISC-V executable needs is supported: no interpreter, no
 * relocations (a static-pie relocates itself), no vDSO. Every problem with the bytes is a user
 * mistake, reported as a `TypeError` (not the kind of file we run) or a `RangeError` (a size or an
 * address out of range), with a one-line message that names the file. The section headers are only
 * read for the symbol table, and a broken symbol table is ignored rather than reported.
 *
 * Where segments may go is in ./address_map.ts.
 * @module
 */

import { type ElfSymbol, readSymbols } from "./_elf_symbols.ts";
import { hex } from "./errors.ts";
import { type Memory, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from "./memory.ts";
import { ADDRESS_LIMIT, ET_DYN_BASE, STACK_GUARD, STACK_TOP } from "./address_map.ts";

export { type ElfSymbol, symbolAt } from "./_elf_symbols.ts";

/**
 * The most guest memory the loadable segments may span together, in bytes. No RV32 program we run
 * needs more; the limit keeps a corrupt `p_memsz` (say 3 GiB) from walking 786,432 page
 * entries. Host memory is committed only for pages the guest touches, so this is not about RAM.
 */
export const MAX_IMAGE_SIZE = 1024 * 1024 * 1024;

/** One loadable segment (PT_LOAD) of an {@linkcode ElfImage}, load bias applied. */
export interface ElfSegment {
  /** Guest address of the first byte. */
  vaddr: number;
  /** Size in memory; bytes past {@linkcode ElfSegment.filesz} are zero. Always > 0. */
  memsz: number;
  /** File offset of the bytes to copy. */
  offset: number;
  /** Number of bytes copied from the file. */
  filesz: number;
  /** `PROT_*` bits from `p_flags` (write implies read, as on Linux/RISC-V). */
  prot: number;
}

/** What {@linkcode parseElf} learned from a valid executable. */
export interface ElfImage {
  /** Entry point (`e_entry` plus the load bias). */
  entry: number;
  /** Guest address of the program headers, for `AT_PHDR`. */
  phdrAddr: number;
  /** Number of program headers, for `AT_PHNUM`. */
  phnum: number;
  /** Size of one program header (32), for `AT_PHENT`. */
  phent: number;
  /** Initial program break: the end of the highest segment, rounded up to a page. */
  brk: number;
  /** Added to every address of the file: 0 for ET_EXEC, `ET_DYN_BASE` (./address_map.ts) for ET_DYN. */
  loadBias: number;
  /** The loadable segments with non-zero size, in program header order. */
  segments: ElfSegment[];
  /** Named functions, objects and labels from `.symtab`, sorted by address; `[]` if stripped. */
  symbols: ElfSymbol[];
}

// ELF constants (from the System V gABI and the RISC-V psABI).
const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_RISCV = 243;
const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const EF_RISCV_FLOAT_ABI = 0x6;
const EF_RISCV_RVE = 0x8;
/** Linux reads at most one page of program headers (fs/binfmt_elf.c, load_elf_phdrs). */
const MAX_PHDR_BYTES = 4096;

const TYPE_NAMES: Record<number, string> = { 0: "ET_NONE", 1: "ET_REL", 4: "ET_CORE" };
const MACHINE_NAMES: Record<number, string> = {
  0: "none",
  3: "x86",
  8: "MIPS",
  20: "PowerPC",
  21: "PowerPC64",
  22: "S/390",
  40: "ARM",
  50: "IA-64",
  62: "x86-64",
  183: "AArch64",
  243: "RISC-V",
  258: "LoongArch",
};
const FLOAT_ABI_NAMES = ["soft", "ilp32f", "ilp32d", "ilp32q"];

/**
 * Parses and validates a static RV32 Linux executable. Throws only `TypeError` or `RangeError`,
 * whatever the bytes.
 *
 * @param bytes the whole file
 * @param name the file name, used in error messages
 * @returns what the loader and the stack setup need, and the symbols
 * @throws {TypeError} when the file is not a static RV32 little-endian RISC-V executable for an
 * ABI rvplug emulates
 * @throws {RangeError} when a header, size or address is out of range (truncated file,
 * overlapping segments, entry point outside the code...)
 *
 * @example Rejecting a file that is not an ELF file
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { parseElf } from "./elf.ts";
 *
 * assertThrows(
 *   () => parseElf(new TextEncoder().encode("#!/bin/sh\n"), "run.sh"),
 *   TypeError,
 *   'Cannot load "run.sh": not an ELF file',
 * );
 * ```
 */
export function parseElf(bytes: Uint8Array, name: string): ElfImage {
  // A declaration, not an arrow: TypeScript narrows after a call only to a declared `never`.
  function fail(Class: typeof TypeError, msg: string): never {
    throw new Class(`Cannot load "${name}": ${msg}`);
  }
  if (
    bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c ||
    bytes[3] !== 0x46
  ) {
    fail(TypeError, "not an ELF file");
  }
  if (bytes.length < EHDR_SIZE) {
    fail(RangeError, `truncated ELF header: the file has ${bytes.length} bytes, need ${EHDR_SIZE}`);
  }
  if (bytes[4] === ELFCLASS64) {
    fail(TypeError, "64-bit ELF files are not supported: rvplug emulates RV32");
  }
  if (bytes[4] !== ELFCLASS32) fail(TypeError, `unknown ELF class ${bytes[4]}`);
  if (bytes[5] === ELFDATA2MSB) {
    fail(TypeError, "big-endian ELF files are not supported: RISC-V is little-endian");
  }
  if (bytes[5] !== ELFDATA2LSB) fail(TypeError, `unknown ELF data encoding ${bytes[5]}`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);

  const type = u16(16);
  const machine = u16(18);
  if (machine !== EM_RISCV) {
    const known = MACHINE_NAMES[machine];
    fail(
      TypeError,
      `wrong machine: e_machine is ${machine}${known ? ` (${known})` : ""}, ` +
        `rvplug needs ${EM_RISCV} (RISC-V)`,
    );
  }
  if (type !== ET_EXEC && type !== ET_DYN) {
    const known = TYPE_NAMES[type];
    fail(TypeError, `not an executable: e_type is ${type}${known ? ` (${known})` : ""}`);
  }
  const flags = u32(36);
  if (flags & EF_RISCV_RVE) {
    fail(TypeError, "RV32E files are not supported: rvplug emulates RV32I with 32 registers");
  }
  if (flags & EF_RISCV_FLOAT_ABI) {
    const abi = FLOAT_ABI_NAMES[(flags & EF_RISCV_FLOAT_ABI) >> 1];
    fail(
      TypeError,
      `hard-float ABI ${abi} is not supported: rvplug emulates no F or D extension, ` +
        "build with -mabi=ilp32",
    );
  }

  const entryField = u32(24);
  const phoff = u32(28);
  const phentsize = u16(42);
  const phnum = u16(44);
  if (phnum === 0) fail(RangeError, "no loadable segment (PT_LOAD)");
  if (phentsize !== PHDR_SIZE) {
    fail(RangeError, `program header size e_phentsize is ${phentsize}, expected ${PHDR_SIZE}`);
  }
  if (phnum * PHDR_SIZE > MAX_PHDR_BYTES) {
    fail(
      RangeError,
      `too many program headers: e_phnum is ${phnum}, Linux accepts at most ` +
        `${MAX_PHDR_BYTES / PHDR_SIZE}`,
    );
  }
  if (phoff + phnum * PHDR_SIZE > bytes.length) {
    fail(
      RangeError,
      `truncated program headers: they end at byte ${phoff + phnum * PHDR_SIZE} ` +
        `but the file has ${bytes.length} bytes`,
    );
  }

  const loadBias = type === ET_DYN ? ET_DYN_BASE : 0;
  const segments: ElfSegment[] = [];
  // Each segment with its program header index, for messages.
  const numbered: { segment: ElfSegment; index: number }[] = [];
  let phdrVaddr = -1;
  let loadCount = 0;
  let total = 0;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE;
    const pType = u32(at);
    if (pType === PT_INTERP) {
      fail(TypeError, "dynamically linked (has PT_INTERP): only static executables are supported");
    }
    if (pType === PT_PHDR) phdrVaddr = u32(at + 8);
    if (pType !== PT_LOAD) continue;
    loadCount++;
    const offset = u32(at + 4);
    const vaddr = u32(at + 8) + loadBias;
    const filesz = u32(at + 16);
    const memsz = u32(at + 20);
    const pFlags = u32(at + 24);
    const what = `segment ${i} (PT_LOAD at ${hex(vaddr)})`;
    if (filesz > memsz) {
      fail(RangeError, `${what} has p_filesz ${hex(filesz)} larger than p_memsz ${hex(memsz)}`);
    }
    if (offset + filesz > bytes.length) {
      fail(
        RangeError,
        `${what} is past the end of the file: its bytes end at ${offset + filesz}, ` +
          `the file has ${bytes.length}`,
      );
    }
    if (memsz === 0) continue;
    const end = vaddr + memsz;
    if (end > 2 ** 32) fail(RangeError, `${what} with size ${hex(memsz)} wraps past 4 GiB`);
    if (end > ADDRESS_LIMIT) {
      fail(RangeError, `${what} ends at ${hex(end)}, above the top of guest memory`);
    }
    if (pageDown(vaddr) < STACK_TOP && end > STACK_GUARD) {
      fail(
        RangeError,
        `${what} overlaps the stack at ${hex(STACK_GUARD)}-${hex(STACK_TOP)}: ` +
          "link the program below it",
      );
    }
    total += pageUp(end) - pageDown(vaddr);
    if (total > MAX_IMAGE_SIZE) {
      fail(
        RangeError,
        `segments are too large: they span more than ${MAX_IMAGE_SIZE / 2 ** 20} MiB of memory`,
      );
    }
    let prot = (pFlags & PF_R ? PROT_READ : 0) | (pFlags & PF_X ? PROT_EXEC : 0);
    if (pFlags & PF_W) prot |= PROT_READ | PROT_WRITE;
    const segment = { vaddr, memsz, offset, filesz, prot };
    segments.push(segment);
    numbered.push({ segment, index: i });
  }
  if (loadCount === 0) fail(RangeError, "no loadable segment (PT_LOAD)");
  const byAddr = numbered.sort((a, b) => a.segment.vaddr - b.segment.vaddr);
  const lowest = byAddr[0]?.segment, highest = byAddr.at(-1)?.segment;
  if (!lowest || !highest) fail(RangeError, "all loadable segments (PT_LOAD) are empty");

  let prev: (typeof byAddr)[number] | undefined;
  for (const cur of byAddr) {
    if (prev && prev.segment.vaddr + prev.segment.memsz > cur.segment.vaddr) {
      fail(
        RangeError,
        `segments ${prev.index} and ${cur.index} overlap at ${hex(cur.segment.vaddr)}`,
      );
    }
    prev = cur;
  }

  const entry = (entryField + loadBias) >>> 0;
  const inCode = segments.some((s) =>
    s.prot & PROT_EXEC && entry >= s.vaddr && entry < s.vaddr + s.memsz
  );
  if (!inCode) fail(RangeError, `entry point ${hex(entry)} is not inside an executable segment`);

  return {
    entry,
    phdrAddr: phdrAddress(segments, phdrVaddr, loadBias, phoff, phnum, lowest),
    phnum,
    phent: PHDR_SIZE,
    brk: pageUp(highest.vaddr + highest.memsz),
    loadBias,
    segments,
    symbols: readSymbols(bytes, view, loadBias),
  };
}

/**
 * Maps the segments of a parsed executable into guest memory and copies their bytes.
 *
 * Each segment's pages are mapped with its protection; a page shared by two segments gets the
 * union of both. Bytes of a segment past `p_filesz`, and bytes of a page outside every segment,
 * are zero (Linux would show the neighbouring file bytes there; no correct program reads them).
 *
 * @param mem the guest memory to load into
 * @param bytes the file, as given to {@linkcode parseElf}
 * @param image what {@linkcode parseElf} returned for `bytes`
 * @throws {RangeError} when `bytes` is shorter than the segments of `image` say
 *
 * @example Loading a program
 * ```ts ignore
 * import { Memory } from "./memory.ts";
 * import { loadElf, parseElf } from "./elf.ts";
 *
 * const bytes = await Deno.readFile("examples/build/hello.elf");
 * const image = parseElf(bytes, "hello.elf");
 * const mem = new Memory();
 * loadElf(mem, bytes, image);
 * ```
 */
export function loadElf(mem: Memory, bytes: Uint8Array, image: ElfImage): void {
  for (const s of image.segments) {
    if (s.offset + s.filesz > bytes.length) {
      throw new RangeError(
        `Cannot load segment at ${hex(s.vaddr)}: its bytes end past the end of the file`,
      );
    }
  }
  // Map everything before copying anything: map() clears a page that was mapped before, which
  // would wipe what an earlier segment copied into a page it shares with a later one.
  const shared = new Map<number, number>();
  for (const s of image.segments) {
    mem.map(s.vaddr, s.memsz, s.prot);
    for (const page of [pageDown(s.vaddr), pageDown(s.vaddr + s.memsz - 1)]) {
      shared.set(page, (shared.get(page) ?? 0) | s.prot);
    }
  }
  for (const [page, prot] of shared) mem.protect(page, PAGE_SIZE, prot);
  for (const s of image.segments) {
    mem.write(s.vaddr, bytes.subarray(s.offset, s.offset + s.filesz));
  }
}

function pageDown(addr: number): number {
  return addr - (addr % PAGE_SIZE);
}

function pageUp(addr: number): number {
  return Math.ceil(addr / PAGE_SIZE) * PAGE_SIZE;
}

/** Where the program headers are in guest memory, as Linux computes `AT_PHDR`: PT_PHDR if there
 * is one, else the PT_LOAD that contains them, else where the lowest PT_LOAD would put them. */
function phdrAddress(
  segments: ElfSegment[],
  phdrVaddr: number,
  loadBias: number,
  phoff: number,
  phnum: number,
  lowest: ElfSegment,
): number {
  if (phdrVaddr >= 0) return (phdrVaddr + loadBias) >>> 0;
  const holder = segments.find((s) =>
    s.offset <= phoff && phoff + phnum * PHDR_SIZE <= s.offset + s.filesz
  );
  const base = holder ?? lowest;
  return (base.vaddr + phoff - base.offset) >>> 0;
}

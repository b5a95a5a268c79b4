/**
 * A minimal ELF32 writer for the loader tests, so that they need no cross toolchain, a few RV32I
 * instruction encoders for the fixture programs, and what the ELF, symbol and stack tests share: a
 * minimal executable, a byte patcher, a loader and a reader of the initial stack.
 * @module
 */

import { type ElfImage, loadElf, parseElf } from "./elf.ts";
import { Memory } from "./memory.ts";

/** A program header to write; `data` is placed in the file at an offset congruent to `vaddr`. */
export interface FixtureSegment {
  /** `p_type`. @default {1 (PT_LOAD)} */
  type?: number;
  vaddr: number;
  /** `p_flags` (PF_R = 4, PF_W = 2, PF_X = 1). */
  flags: number;
  /** The file bytes. @default {empty} */
  data?: Uint8Array;
  /** `p_memsz`. @default {data.length} */
  memsz?: number;
}

/** A `.symtab` entry to write. */
export interface FixtureSymbol {
  name: string;
  value: number;
  size: number;
  /** `STT_*`: 0 NOTYPE, 1 OBJECT, 2 FUNC, 3 SECTION, 4 FILE. */
  kind: number;
  /** `st_shndx`. @default {1} */
  shndx?: number;
}

/** What {@linkcode buildElf} writes. */
export interface FixtureOptions {
  /** `e_type`. @default {2 (ET_EXEC)} */
  type?: number;
  /** `e_flags`. @default {1 (RVC, soft float)} */
  flags?: number;
  entry: number;
  segments: FixtureSegment[];
  /** Written to `.symtab`/`.strtab` after the segments, with section headers. */
  symbols?: FixtureSymbol[];
}

/** Where {@linkcode buildElf} put things, for tests that patch the bytes. */
export interface FixtureLayout {
  bytes: Uint8Array;
  /** File offset of each program header. */
  phdrAt: number[];
  /** File offset of each segment's data. */
  dataAt: number[];
  /** File offset of the section headers, or 0. */
  shoff: number;
}

/** Writes a little-endian ELF32 RISC-V file. */
export function buildElf(opts: FixtureOptions): FixtureLayout {
  const phnum = opts.segments.length;
  let size = 52 + 32 * phnum;
  const placed = opts.segments.map((s) => {
    const len = s.data?.length ?? 0;
    size += (s.vaddr - size) & 0xfff; // p_offset ≡ p_vaddr (mod page size), as linkers do
    const dataAt = size;
    size += len;
    return { s, dataAt };
  });
  const dataAt = placed.map((p) => p.dataAt);

  let strtab = [0];
  const symbols = (opts.symbols ?? []).map((s) => {
    const nameAt = strtab.length;
    strtab = [...strtab, ...new TextEncoder().encode(s.name), 0];
    return { ...s, nameAt };
  });
  const withSections = opts.symbols !== undefined;
  const symtabAt = align(size, 4);
  const strtabAt = symtabAt + 16 * (symbols.length + 1);
  const shoff = withSections ? align(strtabAt + strtab.length, 4) : 0;
  if (withSections) size = shoff + 40 * 3;

  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const w16 = (at: number, v: number) => view.setUint16(at, v, true);
  const w32 = (at: number, v: number) => view.setUint32(at, v >>> 0, true);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  w16(16, opts.type ?? 2);
  w16(18, 243);
  w32(20, 1);
  w32(24, opts.entry);
  w32(28, 52);
  w32(32, shoff);
  w32(36, opts.flags ?? 1);
  w16(40, 52);
  w16(42, 32);
  w16(44, phnum);
  w16(46, withSections ? 40 : 0);
  w16(48, withSections ? 3 : 0);
  const phdrAt = placed.map(({ s, dataAt }, i) => {
    const at = 52 + 32 * i;
    const len = s.data?.length ?? 0;
    w32(at, s.type ?? 1);
    w32(at + 4, dataAt);
    w32(at + 8, s.vaddr);
    w32(at + 12, s.vaddr);
    w32(at + 16, len);
    w32(at + 20, s.memsz ?? len);
    w32(at + 24, s.flags);
    w32(at + 28, 0x1000);
    if (s.data) bytes.set(s.data, dataAt);
    return at;
  });

  if (withSections) {
    symbols.forEach((s, i) => {
      const at = symtabAt + 16 * (i + 1);
      w32(at, s.nameAt);
      w32(at + 4, s.value);
      w32(at + 8, s.size);
      bytes[at + 12] = 0x10 | s.kind; // STB_GLOBAL
      w16(at + 14, s.shndx ?? 1);
    });
    bytes.set(strtab, strtabAt);
    // Section 0 is SHT_NULL; 1 is .symtab (link 2), 2 is .strtab.
    w32(shoff + 40 + 4, 2);
    w32(shoff + 40 + 16, symtabAt);
    w32(shoff + 40 + 20, 16 * (symbols.length + 1));
    w32(shoff + 40 + 24, 2);
    w32(shoff + 40 + 36, 16);
    w32(shoff + 80 + 4, 3);
    w32(shoff + 80 + 16, strtabAt);
    w32(shoff + 80 + 20, strtab.length);
  }
  return { bytes, phdrAt, dataAt, shoff };
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** RV32I encoders, enough for the fixture programs. Registers are numbers (sp = 2, a0 = 10...). */
export const rv = {
  addi: (rd: number, rs1: number, imm: number): number =>
    ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13,
  lui: (rd: number, imm20: number): number => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37,
  auipc: (rd: number, imm20: number): number => ((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17,
  sw: (rs2: number, rs1: number, imm: number): number =>
    (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (2 << 12) | ((imm & 0x1f) << 7) |
    0x23,
  sub: (rd: number, rs1: number, rs2: number): number =>
    (0x20 << 25) | (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33,
  ecall: (): number => 0x73,
};

/** Packs instruction words into little-endian bytes. */
export function code(words: number[]): Uint8Array {
  const bytes = new Uint8Array(4 * words.length);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w >>> 0, true));
  return bytes;
}

const SP = 2;
const T0 = 5;
const A0 = 10;
const A1 = 11;
const A2 = 12;
const A7 = 17;
const SYS_WRITE = 64;
const SYS_EXIT = 93;

/**
 * A program that writes to stdout its pc and sp at entry (two little-endian words), then the
 * stack bytes from sp up to `end`, and exits with status 0. Position independent.
 */
export function stackDumpProgram(end: number): Uint8Array {
  const hi = (end + 0x800) >>> 12;
  const lo = end - hi * 4096;
  return code([
    rv.auipc(T0, 0),
    rv.sw(T0, SP, -8),
    rv.sw(SP, SP, -4),
    rv.addi(A0, 0, 1),
    rv.addi(A1, SP, -8),
    rv.addi(A2, 0, 8),
    rv.addi(A7, 0, SYS_WRITE),
    rv.ecall(),
    rv.addi(A0, 0, 1),
    rv.addi(A1, SP, 0),
    rv.lui(A2, hi),
    rv.addi(A2, A2, lo),
    rv.sub(A2, A2, A1),
    rv.addi(A7, 0, SYS_WRITE),
    rv.ecall(),
    rv.addi(A0, 0, 0),
    rv.addi(A7, 0, SYS_EXIT),
    rv.ecall(),
  ]);
}

// ---------------------------------------------------------------------------------------------
// What the ELF, symbol and stack tests share.

// `p_flags` bits, and where the minimal executable puts its text, data and entry point.
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const TEXT = 0x10000;
export const DATA = 0x11000;
export const ENTRY = TEXT + 0x80;

// A text segment and a data+bss segment.
export const TEXT_BYTES: Uint8Array = new Uint8Array(0x100).map((_, i) => i ^ 0x5a);
export const DATA_BYTES: Uint8Array = new Uint8Array(0x40).fill(0xd5);
export const MINIMAL: FixtureOptions = {
  entry: ENTRY,
  segments: [
    { vaddr: TEXT, flags: PF_R | PF_X, data: TEXT_BYTES },
    { vaddr: DATA, flags: PF_R | PF_W, data: DATA_BYTES, memsz: 0x2000 },
  ],
};

/** Patches little-endian fields of a copy of `bytes`: [offset, size, value]... */
export function patch(bytes: Uint8Array, ...fields: [number, 1 | 2 | 4, number][]): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (const [at, size, value] of fields) {
    if (size === 1) out[at] = value;
    else if (size === 2) view.setUint16(at, value, true);
    else view.setUint32(at, value >>> 0, true);
  }
  return out;
}

/** Parses `opts` written by {@linkcode buildElf} and loads it into a new memory. */
export function loaded(opts: FixtureOptions): [Memory, ElfImage] {
  const bytes = buildElf(opts).bytes;
  const image = parseElf(bytes, "prog");
  const mem = new Memory();
  loadElf(mem, bytes, image);
  return [mem, image];
}

/** What {@linkcode readStack} found from sp up. */
export interface InitialStack {
  argc: number;
  argv: string[];
  env: string[];
  auxv: Map<number, number>;
}

/** Reads argc, argv, envp and auxv from the initial stack at `sp`. */
export function readStack(mem: Memory, sp: number): InitialStack {
  const word = (addr: number) => mem.load32(addr, 0) >>> 0;
  const strings = (at: number): [string[], number] => {
    const out: string[] = [];
    for (; word(at) !== 0; at += 4) out.push(mem.readCString(word(at)) ?? "<bad>");
    return [out, at + 4];
  };
  const argc = word(sp);
  const [argv, envAt] = strings(sp + 4);
  const [env, auxAt] = strings(envAt);
  const auxv = new Map<number, number>();
  for (let at = auxAt;; at += 8) {
    auxv.set(word(at), word(at + 4));
    if (word(at) === 0) break;
  }
  return { argc, argv, env, auxv };
}

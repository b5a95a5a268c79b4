/**
 * The instruction table and the decoder built from it.
 * @module
 */

import { GuestFault } from "../errors.ts";
import { type Memory, PAGE_SHIFT, PROT_EXEC } from "../memory.ts";
import type { Format, Insn, InsnDef } from "./insn.ts";
import { RV32A } from "./rv32a.ts";
import { RV32I } from "./rv32i.ts";
import { RV32M } from "./rv32m.ts";
import { expandCompressed } from "./rvc.ts";
import { ZICSR } from "./zicsr.ts";

/** Every instruction rvplug implements: RV32IMA, Zicsr, Zifencei (C is expanded to these). */
export const INSTRUCTIONS: readonly InsnDef[] = [...RV32I, ...RV32M, ...RV32A, ...ZICSR];

/** The entry of encodings that are not instructions: executing one raises SIGILL. */
export const ILLEGAL: InsnDef = {
  name: "illegal",
  ext: "I",
  format: "none",
  mask: 0,
  match: 0,
  flow: "trap",
  exec(_i, _h, pc) {
    throw new GuestFault("ill", pc, pc);
  },
  emit: (_i, e) => e.fault("ill", String(e.pc)),
};

/** Table rows grouped by major opcode, so decoding scans a handful of rows. */
const BY_OPCODE: InsnDef[][] = Array.from(
  { length: 128 },
  (_, opc) => INSTRUCTIONS.filter((d) => (d.match & 0x7f) === opc),
);

function immediate(format: Format, w: number): number {
  switch (format) {
    case "I":
    case "load":
    case "jalr":
      return w >> 20;
    case "shift":
      return (w >>> 20) & 31;
    case "csr":
    case "csri":
      return w >>> 20;
    case "S":
      return ((w >> 25) << 5) | ((w >>> 7) & 0x1f);
    case "B":
      return ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) |
        (((w >>> 8) & 0xf) << 1);
    case "U":
      return w & 0xfffff000;
    case "J":
      return ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) |
        (((w >>> 21) & 0x3ff) << 1);
    default:
      return 0;
  }
}

/**
 * Decoded instructions by their bits: cold code runs in the interpreter, which decodes each
 * instruction it runs, and a lookup is several times cheaper than decoding. Keyed by the bits,
 * not the address, so code that rewrites itself needs nothing more; instructions are immutable.
 */
const DECODED = new Map<number, Insn>();
const DECODED_MAX = 1 << 16;

/**
 * Decodes one instruction.
 * @param raw the instruction bits: a 32-bit word, or a 16-bit compressed instruction in the low half
 * @returns the decoded instruction; unknown encodings decode to {@linkcode ILLEGAL}
 */
export function decode(raw: number): Insn {
  raw = (raw & 3) === 3 ? raw >>> 0 : raw & 0xffff;
  let insn = DECODED.get(raw);
  if (insn === undefined) {
    // Bounded: a guest that generates code could otherwise grow it without end.
    if (DECODED.size >= DECODED_MAX) DECODED.clear();
    insn = decodeBits(raw);
    DECODED.set(raw, insn);
  }
  return insn;
}

/** Decodes `raw`, which {@linkcode decode} made a 32-bit word or a 16-bit compressed one. */
function decodeBits(raw: number): Insn {
  const size = (raw & 3) === 3 ? 4 : 2;
  const bits = size === 4 ? raw : expandCompressed(raw);
  const def = BY_OPCODE[bits & 0x7f]!.find((d) => ((bits & d.mask) >>> 0) === d.match) ?? ILLEGAL;
  return {
    def,
    rd: (bits >>> 7) & 31,
    rs1: (bits >>> 15) & 31,
    rs2: (bits >>> 20) & 31,
    imm: immediate(def.format, bits),
    size,
    raw,
  };
}

/** The address a fetch at `pc` faults on: `pc`, or its second half for one crossing a page. */
export function fetchFaultAddress(mem: Memory, pc: number): number {
  return mem.perm[(pc >>> 0) >>> PAGE_SHIFT]! & PROT_EXEC ? (pc + 2) >>> 0 : pc >>> 0;
}

/**
 * Fetches and decodes the instruction at `pc`.
 * @returns the instruction, or `undefined` when its bytes are not all on executable pages
 */
export function fetchInsn(mem: Memory, pc: number): Insn | undefined {
  pc >>>= 0;
  const executable = (a: number) => (mem.perm[(a >>> PAGE_SHIFT) & 0xfffff]! & PROT_EXEC) !== 0;
  if (!executable(pc)) return undefined;
  const lo = mem.u8[pc]! | (mem.u8[pc + 1]! << 8);
  if ((lo & 3) !== 3) return decode(lo);
  if (!executable(pc + 2)) return undefined;
  return decode((lo | (mem.u8[pc + 2]! << 16) | (mem.u8[pc + 3]! << 24)) >>> 0);
}

/**
 * Types shared by the decoder, the interpreter, the translator and the disassembler: a decoded
 * instruction, the table entry that defines it, and the two interfaces its semantics run against
 * ({@linkcode Hart} for the interpreter, {@linkcode Emitter} for the translator).
 * @module
 */

import type { RuntimeCall } from "../_runtime.ts";
import type { CpuState } from "../cpu.ts";
import type { Memory } from "../memory.ts";

/** ISA extension an instruction belongs to. */
export type Ext = "I" | "M" | "A" | "Zicsr" | "Zifencei";

/**
 * Operand layout, which drives immediate decoding and disassembly.
 * `shift`: I-type with a 5-bit shamt; `csr`/`csri`: CSR number in imm, rs1 register or 5-bit uimm;
 * `amo`: R-type with aq/rl bits; `lr`: `amo` without rs2; `none`: no operands.
 */
export type Format =
  | "R"
  | "I"
  | "S"
  | "B"
  | "U"
  | "J"
  | "load"
  | "jalr"
  | "shift"
  | "csr"
  | "csri"
  | "amo"
  | "lr"
  | "none";

/**
 * How an instruction affects control flow, which decides where translated blocks end.
 * `next`: falls through; `branch`: conditional; `jump`: unconditional direct; `indirect`: jalr;
 * `trap`: leaves the straight path through the runtime (ecall, ebreak, illegal); `sync`: must end
 * the block because it observes or changes state the block assumed fixed (fence.i, CSR access).
 */
export type Flow = "next" | "branch" | "jump" | "indirect" | "trap" | "sync";

/** A decoded instruction. */
export interface Insn {
  /**
   * Table entry of the instruction (internal: its semantics and emitter).
   * @ignore
   */
  readonly def: InsnDef;
  /** Destination register number (0-31). */
  readonly rd: number;
  /** First source register number (0-31). */
  readonly rs1: number;
  /** Second source register number (0-31). */
  readonly rs2: number;
  /** Sign-extended immediate; the CSR number for CSR instructions. */
  readonly imm: number;
  /** 2 for a compressed instruction, 4 otherwise. */
  readonly size: 2 | 4;
  /** The instruction bits as fetched (16 bits for compressed ones). */
  readonly raw: number;
}

/** What the interpreter gives an instruction's reference semantics. */
export interface Hart {
  readonly cpu: CpuState;
  readonly mem: Memory;
  /**
   * Runs the syscall in a7 with a0..a5, writing the result to a0; may return where to go on
   * (a signal handler, rt_sigreturn's restored pc) instead of the next instruction.
   */
  ecall(pc: number): number | void;
  /** Reads a user CSR; throws an illegal-instruction fault for one that does not exist. */
  readCsr(csr: number, pc: number): number;
}

/**
 * What the translator gives an instruction's emitter: each method returns JS source text.
 * Register reads are side-effect free expressions; writes to x0 drop the value.
 */
export interface Emitter {
  /** Guest pc of the instruction. */
  readonly pc: number;
  /** Guest pc of the next instruction on the straight path. */
  readonly next: number;
  /** An int32 expression reading register `n`. */
  r(n: number): string;
  /** A statement writing the int32 expression `value` to register `n`. */
  w(n: number, value: string): string;
  /** An int32 expression loading `size` bytes at address `addr`, sign- or zero-extended. */
  load(size: 1 | 2 | 4, signed: boolean, addr: string): string;
  /** A statement storing the low `size` bytes of `value` at address `addr`. */
  store(size: 1 | 2 | 4, addr: string, value: string): string;
  /** A statement ending the block: go to `target` if `cond` holds, else to {@linkcode next}. */
  branch(cond: string, target: number): string;
  /** A statement ending the block with a jump to a known address. */
  jump(target: number): string;
  /** A statement ending the block with a jump to the address computed by `target`. */
  jumpIndirect(target: string): string;
  /** A statement raising a guest fault at this instruction. */
  fault(kind: "ill" | "trap" | "bus", addr: string): string;
  /** A statement making the syscall and ending the block. */
  ecall(): string;
  /** A statement ending the block, continuing at {@linkcode next} (fence.i). */
  sync(): string;
  /** An expression of the instructions retired before this one (a double, may exceed 2^32). */
  instret(): string;
  /** An expression naming a call of the runtime (see core/_runtime.ts). */
  rt(name: RuntimeCall): string;
  /** An expression naming the {@linkcode CpuState} (for fields without an emitter method). */
  cpu(): string;
  /** A fresh temporary variable name, valid within the instruction. */
  temp(): string;
}

/** One row of the instruction table. */
export interface InsnDef {
  /** Mnemonic, as the disassembler prints it. */
  readonly name: string;
  readonly ext: Ext;
  readonly format: Format;
  /** Bits that identify the instruction, and their value. */
  readonly mask: number;
  readonly match: number;
  readonly flow: Flow;
  /** Memory access class, for plugins and statistics. */
  readonly mem?: "load" | "store" | "amo";
  /** Reference semantics: executes the instruction at `pc`, returns the next pc. */
  exec(i: Insn, h: Hart, pc: number): number;
  /** Emits JS source for the instruction. */
  emit(i: Insn, e: Emitter): string;
}

/** Major opcodes (bits 6:0) of the 32-bit encodings. */
export const OPC = {
  LOAD: 0x03,
  MISC_MEM: 0x0f,
  OP_IMM: 0x13,
  AUIPC: 0x17,
  STORE: 0x23,
  AMO: 0x2f,
  OP: 0x33,
  LUI: 0x37,
  BRANCH: 0x63,
  JALR: 0x67,
  JAL: 0x6f,
  SYSTEM: 0x73,
} as const;

/** Mask of opcode + funct3. */
export const MASK_F3 = 0x0000707f;
/** Mask of opcode + funct3 + funct7. */
export const MASK_F7 = 0xfe00707f;

/** Builds the match value from opcode, funct3 and funct7. */
export function enc(opcode: number, funct3 = 0, funct7 = 0): number {
  return (opcode | (funct3 << 12) | (funct7 << 25)) >>> 0;
}

/**
 * RV32I base integer instructions: reference semantics (`exec`) beside the JS emitter (`emit`).
 * @module
 */

import { GuestFault } from "../errors.ts";
import { enc, type Format, type Insn, type InsnDef, MASK_F3, MASK_F7, OPC } from "./insn.ts";

type Alu = (a: number, b: number) => number;
type AluJs = (a: string, b: string) => string;

function alu(
  name: string,
  format: Format,
  mask: number,
  match: number,
  f: Alu,
  js: AluJs,
): InsnDef {
  const reg = format === "R";
  return {
    name,
    ext: "I",
    format,
    mask,
    match,
    flow: "next",
    exec(i, h, pc) {
      h.cpu.x[i.rd] = f(h.cpu.x[i.rs1]!, reg ? h.cpu.x[i.rs2]! : i.imm);
      return pc + i.size;
    },
    emit: (i, e) => e.w(i.rd, js(e.r(i.rs1), reg ? e.r(i.rs2) : String(i.imm))),
  };
}

const op = (f3: number, f7 = 0) => enc(OPC.OP, f3, f7);
const opImm = (f3: number, f7 = 0) => enc(OPC.OP_IMM, f3, f7);

/** Semantics shared by the register and immediate forms of each ALU operation. */
const ADD: [Alu, AluJs] = [(a, b) => (a + b) | 0, (a, b) => `(${a} + ${b}) | 0`];
const SLT: [Alu, AluJs] = [(a, b) => (a < b ? 1 : 0), (a, b) => `(${a} < ${b} ? 1 : 0)`];
const SLTU: [Alu, AluJs] = [
  (a, b) => ((a >>> 0) < (b >>> 0) ? 1 : 0),
  (a, b) => `((${a} >>> 0) < (${b} >>> 0) ? 1 : 0)`,
];
const XOR: [Alu, AluJs] = [(a, b) => a ^ b, (a, b) => `${a} ^ ${b}`];
const OR: [Alu, AluJs] = [(a, b) => a | b, (a, b) => `${a} | ${b}`];
const AND: [Alu, AluJs] = [(a, b) => a & b, (a, b) => `${a} & ${b}`];
// JS shifts use only the low 5 bits of the count, as RV32 does.
const SLL: [Alu, AluJs] = [(a, b) => a << b, (a, b) => `${a} << ${b}`];
const SRL: [Alu, AluJs] = [(a, b) => (a >>> b) | 0, (a, b) => `(${a} >>> ${b}) | 0`];
const SRA: [Alu, AluJs] = [(a, b) => a >> b, (a, b) => `${a} >> ${b}`];

type Cmp = (a: number, b: number) => boolean;
function branch(name: string, f3: number, f: Cmp, js: AluJs): InsnDef {
  return {
    name,
    ext: "I",
    format: "B",
    mask: MASK_F3,
    match: enc(OPC.BRANCH, f3),
    flow: "branch",
    exec: (i, h, pc) => (f(h.cpu.x[i.rs1]!, h.cpu.x[i.rs2]!) ? (pc + i.imm) | 0 : pc + i.size),
    emit: (i, e) => e.branch(js(e.r(i.rs1), e.r(i.rs2)), (e.pc + i.imm) >>> 0),
  };
}

function load(name: string, f3: number, size: 1 | 2 | 4, signed: boolean): InsnDef {
  const read = (i: Insn, h: Parameters<InsnDef["exec"]>[1], pc: number) => {
    const a = (h.cpu.x[i.rs1]! + i.imm) | 0;
    const v = size === 1
      ? h.mem.load8(a, pc)
      : size === 2
      ? h.mem.load16(a, pc)
      : h.mem.load32(a, pc);
    const shift = 32 - 8 * size;
    return signed ? (v << shift) >> shift : size === 4 ? v | 0 : v;
  };
  return {
    name,
    ext: "I",
    format: "load",
    mask: MASK_F3,
    match: enc(OPC.LOAD, f3),
    flow: "next",
    mem: "load",
    exec(i, h, pc) {
      const v = read(i, h, pc);
      h.cpu.x[i.rd] = v;
      return pc + i.size;
    },
    emit: (i, e) => e.w(i.rd, e.load(size, signed, `(${e.r(i.rs1)} + ${i.imm}) | 0`)),
  };
}

function store(name: string, f3: number, size: 1 | 2 | 4): InsnDef {
  return {
    name,
    ext: "I",
    format: "S",
    mask: MASK_F3,
    match: enc(OPC.STORE, f3),
    flow: "next",
    mem: "store",
    exec(i, h, pc) {
      const a = (h.cpu.x[i.rs1]! + i.imm) | 0, v = h.cpu.x[i.rs2]!;
      if (size === 1) h.mem.store8(a, v, pc);
      else if (size === 2) h.mem.store16(a, v, pc);
      else h.mem.store32(a, v, pc);
      return pc + i.size;
    },
    emit: (i, e) => e.store(size, `(${e.r(i.rs1)} + ${i.imm}) | 0`, e.r(i.rs2)),
  };
}

/** The RV32I instructions. */
export const RV32I: readonly InsnDef[] = [
  {
    name: "lui",
    ext: "I",
    format: "U",
    mask: 0x7f,
    match: OPC.LUI,
    flow: "next",
    exec(i, h, pc) {
      h.cpu.x[i.rd] = i.imm;
      return pc + i.size;
    },
    emit: (i, e) => e.w(i.rd, String(i.imm)),
  },
  {
    name: "auipc",
    ext: "I",
    format: "U",
    mask: 0x7f,
    match: OPC.AUIPC,
    flow: "next",
    exec(i, h, pc) {
      h.cpu.x[i.rd] = (pc + i.imm) | 0;
      return pc + i.size;
    },
    emit: (i, e) => e.w(i.rd, String((e.pc + i.imm) | 0)),
  },
  {
    name: "jal",
    ext: "I",
    format: "J",
    mask: 0x7f,
    match: OPC.JAL,
    flow: "jump",
    exec(i, h, pc) {
      h.cpu.x[i.rd] = pc + i.size;
      return (pc + i.imm) | 0;
    },
    emit: (i, e) => e.w(i.rd, String(e.next | 0)) + e.jump((e.pc + i.imm) >>> 0),
  },
  {
    name: "jalr",
    ext: "I",
    format: "jalr",
    mask: MASK_F3,
    match: enc(OPC.JALR, 0),
    flow: "indirect",
    exec(i, h, pc) {
      const target = (h.cpu.x[i.rs1]! + i.imm) & ~1;
      h.cpu.x[i.rd] = pc + i.size;
      return target;
    },
    emit(i, e) {
      // The target is read before rd is written: rd may equal rs1.
      const t = e.temp();
      return `${t} = (${e.r(i.rs1)} + ${i.imm}) & -2;` + e.w(i.rd, String(e.next | 0)) +
        e.jumpIndirect(t);
    },
  },
  branch("beq", 0, (a, b) => a === b, (a, b) => `${a} === ${b}`),
  branch("bne", 1, (a, b) => a !== b, (a, b) => `${a} !== ${b}`),
  branch("blt", 4, (a, b) => a < b, (a, b) => `${a} < ${b}`),
  branch("bge", 5, (a, b) => a >= b, (a, b) => `${a} >= ${b}`),
  branch("bltu", 6, (a, b) => a >>> 0 < b >>> 0, (a, b) => `(${a} >>> 0) < (${b} >>> 0)`),
  branch("bgeu", 7, (a, b) => a >>> 0 >= b >>> 0, (a, b) => `(${a} >>> 0) >= (${b} >>> 0)`),
  load("lb", 0, 1, true),
  load("lh", 1, 2, true),
  load("lw", 2, 4, true),
  load("lbu", 4, 1, false),
  load("lhu", 5, 2, false),
  store("sb", 0, 1),
  store("sh", 1, 2),
  store("sw", 2, 4),
  alu("addi", "I", MASK_F3, opImm(0), ...ADD),
  alu("slti", "I", MASK_F3, opImm(2), ...SLT),
  alu("sltiu", "I", MASK_F3, opImm(3), ...SLTU),
  alu("xori", "I", MASK_F3, opImm(4), ...XOR),
  alu("ori", "I", MASK_F3, opImm(6), ...OR),
  alu("andi", "I", MASK_F3, opImm(7), ...AND),
  alu("slli", "shift", MASK_F7, opImm(1), ...SLL),
  alu("srli", "shift", MASK_F7, opImm(5), ...SRL),
  alu("srai", "shift", MASK_F7, opImm(5, 0x20), ...SRA),
  alu("add", "R", MASK_F7, op(0), ...ADD),
  alu("sub", "R", MASK_F7, op(0, 0x20), (a, b) => (a - b) | 0, (a, b) => `(${a} - ${b}) | 0`),
  alu("sll", "R", MASK_F7, op(1), ...SLL),
  alu("slt", "R", MASK_F7, op(2), ...SLT),
  alu("sltu", "R", MASK_F7, op(3), ...SLTU),
  alu("xor", "R", MASK_F7, op(4), ...XOR),
  alu("srl", "R", MASK_F7, op(5), ...SRL),
  alu("sra", "R", MASK_F7, op(5, 0x20), ...SRA),
  alu("or", "R", MASK_F7, op(6), ...OR),
  alu("and", "R", MASK_F7, op(7), ...AND),
  {
    // fence, fence.tso and pause: a single hart sees its own accesses in order.
    name: "fence",
    ext: "I",
    format: "none",
    mask: MASK_F3,
    match: enc(OPC.MISC_MEM, 0),
    flow: "next",
    exec: (i, _h, pc) => pc + i.size,
    emit: () => "",
  },
  {
    name: "ecall",
    ext: "I",
    format: "none",
    mask: 0xffffffff,
    match: OPC.SYSTEM,
    flow: "trap",
    exec(i, h, pc) {
      return h.ecall(pc) ?? pc + i.size;
    },
    emit: (_i, e) => e.ecall(),
  },
  {
    name: "ebreak",
    ext: "I",
    format: "none",
    mask: 0xffffffff,
    match: 0x00100073,
    flow: "trap",
    exec(_i, _h, pc) {
      throw new GuestFault("trap", pc, pc);
    },
    emit: (_i, e) => e.fault("trap", String(e.pc)),
  },
];

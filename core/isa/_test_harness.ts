/**
 * Test harness of the per-instruction tests: instruction encoders, and a runner that executes a
 * short program with both engines (the reference interpreter and the translator) and checks that
 * each gives the expected state and that the two agree on everything.
 *
 * A program is placed at {@linkcode CODE} (one R+X page unless told otherwise), with a R+W data
 * page at {@linkcode DATA}, and is followed by an `ecall` at the "stop" address: reaching it ends
 * the run. The stopping ecall is not counted in {@linkcode Outcome.instret}.
 *
 * Test files list named {@linkcode Case}s and register them with {@linkcode cases}.
 * @module
 */

import { assertEquals } from "@std/assert";
import { CodeWrite, createRuntime, type Runtime } from "../_runtime.ts";
import { CpuState } from "../cpu.ts";
import { type FaultKind, GuestExit, GuestFault, hex } from "../errors.ts";
import { step } from "../interp.ts";
import { Memory, PROT_EXEC, PROT_READ, PROT_WRITE } from "../memory.ts";
import { Translator } from "../translate.ts";
import type { Hart } from "./insn.ts";
import { readCsr, timeTicks } from "./zicsr.ts";

/** Address of the first instruction of a program. */
export const CODE = 0x10000;
/** Address of the data page every program gets. */
export const DATA = 0x20000;
/** Protection bits, re-exported for the tests' `maps`. */
export const R = PROT_READ, W = PROT_WRITE, X = PROT_EXEC;

// ---------------------------------------------------------------------------------------------
// Encoders. Operand order follows assembly syntax: `lw(rd, imm, rs1)` is `lw rd, imm(rs1)`.

const R_ = (f7: number, rs2: number, rs1: number, f3: number, rd: number, opc: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
const I_ = (imm: number, rs1: number, f3: number, rd: number, opc: number) =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
const S_ = (imm: number, rs2: number, rs1: number, f3: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) |
    0x23) >>> 0;
const B_ = (off: number, rs2: number, rs1: number, f3: number) =>
  ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
    (f3 << 12) | (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
const U_ = (imm20: number, rd: number, opc: number) =>
  (((imm20 & 0xfffff) << 12) | (rd << 7) | opc) >>> 0;
const J_ = (off: number, rd: number) =>
  ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) |
    (((off >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;

type Reg3 = (rd: number, rs1: number, rs2: number) => number;
type RegImm = (rd: number, rs1: number, imm: number) => number;
type Mem = (r: number, imm: number, rs1: number) => number;
type Br = (rs1: number, rs2: number, off: number) => number;

const op = (f3: number, f7 = 0): Reg3 => (rd, rs1, rs2) => R_(f7, rs2, rs1, f3, rd, 0x33);
const opImm = (f3: number): RegImm => (rd, rs1, imm) => I_(imm, rs1, f3, rd, 0x13);
const shift = (f3: number, f7: number): RegImm => (rd, rs1, sh) => R_(f7, sh, rs1, f3, rd, 0x13);
const ld = (f3: number): Mem => (rd, imm, rs1) => I_(imm, rs1, f3, rd, 0x03);
const st = (f3: number): Mem => (rs2, imm, rs1) => S_(imm, rs2, rs1, f3);
const br = (f3: number): Br => (rs1, rs2, off) => B_(off, rs2, rs1, f3);

export const lui = (rd: number, imm20: number): number => U_(imm20, rd, 0x37);
export const auipc = (rd: number, imm20: number): number => U_(imm20, rd, 0x17);
export const jal = (rd: number, off: number): number => J_(off, rd);
export const jalr = (rd: number, imm: number, rs1: number): number => I_(imm, rs1, 0, rd, 0x67);
export const beq: Br = br(0), bne: Br = br(1), blt: Br = br(4), bge: Br = br(5);
export const bltu: Br = br(6), bgeu: Br = br(7);
export const lb: Mem = ld(0), lh: Mem = ld(1), lw: Mem = ld(2), lbu: Mem = ld(4);
export const lhu: Mem = ld(5);
export const sb: Mem = st(0), sh: Mem = st(1), sw: Mem = st(2);
export const addi: RegImm = opImm(0), slti: RegImm = opImm(2), sltiu: RegImm = opImm(3);
export const xori: RegImm = opImm(4), ori: RegImm = opImm(6), andi: RegImm = opImm(7);
export const slli: RegImm = shift(1, 0), srli: RegImm = shift(5, 0);
export const srai: RegImm = shift(5, 0x20);
export const add: Reg3 = op(0), sub: Reg3 = op(0, 0x20), sll: Reg3 = op(1), slt: Reg3 = op(2);
export const sltu: Reg3 = op(3), xor: Reg3 = op(4), srl: Reg3 = op(5), sra: Reg3 = op(5, 0x20);
export const or: Reg3 = op(6), and: Reg3 = op(7);
export const mul: Reg3 = op(0, 1), mulh: Reg3 = op(1, 1), mulhsu: Reg3 = op(2, 1);
export const mulhu: Reg3 = op(3, 1), div: Reg3 = op(4, 1), divu: Reg3 = op(5, 1);
export const rem: Reg3 = op(6, 1), remu: Reg3 = op(7, 1);
export const fence = (): number => 0x0ff0000f;
export const fenceI = (): number => 0x0000100f;
export const ecall = (): number => 0x00000073;
export const ebreak = (): number => 0x00100073;
export const nop = (): number => 0x00000013;

type Amo = (rd: number, rs2: number, rs1: number) => number;
const amo = (f5: number): Amo => (rd, rs2, rs1) => R_(f5 << 2, rs2, rs1, 2, rd, 0x2f);
/** `lr.w rd, (rs1)`. */
export const lrW = (rd: number, rs1: number): number => amo(0x02)(rd, 0, rs1);
/** `sc.w rd, rs2, (rs1)`, like every AMO below. */
export const scW: Amo = amo(0x03), amoswapW: Amo = amo(0x01), amoaddW: Amo = amo(0x00);
export const amoxorW: Amo = amo(0x04), amoandW: Amo = amo(0x0c), amoorW: Amo = amo(0x08);
export const amominW: Amo = amo(0x10), amomaxW: Amo = amo(0x14), amominuW: Amo = amo(0x18);
export const amomaxuW: Amo = amo(0x1c);

type Csr = (rd: number, csr: number, rs1OrUimm: number) => number;
const csr = (f3: number): Csr => (rd, n, rs1) => I_(n, rs1, f3, rd, 0x73);
export const csrrw: Csr = csr(1), csrrs: Csr = csr(2), csrrc: Csr = csr(3);
export const csrrwi: Csr = csr(5), csrrsi: Csr = csr(6), csrrci: Csr = csr(7);

/** `lui` + `addi` loading any 32-bit constant: two words. */
export function li(rd: number, value: number): number[] {
  const hi = ((value + 0x800) >>> 12) & 0xfffff;
  return [lui(rd, hi), addi(rd, rd, value - (hi << 12))];
}

/** A 16-bit instruction in a program (a bare number is a 32-bit one). */
export interface Half {
  readonly half: number;
}
/** Wraps raw 16-bit instruction bits. */
export const c = (bits: number): Half => ({ half: bits & 0xffff });

const rc = (r: number) => {
  if (r < 8 || r > 15) throw new RangeError(`Cannot encode register x${r}: not in x8..x15`);
  return r - 8;
};
const ci = (f3: number, rd: number, imm: number) =>
  c((f3 << 13) | (((imm >> 5) & 1) << 12) | (rd << 7) | ((imm & 0x1f) << 2) | 1);
const cjOff = (f3: number, off: number) =>
  c(
    (f3 << 13) | (((off >> 11) & 1) << 12) | (((off >> 4) & 1) << 11) | (((off >> 8) & 3) << 9) |
      (((off >> 10) & 1) << 8) | (((off >> 6) & 1) << 7) | (((off >> 7) & 1) << 6) |
      (((off >> 1) & 7) << 3) | (((off >> 5) & 1) << 2) | 1,
  );
const cbOff = (f3: number, rs1: number, off: number) =>
  c(
    (f3 << 13) | (((off >> 8) & 1) << 12) | (((off >> 3) & 3) << 10) | (rc(rs1) << 7) |
      (((off >> 6) & 3) << 5) | (((off >> 1) & 3) << 3) | (((off >> 5) & 1) << 2) | 1,
  );
const cr = (f4: number, rd: number, rs2: number) => c((f4 << 12) | (rd << 7) | (rs2 << 2) | 2);

/** Compressed encoders, named after the instruction. */
export const C = {
  nop: (): Half => c(0x0001),
  addi: (rd: number, imm: number): Half => ci(0, rd, imm),
  li: (rd: number, imm: number): Half => ci(2, rd, imm),
  lui: (rd: number, imm: number): Half => ci(3, rd, imm),
  slli: (rd: number, sh: number): Half => c((ci(0, rd, sh).half & ~3) | 2),
  jal: (off: number): Half => cjOff(1, off),
  j: (off: number): Half => cjOff(5, off),
  beqz: (rs1: number, off: number): Half => cbOff(6, rs1, off),
  bnez: (rs1: number, off: number): Half => cbOff(7, rs1, off),
  sub: (rd: number, rs2: number): Half => c(0x8c01 | (rc(rd) << 7) | (rc(rs2) << 2)),
  jr: (rs1: number): Half => cr(8, rs1, 0),
  mv: (rd: number, rs2: number): Half => cr(8, rd, rs2),
  ebreak: (): Half => c(0x9002),
  jalr: (rs1: number): Half => cr(9, rs1, 0),
  add: (rd: number, rs2: number): Half => cr(9, rd, rs2),
  /** `c.lw rd, off(rs1)`; registers x8..x15, offset a multiple of 4 below 128. */
  lw: (rd: number, off: number, rs1: number): Half =>
    c(
      (2 << 13) | (((off >> 3) & 7) << 10) | (rc(rs1) << 7) | (((off >> 2) & 1) << 6) |
        (((off >> 6) & 1) << 5) | (rc(rd) << 2),
    ),
  /** `c.sw rs2, off(rs1)`. */
  sw: (rs2: number, off: number, rs1: number): Half =>
    c(
      (6 << 13) | (((off >> 3) & 7) << 10) | (rc(rs1) << 7) | (((off >> 2) & 1) << 6) |
        (((off >> 6) & 1) << 5) | (rc(rs2) << 2),
    ),
  /** `c.lwsp rd, off(sp)`. */
  lwsp: (rd: number, off: number): Half =>
    c(
      (2 << 13) | (((off >> 5) & 1) << 12) | (rd << 7) | (((off >> 2) & 7) << 4) |
        (((off >> 6) & 3) << 2) | 2,
    ),
  /** `c.swsp rs2, off(sp)`. */
  swsp: (rs2: number, off: number): Half =>
    c((6 << 13) | (((off >> 2) & 0xf) << 9) | (((off >> 6) & 3) << 7) | (rs2 << 2) | 2),
} as const;

// ---------------------------------------------------------------------------------------------
// Programs and their runs.

/** An item of a program: a 32-bit word, a 16-bit instruction, or a list of them. */
export type Code = number | Half | readonly Code[];

/** A test program and the state it starts in. */
export interface Program {
  code: readonly Code[];
  /** Initial register values by number. */
  regs?: Readonly<Record<number, number>>;
  /** Protection of the code pages. @default {R | X} */
  codeProt?: number;
  /** More mappings, `[address, length, PROT_* bits]`, made after the code and data pages. */
  maps?: readonly [number, number, number][];
  /** Initial words, `[address, value]` (written ignoring protection, before the run). */
  words?: readonly [number, number][];
  /** Initial retired-instruction count. @default {0} */
  instret?: number;
  /**
   * Called for every ecall but the stopping one, with the registers in `cpu.x`; the default
   * does nothing. The call is recorded in {@linkcode Outcome.ecalls} first.
   */
  onEcall?: (cpu: CpuState, mem: Memory, pc: number) => void;
  /** The interpreter gives up after this many steps. @default {100_000} */
  maxSteps?: number;
}

/** The execution engines under test. */
export type Engine = "interp" | "translate";
/** Both engines, in the order {@linkcode runBoth} runs them. */
export const ENGINES: readonly Engine[] = ["interp", "translate"];

/** What the guest looked like at an ecall other than the stopping one. */
export interface EcallRecord {
  pc: number;
  x: number[];
  instret: number;
}

/** How one engine's run ended. */
export interface Outcome {
  engine: Engine;
  /** Registers at the end (copy). */
  x: number[];
  /** Address of the stopping ecall, or of the faulting instruction. */
  pc: number;
  /** Instructions retired, not counting the stopping ecall. */
  instret: number;
  fault?: GuestFault;
  mem: Memory;
  cpu: CpuState;
  ecalls: EcallRecord[];
  /** The translator, for the translate engine. */
  translator?: Translator;
}

function flatten(code: readonly Code[], out: (number | Half)[] = []): (number | Half)[] {
  for (const item of code) {
    if (Array.isArray(item)) flatten(item, out);
    else out.push(item as number | Half);
  }
  return out;
}

/** A loaded program, ready to run. */
export interface Loaded {
  mem: Memory;
  cpu: CpuState;
  /** Address of the stopping ecall. */
  stop: number;
  /** The ecall callback both engines get: records the call, or stops the run. */
  ecall: (pc: number) => void;
  ecalls: EcallRecord[];
}

/** Places `p` in a fresh memory and cpu. */
export function load(p: Program): Loaded {
  const mem = new Memory(), cpu = new CpuState();
  const bytes: number[] = [];
  for (const item of [...flatten(p.code), ecall()]) {
    const v = typeof item === "number" ? item : item.half;
    const n = typeof item === "number" ? 4 : 2;
    for (let k = 0; k < n; k++) bytes.push((v >>> (8 * k)) & 0xff);
  }
  const stop = CODE + bytes.length - 4;
  mem.map(CODE, bytes.length, p.codeProt ?? (R | X));
  mem.map(DATA, 4096, R | W);
  for (const [addr, len, prot] of p.maps ?? []) mem.map(addr, len, prot);
  mem.u8.set(bytes, CODE);
  const view = new DataView(mem.u8.buffer);
  for (const [addr, value] of p.words ?? []) view.setUint32(addr, value >>> 0, true);
  for (const [r, v] of Object.entries(p.regs ?? {})) cpu.x[Number(r)] = v;
  cpu.pc = CODE;
  cpu.instret = p.instret ?? 0;
  const ecalls: EcallRecord[] = [];
  const ecallFn = (pc: number) => {
    if (pc === stop) throw new GuestExit(0);
    ecalls.push({ pc, x: [...cpu.x], instret: cpu.instret });
    p.onEcall?.(cpu, mem, pc);
  };
  return { mem, cpu, stop, ecall: ecallFn, ecalls };
}

/** The interpreter's view of a loaded program, as core/machine.ts builds it. */
export function hartOf(l: Loaded): Hart {
  return {
    cpu: l.cpu,
    mem: l.mem,
    ecall: l.ecall,
    readCsr: (n, pc) => {
      const v = readCsr(n, l.cpu.instret, timeTicks);
      if (v === undefined) throw new GuestFault("ill", pc, pc);
      return v;
    },
  };
}

/** A translator wired as core/machine.ts wires it, and its runtime (budget 2^30). */
export function translatorOf(l: Loaded): { translator: Translator; rt: Runtime } {
  const rt = createRuntime(l.mem, l.cpu, {
    ecall(pc, next) {
      l.ecall(pc);
      return next;
    },
    siteRetired: () => 0,
    siteError: (e) => e,
  });
  rt.state.budget = 2 ** 30;
  const translator = new Translator(l.mem, l.cpu, rt);
  l.mem.onCodeWrite = (page) => {
    translator.invalidatePage(page);
    rt.state.codeWritten = CodeWrite.Here;
  };
  return { translator, rt };
}

/** Runs `p` with one engine until the stopping ecall or a fault. */
export function run(p: Program, engine: Engine): Outcome {
  const l = load(p);
  const { cpu } = l;
  let fault: GuestFault | undefined;
  let translator: Translator | undefined;
  try {
    if (engine === "interp") {
      const h = hartOf(l);
      for (let n = 0; n < (p.maxSteps ?? 100_000); n++) step(h);
      throw new Error(`Program did not reach its stop after ${p.maxSteps ?? 100_000} steps`);
    }
    translator = translatorOf(l).translator;
    for (let n = 0; n < 100_000; n++) cpu.pc = translator.lookup(cpu.pc)();
    throw new Error("Program did not reach its stop after 100000 region calls");
  } catch (e) {
    if (e instanceof GuestFault) fault = e;
    else if (!(e instanceof GuestExit)) throw e;
  }
  return {
    engine,
    x: [...cpu.x],
    pc: fault ? fault.pc : l.stop,
    instret: fault ? cpu.instret : cpu.instret - 1,
    fault,
    mem: l.mem,
    cpu,
    ecalls: l.ecalls,
    translator,
  };
}

/** What a run must end with; unlisted registers and memory are not checked. */
export interface Expect {
  /** Register values by number (compared as 32-bit patterns: -1 equals 0xffffffff). */
  regs?: Readonly<Record<number, number>>;
  /** Instructions retired, not counting the stopping ecall. */
  instret?: number;
  /** The fault the run must end with; without it the run must reach its stop. */
  fault?: { kind: FaultKind; pc: number; addr?: number };
  /** Words of memory, `[address, value]`. */
  words?: readonly [number, number][];
  /** Bytes of memory, `[address, value]`. */
  bytes?: readonly [number, number][];
}

const h32 = (v: number) => hex(v >>> 0);

function readWord(mem: Memory, a: number): number {
  return new DataView(mem.u8.buffer, mem.u8.byteOffset).getUint32(a, true);
}

/** Checks one outcome against `want`; messages name the engine. */
export function check(o: Outcome, want: Expect): void {
  const fault = o.fault && { kind: o.fault.kind, pc: h32(o.fault.pc), addr: h32(o.fault.addr) };
  const wantFault = want.fault && {
    kind: want.fault.kind,
    pc: h32(want.fault.pc),
    addr: h32(want.fault.addr ?? o.fault?.addr ?? 0),
  };
  assertEquals(fault, wantFault, `${o.engine}: fault`);
  if (want.regs) {
    const got: Record<string, string> = {}, exp: Record<string, string> = {};
    for (const [r, v] of Object.entries(want.regs)) {
      got[`x${r}`] = h32(o.x[Number(r)]!);
      exp[`x${r}`] = h32(v);
    }
    assertEquals(got, exp, `${o.engine}: registers`);
  }
  if (want.instret !== undefined) assertEquals(o.instret, want.instret, `${o.engine}: instret`);
  for (const [a, v] of want.words ?? []) {
    assertEquals(h32(readWord(o.mem, a)), h32(v), `${o.engine}: word at ${h32(a)}`);
  }
  for (const [a, v] of want.bytes ?? []) {
    assertEquals(o.mem.u8[a], v & 0xff, `${o.engine}: byte at ${h32(a)}`);
  }
}

/** Checks that two outcomes agree on registers, instret, pc, fault and the mapped test pages. */
export function checkAgree(a: Outcome, b: Outcome, pages: readonly number[] = []): void {
  const summary = (o: Outcome) => ({
    x: o.x.map(h32),
    pc: h32(o.pc),
    instret: o.instret,
    fault: o.fault && `${o.fault.kind} ${h32(o.fault.pc)} ${h32(o.fault.addr)}`,
  });
  assertEquals(summary(b), summary(a), `${b.engine} disagrees with ${a.engine}`);
  for (const p of [CODE, DATA, ...pages]) {
    const at = p & ~0xfff;
    assertEquals(
      b.mem.u8.subarray(at, at + 4096),
      a.mem.u8.subarray(at, at + 4096),
      `${b.engine} disagrees with ${a.engine} on memory at ${h32(at)}`,
    );
  }
}

/**
 * Runs `p` with both engines, checks each against `want` and the two against each other.
 * @returns the interpreter's outcome and the translator's
 */
export function runBoth(p: Program, want: Expect = {}): [Outcome, Outcome] {
  const outcomes: [Outcome, Outcome] = [run(p, "interp"), run(p, "translate")];
  for (const o of outcomes) check(o, want);
  checkAgree(...outcomes, (p.maps ?? []).map(([a]) => a));
  return outcomes;
}

// ---------------------------------------------------------------------------------------------
// Test cases.

/** The smallest and largest signed 32-bit values, as unsigned patterns. */
export const MIN = 0x80000000, MAX = 0x7fffffff;
/** A page address the tests map read-only (or without access) through `maps`. */
export const RO = 0x30000;

/** A named program and what it must end with. */
export interface Case extends Program {
  what: string;
  want: Expect;
}

/** Registers one test per case, named "symbol() what". */
export function cases(symbol: string, list: readonly Case[]): void {
  for (const { what, want, ...program } of list) {
    Deno.test(`${symbol}() ${what}`, () => void runBoth(program, want));
  }
}

/** A one-instruction case: `insn` with `regs` must leave `value` in x5. */
export const one = (
  what: string,
  insn: number,
  regs: Record<number, number>,
  value: number,
): Case => ({ what, code: [insn], regs, want: { regs: { 5: value }, instret: 1 } });

/** `v` as unsigned hex, for test names. */
export const hx = (v: number): string => "0x" + (v >>> 0).toString(16);

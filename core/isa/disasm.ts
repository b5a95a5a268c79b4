/**
 * The disassembler. It prints what qemu-riscv32 7.2 prints in its `-d in_asm` log (disas/riscv.c),
 * so that users can diff rvplug's logs against QEMU's line by line.
 *
 * Three QEMU habits shape the output:
 * - Compressed instructions are shown as the 32-bit instructions they expand to (`c.li a0,5` is
 *   `addi a0,zero,5`); only the raw bytes reveal the 16-bit form.
 * - Some encodings are lifted to pseudo-instructions: `mv`, `nop`, `ret`, `j`, `beqz`, `rdcycle`...
 *   QEMU even turns every `blt a,b` into `bgt b,a` (and `bge` into `ble`); we copy that as well.
 * - Mnemonics are padded to column 24; pc-relative operands are followed, from column 48, by the
 *   absolute target: `jal ra,142 # 0x10138`.
 * @module
 */

import { ABI_NAMES } from "../cpu.ts";
import { type Format, type Insn, OPC } from "./insn.ts";
import { CSR_NAMES } from "./zicsr.ts";

/** Column where operands start, the `tab` that disas/riscv.c passes to format_inst(). */
const TAB = 24;

/** The fields QEMU's formatter reads, after QEMU's own expansion of compressed instructions. */
interface Fields {
  readonly name: string;
  readonly format: Format;
  /** Match bits of the table entry: opcode and funct3 tell apart rows that share a Format. */
  readonly match: number;
  readonly rd: number;
  readonly rs1: number;
  readonly rs2: number;
  readonly imm: number;
  readonly raw: number;
  readonly pc: number;
}

/** Operands as printed, and the absolute address a pc-relative operand points to. */
interface Shown {
  readonly ops: string;
  readonly suffix?: string;
  readonly target?: number;
}

type Layout = (f: Fields) => Shown;

const x = (n: number) => ABI_NAMES[n]!;

// The layouts below are QEMU's rv_fmt_* operand strings, named after them.
const none: Layout = () => ({ ops: "" });
const rd: Layout = (f) => ({ ops: x(f.rd) });
const rs1: Layout = (f) => ({ ops: x(f.rs1) });
const rdRs1: Layout = (f) => ({ ops: `${x(f.rd)},${x(f.rs1)}` });
const rdRs2: Layout = (f) => ({ ops: `${x(f.rd)},${x(f.rs2)}` });
const rdRs1Rs2: Layout = (f) => ({ ops: `${x(f.rd)},${x(f.rs1)},${x(f.rs2)}` });
const rdRs1Imm: Layout = (f) => ({ ops: `${x(f.rd)},${x(f.rs1)},${f.imm}` });
const rdImm: Layout = (f) => ({ ops: `${x(f.rd)},${f.imm}` });
/** The 5-bit immediate of csrr*i sits in the rs1 field. */
const rdZimm: Layout = (f) => ({ ops: `${x(f.rd)},${f.rs1}` });
const rdOffsetRs1: Layout = (f) => ({ ops: `${x(f.rd)},${f.imm}(${x(f.rs1)})` });
const rs2OffsetRs1: Layout = (f) => ({ ops: `${x(f.rs2)},${f.imm}(${x(f.rs1)})` });
const offset: Layout = (f) => ({ ops: `${f.imm}`, target: f.pc + f.imm });
const rdOffset: Layout = (f) => ({ ops: `${x(f.rd)},${f.imm}`, target: f.pc + f.imm });
const rs1Offset: Layout = (f) => ({ ops: `${x(f.rs1)},${f.imm}`, target: f.pc + f.imm });
const rs2Offset: Layout = (f) => ({ ops: `${x(f.rs2)},${f.imm}`, target: f.pc + f.imm });
const rs1Rs2Offset: Layout = (f) => ({
  ops: `${x(f.rs1)},${x(f.rs2)},${f.imm}`,
  target: f.pc + f.imm,
});
const rs2Rs1Offset: Layout = (f) => ({
  ops: `${x(f.rs2)},${x(f.rs1)},${f.imm}`,
  target: f.pc + f.imm,
});
const rdCsrRs1: Layout = (f) => ({ ops: `${x(f.rd)},${csrName(f.imm)},${x(f.rs1)}` });
const rdCsrZimm: Layout = (f) => ({ ops: `${x(f.rd)},${csrName(f.imm)},${f.rs1}` });

/** The `.aq` / `.rl` suffix of an atomic, from bits 26 and 25. */
const aqrl = (raw: number) => ((raw >>> 26) & 1 ? ".aq" : "") + ((raw >>> 25) & 1 ? ".rl" : "");

/** A fence's predecessor or successor set, as QEMU spells it (an empty set prints nothing). */
function fenceSet(bits: number): string {
  return (bits & 8 ? "i" : "") + (bits & 4 ? "o" : "") + (bits & 2 ? "r" : "") +
    (bits & 1 ? "w" : "");
}

/** How each operand format prints. */
const FORMATS: Readonly<Record<Format, Layout>> = {
  R: rdRs1Rs2,
  I: rdRs1Imm,
  S: rs2OffsetRs1,
  B: rs1Rs2Offset,
  // lui and auipc share U, but QEMU shows the address auipc forms.
  U: (f) => (f.match & 0x7f) === OPC.AUIPC ? rdOffset(f) : rdImm(f),
  J: rdOffset,
  load: rdOffsetRs1,
  jalr: rdRs1Imm,
  shift: rdRs1Imm,
  csr: rdCsrRs1,
  csri: rdCsrZimm,
  amo: (f) => ({ ops: `${x(f.rd)},${x(f.rs2)},(${x(f.rs1)})`, suffix: aqrl(f.raw) }),
  lr: (f) => ({ ops: `${x(f.rd)},(${x(f.rs1)})`, suffix: aqrl(f.raw) }),
  // Of the operand-less rows only fence (funct3 0, unlike fence.i) shows its pred/succ bits.
  none: (f) =>
    (f.match & 0x707f) === OPC.MISC_MEM
      ? { ops: `${fenceSet(f.raw >>> 24 & 15)},${fenceSet(f.raw >>> 20 & 15)}` }
      : none(f),
};

/** A pseudo-instruction QEMU prints in place of a base instruction whose operands fit `when`. */
interface Pseudo {
  readonly name: string;
  readonly when: (f: Fields) => boolean;
  readonly layout: Layout;
}

const always = () => true;
const csrIs = (n: number) => (f: Fields) => f.imm === n;
const reads = (n: number) => (f: Fields) => f.rs1 === 0 && f.imm === n;

/** QEMU's pseudo-instructions (rvcp_* in disas/riscv.c), by base mnemonic; the first fit wins. */
const PSEUDOS: Readonly<Record<string, readonly Pseudo[]>> = {
  jal: [{ name: "j", when: (f) => f.rd === 0, layout: offset }],
  // ret does not require a zero offset in QEMU: `jalr zero,4(ra)` prints as `ret` too.
  jalr: [
    { name: "ret", when: (f) => f.rd === 0 && f.rs1 === 1, layout: none },
    { name: "jr", when: (f) => f.rd === 0 && f.imm === 0, layout: rs1 },
  ],
  beq: [{ name: "beqz", when: (f) => f.rs2 === 0, layout: rs1Offset }],
  bne: [{ name: "bnez", when: (f) => f.rs2 === 0, layout: rs1Offset }],
  blt: [
    { name: "bltz", when: (f) => f.rs2 === 0, layout: rs1Offset },
    { name: "bgtz", when: (f) => f.rs1 === 0, layout: rs2Offset },
    { name: "bgt", when: always, layout: rs2Rs1Offset },
  ],
  bge: [
    { name: "blez", when: (f) => f.rs1 === 0, layout: rs2Offset },
    { name: "bgez", when: (f) => f.rs2 === 0, layout: rs1Offset },
    { name: "ble", when: always, layout: rs2Rs1Offset },
  ],
  bltu: [{ name: "bgtu", when: always, layout: rs2Rs1Offset }],
  bgeu: [{ name: "bleu", when: always, layout: rs2Rs1Offset }],
  addi: [
    { name: "nop", when: (f) => f.rd === 0 && f.rs1 === 0 && f.imm === 0, layout: none },
    { name: "mv", when: (f) => f.imm === 0, layout: rdRs1 },
  ],
  sltiu: [{ name: "seqz", when: (f) => f.imm === 1, layout: rdRs1 }],
  xori: [{ name: "not", when: (f) => f.imm === -1, layout: rdRs1 }],
  sub: [{ name: "neg", when: (f) => f.rs1 === 0, layout: rdRs2 }],
  slt: [
    { name: "sltz", when: (f) => f.rs2 === 0, layout: rdRs1 },
    { name: "sgtz", when: (f) => f.rs1 === 0, layout: rdRs2 },
  ],
  sltu: [{ name: "snez", when: (f) => f.rs1 === 0, layout: rdRs2 }],
  csrrw: [
    { name: "fscsr", when: csrIs(0x003), layout: rdRs1 },
    { name: "fsrm", when: csrIs(0x002), layout: rdRs1 },
    { name: "fsflags", when: csrIs(0x001), layout: rdRs1 },
  ],
  csrrs: [
    { name: "rdcycle", when: reads(0xc00), layout: rd },
    { name: "rdtime", when: reads(0xc01), layout: rd },
    { name: "rdinstret", when: reads(0xc02), layout: rd },
    { name: "rdcycleh", when: reads(0xc80), layout: rd },
    { name: "rdtimeh", when: reads(0xc81), layout: rd },
    { name: "rdinstreth", when: reads(0xc82), layout: rd },
    { name: "frcsr", when: reads(0x003), layout: rd },
    { name: "frrm", when: reads(0x002), layout: rd },
    { name: "frflags", when: reads(0x001), layout: rd },
  ],
  csrrwi: [
    { name: "fsrmi", when: csrIs(0x002), layout: rdZimm },
    { name: "fsflagsi", when: csrIs(0x001), layout: rdZimm },
  ],
};

/**
 * Names QEMU 7.2 gives CSRs beyond the user counters of {@linkcode CSR_NAMES}. Collected by running
 * `csrrs a0,N,zero` for all 4096 N through `qemu-riscv32 -d in_asm`. Built on first use: building
 * it costs about 1 ms, and only `-d in_asm` and plugins' disassembly need it.
 */
// deno-fmt-ignore
const qemuCsrNames = (): ReadonlyMap<number, string> => qemuCsrNameMap ??= new Map<number, string>([
  ...Object.entries({
    ustatus: 0x000, fflags: 0x001, frm: 0x002, fcsr: 0x003, uie: 0x004, utvec: 0x005,
    vstart: 0x008, vxsat: 0x009, vxrm: 0x00a, vcsr: 0x00f, seed: 0x015, uscratch: 0x040,
    uepc: 0x041, ucause: 0x042, utval: 0x043, uip: 0x044, sstatus: 0x100, sie: 0x104,
    stvec: 0x105, scounteren: 0x106, sscratch: 0x140, sepc: 0x141, scause: 0x142, stval: 0x143,
    sip: 0x144, satp: 0x180, hstatus: 0x200, hedeleg: 0x202, hideleg: 0x203, hie: 0x204,
    htvec: 0x205, hscratch: 0x240, hepc: 0x241, hcause: 0x242, hbadaddr: 0x243, hip: 0x244,
    mstatus: 0x300, misa: 0x301, medeleg: 0x302, mideleg: 0x303, mie: 0x304, mtvec: 0x305,
    mcounteren: 0x306, mucounteren: 0x320, mscounteren: 0x321, mhcounteren: 0x322,
    mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344, mbase: 0x380,
    mbound: 0x381, mibase: 0x382, mibound: 0x383, mdbase: 0x384, mdbound: 0x385, mtohost: 0x780,
    mfromhost: 0x781, mreset: 0x782, mipi: 0x783, miobase: 0x784, tselect: 0x7a0, tdata1: 0x7a1,
    tdata2: 0x7a2, tdata3: 0x7a3, dcsr: 0x7b0, dpc: 0x7b1, dscratch: 0x7b2, mcycle: 0xb00,
    mtime: 0xb01, minstret: 0xb02, mcycleh: 0xb80, mtimeh: 0xb81, minstreth: 0xb82, vl: 0xc20,
    vtype: 0xc21, vlenb: 0xc22, scycle: 0xd00, stime: 0xd01, sinstret: 0xd02, scycleh: 0xd80,
    stimeh: 0xd81, sinstreth: 0xd82, hcycle: 0xe00, htime: 0xe01, hinstret: 0xe02,
    hcycleh: 0xe80, htimeh: 0xe81, hinstreth: 0xe82, mvendorid: 0xf11, marchid: 0xf12,
    mimpid: 0xf13, mhartid: 0xf14,
  }).map(([name, n]): [number, string] => [n, name]),
  ...numbered(0x323, 3, 31, (k) => `mhpmevent${k}`),
  ...numbered(0x3a0, 0, 15, (k) => `pmpcfg${k}`),
  ...numbered(0x3b0, 0, 63, (k) => `pmpaddr${k}`),
  ...numbered(0xb03, 3, 31, (k) => `mhpmcounter${k}`),
  ...numbered(0xb83, 3, 31, (k) => `mhpmcounter${k}h`),
]);
let qemuCsrNameMap: ReadonlyMap<number, string> | undefined;

/** The entries `[base + k - first, name(k)]` for k from `first` to `last`. */
function numbered(base: number, first: number, last: number, name: (k: number) => string) {
  return Array.from(
    { length: last - first + 1 },
    (_, k): [number, string] => [base + k, name(first + k)],
  );
}

function csrName(n: number): string {
  return CSR_NAMES.get(n) ?? qemuCsrNames().get(n) ?? `0x${n.toString(16).padStart(3, "0")}`;
}

const bits = (v: number, hi: number, lo: number) => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);

/**
 * The fields of `insn` as QEMU sees them, or `undefined` where QEMU prints `illegal`. QEMU expands
 * compressed instructions itself and parts with core/isa/rvc.ts in two places: c.mv becomes
 * `addi rd,rs2,0` (so `mv`) rather than `add rd,zero,rs2`, and the HINTs with a zero immediate
 * (c.addi rd,0 and shifts by 0) count as illegal, though QEMU executes them as no-ops.
 */
function qemuFields(insn: Insn, pc: number): Fields | undefined {
  const { def, rd, rs2, imm, raw } = insn;
  // pc >>> 0: QEMU's pc is unsigned, which matters for targets printed in hex.
  const f: Fields = { ...insn, name: def.name, format: def.format, match: def.match, pc: pc >>> 0 };
  if (insn.size === 4) return f;
  const quadrant = raw & 3, funct3 = bits(raw, 15, 13);
  const shamt = (bits(raw, 12, 12) << 5) | bits(raw, 6, 2);
  if (quadrant === 1 && funct3 === 0 && rd !== 0 && imm === 0) return undefined; // c.addi rd,0
  if (quadrant === 2 && funct3 === 0 && shamt === 0) return undefined; // c.slli rd,0
  if (quadrant === 1 && funct3 === 4 && bits(raw, 11, 11) === 0 && shamt === 0) { // c.srli, c.srai
    return undefined;
  }
  if (quadrant === 2 && funct3 === 4 && bits(raw, 12, 12) === 0 && rs2 !== 0) { // c.mv
    return { ...f, name: "addi", format: "I", rs1: rs2, rs2: 0, imm: 0 };
  }
  return f;
}

/** `0x` and the target address in hex, wrapping as QEMU's 64-bit `pc + imm` does. */
function targetHex(target: number): string {
  return `# 0x${BigInt.asUintN(64, BigInt(target)).toString(16)}`;
}

/**
 * Disassembles one decoded instruction at `pc`, QEMU style: the mnemonic padded to column 24, then
 * the operands "rd,rs1,imm" with ABI register names, and for pc-relative operands the absolute
 * target from column 48. Compressed instructions print as their 32-bit expansion, as in QEMU.
 * Unlike QEMU, no trailing padding follows an operand-less mnemonic (see
 * {@linkcode formatInAsmLine}), and encodings rvplug does not implement (F, D, RV64...) print as
 * `illegal`.
 * @param insn the decoded instruction
 * @param pc its address, for pc-relative operands
 * @returns the disassembly
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decode } from "./decode.ts";
 * import { disassemble } from "./disasm.ts";
 *
 * assertEquals(disassemble(decode(0x00c58533), 0x10000), "add                     a0,a1,a2");
 * assertEquals(disassemble(decode(0x8082), 0x10000), "ret"); // c.jr ra
 * assertEquals(
 *   disassemble(decode(0x004000ef), 0x10000),
 *   "jal                     ra,4                    # 0x10004",
 * );
 * ```
 */
export function disassemble(insn: Insn, pc: number): string {
  const f = qemuFields(insn, pc);
  if (f === undefined) return "illegal";
  const pseudo = PSEUDOS[f.name]?.find((p) => p.when(f));
  const shown = (pseudo?.layout ?? FORMATS[f.format])(f);
  const name = (pseudo?.name ?? f.name) + (shown.suffix ?? "");
  if (shown.ops === "") return name;
  const line = name.padEnd(TAB) + shown.ops;
  return shown.target === undefined ? line : line.padEnd(2 * TAB) + targetHex(shown.target);
}

const hex = (v: number, digits: number) => (v >>> 0).toString(16).padStart(digits, "0");

/**
 * One line as qemu-riscv32 `-d in_asm` prints it: the address, the instruction bits in hex (4 digits
 * for a compressed instruction, 8 otherwise, padded alike), then the disassembly.
 * @param insn the decoded instruction
 * @param pc its address
 * @returns the line, without a newline
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decode } from "./decode.ts";
 * import { formatInAsmLine } from "./disasm.ts";
 *
 * assertEquals(
 *   formatInAsmLine(decode(0x1101), 0x10138),
 *   "0x00010138:  1101              addi                    sp,sp,-32",
 * );
 * ```
 */
export function formatInAsmLine(insn: Insn, pc: number): string {
  const bytes = insn.size === 2 ? hex(insn.raw, 4) : hex(insn.raw, 8);
  // QEMU pads operand-less mnemonics to the operand column, leaving trailing spaces.
  return `0x${hex(pc, 8)}:  ${bytes.padEnd(18)}${disassemble(insn, pc).padEnd(TAB)}`;
}

/**
 * One translated block as qemu-riscv32 `-d in_asm` logs it: a rule, `IN: ` and the symbol holding
 * the block (empty when there is none), one line per instruction, then a blank line.
 * @param insns the block's instructions, in order
 * @param pcs their addresses
 * @param symbol the name of the function the block starts in, if known
 * @returns the block's log text, ending in a newline
 * @throws {RangeError} when `insns` and `pcs` differ in length
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { decode } from "./decode.ts";
 * import { formatInAsmBlock } from "./disasm.ts";
 *
 * assertEquals(
 *   formatInAsmBlock([decode(0x852e), decode(0x8082)], [0x10000, 0x10002], "f"),
 *   "----------------\nIN: f\n" +
 *     "0x00010000:  852e              mv                      a0,a1\n" +
 *     "0x00010002:  8082              ret                     \n\n",
 * );
 * ```
 */
export function formatInAsmBlock(
  insns: readonly Insn[],
  pcs: readonly number[],
  symbol: string | undefined,
): string {
  if (insns.length !== pcs.length) {
    throw new RangeError(
      `Cannot format block: got ${insns.length} instructions but ${pcs.length} addresses`,
    );
  }
  const lines = insns.map((insn, k) => formatInAsmLine(insn, pcs[k]!) + "\n").join("");
  return `----------------\nIN: ${symbol ?? ""}\n${lines}\n`;
}

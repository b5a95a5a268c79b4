/**
 * RV32A atomic instructions. One hart, so atomicity is free: an AMO is a load, an operation and a
 * store to the same aligned word. A misaligned address raises SIGBUS, as on Linux.
 * @module
 */

import { GuestFault } from "../errors.ts";
import { enc, type InsnDef, OPC } from "./insn.ts";

const MASK_AMO = 0xf800707f;
const MASK_LR = 0xf9f0707f;
const amoMatch = (funct5: number) => enc(OPC.AMO, 2, funct5 << 2);

type Op = (old: number, v: number) => number;
type OpJs = (old: string, v: string) => string;

function amo(name: string, funct5: number, f: Op, js: OpJs): InsnDef {
  return {
    name,
    ext: "A",
    format: "amo",
    mask: MASK_AMO,
    match: amoMatch(funct5),
    flow: "next",
    mem: "amo",
    exec(i, h, pc) {
      const a = h.cpu.x[i.rs1]!;
      if (a & 3) throw new GuestFault("bus", pc, a);
      const old = h.mem.load32(a, pc);
      h.mem.store32(a, f(old, h.cpu.x[i.rs2]!), pc);
      h.cpu.x[i.rd] = old;
      return pc + i.size;
    },
    emit(i, e) {
      const a = e.temp(), old = e.temp();
      return `${a} = ${e.r(i.rs1)}; if (${a} & 3) ${e.fault("bus", a)}` +
        `${old} = ${e.load(4, true, a)};` +
        e.store(4, a, js(old, e.r(i.rs2))) + e.w(i.rd, old);
    },
  };
}

/** The RV32A instructions. */
export const RV32A: readonly InsnDef[] = [
  {
    name: "lr.w",
    ext: "A",
    format: "lr",
    mask: MASK_LR,
    match: amoMatch(0x02),
    flow: "next",
    mem: "load",
    exec(i, h, pc) {
      const a = h.cpu.x[i.rs1]!;
      if (a & 3) throw new GuestFault("bus", pc, a);
      h.cpu.x[i.rd] = h.mem.load32(a, pc);
      h.cpu.reservation = a;
      return pc + i.size;
    },
    emit(i, e) {
      const a = e.temp();
      return `${a} = ${e.r(i.rs1)}; if (${a} & 3) ${e.fault("bus", a)}` +
        e.w(i.rd, e.load(4, true, a)) + `${e.cpu()}.reservation = ${a};`;
    },
  },
  {
    name: "sc.w",
    ext: "A",
    format: "amo",
    mask: MASK_AMO,
    match: amoMatch(0x03),
    flow: "next",
    mem: "store",
    exec(i, h, pc) {
      const a = h.cpu.x[i.rs1]!;
      if (a & 3) throw new GuestFault("bus", pc, a);
      const ok = h.cpu.reservation === a;
      h.cpu.reservation = -1;
      if (ok) h.mem.store32(a, h.cpu.x[i.rs2]!, pc);
      h.cpu.x[i.rd] = ok ? 0 : 1;
      return pc + i.size;
    },
    emit(i, e) {
      const a = e.temp(), cpu = e.cpu();
      return `${a} = ${e.r(i.rs1)}; if (${a} & 3) ${e.fault("bus", a)}` +
        `if (${cpu}.reservation === ${a}) { ${cpu}.reservation = -1; ` +
        e.store(4, a, e.r(i.rs2)) + e.w(i.rd, "0") +
        `} else { ${cpu}.reservation = -1; ${e.w(i.rd, "1")} }`;
    },
  },
  amo("amoswap.w", 0x01, (_o, v) => v, (_o, v) => v),
  amo("amoadd.w", 0x00, (o, v) => (o + v) | 0, (o, v) => `(${o} + ${v}) | 0`),
  amo("amoxor.w", 0x04, (o, v) => o ^ v, (o, v) => `${o} ^ ${v}`),
  amo("amoand.w", 0x0c, (o, v) => o & v, (o, v) => `${o} & ${v}`),
  amo("amoor.w", 0x08, (o, v) => o | v, (o, v) => `${o} | ${v}`),
  amo("amomin.w", 0x10, Math.min, (o, v) => `Math.min(${o}, ${v})`),
  amo("amomax.w", 0x14, Math.max, (o, v) => `Math.max(${o}, ${v})`),
  amo(
    "amominu.w",
    0x18,
    (o, v) => ((o >>> 0) < (v >>> 0) ? o : v),
    (o, v) => `((${o} >>> 0) < (${v} >>> 0) ? ${o} : ${v})`,
  ),
  amo(
    "amomaxu.w",
    0x1c,
    (o, v) => ((o >>> 0) > (v >>> 0) ? o : v),
    (o, v) => `((${o} >>> 0) > (${v} >>> 0) ? ${o} : ${v})`,
  ),
];

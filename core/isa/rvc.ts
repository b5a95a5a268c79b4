/**
 * The C extension, by expansion: each 16-bit instruction is rewritten to the 32-bit instruction it
 * stands for, which the decoder then handles like any other (with size 2).
 * @module
 */

import { OPC } from "./insn.ts";

const bits = (v: number, hi: number, lo: number) => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
const bit = (v: number, n: number) => (v >>> n) & 1;
/** Sign-extends the low `width` bits of `v`. */
const sext = (v: number, width: number) => (v << (32 - width)) >> (32 - width);
/** Registers x8..x15, as named by the 3-bit fields of compressed instructions. */
const rp = (v: number, lo: number) => 8 + bits(v, lo + 2, lo);

const encI = (opc: number, rd: number, f3: number, rs1: number, imm: number) =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
const encR = (opc: number, rd: number, f3: number, rs1: number, rs2: number, f7: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc) >>> 0;
const encS = (opc: number, f3: number, rs1: number, rs2: number, imm: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) |
    opc) >>> 0;
const encB = (f3: number, rs1: number, rs2: number, imm: number) =>
  ((bit(imm, 12) << 31) | (bits(imm, 10, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (bits(imm, 4, 1) << 8) | (bit(imm, 11) << 7) | OPC.BRANCH) >>> 0;
const encJ = (rd: number, imm: number) =>
  ((bit(imm, 20) << 31) | (bits(imm, 10, 1) << 21) | (bit(imm, 11) << 20) |
    (bits(imm, 19, 12) << 12) | (rd << 7) | OPC.JAL) >>> 0;

/** Offset of c.j / c.jal: imm[11|4|9:8|10|6|7|3:1|5] in bits 12:2. */
function cjOffset(c: number): number {
  return sext(
    (bit(c, 12) << 11) | (bit(c, 11) << 4) | (bits(c, 10, 9) << 8) | (bit(c, 8) << 10) |
      (bit(c, 7) << 6) | (bit(c, 6) << 7) | (bits(c, 5, 3) << 1) | (bit(c, 2) << 5),
    12,
  );
}

/** Offset of c.beqz / c.bnez: imm[8|4:3] in bits 12:10, imm[7:6|2:1|5] in bits 6:2. */
function cbOffset(c: number): number {
  return sext(
    (bit(c, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) | (bits(c, 4, 3) << 1) |
      (bit(c, 2) << 5),
    9,
  );
}

/** The 6-bit signed immediate of c.addi, c.li, c.andi: imm[5] in bit 12, imm[4:0] in bits 6:2. */
const ci6 = (c: number) => sext((bit(c, 12) << 5) | bits(c, 6, 2), 6);

/**
 * Expands a 16-bit instruction (RV32C, integer subset) to its 32-bit equivalent.
 * @returns the 32-bit encoding, or 0 for an illegal or unsupported (floating-point) encoding
 */
export function expandCompressed(c: number): number {
  const f3 = bits(c, 15, 13);
  const rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
  switch (c & 3) {
    case 0:
      switch (f3) {
        case 0: { // c.addi4spn
          const imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bit(c, 6) << 2) |
            (bit(c, 5) << 3);
          return imm === 0 ? 0 : encI(OPC.OP_IMM, rp(c, 2), 0, 2, imm);
        }
        case 2: // c.lw
          return encI(OPC.LOAD, rp(c, 2), 2, rp(c, 7), clwOffset(c));
        case 6: // c.sw
          return encS(OPC.STORE, 2, rp(c, 7), rp(c, 2), clwOffset(c));
      }
      return 0;
    case 1:
      switch (f3) {
        case 0: // c.addi, c.nop
          return encI(OPC.OP_IMM, rd, 0, rd, ci6(c));
        case 1: // c.jal (RV32 only)
          return encJ(1, cjOffset(c));
        case 2: // c.li
          return encI(OPC.OP_IMM, rd, 0, 0, ci6(c));
        case 3: {
          if (rd === 2) { // c.addi16sp
            const imm = sext(
              (bit(c, 12) << 9) | (bit(c, 6) << 4) | (bit(c, 5) << 6) | (bits(c, 4, 3) << 7) |
                (bit(c, 2) << 5),
              10,
            );
            return imm === 0 ? 0 : encI(OPC.OP_IMM, 2, 0, 2, imm);
          }
          const imm = ci6(c); // c.lui
          return imm === 0 ? 0 : (((imm << 12) & 0xfffff000) | (rd << 7) | OPC.LUI) >>> 0;
        }
        case 4: {
          const r = rp(c, 7);
          switch (bits(c, 11, 10)) {
            case 0: // c.srli
              return bit(c, 12) ? 0 : encR(OPC.OP_IMM, r, 5, r, rs2, 0);
            case 1: // c.srai
              return bit(c, 12) ? 0 : encR(OPC.OP_IMM, r, 5, r, rs2, 0x20);
            case 2: // c.andi
              return encI(OPC.OP_IMM, r, 7, r, ci6(c));
          }
          if (bit(c, 12)) return 0; // c.subw and c.addw are RV64 only
          const r2 = rp(c, 2);
          switch (bits(c, 6, 5)) {
            case 0: // c.sub
              return encR(OPC.OP, r, 0, r, r2, 0x20);
            case 1: // c.xor
              return encR(OPC.OP, r, 4, r, r2, 0);
            case 2: // c.or
              return encR(OPC.OP, r, 6, r, r2, 0);
          }
          return encR(OPC.OP, r, 7, r, r2, 0); // c.and
        }
        case 5: // c.j
          return encJ(0, cjOffset(c));
        case 6: // c.beqz
          return encB(0, rp(c, 7), 0, cbOffset(c));
        case 7: // c.bnez
          return encB(1, rp(c, 7), 0, cbOffset(c));
      }
      return 0;
    case 2:
      switch (f3) {
        case 0: // c.slli
          return bit(c, 12) ? 0 : encR(OPC.OP_IMM, rd, 1, rd, rs2, 0);
        case 2: { // c.lwsp
          const imm = (bit(c, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
          return rd === 0 ? 0 : encI(OPC.LOAD, rd, 2, 2, imm);
        }
        case 4:
          if (!bit(c, 12)) {
            if (rs2 === 0) return rd === 0 ? 0 : encI(OPC.JALR, 0, 0, rd, 0); // c.jr
            return encR(OPC.OP, rd, 0, 0, rs2, 0); // c.mv
          }
          if (rs2 === 0) {
            return rd === 0 ? 0x00100073 : encI(OPC.JALR, 1, 0, rd, 0); // c.ebreak, c.jalr
          }
          return encR(OPC.OP, rd, 0, rd, rs2, 0); // c.add
        case 6: { // c.swsp
          const imm = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
          return encS(OPC.STORE, 2, 2, rs2, imm);
        }
      }
      return 0;
  }
  return 0;
}

/** Offset of c.lw / c.sw: uimm[5:3] in bits 12:10, uimm[2] in bit 6, uimm[6] in bit 5. */
function clwOffset(c: number): number {
  return (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
}

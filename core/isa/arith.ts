/**
 * 32x32-bit multiply-high and division helpers with RISC-V semantics, shared by the interpreter
 * and (as runtime helpers) by translated code.
 * @module
 */

/** High 32 bits of the unsigned 64-bit product of `a` and `b`. */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lo = al * bl;
  const mid1 = ah * bl + (lo >>> 16);
  const mid2 = al * bh + (mid1 & 0xffff);
  return (ah * bh + Math.floor(mid1 / 65536) + Math.floor(mid2 / 65536)) | 0;
}

/** High 32 bits of the signed 64-bit product of `a` and `b`. */
export function mulh(a: number, b: number): number {
  // Signed high word = unsigned high word minus the corrections for negative operands.
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** High 32 bits of the product of signed `a` and unsigned `b`. */
export function mulhsu(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0)) | 0;
}

/** Signed division; by zero gives -1, overflow gives the dividend, as RISC-V specifies. */
export function div(a: number, b: number): number {
  return b === 0 ? -1 : (a / b) | 0;
}

/** Unsigned division; by zero gives all ones. */
export function divu(a: number, b: number): number {
  return b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0;
}

/** Signed remainder; by zero gives the dividend, overflow gives 0. */
export function rem(a: number, b: number): number {
  return b === 0 ? a : (a % b) | 0;
}

/** Unsigned remainder; by zero gives the dividend. */
export function remu(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}

/**
 * Memory fast paths of translated code: an aligned access to a page with the permission it needs
 * (for stores: and no translated code on it) is one typed-array access; anything else calls the
 * runtime's slow path, which handles misalignment, faults and code invalidation.
 * @module
 */

import { PAGE_CODE, PAGE_SHIFT, PROT_READ, PROT_WRITE } from "./memory.ts";

/** Size of a guest memory access, in bytes. */
export type AccessSize = 1 | 2 | 4;

/**
 * An int32 expression loading `size` bytes at the address expression `addr`, leaving the address
 * in `ma`. `at` is `pc, k`: the instruction and its index in the block, for the slow path.
 */
export function loadExpr(size: AccessSize, signed: boolean, addr: string, at: string): string {
  const ok = `(perm[ma >>> ${PAGE_SHIFT}] & ${PROT_READ}) !== 0`;
  switch (size) {
    case 1:
      return signed
        ? `(ma = ${addr}, ${ok} ? i8[ma >>> 0] : (rt.ld8(ma, ${at}) << 24) >> 24)`
        : `(ma = ${addr}, ${ok} ? u8[ma >>> 0] : rt.ld8(ma, ${at}))`;
    case 2:
      return signed
        ? `(ma = ${addr}, (ma & 1) === 0 && ${ok} ? i16[ma >>> 1] : (rt.ld16(ma, ${at}) << 16) >> 16)`
        : `(ma = ${addr}, (ma & 1) === 0 && ${ok} ? u16[ma >>> 1] : rt.ld16(ma, ${at}))`;
    case 4:
      return `(ma = ${addr}, (ma & 3) === 0 && ${ok} ? i32[ma >>> 2] : rt.ld32(ma, ${at}))`;
  }
}

/**
 * A statement storing the low `size` bytes of `value` at `addr` (left in `ma`). `slowResult` is
 * prepended to the slow-path call, which returns whether the store overwrote translated code.
 */
export function storeStmt(
  size: AccessSize,
  addr: string,
  value: string,
  slowResult: string,
  at: string,
): string {
  const writable = `(perm[ma >>> ${PAGE_SHIFT}] & ${PROT_WRITE | PAGE_CODE}) === ${PROT_WRITE}`;
  const fast = size === 1
    ? `${writable}) u8[ma >>> 0] = ${value};`
    : size === 2
    ? `(ma & 1) === 0 && ${writable}) u16[ma >>> 1] = ${value};`
    : `(ma & 3) === 0 && ${writable}) i32[ma >>> 2] = ${value};`;
  return `ma = ${addr}; if (${fast} else ${slowResult}rt.st${size * 8}(ma, ${value}, ${at});`;
}

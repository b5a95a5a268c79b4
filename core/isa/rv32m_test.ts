/**
 * Directed tests of the RV32M instructions (./rv32m.ts), against a 64-bit reference and
 * hand-computed values. Each program runs with both engines (see ./_test_harness.ts): the
 * interpreter and the translator must each give the expected state, and must agree with each other.
 */

import {
  cases,
  div,
  divu,
  MAX,
  MIN,
  mul,
  mulh,
  mulhsu,
  mulhu,
  one,
  rem,
  remu,
  runBoth,
} from "./_test_harness.ts";

// ---------------------------------------------------------------------------------------------
// RV32M.

/** Reference semantics of the M instructions on 64-bit BigInts. */
function refM(name: string, a: number, b: number): number {
  const s = (v: number) => BigInt(v | 0), u = (v: number) => BigInt(v >>> 0);
  const lo = (v: bigint) => Number(BigInt.asIntN(32, v));
  const hi = (v: bigint) => Number(BigInt.asIntN(32, v >> 32n));
  switch (name) {
    case "mul":
      return lo(s(a) * s(b));
    case "mulh":
      return hi(s(a) * s(b));
    case "mulhsu":
      return hi(s(a) * u(b));
    case "mulhu":
      return hi(u(a) * u(b));
    case "div":
      return b === 0 ? -1 : (a | 0) === -MIN && (b | 0) === -1 ? a | 0 : lo(s(a) / s(b));
    case "divu":
      return b === 0 ? -1 : lo(u(a) / u(b));
    case "rem":
      return b === 0 ? a | 0 : (a | 0) === -MIN && (b | 0) === -1 ? 0 : lo(s(a) % s(b));
    case "remu":
      return b === 0 ? a | 0 : lo(u(a) % u(b));
  }
  throw new TypeError(`Cannot compute "${name}": not an M instruction`);
}

/** A small deterministic generator (xorshift32), so a failure reproduces. */
function randoms(seed: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    out.push(seed | 0);
  }
  return out;
}

const M_OPS: readonly [string, (rd: number, rs1: number, rs2: number) => number][] = [
  ["mul", mul],
  ["mulh", mulh],
  ["mulhsu", mulhsu],
  ["mulhu", mulhu],
  ["div", div],
  ["divu", divu],
  ["rem", rem],
  ["remu", remu],
];
const EDGE_PAIRS: readonly [number, number][] = [
  [MIN, MIN],
  [-1, -1],
  [-1, 1],
  [1, -1],
  [MAX, MAX],
  [MIN, -1],
  [MIN, 1],
  [MAX, MIN],
  [0, -1],
  [-1, 0],
  [12345, 0],
  [MIN, 0],
  [-7, 2],
  [7, -2],
];

for (const [name, enc] of M_OPS) {
  Deno.test(`${name}() matches a 64-bit reference on edge and random values`, () => {
    const r = randoms(0x9e3779b9 ^ name.length * 7919, 24);
    const pairs: [number, number][] = [
      ...EDGE_PAIRS,
      ...Array.from({ length: 12 }, (_, i): [number, number] => [r[2 * i]!, r[2 * i + 1]!]),
    ];
    for (const [a, b] of pairs) {
      runBoth({ code: [enc(5, 6, 7)], regs: { 6: a, 7: b } }, {
        regs: { 5: refM(name, a, b), 6: a, 7: b },
      });
    }
  });
}

/** Hand-computed values, so that the reference above is checked too. */
cases("mul", [
  one("gives the low word of min * min", mul(5, 6, 7), { 6: MIN, 7: MIN }, 0),
  one("gives 1 for -1 * -1", mul(5, 6, 7), { 6: -1, 7: -1 }, 1),
  one("gives 1 for max * max", mul(5, 6, 7), { 6: MAX, 7: MAX }, 1),
  one("writes rd when rd is rs1", mul(6, 6, 7), { 6: 3, 7: -5 }, 0),
]);
cases("mulh", [
  one("gives 0x40000000 for min * min", mulh(5, 6, 7), { 6: MIN, 7: MIN }, 0x40000000),
  one("gives 0 for -1 * -1", mulh(5, 6, 7), { 6: -1, 7: -1 }, 0),
  one("gives -1 for -1 * 1", mulh(5, 6, 7), { 6: -1, 7: 1 }, -1),
  one("gives 0x3fffffff for max * max", mulh(5, 6, 7), { 6: MAX, 7: MAX }, 0x3fffffff),
]);
cases("mulhsu", [
  one("gives 0xc0000000 for min * 2^31", mulhsu(5, 6, 7), { 6: MIN, 7: MIN }, 0xc0000000),
  one("gives -1 for -1 * 0xffffffff", mulhsu(5, 6, 7), { 6: -1, 7: -1 }, -1),
  one("gives -1 for -1 * 1", mulhsu(5, 6, 7), { 6: -1, 7: 1 }, -1),
  one("gives 0x3fffffff for max * max", mulhsu(5, 6, 7), { 6: MAX, 7: MAX }, 0x3fffffff),
]);
cases("mulhu", [
  one("gives 0x40000000 for 2^31 * 2^31", mulhu(5, 6, 7), { 6: MIN, 7: MIN }, 0x40000000),
  one("gives 0xfffffffe for 0xffffffff^2", mulhu(5, 6, 7), { 6: -1, 7: -1 }, 0xfffffffe),
  one("gives 0 for 0xffffffff * 1", mulhu(5, 6, 7), { 6: -1, 7: 1 }, 0),
  one("gives 0x3fffffff for max * max", mulhu(5, 6, 7), { 6: MAX, 7: MAX }, 0x3fffffff),
]);
cases("div", [
  one("gives -1 when dividing by zero", div(5, 6, 7), { 6: 12345, 7: 0 }, -1),
  one("gives min for min / -1 (overflow)", div(5, 6, 7), { 6: MIN, 7: -1 }, MIN),
  one("rounds toward zero for -7 / 2", div(5, 6, 7), { 6: -7, 7: 2 }, -3),
  one("rounds toward zero for 7 / -2", div(5, 6, 7), { 6: 7, 7: -2 }, -3),
]);
cases("divu", [
  one("gives 0xffffffff when dividing by zero", divu(5, 6, 7), { 6: 12345, 7: 0 }, 0xffffffff),
  one("divides unsigned", divu(5, 6, 7), { 6: MIN, 7: 3 }, 0x2aaaaaaa),
  one("gives 0xffffffff for 0xffffffff / 1", divu(5, 6, 7), { 6: -1, 7: 1 }, -1),
  one("gives 0 for 1 / 0xffffffff", divu(5, 6, 7), { 6: 1, 7: -1 }, 0),
]);
cases("rem", [
  one("gives the dividend when dividing by zero", rem(5, 6, 7), { 6: -5, 7: 0 }, -5),
  one("gives 0 for min % -1 (overflow)", rem(5, 6, 7), { 6: MIN, 7: -1 }, 0),
  one("takes the sign of the dividend for -7 % 2", rem(5, 6, 7), { 6: -7, 7: 2 }, -1),
  one("takes the sign of the dividend for 7 % -2", rem(5, 6, 7), { 6: 7, 7: -2 }, 1),
]);
cases("remu", [
  one("gives the dividend when dividing by zero", remu(5, 6, 7), { 6: MIN, 7: 0 }, MIN),
  one("divides unsigned", remu(5, 6, 7), { 6: MIN, 7: 3 }, 2),
  one("gives the dividend for 1 % 0xffffffff", remu(5, 6, 7), { 6: 1, 7: -1 }, 1),
]);

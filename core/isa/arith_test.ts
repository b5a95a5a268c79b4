import { assertEquals } from "@std/assert";
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from "./arith.ts";

const s = (v: number) => BigInt(v | 0), u = (v: number) => BigInt(v >>> 0);
const lo = (v: bigint) => Number(BigInt.asIntN(32, v));
const hi = (v: bigint) => Number(BigInt.asIntN(32, v >> 32n));
const MIN = -(2 ** 31);

/** [name, function under test, reference on BigInts following the RISC-V spec]. */
const OPS: readonly [string, (a: number, b: number) => number, (a: number, b: number) => number][] =
  [
    ["mulh", mulh, (a, b) => hi(s(a) * s(b))],
    ["mulhsu", mulhsu, (a, b) => hi(s(a) * u(b))],
    ["mulhu", mulhu, (a, b) => hi(u(a) * u(b))],
    ["div", div, (a, b) => b === 0 ? -1 : a === MIN && b === -1 ? MIN : lo(s(a) / s(b))],
    ["divu", divu, (a, b) => b === 0 ? -1 : lo(u(a) / u(b))],
    ["rem", rem, (a, b) => b === 0 ? a : a === MIN && b === -1 ? 0 : lo(s(a) % s(b))],
    ["remu", remu, (a, b) => b === 0 ? a : lo(u(a) % u(b))],
  ];

/** Operands that break naive implementations: signs, powers of two and their neighbours. */
const EDGES: readonly number[] = [
  0,
  1,
  -1,
  2,
  -2,
  3,
  7,
  -7,
  0xffff,
  0x10000,
  0x10001,
  -0x10000,
  0x7fff_ffff,
  MIN,
  MIN + 1,
  0x4000_0000,
  0x5555_5555,
  0xaaaa_aaaa | 0,
  0xffff_0000 | 0,
  0x0000_ffff,
  0x8000_0001 | 0,
];

/**
 * A deterministic operand generator (xorshift32), so a failure reproduces: a mix of uniform
 * 32-bit values, small values and values near a power of two.
 */
function* operands(seed: number, n: number): Generator<[number, number]> {
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const pick = () => {
    const r = next();
    switch (r & 3) {
      case 0:
        return ((r >>> 2) % 33) - 16;
      case 1:
        return (2 ** ((r >>> 2) % 32) + (((r >>> 8) % 5) - 2)) | 0;
      default:
        return next() | 0;
    }
  };
  for (let i = 0; i < n; i++) yield [pick(), pick()];
}

const h = (v: number) => "0x" + (v >>> 0).toString(16).padStart(8, "0");

for (const [name, f, ref] of OPS) {
  Deno.test(`${name}() matches a BigInt reference on 10000 random pairs`, () => {
    for (const [a, b] of operands(0x2545f491 + name.length * 97 + name.charCodeAt(0), 10_000)) {
      const got = f(a, b), want = ref(a, b);
      if (got !== want) assertEquals(h(got), h(want), `${name}(${h(a)}, ${h(b)})`);
      // Results are int32 values, as register writes of translated code expect.
      assertEquals(got, got | 0, `${name}(${h(a)}, ${h(b)}) is not an int32`);
    }
  });

  Deno.test(`${name}() matches a BigInt reference on every pair of edge values`, () => {
    for (const a of EDGES) {
      for (const b of EDGES) assertEquals(h(f(a, b)), h(ref(a, b)), `${name}(${h(a)}, ${h(b)})`);
    }
  });
}

Deno.test("div() and rem() follow the spec on division by zero and overflow", () => {
  assertEquals([div(5, 0), div(MIN, 0), div(0, 0)], [-1, -1, -1]);
  assertEquals([divu(5, 0), divu(-1, 0)], [-1, -1]);
  assertEquals([rem(5, 0), rem(MIN, 0), rem(-3, 0)], [5, MIN, -3]);
  assertEquals([remu(5, 0), remu(-1, 0)], [5, -1]);
  assertEquals([div(MIN, -1), rem(MIN, -1)], [MIN, 0]);
});

Deno.test("rem() gives +0, not -0, for a negative dividend that divides evenly", () => {
  assertEquals(Object.is(rem(-4, 2), 0), true);
  assertEquals(Object.is(rem(MIN, -1), 0), true);
});

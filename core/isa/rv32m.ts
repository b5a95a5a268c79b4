/**
 * RV32M multiply and divide instructions. The multiply-high and divide semantics live in
 * `arith.ts` and are called by name from translated code (V8 inlines them).
 * @module
 */

import { div, divu, mulh, mulhsu, mulhu, rem, remu } from "./arith.ts";
import type { RuntimeCall } from "../_runtime.ts";
import { enc, type InsnDef, MASK_F7, OPC } from "./insn.ts";

/** An M instruction: `js` is its inline JS, or the runtime call that computes it. */
function m(
  name: string,
  f3: number,
  f: (a: number, b: number) => number,
  js: RuntimeCall | ((a: string, b: string) => string),
): InsnDef {
  return {
    name,
    ext: "M",
    format: "R",
    mask: MASK_F7,
    match: enc(OPC.OP, f3, 1),
    flow: "next",
    exec(i, h, pc) {
      h.cpu.x[i.rd] = f(h.cpu.x[i.rs1]!, h.cpu.x[i.rs2]!);
      return pc + i.size;
    },
    emit: (i, e) => {
      const a = e.r(i.rs1), b = e.r(i.rs2);
      return e.w(i.rd, typeof js === "string" ? `${e.rt(js)}(${a}, ${b})` : js(a, b));
    },
  };
}

/** The RV32M instructions. */
export const RV32M: readonly InsnDef[] = [
  m("mul", 0, Math.imul, (a, b) => `Math.imul(${a}, ${b})`),
  m("mulh", 1, mulh, "mulh"),
  m("mulhsu", 2, mulhsu, "mulhsu"),
  m("mulhu", 3, mulhu, "mulhu"),
  m("div", 4, div, "div"),
  m("divu", 5, divu, "divu"),
  m("rem", 6, rem, "rem"),
  m("remu", 7, remu, "remu"),
];

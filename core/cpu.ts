/**
 * The architectural state of one RV32 hart, shared by the interpreter and the translated code.
 * @module
 */

/** ABI names of x0..x31, in register order. */
export const ABI_NAMES: readonly string[] = [
  "zero",
  "ra",
  "sp",
  "gp",
  "tp",
  "t0",
  "t1",
  "t2",
  "s0",
  "s1",
  "a0",
  "a1",
  "a2",
  "a3",
  "a4",
  "a5",
  "a6",
  "a7",
  "s2",
  "s3",
  "s4",
  "s5",
  "s6",
  "s7",
  "s8",
  "s9",
  "s10",
  "s11",
  "t3",
  "t4",
  "t5",
  "t6",
]; // deno-fmt-ignore

/** The register file, pc and retired-instruction count of one hart. */
export class CpuState {
  /** x0..x31; x[0] is always 0. */
  readonly x: Int32Array = new Int32Array(32);
  /** Address of the next instruction to execute. */
  pc = 0;
  /** Instructions retired so far (exact; a double holds 2^53). */
  instret = 0;
  /** Address reserved by the last lr.w, or -1 when there is no reservation. */
  reservation: number = -1;
}

/**
 * Returns the register number for a name: `x0`..`x31`, an ABI name, or `fp` (= s0).
 * @returns the number, or -1 when the name is not a register
 */
export function regNumber(name: string): number {
  const m = /^x(\d{1,2})$/.exec(name);
  if (m && Number(m[1]) < 32) return Number(m[1]);
  if (name === "fp") return 8;
  return ABI_NAMES.indexOf(name);
}

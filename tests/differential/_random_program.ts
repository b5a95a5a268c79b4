/**
 * A seeded generator of random RV32IMAC assembly programs for differential tests.
 *
 * A program sets x1..x31 to random values (edge values often), runs a random mix of ALU,
 * multiply/divide, compressed, load/store (misaligned too, across a page boundary), AMO and
 * lr/sc instructions, forward branches and indirect jumps over small groups, short counted loops
 * and a few host-independent system calls, then writes the registers and its scratch area to
 * stdout and exits with status 0. s0 points at the scratch area throughout and is never written;
 * every other register is data, sp included. The code crosses a page boundary somewhere, and the
 * scratch area straddles one.
 *
 * Output layout (380 bytes): x1..x31 as little-endian words, then the 256-byte scratch area.
 * @module
 */

/** The register that holds the scratch pointer (s0, so that c.lw/c.sw can use it). */
export const PTR = 8;
/** Bytes of scratch memory; it straddles a page boundary at {@linkcode SCRATCH_SIZE} / 2. */
export const SCRATCH_SIZE = 256;
/** Bytes of output: x1..x31, then the scratch area. */
export const OUTPUT_SIZE = 31 * 4 + SCRATCH_SIZE;

/** A small, fast PRNG (mulberry32) whose whole state is one 32-bit seed. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  /** One element of `xs`. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.u32() % xs.length]!;
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
}

const EDGES = [
  0,
  1,
  -1,
  2,
  -2,
  0x80000000 | 0,
  0x7fffffff,
  0x80000001 | 0,
  0xffff,
  0x8000,
  0x7ff,
  0x800,
  -2048,
  31,
  32,
  0x55555555,
  0xaaaaaaaa | 0,
]; // deno-fmt-ignore

const ALU_RR = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"];
const MUL_DIV = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"];
const ALU_IMM = ["addi", "slti", "sltiu", "xori", "ori", "andi"];
const SHIFT_IMM = ["slli", "srli", "srai"];
const LOADS: readonly [string, number][] = [["lb", 1], ["lbu", 1], ["lh", 2], ["lhu", 2], [
  "lw",
  4,
]];
const STORES: readonly [string, number][] = [["sb", 1], ["sh", 2], ["sw", 4]];
const AMOS = [
  "amoswap",
  "amoadd",
  "amoxor",
  "amoand",
  "amoor",
  "amomin",
  "amomax",
  "amominu",
  "amomaxu",
]; // deno-fmt-ignore
const ORDERINGS = ["", ".aq", ".rl", ".aqrl"];
const BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];
const C_ALU_RR = ["c.sub", "c.xor", "c.or", "c.and"];

/** Generates the body of one program; registers in `avoid` are never written. */
class Generator {
  readonly lines: string[] = [];
  #rng: Rng;
  #labels = 0;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  /** A random value, an edge value half of the time. */
  value(): number {
    const r = this.#rng;
    if (r.chance(0.5)) return r.pick(EDGES);
    return r.chance(0.3) ? r.int(-64, 64) : r.u32() | 0;
  }

  /** A destination register outside `avoid` (x0 now and then: its writes must vanish). */
  rd(avoid: ReadonlySet<number>, allowZero = true): number {
    const r = this.#rng;
    if (allowZero && r.chance(0.03)) return 0;
    for (;;) {
      const n = r.int(1, 31);
      if (n !== PTR && !avoid.has(n)) return n;
    }
  }

  /** A compressed-form register (x8..x15) outside `avoid`, or undefined when there is none. */
  rdc(avoid: ReadonlySet<number>): number | undefined {
    const free = [9, 10, 11, 12, 13, 14, 15].filter((n) => !avoid.has(n));
    return free.length ? this.#rng.pick(free) : undefined;
  }

  /** Any source register. */
  rs(): string {
    return `x${this.#rng.int(0, 31)}`;
  }

  label(): string {
    return `.L${this.#labels++}`;
  }

  emit(line: string): void {
    this.lines.push(`  ${line}`);
  }

  /** A compressed instruction, assembled as such whatever the surrounding `.option`. */
  emitC(line: string): void {
    this.lines.push("  .option push", "  .option rvc", `  ${line}`, "  .option pop");
  }

  /** One instruction (or a short fixed sequence) with no control flow. */
  simple(avoid: ReadonlySet<number>): void {
    const r = this.#rng;
    const kind = r.pick([
      "alu",
      "alu",
      "alu",
      "muldiv",
      "muldiv",
      "imm",
      "imm",
      "shift",
      "upper",
      "li",
      "c",
      "c",
      "c",
      "load",
      "load",
      "store",
      "store",
      "based",
      "amo",
    ]); // deno-fmt-ignore
    switch (kind) {
      case "alu":
        return this.emit(`${r.pick(ALU_RR)} x${this.rd(avoid)}, ${this.rs()}, ${this.rs()}`);
      case "muldiv":
        return this.emit(`${r.pick(MUL_DIV)} x${this.rd(avoid)}, ${this.rs()}, ${this.rs()}`);
      case "imm": {
        const imm = r.chance(0.3) ? r.pick([-2048, 2047, 0, -1, 1]) : r.int(-2048, 2047);
        return this.emit(`${r.pick(ALU_IMM)} x${this.rd(avoid)}, ${this.rs()}, ${imm}`);
      }
      case "shift": {
        const sh = r.chance(0.3) ? r.pick([0, 1, 31]) : r.int(0, 31);
        return this.emit(`${r.pick(SHIFT_IMM)} x${this.rd(avoid)}, ${this.rs()}, ${sh}`);
      }
      case "upper": {
        const imm = r.chance(0.3) ? r.pick([0, 0x80000, 0xfffff, 0x7ffff]) : r.int(0, 0xfffff);
        return this.emit(`${r.pick(["lui", "auipc"])} x${this.rd(avoid)}, ${imm}`);
      }
      case "li":
        return this.emit(`li x${this.rd(avoid, false)}, ${this.value()}`);
      case "c":
        return this.compressed(avoid);
      case "load": {
        const [op, size] = r.pick(LOADS);
        return this.emit(`${op} x${this.rd(avoid)}, ${r.int(0, SCRATCH_SIZE - size)}(x${PTR})`);
      }
      case "store": {
        const [op, size] = r.pick(STORES);
        return this.emit(`${op} ${this.rs()}, ${r.int(0, SCRATCH_SIZE - size)}(x${PTR})`);
      }
      case "based": {
        // A load or store through another base register, with a negative offset now and then.
        const base = this.rd(avoid, false);
        const k = r.int(-64, SCRATCH_SIZE);
        this.emit(`addi x${base}, x${PTR}, ${k}`);
        if (r.chance(0.5)) {
          const [op, size] = r.pick(LOADS);
          this.emit(`${op} x${this.rd(avoid)}, ${r.int(0, SCRATCH_SIZE - size) - k}(x${base})`);
        } else {
          const [op, size] = r.pick(STORES);
          this.emit(`${op} ${this.rs()}, ${r.int(0, SCRATCH_SIZE - size) - k}(x${base})`);
        }
        return;
      }
      case "amo": {
        const base = this.rd(avoid, false);
        this.emit(`addi x${base}, x${PTR}, ${4 * r.int(0, SCRATCH_SIZE / 4 - 1)}`);
        const op = `${r.pick(AMOS)}.w${r.pick(ORDERINGS)}`;
        return this.emit(`${op} x${this.rd(avoid)}, ${this.rs()}, (x${base})`);
      }
    }
  }

  /** One compressed instruction, with operands in the ranges its encoding allows. */
  compressed(avoid: ReadonlySet<number>): void {
    const r = this.#rng;
    const nz = (lo: number, hi: number) => {
      for (;;) {
        const v = r.int(lo, hi);
        if (v !== 0) return v;
      }
    };
    const rd = this.rd(avoid, false);
    const rdc = this.rdc(avoid);
    const rsc = () => `x${r.int(8, 15)}`;
    const kind = r.pick([
      "addi",
      "li",
      "lui",
      "mv",
      "add",
      "slli",
      "srli",
      "srai",
      "andi",
      "rr",
      "rr",
      "addi16sp",
      "addi4spn",
      "lw",
      "sw",
      "nop",
    ]); // deno-fmt-ignore
    switch (kind) {
      case "addi":
        return this.emitC(`c.addi x${rd}, ${nz(-32, 31)}`);
      case "li":
        return this.emitC(`c.li x${rd}, ${r.int(-32, 31)}`);
      case "lui": {
        if (rd === 2) return this.emitC(`c.li x${rd}, ${r.int(-32, 31)}`);
        const imm = r.chance(0.5) ? r.int(1, 31) : r.int(0xfffe0, 0xfffff);
        return this.emitC(`c.lui x${rd}, ${imm}`);
      }
      case "mv":
        return this.emitC(`c.mv x${rd}, x${r.int(1, 31)}`);
      case "add":
        return this.emitC(`c.add x${rd}, x${r.int(1, 31)}`);
      case "slli":
        return this.emitC(`c.slli x${rd}, ${r.int(1, 31)}`);
      case "addi16sp":
        if (avoid.has(2)) return this.emitC("c.nop");
        return this.emitC(`c.addi16sp sp, ${16 * nz(-32, 31)}`);
      case "sw":
        return this.emitC(`c.sw ${rsc()}, ${4 * r.int(0, 31)}(x${PTR})`);
      case "nop":
        return this.emitC("c.nop");
    }
    if (rdc === undefined) return this.emitC("c.nop");
    switch (kind) {
      case "srli":
      case "srai":
        return this.emitC(`c.${kind} x${rdc}, ${r.int(1, 31)}`);
      case "andi":
        return this.emitC(`c.andi x${rdc}, ${r.int(-32, 31)}`);
      case "rr":
        return this.emitC(`${r.pick(C_ALU_RR)} x${rdc}, ${rsc()}`);
      case "addi4spn":
        return this.emitC(`c.addi4spn x${rdc}, sp, ${4 * r.int(1, 255)}`);
      case "lw":
        return this.emitC(`c.lw x${rdc}, ${4 * r.int(0, 31)}(x${PTR})`);
    }
  }

  /** A forward branch or jump (taken or not) over 1-4 simple instructions. */
  forwardBranch(avoid: ReadonlySet<number>): void {
    const r = this.#rng;
    const target = this.label();
    const kind = r.pick(["b", "b", "b", "cb", "j", "jal", "jalr"]);
    const rdc = this.rdc(new Set()); // c.beqz/c.bnez only read their register
    if (kind === "b") {
      // The same register on both sides now and then: always or never taken.
      const a = this.rs(), b = r.chance(0.15) ? a : this.rs();
      this.emit(`${r.pick(BRANCHES)} ${a}, ${b}, ${target}`);
    } else if (kind === "cb" && rdc !== undefined) {
      this.emitC(`${r.pick(["c.beqz", "c.bnez"])} x${rdc}, ${target}`);
    } else if (kind === "j") {
      if (r.chance(0.5)) this.emitC(`c.j ${target}`);
      else this.emit(`j ${target}`);
    } else if (kind === "jal") {
      this.emit(`jal x${this.rd(avoid)}, ${target}`);
    } else {
      this.indirectJump(target, avoid);
    }
    for (let i = r.int(1, 4); i > 0; i--) this.simple(avoid);
    this.lines.push(`${target}:`);
  }

  /**
   * An indirect jump to `target`: jalr (its link register sometimes its base register, its
   * offset sometimes making the sum odd, which jalr rounds down), c.jr or c.jalr.
   */
  indirectJump(target: string, avoid: ReadonlySet<number>): void {
    const r = this.#rng;
    const base = this.rd(avoid, false);
    const form = r.pick(["jalr", "jalr", "c.jr", "c.jalr"]);
    this.emit(`la x${base}, ${target}`);
    if (form === "jalr") {
      const off = r.pick([0, 1, -4, 6, 2047, -2046, r.int(-64, 64)]);
      const odd = r.chance(0.2) ? 1 : 0;
      if (off - odd !== 0) this.emit(`addi x${base}, x${base}, ${odd - off}`);
      const link = r.chance(0.3) ? base : this.rd(avoid);
      this.emit(`jalr x${link}, ${off}(x${base})`);
    } else if (form === "c.jalr" && !avoid.has(1)) {
      this.emitC(`c.jalr x${base}`);
    } else {
      this.emitC(`c.jr x${base}`);
    }
  }

  /**
   * A system call whose result does not depend on the host: an unknown one (-ENOSYS), or close
   * of a negative descriptor (-EBADF). Only a0 changes.
   */
  syscall(): void {
    const r = this.#rng;
    if (r.chance(0.5)) {
      this.emit("li a7, 4000");
    } else {
      this.emit(`li a0, ${-r.int(1, 5)}`);
      this.emit("li a7, 57 # close");
    }
    this.emit("ecall");
  }

  /** A counted loop of 1-6 trips whose body never writes the counter. */
  loop(avoid: ReadonlySet<number>): void {
    const r = this.#rng;
    const counter = this.rd(avoid, false);
    const inner = new Set([...avoid, counter]);
    const top = this.label();
    this.emit(`li x${counter}, ${r.int(1, 6)}`);
    this.lines.push(`${top}:`);
    for (let i = r.int(1, 4); i > 0; i--) {
      if (r.chance(0.25)) this.forwardBranch(inner);
      else this.simple(inner);
    }
    this.emit(`addi x${counter}, x${counter}, -1`);
    this.emit(`bnez x${counter}, ${top}`);
  }

  /**
   * lr.w, up to two ALU instructions, then sc.w to the same word (succeeds) or another one
   * (fails), and now and then a second sc.w (fails: the first one cleared the reservation).
   */
  lrsc(avoid: ReadonlySet<number>): void {
    const r = this.#rng;
    const addr = this.rd(avoid, false);
    const other = this.rd(new Set([...avoid, addr]), false);
    const data = new Set([...avoid, addr, other]);
    this.emit(`addi x${addr}, x${PTR}, ${4 * r.int(0, SCRATCH_SIZE / 4 - 1)}`);
    this.emit(`addi x${other}, x${PTR}, ${4 * r.int(0, SCRATCH_SIZE / 4 - 1)}`);
    this.emit(`lr.w${r.pick(ORDERINGS)} x${this.rd(data)}, (x${addr})`);
    for (let i = r.int(0, 2); i > 0; i--) {
      this.emit(`${r.pick(ALU_RR)} x${this.rd(data)}, ${this.rs()}, ${this.rs()}`);
    }
    const scAddr = r.chance(0.7) ? addr : other;
    this.emit(`sc.w${r.pick(ORDERINGS)} x${this.rd(data)}, ${this.rs()}, (x${scAddr})`);
    if (r.chance(0.3)) this.emit(`sc.w x${this.rd(data)}, ${this.rs()}, (x${addr})`);
  }

  /** One top-level item of the program body. */
  item(): void {
    const r = this.#rng;
    const none = new Set<number>();
    const p = r.u32() / 2 ** 32;
    if (p < 0.1) this.forwardBranch(none);
    else if (p < 0.15) this.loop(none);
    else if (p < 0.19) this.lrsc(none);
    else if (p < 0.195) this.emit(r.pick(["fence", "fence.i", "fence rw, rw"]));
    else if (p < 0.2) this.syscall();
    else this.simple(none);
  }
}

/**
 * Generates one random program.
 * @param seed the PRNG seed: the same seed gives the same program
 * @param items how many items the body has (an item is one instruction, or a small group: a
 *   branch over instructions, a loop, an lr/sc sequence)
 * @returns the assembly source, ready for `crossAssemble`
 */
export function randomProgram(seed: number, items: number): string {
  const rng = new Rng(seed);
  const g = new Generator(rng);
  // The body is assembled with or without automatic compression; explicit c.* are always
  // compressed.
  const rvc = rng.chance(0.5);
  // Start the body up to ~1 KiB before the end of the first text page, at an even address, so
  // that the code crosses a page boundary (sometimes inside a 4-byte instruction).
  const pad = 2 * rng.int(1536, 2040);
  for (let n = 1; n < 32; n++) {
    if (n !== PTR) g.emit(`li x${n}, ${g.value()}`);
  }
  for (let i = 0; i < items; i++) g.item();
  const words = Array.from({ length: SCRATCH_SIZE / 4 }, () => g.value() >>> 0);
  const dump: string[] = [];
  for (let n = 1; n < 32; n++) dump.push(`  sw x${n}, ${4 * (n - 1) - 124}(x${PTR})`);
  return [
    `# rvplug random program, seed ${seed}`,
    "  .option norelax",
    `  .option ${rvc ? "rvc" : "norvc"}`,
    "  .text",
    "  .globl _start",
    "_start:",
    "  j .Lbody",
    `  .space ${pad}`,
    ".Lbody:",
    `  la x${PTR}, scratch`,
    ...g.lines,
    ...dump,
    "  li a0, 1",
    `  addi a1, x${PTR}, -124`,
    `  li a2, ${OUTPUT_SIZE}`,
    "  li a7, 64 # write",
    "  ecall",
    "  li a0, 0",
    "  li a7, 93 # exit",
    "  ecall",
    "  .data",
    // The dump area ends where the scratch area starts, half a scratch area before a page
    // boundary, so that misaligned accesses in the middle cross pages.
    "  .balign 4096",
    `  .space ${4096 - SCRATCH_SIZE / 2 - 124}`,
    "dump:",
    "  .space 124",
    "scratch:",
    ...words.map((w) => `  .word 0x${w.toString(16)}`),
    "",
  ].join("\n");
}

/**
 * The translator: turns a region of guest code (core/region.ts) into one JS function.
 *
 * Shape of the generated code (see tests/expect/ for real output):
 *
 *     let x2 = x[2], x10 = x[10];         // guest registers used by the region, in locals
 *     let ic = 0, L = 0, npc = 0;         // retired insns, current block, exit pc
 *     try {
 *       loop: for (;;) switch (L) {
 *         case 0:                          // one case per guest block
 *           if (ic + 3 > lim) { npc = 0x10074; break loop; }   // instruction budget
 *           x10 = (x10 + 1) | 0; ...
 *           if (x10 !== 0) { ic += 3; L = 0; continue loop; }  // branch inside the region
 *           ic += 3; npc = 0x10080; break loop;                 // exit
 *       }
 *     } catch (e) { ...write back, count the insns retired before the fault..., rethrow }
 *     x[10] = x10; cpu.instret += ic; return npc;             // write back dirty registers
 *
 * Memory accesses are inlined as a fast path (aligned, page permission bit set, and for stores
 * no translated code on the page) with a call to the runtime's slow path otherwise.
 * @module
 */

import type { CpuState } from "./cpu.ts";
import { hex } from "./errors.ts";
import type { Emitter, Insn } from "./isa/insn.ts";
import type { Memory } from "./memory.ts";
import { PAGE_CODE, PAGE_SHIFT, PROT_READ, PROT_WRITE } from "./memory.ts";
import { type Block, planRegion, type RegionPlan } from "./region.ts";
import type { Runtime } from "./_runtime.ts";

/** A translated region: call it to run guest code from its entry; it returns the next pc. */
export type RegionFn = () => number;

/** Bookkeeping of one translated region. */
interface Region {
  readonly plan: RegionPlan;
  readonly fn: RegionFn;
}

/** Names the generated code sees, in the order the factory receives them. */
const FACTORY_PARAMS = ["rt", "cpu", "x", "u8", "i8", "u16", "i16", "i32", "perm"] as const;
const TEMPS = ["t0", "t1", "t2"];
/** Placeholder for "write every dirty register back to cpu.x", resolved once the region is done. */
const WRITE_BACK = "/*write-back*/";

/** Emits the JS source of a region's function body. */
export function emitRegion(plan: RegionPlan): string {
  const index = new Map(plan.blocks.map((b, i) => [b.pc, i]));
  const used = new Set<number>(), dirty = new Set<number>();
  const cases = plan.blocks.map((b, i) => emitBlock(b, i, index, used, dirty));
  const regs = [...used].sort((a, b) => a - b);
  const writeBack = [...dirty].sort((a, b) => a - b).map((n) => `x[${n}] = x${n};`).join(" ");
  // Blocks emitted later may dirty more registers, so mid-region write-backs are filled in last.
  return [
    regs.length ? `let ${regs.map((n) => `x${n} = x[${n}]`).join(", ")};` : "",
    `let ic = 0, L = 0, npc = 0, ma = 0, ${TEMPS.map((t) => `${t} = 0`).join(", ")};`,
    `const lim = rt.budget;`,
    `try {`,
    `loop: for (;;) switch (L) {`,
    ...cases,
    `}`,
    `} catch (e) { ${writeBack} cpu.instret += ic + rt.k; throw e; }`,
    `${writeBack} cpu.instret += ic; return npc;`,
  ].join("\n").replaceAll(WRITE_BACK, writeBack);
}

function emitBlock(
  b: Block,
  blockIndex: number,
  index: Map<number, number>,
  used: Set<number>,
  dirty: Set<number>,
): string {
  const n = b.insns.length;
  const last = b.insns[n - 1], lastPc = b.pcs[n - 1];
  // A block that branches back to itself becomes a JS loop: the shape V8 optimizes best.
  const selfLoop = last.def.flow === "branch" && ((lastPc + last.imm) >>> 0) === b.pc;
  const lines = [
    `case ${blockIndex}: // block ${hex(b.pc)}`,
    selfLoop ? "do {" : "",
    `if (ic + ${n} > lim) { npc = ${b.pc}; break loop; }`,
  ];
  // Control transfer: inside the region it is a jump to the block's case, else an exit.
  const exit = (target: number, retired = n) => `ic += ${retired}; npc = ${target}; break loop;`;
  const goto = (target: number, retired = n) =>
    index.has(target)
      ? `ic += ${retired}; L = ${index.get(target)}; continue loop;`
      : exit(target, retired);

  for (let k = 0; k < n; k++) {
    const insn: Insn = b.insns[k], pc = b.pcs[k], next = (pc + insn.size) >>> 0;
    let temps = 0;
    const slow = (what: string) => `rt.${what}`;
    const e: Emitter = {
      pc,
      next,
      r(r) {
        if (r === 0) return "0";
        used.add(r);
        return `x${r}`;
      },
      w(r, value) {
        if (r === 0) return `${value};`;
        used.add(r);
        dirty.add(r);
        return `x${r} = ${value};`;
      },
      load(size, signed, addr) {
        const ok = `(perm[ma >>> ${PAGE_SHIFT}] & ${PROT_READ}) !== 0`;
        const at = `${pc}, ${k}`;
        switch (size) {
          case 1:
            return signed
              ? `(ma = ${addr}, ${ok} ? i8[ma >>> 0] : (${slow("ld8")}(ma, ${at}) << 24) >> 24)`
              : `(ma = ${addr}, ${ok} ? u8[ma >>> 0] : ${slow("ld8")}(ma, ${at}))`;
          case 2:
            return signed
              ? `(ma = ${addr}, (ma & 1) === 0 && ${ok} ? i16[ma >>> 1] : (${
                slow("ld16")
              }(ma, ${at}) << 16) >> 16)`
              : `(ma = ${addr}, (ma & 1) === 0 && ${ok} ? u16[ma >>> 1] : ${
                slow("ld16")
              }(ma, ${at}))`;
          case 4:
            return `(ma = ${addr}, (ma & 3) === 0 && ${ok} ? i32[ma >>> 2] : ${
              slow("ld32")
            }(ma, ${at}))`;
        }
      },
      store(size, addr, value) {
        const writable = `(perm[ma >>> ${PAGE_SHIFT}] & ${
          PROT_WRITE | PAGE_CODE
        }) === ${PROT_WRITE}`;
        const fast = size === 1
          ? `${writable}) u8[ma >>> 0] = ${value};`
          : size === 2
          ? `(ma & 1) === 0 && ${writable}) u16[ma >>> 1] = ${value};`
          : `(ma & 3) === 0 && ${writable}) i32[ma >>> 2] = ${value};`;
        // The slow path reports a write to translated code: this region may be stale, so leave.
        const slowStore = `${slow(`st${size * 8}`)}(ma, ${value}, ${pc}, ${k})`;
        return `ma = ${addr}; if (${fast} else if (${slowStore}) { ${exit(next, k + 1)} }`;
      },
      branch: (cond, target) =>
        selfLoop
          ? `ic += ${n}; } while (${cond}); ${goto(next, 0)}`
          : `if (${cond}) { ${goto(target)} } ${goto(next)}`,
      jump: (target) => goto(target),
      jumpIndirect(target) {
        const inRegion = [...index].map(([pc, i]) => `case ${pc}: L = ${i}; continue loop;`);
        return `ic += ${n}; npc = ${target} >>> 0; switch (npc) { ${
          inRegion.join(" ")
        } } break loop;`;
      },
      fault: (kind, addr) => `{ rt.k = ${k}; throw rt.fault("${kind}", ${pc}, ${addr}); }`,
      ecall() {
        // The syscall reads and writes registers in cpu.x: write back, call, and leave the
        // region without the epilogue, which would overwrite the result with a stale local.
        return `ic += ${n}; ${WRITE_BACK} cpu.instret += ic; ic = 0; rt.k = 0; rt.ecall(${pc}); return ${next};`;
      },
      sync: () => goto(next),
      instret: () => `(cpu.instret + ic + ${k})`,
      rt: (name) => (name === "cpu" ? "cpu" : `rt.${name}`),
      temp: () => TEMPS[temps++],
    };
    lines.push(`// ${hex(pc)}: ${insn.def.name}`, insn.def.emit(insn, e));
  }
  if (last.def.flow === "next") lines.push(goto(b.end));
  return lines.join("\n");
}

/** The translation cache: regions by entry pc, two-level by page, and per page who covers it. */
export class Translator {
  #mem: Memory;
  #cpu: CpuState;
  #rt: Runtime;
  /** Regions by entry: `#byPage[pc >>> 12][(pc & 0xfff) >>> 1]`. */
  #byPage: (Array<RegionFn | undefined> | undefined)[] = [];
  /** Regions whose code lies on each page, for invalidation. */
  #onPage = new Map<number, Set<Region>>();
  /** Blocks and regions translated so far. */
  readonly stats = { regions: 0, blocks: 0, invalidations: 0 };

  /** Called with each region planned, before it is compiled (for `-d in_asm`). */
  onPlan: ((plan: RegionPlan) => void) | undefined;

  constructor(mem: Memory, cpu: CpuState, rt: Runtime) {
    this.#mem = mem;
    this.#cpu = cpu;
    this.#rt = rt;
  }

  /** The region entered at `pc`, translating it if needed. */
  lookup(pc: number): RegionFn {
    const slots = this.#byPage[pc >>> PAGE_SHIFT];
    return slots?.[(pc & 0xfff) >>> 1] ?? this.#translate(pc);
  }

  #translate(pc: number): RegionFn {
    const plan = planRegion(this.#mem, pc);
    this.onPlan?.(plan);
    const source = emitRegion(plan);
    const factory = new Function(
      ...FACTORY_PARAMS,
      `return function region_${hex(pc)}() {\n${source}\n};`,
    );
    const m = this.#mem;
    const fn = factory(this.#rt, this.#cpu, this.#cpu.x, m.u8, m.i8, m.u16, m.i16, m.i32, m.perm);
    const region: Region = { plan, fn };
    for (const page of plan.pages) {
      let set = this.#onPage.get(page);
      if (!set) this.#onPage.set(page, set = new Set());
      set.add(region);
      m.perm[page] |= PAGE_CODE;
    }
    (this.#byPage[pc >>> PAGE_SHIFT] ??= new Array(2048))[(pc & 0xfff) >>> 1] = fn;
    this.stats.regions++;
    this.stats.blocks += plan.blocks.length;
    return fn;
  }

  /** Drops every region with code on `page` (the guest wrote to it). */
  invalidatePage(page: number): void {
    const regions = this.#onPage.get(page);
    this.#mem.perm[page] &= ~PAGE_CODE;
    if (!regions) return;
    this.#onPage.delete(page);
    for (const r of regions) {
      this.stats.invalidations++;
      const slots = this.#byPage[r.plan.entry >>> PAGE_SHIFT];
      if (slots) slots[(r.plan.entry & 0xfff) >>> 1] = undefined;
      for (const p of r.plan.pages) this.#onPage.get(p)?.delete(r);
    }
  }

  /** Drops all translations (plugin reset, code cache flush). */
  flush(): void {
    for (const page of this.#onPage.keys()) this.#mem.perm[page] &= ~PAGE_CODE;
    this.#onPage.clear();
    this.#byPage = [];
  }
}

/**
 * The emitter: turns a planned region (core/region.ts) into the JS source of one function. Memory
 * fast paths are in core/_emit_memory.ts, plugin instrumentation in core/_emit_plugin.ts.
 *
 * Shape of the generated code (tests/expect/ holds real output):
 *
 *     let x2 = x[2], x10 = x[10];          // guest registers used by the region, in locals
 *     let ic = 0, L = 0, npc = 0, ...;     // insns retired, current block, exit pc, temps
 *     let lim = state.budget;
 *     try {
 *       loop: for (;;) switch (L) {
 *         case 0:                           // one case per guest block
 *           if (ic + 3 > lim) { npc = 0x10074; break loop; }   // instruction budget
 *           x10 = (x10 + 1) | 0; ...
 *           if (x10 !== 0) { ic += 3; L = 0; continue loop; }  // branch inside the region
 *           ic += 3; npc = 0x10080; break loop;                 // exit
 *       }
 *     } catch (e) { x[10] = x10; throw rt.unwind(e, ic); }   // write back, count, rethrow
 *     x[10] = x10; cpu.instret += ic; return npc;            // write back dirty registers
 *
 * A block that branches to itself becomes a `do { } while (cond)` loop, and the case of the head
 * of a loop of several blocks holds the whole loop as a JS loop (core/_emit_loops.ts). Memory
 * accesses are inlined as a fast path (aligned, page permission set, for stores no translated code
 * on the page) with a call to the runtime's slow path otherwise. Plugin instrumentation is emitted
 * only in the blocks that have some: an inline op is one scoreboard update, a callback one call.
 * @module
 */

import { hex } from "./errors.ts";
import type { Emitter } from "./isa/insn.ts";
import { FLUSH, type RegionContext, RELOAD, WRITE_BACK } from "./_emit_context.ts";
import { loadExpr, storeStmt } from "./_emit_memory.ts";
import { SiteEmitter } from "./_emit_plugin.ts";
import { gotoMark, regionCases } from "./_emit_loops.ts";
import { type Block, isSelfLoop, type RegionPlan } from "./region.ts";
import { type BlockSites, inlineAdds } from "./plugin/sites.ts";

/**
 * The instrumentation of a block: the sites plugins asked for, `undefined` for none, or
 * `"unseen"` for a block plugins have not been shown yet because it has not run: the region
 * leaves there, so that its first run goes through translation as a region entry (QEMU calls
 * the translation callback once per block, when it is about to run).
 */
export type BlockInstrumentation = BlockSites | undefined | "unseen";

/** JS source of a region's function body, and the values its `c0`, `c1`... names refer to. */
export interface RegionSource {
  readonly body: string;
  readonly consts: readonly unknown[];
}

const TEMPS = ["t0", "t1", "t2"];

/** Emits the JS source of a region's function body. */
export function emitRegion(
  plan: RegionPlan,
  instrumentation?: readonly BlockInstrumentation[],
): RegionSource {
  const consts: unknown[] = [];
  const accumulators = new Map<string, string>();
  const ctx: RegionContext = {
    index: new Map(plan.blocks.map((b, i) => [b.pc, i])),
    used: new Set(),
    dirty: new Set(),
    constName(v) {
      let i = consts.indexOf(v);
      if (i < 0) i = consts.push(v) - 1;
      return `c${i}`;
    },
    faultCases: [],
    accumulator(entry) {
      let name = accumulators.get(entry);
      if (!name) accumulators.set(entry, name = `d${accumulators.size}`);
      return name;
    },
  };
  const counter = instructionCounter(plan, instrumentation);
  const code = plan.blocks.map((b, i) => {
    const sites = instrumentation?.[i];
    if (sites !== "unseen") return emitBlock(b, i, ctx, counter ? undefined : sites);
    return `// block ${hex(b.pc)}, not run yet\nnpc = ${b.pc}; break loop;`;
  });
  const cases = regionCases(code, plan.blocks.map(isSelfLoop));
  const regs = [...ctx.used].sort((a, b) => a - b);
  const writeBack = [...ctx.dirty].sort((a, b) => a - b).map((n) => `x[${n}] = x${n};`).join(" ");
  const reload = regs.map((n) => `x${n} = x[${n}];`).join(" ");
  const temps = [...TEMPS, ...accumulators.values()].map((t) => `${t} = 0`).join(", ");
  const flush = [...accumulators].map(([entry, d]) => `${entry} += ${d}; ${d} = 0;`).join(" ");
  // A counter of instructions is ic times its amount, and in the catch handler the instructions
  // of the block up to one that faulted count too (its add comes before it, as in QEMU).
  const count = (n: string) =>
    counter
      ? `${ctx.constName(counter.scoreboard)}[${counter.index}] += ${
        counter.imm === 1 ? n : `(${n}) * ${counter.imm}`
      };`
      : "";
  const faulted = "ic + (L >= 0 && rt.isFault(e) ? state.blockInsn + 1 : 0)";
  // Blocks emitted later may use more registers, so mid-region syncs are resolved last.
  const body = [
    regs.length ? `let ${regs.map((n) => `x${n} = x[${n}]`).join(", ")};` : "",
    `let ic = 0, L = 0, npc = 0, ma = 0, mv = 0, sm = 0, ${temps};`,
    `let lim = state.budget;`,
    `try {`,
    `loop: for (;;) switch (L) {`,
    ...cases,
    `}`,
    `} catch (e) { ${writeBack} ${faultAdds(ctx)} ${
      count(faulted)
    } ${flush} throw rt.unwind(e, ic); }`,
    `${writeBack} ${FLUSH} cpu.instret += ic; return npc;`,
  ].join("\n").replaceAll(WRITE_BACK, writeBack).replaceAll(RELOAD, reload)
    .replaceAll(FLUSH, flush + count("ic"));
  return { body, consts };
}

/** An instruction count: `imm` added to `scoreboard[index]` before each instruction. */
interface Counter {
  readonly scoreboard: Float64Array;
  readonly index: number;
  readonly imm: number;
}

/**
 * The counter of a block whose only instrumentation is an instruction count (as plugins/insn.ts
 * keeps: the same amount added to one entry before every instruction, nothing at its entry);
 * undefined for any other instrumentation, or none.
 */
function blockCounter(sites: BlockSites | undefined, n: number): Counter | undefined {
  const adds = inlineAdds(sites, n);
  if (adds?.length !== 1) return undefined;
  const { scoreboard, index, upTo } = adds[0]!, imm = upTo[1]!;
  return upTo.every((sum, k) => sum === k * imm) ? { scoreboard, index, imm } : undefined;
}

/**
 * The counter of a region whose every block has the same {@linkcode blockCounter}: its value is
 * `ic` times the amount, so blocks need no code for it.
 */
function instructionCounter(
  plan: RegionPlan,
  instrumentation: readonly BlockInstrumentation[] | undefined,
): Counter | undefined {
  if (!instrumentation) return undefined;
  let counter: Counter | undefined;
  for (let i = 0; i < plan.blocks.length; i++) {
    const sites = instrumentation[i];
    if (sites === "unseen") continue;
    const c = blockCounter(sites, plan.blocks[i]!.insns.length);
    if (!c) return undefined;
    counter ??= c;
    const same = c.scoreboard === counter.scoreboard && c.index === counter.index &&
      c.imm === counter.imm;
    if (!same) return undefined;
  }
  return counter;
}

/** Catch-handler code: the inline adds pending at the memory access that faulted. */
function faultAdds(ctx: RegionContext): string {
  if (ctx.faultCases.length === 0) return "";
  return `if (state.site < 0 && rt.isFault(e)) switch (L) { ${ctx.faultCases.join(" ")} }`;
}

/** Where control goes at the end of a block: a block of the region, or out of it. */
class BlockFlow {
  readonly #index: Map<number, number>;
  readonly #n: number;

  constructor(ctx: RegionContext, n: number) {
    this.#index = ctx.index;
    this.#n = n;
  }

  /** Leaves the region for `target`, `retired` insns of the block retired. */
  exit(target: number, retired = this.#n): string {
    return `ic += ${retired}; npc = ${target}; break loop;`;
  }

  /** Goes to `target`: its block inside the region (see core/_emit_loops.ts), else an exit. */
  goto(target: number, retired = this.#n): string {
    const to = this.#index.get(target);
    if (to === undefined) return this.exit(target, retired);
    return `${retired ? `ic += ${retired}; ` : ""}${gotoMark(to)}`;
  }

  /** Goes to the pc in `npc`: a case of the region when it is one, else an exit. */
  indirect(target: string): string {
    const inRegion = [...this.#index].map(([pc, i]) => `case ${pc}: L = ${i}; continue loop;`);
    return `ic += ${this.#n}; npc = ${target} >>> 0; switch (npc) { ${
      inRegion.join(" ")
    } } break loop;`;
  }
}

function emitBlock(
  b: Block,
  blockIndex: number,
  ctx: RegionContext,
  sites: BlockSites | undefined,
): string {
  const n = b.insns.length;
  const last = b.insns[n - 1]!; // a block has at least one
  // A block that branches back to itself becomes a JS loop: the shape V8 optimizes best.
  const selfLoop = isSelfLoop(b);
  const flow = new BlockFlow(ctx, n);
  const plugin = new SiteEmitter(ctx, sites);
  const lines = [
    `// block ${hex(b.pc)}`,
    selfLoop ? "do {" : "",
    `if (ic + ${n} > lim) { npc = ${b.pc}; break loop; }`,
    plugin.entry(b.pc),
  ];
  const faults: string[] = [];
  for (let k = 0; k < n; k++) {
    const insn = b.insns[k]!, pc = b.pcs[k]!;
    let before = plugin.beforeInsn(k, pc);
    if (insn.def.flow !== "next") before += plugin.materialize();
    else if (insn.def.mem && plugin.pending) faults.push(`case ${k}: ${plugin.peek()} break;`);
    const emitted = emitInsn(ctx, { b, k, n, selfLoop, flow, plugin });
    lines.push(`// ${hex(pc)}: ${insn.def.name}`, before, emitted);
  }
  if (last.def.flow === "next") lines.push(plugin.materialize() + flow.goto(b.end));
  if (faults.length > 0) {
    ctx.faultCases.push(
      `case ${blockIndex}: switch (state.blockInsn) { ${faults.join(" ")} } break;`,
    );
  }
  return lines.filter((l) => l !== "").join("\n");
}

/** Instruction `k` of block `b`, and the block's emitters. */
interface InsnPlace {
  readonly b: Block;
  readonly k: number;
  /** Instructions in the block. */
  readonly n: number;
  /** Whether the block is a `do { } while` loop. */
  readonly selfLoop: boolean;
  readonly flow: BlockFlow;
  readonly plugin: SiteEmitter;
}

/** The code of one instruction, and the plugin sites after its memory accesses. */
function emitInsn(ctx: RegionContext, place: InsnPlace): string {
  const { b, k, n, selfLoop, flow, plugin } = place;
  const insn = b.insns[k]!, pc = b.pcs[k]!, next = (pc + insn.size) >>> 0;
  // Load callbacks run after the instruction, or before its store (AMOs load, then store).
  let temps = 0, afterInsn = "", loadHooks = "";
  const at = `${pc}, ${k}`;
  const e: Emitter = {
    pc,
    next,
    r(r) {
      if (r === 0) return "0";
      ctx.used.add(r);
      return `x${r}`;
    },
    w(r, value) {
      if (r === 0) return `${value};`;
      ctx.used.add(r);
      ctx.dirty.add(r);
      return `x${r} = ${value};`;
    },
    load(size, signed, addr) {
      const hooks = plugin.afterAccess(k, pc, size, signed, false);
      if (!hooks) return loadExpr(size, signed, addr, at);
      loadHooks += hooks;
      return `(mv = ${loadExpr(size, signed, addr, at)})`;
    },
    store(size, addr, value) {
      const before = loadHooks;
      loadHooks = "";
      const hooks = plugin.afterAccess(k, pc, size, false, true);
      // A store that overwrote the region's code leaves it: after the store if its own
      // block changed (CodeWrite.Here), else before the next block (no budget left). The
      // check goes after the whole instruction, which may still write rd (sc.w, AMOs).
      afterInsn += ` if (sm) { if (sm === 1) { ${plugin.peek()} ${flow.exit(next, k + 1)} } ` +
        `lim = -1; }`;
      if (!hooks) return before + storeStmt(size, addr, value, "sm = ", at);
      return `${before} mv = ${value}; ${storeStmt(size, addr, "mv", "sm = ", at)} ${hooks}`;
    },
    branch: (cond, target) =>
      selfLoop
        ? `ic += ${n}; } while (${cond}); ${flow.goto(next, 0)}`
        : `if (${cond}) { ${flow.goto(target)} } ${flow.goto(next)}`,
    jump: (target) => flow.goto(target),
    jumpIndirect: (target) => flow.indirect(target),
    fault: (kind, addr) =>
      `{ state.blockInsn = ${k}; state.site = -1; throw rt.fault("${kind}", ${pc}, ${addr}); }`,
    ecall() {
      // The syscall reads and writes registers in cpu.x: write back, call, and leave the
      // region without the epilogue, which would overwrite the result with a stale local.
      // The syscall sees the instructions before the ecall retired; the ecall retires after
      // it, or as it exits (blockInsn = 1 tells the unwinder).
      // ic counts the ecall while FLUSH runs (its inline adds came before it), not in instret;
      // L = -1 tells the catch handler that no instruction of the block faulted.
      return `ic += ${n}; ${WRITE_BACK} ${FLUSH} cpu.instret += ic - 1; ic = 0; L = -1; ` +
        `state.blockInsn = 1; state.site = -1; npc = rt.ecall(${pc}, ${next}); cpu.instret++; return npc;`;
    },
    sync: () => flow.goto(next),
    instret: () => `(cpu.instret + ic + ${k})`,
    rt: (name) => `rt.${name}`,
    cpu: () => "cpu",
    // No instruction needs more temporaries than there are.
    temp: () => TEMPS[temps++]!,
  };
  return [insn.def.emit(insn, e), loadHooks, afterInsn].filter((l) => l !== "").join("\n");
}

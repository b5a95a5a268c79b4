/**
 * The emitter: turns a planned region (core/region.ts) into the JS source of one function.
 *
 * Shape of the generated code (tests/expect/ holds real output):
 *
 *     let x2 = x[2], x10 = x[10];          // guest registers used by the region, in locals
 *     let ic = 0, L = 0, npc = 0, ...;     // insns retired, current block, exit pc, temps
 *     const lim = rt.budget;
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
 * A block that branches to itself becomes a `do { } while (cond)` loop. Memory accesses are
 * inlined as a fast path (aligned, page permission set, for stores no translated code on the
 * page) with a call to the runtime's slow path otherwise. Plugin instrumentation is emitted only
 * in the blocks that have some: an inline op is one scoreboard update, a callback one call.
 * @module
 */

import { hex } from "./errors.ts";
import type { Emitter } from "./isa/insn.ts";
import { PAGE_CODE, PAGE_SHIFT, PROT_READ, PROT_WRITE } from "./memory.ts";
import type { Block, RegionPlan } from "./region.ts";
import { memInfo } from "./plugin/api.ts";
import type { BlockSites, ExecSite, InlineOp, MemInlineSite, MemSite } from "./plugin/sites.ts";

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
/** Placeholder for "write every dirty register back to cpu.x", resolved once the region is done. */
const WRITE_BACK = "/*write-back*/";
/** Placeholder for "reload every register local from cpu.x" (after a plugin may have written). */
const RELOAD = "/*reload*/";
/** Placeholder for "add the inline-op accumulators to their scoreboards" (before plugin code). */
const FLUSH = "/*flush*/";
const COND_OPS = { eq: "===", ne: "!==", lt: "<", le: "<=", gt: ">", ge: ">=" } as const;

interface RegionContext {
  readonly index: Map<number, number>;
  readonly used: Set<number>;
  readonly dirty: Set<number>;
  constName(v: unknown): string;
  /**
   * Local accumulators of inline adds, by scoreboard entry (`c0[3]` → `d0`). Adding to memory
   * once per instruction makes a load-add-store chain that becomes the loop's critical path; an
   * integer local costs one add. They are flushed before any plugin code can look.
   */
  accumulator(entry: string): string;
  /** Cases of the catch handler's `switch (L)`: the adds pending at each faulting access. */
  readonly faultCases: string[];
}

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
  const cases = plan.blocks.map((b, i) => {
    const sites = instrumentation?.[i];
    if (sites !== "unseen") return emitBlock(b, i, ctx, sites);
    return `case ${i}: // block ${hex(b.pc)}, not run yet\nnpc = ${b.pc}; break loop;`;
  });
  const regs = [...ctx.used].sort((a, b) => a - b);
  const writeBack = [...ctx.dirty].sort((a, b) => a - b).map((n) => `x[${n}] = x${n};`).join(" ");
  const reload = regs.map((n) => `x${n} = x[${n}];`).join(" ");
  const temps = [...TEMPS, ...accumulators.values()].map((t) => `${t} = 0`).join(", ");
  const flush = [...accumulators].map(([entry, d]) => `${entry} += ${d}; ${d} = 0;`).join(" ");
  // Blocks emitted later may use more registers, so mid-region syncs are resolved last.
  const body = [
    regs.length ? `let ${regs.map((n) => `x${n} = x[${n}]`).join(", ")};` : "",
    `let ic = 0, L = 0, npc = 0, ma = 0, mv = 0, sm = false, ${temps};`,
    `const lim = rt.budget;`,
    `try {`,
    `loop: for (;;) switch (L) {`,
    ...cases,
    `}`,
    `} catch (e) { ${writeBack} ${faultAdds(ctx)} ${FLUSH} throw rt.unwind(e, ic); }`,
    `${writeBack} ${FLUSH} cpu.instret += ic; return npc;`,
  ].join("\n").replaceAll(WRITE_BACK, writeBack).replaceAll(RELOAD, reload)
    .replaceAll(FLUSH, flush);
  return { body, consts };
}

/** Catch-handler code: the inline adds pending at the memory access that faulted. */
function faultAdds(ctx: RegionContext): string {
  if (ctx.faultCases.length === 0) return "";
  return `if (rt.s < 0 && rt.isFault(e)) switch (L) { ${ctx.faultCases.join(" ")} }`;
}

function emitBlock(
  b: Block,
  blockIndex: number,
  ctx: RegionContext,
  sites: BlockSites | undefined,
): string {
  const { index, used, dirty, constName: C } = ctx;
  const n = b.insns.length;
  const last = b.insns[n - 1], lastPc = b.pcs[n - 1];
  // A block that branches back to itself becomes a JS loop: the shape V8 optimizes best.
  const selfLoop = last.def.flow === "branch" && ((lastPc + last.imm) >>> 0) === b.pc;
  const lines = [
    `case ${blockIndex}: // block ${hex(b.pc)}`,
    selfLoop ? "do {" : "",
    `if (ic + ${n} > lim) { npc = ${b.pc}; break loop; }`,
  ];

  // Control transfer: inside the region a jump to the block's case, else an exit.
  const exit = (target: number, retired = n) => `ic += ${retired}; npc = ${target}; break loop;`;
  // The last statement of a block falls into the next case when that is the target.
  const goto = (target: number, retired = n, last = true) => {
    const to = index.get(target);
    if (to === undefined) return exit(target, retired);
    const count = retired ? `ic += ${retired}; ` : "";
    // L always names the running block: the catch handler needs it.
    return last && to === blockIndex + 1
      ? `${count}L = ${to};`
      : `${count}L = ${to}; continue loop;`;
  };

  // Plugin instrumentation. `retired`: insns of the block retired when the site runs.
  const entry = (sb: Float64Array, i: number) => `${C(sb)}[${i}]`;
  // Inline adds are summed at translation time and added where the sum could be observed or
  // lost: before plugin code, before the block's last instruction (it leaves the block), on an
  // early exit. A memory access that faults is the exception: the catch handler adds what was
  // pending at it (faultAdds). So a block costs one add per accumulator.
  const pending = new Map<string, number>();
  const peek = () => [...pending].map(([d, sum]) => `${d} += ${sum};`).join(" ");
  const materialize = () => {
    const code = peek();
    pending.clear();
    return code;
  };
  const inline = (op: InlineOp) => {
    const at = entry(op.scoreboard, op.index), d = ctx.accumulator(at);
    if (op.kind === "add") {
      pending.set(d, (pending.get(d) ?? 0) + op.imm);
      return "";
    }
    pending.delete(d); // the store overwrites what was added before it
    return `${at} = ${op.imm}; ${d} = 0;`;
  };
  const call = (site: ExecSite | MemSite, pc: number, retired: number, args: string) => {
    const ud = site.udata === undefined ? "undefined" : C(site.udata);
    // Callbacks see registers in cpu.x only if they asked to, and may change them with "rw".
    const pre = site.flags === "none"
      ? ""
      : `${WRITE_BACK} cpu.pc = ${pc}; rt.ic = ic + ${retired}; `;
    const post = site.flags !== "rw"
      ? ""
      : ` ${RELOAD} if (cpu.pc !== ${pc}) { ic += ${retired}; npc = cpu.pc; break loop; }`;
    const done = site.flags === "none" ? "" : " rt.ic = 0;";
    return `${materialize()} ${pre}${FLUSH} rt.s = ${site.id}; ${
      C(site.fn)
    }(0, ${args}${ud});${done}${post}`;
  };
  const execSites = (list: readonly (ExecSite | InlineOp)[], pc: number, retired: number) =>
    list.map((site) => {
      if (!("id" in site)) return inline(site);
      const cond = site.cond;
      if (cond?.op === "never") return "";
      // Adds pending so far happen before the condition reads the entry.
      const added = materialize();
      const code = call(site, pc, retired, "");
      if (!cond || cond.op === "always") return added + code;
      const at = entry(cond.scoreboard, cond.index), op = COND_OPS[cond.op];
      return `${added} if (${at} + ${ctx.accumulator(at)} ${op} ${cond.imm}) { ${code} }`;
    }).join(" ");
  /** Sites after a memory access of instruction k: the address is in `ma`, the value in `mv`. */
  const memSites = (k: number, size: 1 | 2 | 4, signed: boolean, store: boolean) => {
    const list: readonly (MemSite | MemInlineSite)[] = sites?.insns[k].mem ?? [];
    const info = memInfo(size >> 1, signed, store);
    const value = size === 4 ? "mv >>> 0" : `mv & ${size === 2 ? 0xffff : 0xff}`;
    return list
      .filter((site) => site.rw === "rw" || site.rw === (store ? "w" : "r"))
      .map((site) =>
        site.kind === "memInline"
          ? inline(site.op)
          : call(site, b.pcs[k], k + 1, `${info}, ma >>> 0, ${value}, `)
      ).join(" ");
  };
  if (sites) lines.push(execSites(sites.entry, b.pc, 0));
  const faults: string[] = [];

  for (let k = 0; k < n; k++) {
    const insn = b.insns[k], pc = b.pcs[k], next = (pc + insn.size) >>> 0;
    // Load callbacks run after the instruction, or before its store (AMOs load, then store).
    let temps = 0, afterInsn = "", loadHooks = "";
    const at = `${pc}, ${k}`;
    const plainLoad = (size: 1 | 2 | 4, signed: boolean, addr: string) => {
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
    };
    /** `slowResult` receives whether the slow path overwrote translated code. */
    const plainStore = (size: 1 | 2 | 4, addr: string, value: string, slowResult: string) => {
      const writable = `(perm[ma >>> ${PAGE_SHIFT}] & ${PROT_WRITE | PAGE_CODE}) === ${PROT_WRITE}`;
      const fast = size === 1
        ? `${writable}) u8[ma >>> 0] = ${value};`
        : size === 2
        ? `(ma & 1) === 0 && ${writable}) u16[ma >>> 1] = ${value};`
        : `(ma & 3) === 0 && ${writable}) i32[ma >>> 2] = ${value};`;
      return `ma = ${addr}; if (${fast} else ${slowResult}rt.st${size * 8}(ma, ${value}, ${at});`;
    };
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
        const hooks = memSites(k, size, signed, false);
        if (!hooks) return plainLoad(size, signed, addr);
        loadHooks += hooks;
        return `(mv = ${plainLoad(size, signed, addr)})`;
      },
      store(size, addr, value) {
        const before = loadHooks;
        loadHooks = "";
        const hooks = memSites(k, size, false, true);
        // A store that overwrote translated code leaves the region: it may be stale.
        // The check goes after the whole instruction, which may still write rd (sc.w, AMOs).
        afterInsn += ` if (sm) { ${peek()} ${exit(next, k + 1)} }`;
        if (!hooks) return before + plainStore(size, addr, value, "sm = ");
        return `${before} mv = ${value}; ${plainStore(size, addr, "mv", "sm = ")} ${hooks}`;
      },
      branch: (cond, target) =>
        selfLoop
          ? `ic += ${n}; } while (${cond}); ${goto(next, 0)}`
          : `if (${cond}) { ${goto(target, n, false)} } ${goto(next)}`,
      jump: (target) => goto(target),
      jumpIndirect(target) {
        const inRegion = [...index].map(([pc, i]) => `case ${pc}: L = ${i}; continue loop;`);
        return `ic += ${n}; npc = ${target} >>> 0; switch (npc) { ${
          inRegion.join(" ")
        } } break loop;`;
      },
      fault: (kind, addr) =>
        `{ rt.k = ${k}; rt.s = -1; throw rt.fault("${kind}", ${pc}, ${addr}); }`,
      ecall() {
        // The syscall reads and writes registers in cpu.x: write back, call, and leave the
        // region without the epilogue, which would overwrite the result with a stale local.
        // The syscall sees the instructions before the ecall retired; the ecall retires after
        // it, or as it exits (rt.k = 1 tells the unwinder).
        return `ic += ${
          n - 1
        }; ${WRITE_BACK} ${FLUSH} cpu.instret += ic; ic = 0; rt.k = 1; rt.s = -1; ` +
          `npc = rt.ecall(${pc}, ${next}); cpu.instret++; return npc;`;
      },
      sync: () => goto(next),
      instret: () => `(cpu.instret + ic + ${k})`,
      rt: (name) => (name === "cpu" ? "cpu" : `rt.${name}`),
      temp: () => TEMPS[temps++],
    };
    let before = sites ? execSites(sites.insns[k].exec, pc, k) : "";
    if (insn.def.flow !== "next") before += materialize();
    else if (insn.def.mem && pending.size > 0) faults.push(`case ${k}: ${peek()} break;`);
    const code = insn.def.emit(insn, e);
    lines.push(`// ${hex(pc)}: ${insn.def.name}`, before, code, loadHooks, afterInsn);
  }
  if (last.def.flow === "next") lines.push(materialize() + goto(b.end));
  if (faults.length > 0) {
    ctx.faultCases.push(`case ${blockIndex}: switch (rt.k) { ${faults.join(" ")} } break;`);
  }
  return lines.filter((l) => l !== "").join("\n");
}

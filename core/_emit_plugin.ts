/**
 * Plugin instrumentation in generated code: inline scoreboard operations and callbacks at a
 * block's entry, before instructions and after memory accesses (see core/plugin/sites.ts).
 *
 * Inline adds are summed at translation time and added where the sum could be observed or lost:
 * before plugin code, before the block's last instruction (it leaves the block), on an early exit.
 * A memory access that faults is the exception: the catch handler adds what was pending at it. So
 * a block costs one add per accumulator.
 * @module
 */

import { FLUSH, type RegionContext, RELOAD, WRITE_BACK } from "./_emit_context.ts";
import type { AccessSize } from "./_emit_memory.ts";
import { memInfo } from "./plugin/api.ts";
import type { BlockSites, ExecSite, InlineOp, MemInlineSite, MemSite } from "./plugin/sites.ts";

const COND_OPS = { eq: "===", ne: "!==", lt: "<", le: "<=", gt: ">", ge: ">=" } as const;

/** Emits the instrumentation of one block, keeping the inline adds not yet materialized. */
export class SiteEmitter {
  #ctx: RegionContext;
  #sites: BlockSites | undefined;
  /** Inline adds summed so far and not yet in code, by accumulator. */
  #pending = new Map<string, number>();

  constructor(ctx: RegionContext, sites: BlockSites | undefined) {
    this.#ctx = ctx;
    this.#sites = sites;
  }

  /** Whether some inline adds are not yet in code. */
  get pending(): boolean {
    return this.#pending.size > 0;
  }

  /** Code adding the pending inline adds, which stay pending (for an early exit). */
  peek(): string {
    return [...this.#pending].map(([d, sum]) => `${d} += ${sum};`).join(" ");
  }

  /** Code adding the pending inline adds, which are then done. */
  materialize(): string {
    const code = this.peek();
    this.#pending.clear();
    return code;
  }

  /** Sites at the block's entry, at `pc`. */
  entry(pc: number): string {
    return this.#sites ? this.#exec(this.#sites.entry, pc, 0) : "";
  }

  /** Sites before instruction `k` of the block, at `pc`. */
  beforeInsn(k: number, pc: number): string {
    return this.#sites ? this.#exec(this.#sites.insns[k]!.exec, pc, k) : "";
  }

  /** Sites after a memory access of instruction `k` at `pc`: the address is in `ma`, the value in `mv`. */
  afterAccess(k: number, pc: number, size: AccessSize, signed: boolean, store: boolean): string {
    const list: readonly (MemSite | MemInlineSite)[] = this.#sites ? this.#sites.insns[k]!.mem : [];
    const info = memInfo(size >> 1, signed, store);
    const value = size === 4 ? "mv >>> 0" : `mv & ${size === 2 ? 0xffff : 0xff}`;
    return list
      .filter((site) => site.rw === "rw" || site.rw === (store ? "w" : "r"))
      .map((site) =>
        site.kind === "memInline"
          ? this.#inline(site.op)
          : this.#call(site, pc, k + 1, `${info}, ma >>> 0, ${value}, `)
      ).join(" ");
  }

  #entry(sb: Float64Array, i: number): string {
    return `${this.#ctx.constName(sb)}[${i}]`;
  }

  #inline(op: InlineOp): string {
    const at = this.#entry(op.scoreboard, op.index), d = this.#ctx.accumulator(at);
    if (op.kind === "add") {
      this.#pending.set(d, (this.#pending.get(d) ?? 0) + op.imm);
      return "";
    }
    this.#pending.delete(d); // the store overwrites what was added before it
    return `${at} = ${op.imm}; ${d} = 0;`;
  }

  /** A callback call; `retired`: insns of the block retired when it runs. */
  #call(site: ExecSite | MemSite, pc: number, retired: number, args: string): string {
    const C = (v: unknown) => this.#ctx.constName(v);
    const ud = site.udata === undefined ? "undefined" : C(site.udata);
    // Callbacks see registers in cpu.x only if they asked to, and may change them with "rw".
    const pre = site.flags === "none"
      ? ""
      : `${WRITE_BACK} cpu.pc = ${pc}; state.pendingInsns = ic + ${retired}; `;
    const post = site.flags !== "rw"
      ? ""
      : ` ${RELOAD} if (cpu.pc !== ${pc}) { ic += ${retired}; npc = cpu.pc; break loop; }`;
    const done = site.flags === "none" ? "" : " state.pendingInsns = 0;";
    return `${this.materialize()} ${pre}${FLUSH} state.site = ${site.id}; ${
      C(site.fn)
    }(0, ${args}${ud});${done}${post}`;
  }

  #exec(list: readonly (ExecSite | InlineOp)[], pc: number, retired: number): string {
    return list.map((site) => {
      if (!("id" in site)) return this.#inline(site);
      const cond = site.cond;
      if (cond?.op === "never") return "";
      // Adds pending so far happen before the condition reads the entry.
      const added = this.materialize();
      const code = this.#call(site, pc, retired, "");
      if (!cond || cond.op === "always") return added + code;
      const at = this.#entry(cond.scoreboard, cond.index), op = COND_OPS[cond.op];
      return `${added} if (${at} + ${this.#ctx.accumulator(at)} ${op} ${cond.imm}) { ${code} }`;
    }).join(" ");
  }
}

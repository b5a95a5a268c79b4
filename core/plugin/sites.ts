/**
 * Instrumentation sites: what plugins asked to run at a block, an instruction or a memory access,
 * in the form the translator emits (see core/translate.ts). Built by the plugin host at
 * translation time.
 * @module
 */

import type { CbFlags, Condition, ExecCallback, MemCallback, MemRw, Scoreboard } from "./api.ts";

/** An inline scoreboard operation. */
export interface InlineOp {
  readonly kind: "add" | "store";
  readonly scoreboard: Scoreboard;
  readonly index: number;
  readonly imm: number;
}

/** A callback at a block or before an instruction. */
export interface ExecSite {
  readonly kind: "exec";
  readonly fn: ExecCallback;
  readonly udata: unknown;
  readonly flags: CbFlags;
  readonly cond?: Condition;
  /** Index in the host's site table, for error reports and instret accounting. */
  readonly id: number;
}

/** A callback after a memory access. */
export interface MemSite {
  readonly kind: "mem";
  readonly fn: MemCallback;
  readonly udata: unknown;
  readonly flags: CbFlags;
  readonly rw: MemRw;
  readonly id: number;
}

/** An inline operation after a memory access. */
export interface MemInlineSite {
  readonly kind: "memInline";
  readonly op: InlineOp;
  readonly rw: MemRw;
}

/** Everything to run at one instruction. */
export interface InsnSites {
  /** Before the instruction executes, in order. */
  readonly exec: (ExecSite | InlineOp)[];
  /** After each of its memory accesses, in order. */
  readonly mem: (MemSite | MemInlineSite)[];
}

/** Everything to run in one block: at its entry, and per instruction. */
export interface BlockSites {
  readonly entry: (ExecSite | InlineOp)[];
  readonly insns: InsnSites[];
}

/** The inline adds of a block to one scoreboard entry. */
export interface InlineAdds {
  readonly scoreboard: Scoreboard;
  readonly index: number;
  /** What the adds at the block's entry and before its first `k` instructions add: `upTo[k]`. */
  readonly upTo: readonly number[];
}

/**
 * The inline adds of a block of `n` instructions instrumented with nothing else (no callbacks,
 * inline stores or memory sites), by scoreboard entry: none for a block without sites;
 * undefined for a block with more than adds.
 */
export function inlineAdds(sites: BlockSites | undefined, n: number): InlineAdds[] | undefined {
  if (!sites) return [];
  const adds = new Map<Scoreboard, Map<number, number[]>>();
  const add = (op: ExecSite | InlineOp, k: number) => {
    if (op.kind !== "add") return false;
    let byIndex = adds.get(op.scoreboard);
    if (!byIndex) adds.set(op.scoreboard, byIndex = new Map());
    let upTo = byIndex.get(op.index);
    if (!upTo) byIndex.set(op.index, upTo = new Array<number>(n + 1).fill(0));
    for (let i = k; i <= n; i++) upTo[i]! += op.imm;
    return true;
  };
  if (!sites.entry.every((op) => add(op, 0))) return undefined;
  for (let k = 0; k < n; k++) {
    const { exec, mem } = sites.insns[k]!;
    if (mem.length > 0 || !exec.every((op) => add(op, k + 1))) return undefined;
  }
  return [...adds].flatMap(([scoreboard, byIndex]) =>
    [...byIndex].map(([index, upTo]) => ({ scoreboard, index, upTo }))
  );
}

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

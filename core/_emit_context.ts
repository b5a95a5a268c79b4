/**
 * What the parts of the emitter (core/emit.ts, core/_emit_plugin.ts) share while emitting one
 * region: its block index, register use, constants and the placeholders resolved at its end.
 * @module
 */

/** Placeholder for "write every dirty register back to cpu.x", resolved once the region is done. */
export const WRITE_BACK = "/*write-back*/";
/** Placeholder for "reload every register local from cpu.x" (after a plugin may have written). */
export const RELOAD = "/*reload*/";
/** Placeholder for "add the inline-op accumulators to their scoreboards" (before plugin code). */
export const FLUSH = "/*flush*/";

/** State of the region being emitted. */
export interface RegionContext {
  /** Case number of each block, by guest pc. */
  readonly index: Map<number, number>;
  /** Guest registers the region reads or writes (they live in locals `x1`, `x2`...). */
  readonly used: Set<number>;
  /** Guest registers the region writes. */
  readonly dirty: Set<number>;
  /** The name (`c0`, `c1`...) under which generated code sees the value `v`. */
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

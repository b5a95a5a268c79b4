/**
 * Register access of the plugin callback running now: the API checks it before a register or
 * memory access, so that a callback registered with flags `"none"` cannot read stale registers.
 * @module
 */

import type { CbFlags } from "./api.ts";

/** Register access allowed to the callback running now; higher allows more. */
export const enum Access {
  None = 0,
  Read = 1,
  Write = 2,
}

/** The access level of the running callback, set around each call. */
export class AccessGate {
  /** The level now. */
  level: Access = Access.None;

  /** Runs `fn` at `level`, restoring the level before it afterwards. */
  run<T>(level: Access, fn: () => T): T {
    const saved = this.level;
    this.level = level;
    try {
      return fn();
    } finally {
      this.level = saved;
    }
  }

  /** Wraps a callback registered with `flags` so that it runs at the matching level. */
  wrap<F extends (...args: never[]) => void>(fn: F, flags: CbFlags): F {
    if (flags === "none") return fn;
    const level = flags === "rw" ? Access.Write : Access.Read;
    return ((...args: Parameters<F>) => {
      const saved = this.level;
      this.level = level;
      try {
        fn(...args);
      } finally {
        this.level = saved;
      }
    }) as F;
  }

  /**
   * Throws unless the running callback has `level` at least.
   * @throws TypeError naming `what` and the flags that would allow it
   */
  need(level: Access, what: string): void {
    if (this.level < level) {
      const flags = level === Access.Write ? '"rw"' : '"r" or "rw"';
      throw new TypeError(`Cannot ${what}: the callback was not registered with flags ${flags}`);
    }
  }
}

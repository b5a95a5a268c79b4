/**
 * The QPP interface of callstack (plugins/callstack.ts): the guest's call stack, followed by the
 * RISC-V calling conventions. Frames are numbered from the outermost (depth 1: the entry point).
 * @module
 */

declare global {
  interface QppRegistry {
    callstack: {
      version: 1;
      functions: {
        /** Number of frames on the stack now (1 in the entry function). */
        depth: () => number;
        /** Entry addresses of the `n` innermost functions, innermost first. */
        functions: (n: number) => number[];
        /** Addresses of the calls that made the `n` innermost frames, innermost first. */
        callers: (n: number) => number[];
        /** The names of the functions on the stack, outermost first (`_start`, `main`, ...). */
        stackNames: () => string[];
        /** `pc` as `symbol+0xoffset`, or as hex when no symbol covers it. */
        symbolize: (pc: number) => string;
      };
      callbacks: {
        /**
         * A call is about to run: from the instruction at `site` to the function at `target`;
         * `depth` counts the new frame. A tail call runs on_ret then on_call at the same depth.
         */
        on_call: (site: number, target: number, depth: number) => void;
        /**
         * A frame was left by the return (or jump) at `site` to `target`; `depth` is the depth
         * after it. An unwind (longjmp) that leaves several frames runs it once per frame.
         */
        on_ret: (site: number, target: number, depth: number) => void;
      };
    };
  }
}

export {};

/**
 * The QPP interface of plugin_a (examples/qpp/plugin_a.ts): QEMU's QPP example, `func_1` and
 * `on_some_event`.
 * @module
 */

declare global {
  interface QppRegistry {
    plugin_a: {
      version: 1;
      functions: {
        /** Returns `x` plus the number of syscalls the guest made so far. */
        func_1: (x: number) => number;
      };
      callbacks: {
        /** Runs before each syscall: `x` counts syscalls from 1, `flag` is true for write. */
        on_some_event: (x: number, flag: boolean) => void;
      };
    };
  }
}

export {};

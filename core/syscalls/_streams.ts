/**
 * The guest's standard streams, and the host files it reads through a helper that a signal can
 * interrupt, in a module of their own so that the syscall modules that use them need not import
 * `mod.ts`, which imports them.
 * @module
 */

import type { HostEvents } from "../signal_delivery.ts";

/** The guest's standard streams. */
export interface GuestIo {
  /** Reads what is available into `buf`, like `Deno.stdin.readSync`: a count, or null at EOF. */
  stdin: (buf: Uint8Array) => number | null;
  /** Writes all of `bytes` to standard output. */
  stdout: (bytes: Uint8Array) => void;
  /** Writes all of `bytes` to standard error. */
  stderr: (bytes: Uint8Array) => void;
}

/** Host files whose calls a signal can cut short (see `HostEvents.files`). */
export type HostedFiles = ReturnType<NonNullable<HostEvents["files"]>>;

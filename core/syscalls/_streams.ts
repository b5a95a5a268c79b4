/**
 * The guest's standard streams, and the host files it reads through a helper that a signal can
 * interrupt, in a module of their own so that the syscall modules that use them need not import
 * `mod.ts`, which imports them.
 * @module
 */

/** The guest's standard streams. */
export interface GuestIo {
  /** Reads what is available into `buf`, like `Deno.stdin.readSync`: a count, or null at EOF. */
  stdin: (buf: Uint8Array) => number | null;
  /** Writes all of `bytes` to standard output. */
  stdout: (bytes: Uint8Array) => void;
  /** Writes all of `bytes` to standard error. */
  stderr: (bytes: Uint8Array) => void;
}

/**
 * Host files whose calls may block (a FIFO, a terminal), made where a signal can cut them short:
 * each call returns undefined once the signal came, and throws an error with the host's
 * `(os error N)` when it fails.
 */
export interface HostedFiles {
  /** Opens `path` (the open of a FIFO waits for its other end): a handle for the calls. */
  open(path: string, options: Deno.OpenOptions): number | undefined;
  /** Reads as `readSync` does: a count, or null at end of file. */
  read(file: number, buf: Uint8Array): number | null | undefined;
  /** Writes some of `bytes`: the count written. */
  write(file: number, bytes: Uint8Array): number | undefined;
  /** Closes the file. */
  close(file: number): void;
}

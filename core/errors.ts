/**
 * Error types of the emulator core.
 *
 * Two families, kept apart on purpose:
 * - user mistakes (bad arguments, bad ELF files) use built-in classes (`TypeError`, `RangeError`,
 *   `SyntaxError`) and are printed by the CLI without a stack trace;
 * - guest faults ({@linkcode GuestFault}) are events of the guest program, delivered as signals;
 *   {@linkcode GuestExit} unwinds the emulator when the guest ends, and {@linkcode PluginError}
 *   when a plugin's callback throws.
 * @module
 */

import { SIG } from "./signals.ts";

/** The kinds of guest fault, named after the Linux signal each one raises. */
export type FaultKind = "segv" | "ill" | "bus" | "trap" | "abrt";

/** Linux signal numbers delivered for each fault kind. */
export const SIGNAL_OF_FAULT: Readonly<Record<FaultKind, number>> = {
  ill: SIG.ILL,
  trap: SIG.TRAP,
  abrt: SIG.ABRT,
  bus: SIG.BUS,
  segv: SIG.SEGV,
};

/** A fault raised by the guest program: an access to an unmapped page, an illegal instruction... */
export class GuestFault extends Error {
  /** What went wrong, named after the signal it raises. */
  readonly kind: FaultKind;
  /** Guest pc of the faulting instruction. */
  pc: number;
  /** Guest address involved (the faulting data address, or the pc for fetch faults). */
  readonly addr: number;

  /**
   * A fault of `kind` at `pc`.
   * @param kind the kind of fault
   * @param pc the guest pc of the faulting instruction
   * @param addr the faulting address
   */
  constructor(kind: FaultKind, pc: number, addr: number) {
    super(`guest ${kind} fault at pc ${hex(pc)}, address ${hex(addr)}`);
    this.name = "GuestFault";
    this.kind = kind;
    this.pc = pc >>> 0;
    this.addr = addr >>> 0;
  }
}

/** Thrown to unwind the emulator when the guest exits (exit, exit_group, fatal signal). */
export class GuestExit extends Error {
  /** The process exit status (0-255), as a shell would see it. */
  readonly status: number;
  /** The signal that ended the guest, if any. */
  readonly signal: number | undefined;

  /**
   * The guest's exit with `status`, or its death by `signal`.
   * @param status the exit status
   * @param signal the terminating signal, if any
   */
  constructor(status: number, signal?: number) {
    super(signal ? `guest killed by signal ${signal}` : `guest exited with status ${status}`);
    this.name = "GuestExit";
    this.status = status;
    this.signal = signal;
  }
}

/**
 * An exception thrown by a plugin callback: it stops the run, naming the plugin and the guest pc.
 * The plugin's own exception is the `cause`.
 */
export class PluginError extends Error {
  /** Name of the plugin whose callback threw. */
  readonly plugin: string;
  /** Guest pc when it threw (unsigned). */
  readonly pc: number;

  /**
   * The failure of `plugin`'s callback at `pc`.
   * @param plugin the plugin's name
   * @param pc the guest pc when the callback threw
   * @param cause what the callback threw
   */
  constructor(plugin: string, pc: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`Plugin "${plugin}" failed at pc ${hex(pc)}: ${why}`, { cause });
    this.name = "PluginError";
    this.plugin = plugin;
    this.pc = pc >>> 0;
  }
}

/**
 * Runs `fn`, a callback of `plugin`, at guest `pc`: what it throws becomes a
 * {@linkcode PluginError} (a guest exit, or a plugin error already, passes through).
 */
export function blamePlugin<T>(plugin: string, pc: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GuestExit || e instanceof PluginError) throw e;
    throw new PluginError(plugin, pc, e);
  }
}

/** Formats a 32-bit value as `0x` and 8 hex digits. */
export function hex(v: number): string {
  return "0x" + (v >>> 0).toString(16).padStart(8, "0");
}

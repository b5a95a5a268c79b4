/**
 * Linux signal numbers and names, riscv numbering (the generic one): one table for the syscall
 * layer, the strace printer, fault delivery and the command line's report.
 * @module
 */

/** Signal numbers, keyed by name without `SIG`. */
export const SIG = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
} as const;

/** Highest signal number (`_NSIG`). */
export const NSIG = 64;

/** First real-time signal as a host C library numbers them in its messages (glibc's SIGRTMIN). */
const SIGRTMIN = 34;

/** What `strsignal()` says of each signal (glibc's text, which qemu-user prints). */
const DESCRIPTIONS: Readonly<Record<keyof typeof SIG, string>> = {
  HUP: "Hangup",
  INT: "Interrupt",
  QUIT: "Quit",
  ILL: "Illegal instruction",
  TRAP: "Trace/breakpoint trap",
  ABRT: "Aborted",
  BUS: "Bus error",
  FPE: "Floating point exception",
  KILL: "Killed",
  USR1: "User defined signal 1",
  SEGV: "Segmentation fault",
  USR2: "User defined signal 2",
  PIPE: "Broken pipe",
  ALRM: "Alarm clock",
  TERM: "Terminated",
  STKFLT: "Stack fault",
  CHLD: "Child exited",
  CONT: "Continued",
  STOP: "Stopped (signal)",
  TSTP: "Stopped",
  TTIN: "Stopped (tty input)",
  TTOU: "Stopped (tty output)",
  URG: "Urgent I/O condition",
  XCPU: "CPU time limit exceeded",
  XFSZ: "File size limit exceeded",
  VTALRM: "Virtual timer expired",
  PROF: "Profiling timer expired",
  WINCH: "Window changed",
  IO: "I/O possible",
  PWR: "Power failure",
  SYS: "Bad system call",
};

const BY_NUMBER: ReadonlyMap<number, keyof typeof SIG> = new Map(
  (Object.keys(SIG) as (keyof typeof SIG)[]).map((name) => [SIG[name], name]),
);

/**
 * Names a signal as `<signal.h>` does.
 * @param sig the signal number
 * @returns `SIGSEGV` for 11; undefined for a number without a name (0, real-time signals)
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { signalName } from "./signals.ts";
 *
 * assertEquals(signalName(11), "SIGSEGV");
 * assertEquals(signalName(40), undefined);
 * ```
 */
export function signalName(sig: number): string | undefined {
  const name = BY_NUMBER.get(sig);
  return name === undefined ? undefined : `SIG${name}`;
}

/**
 * Describes a signal as `strsignal()` does, which is what a shell says of a killed process.
 * @param sig the signal number, 1 to {@linkcode NSIG}
 * @returns `Segmentation fault` for 11, `Real-time signal 6` for 40
 */
export function signalDescription(sig: number): string {
  const name = BY_NUMBER.get(sig);
  return name === undefined ? `Real-time signal ${sig - SIGRTMIN}` : DESCRIPTIONS[name];
}

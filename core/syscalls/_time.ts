/**
 * The clock syscalls: clock_gettime64, clock_getres_time64 and clock_nanosleep_time64, and the
 * timespec and sleeping helpers that futex and ppoll share.
 *
 * The realtime clocks read the host's time; the monotonic and boot-time clocks count from the
 * start of rvplug rather than from the host's boot; the CPU-time clocks measure the whole Deno
 * process. Sleeps really sleep (the whole rvplug thread).
 * @module
 */

import type { Memory } from "../memory.ts";
import { CLOCK, SIZE, TIMER_ABSTIME } from "./_abi.ts";
import { ERRNO, ERRNO_RESTARTSYS } from "./_errno.ts";
import { canRead, canWrite } from "./_guest.ts";

/** Resolution clock_getres reports for the *_COARSE clocks (a 250 Hz tick). */
const COARSE_RESOLUTION_NS = 4_000_000n;

/**
 * clock_gettime64(clockid, tp)
 * @param mem guest memory
 * @param pid the guest's pid, which CPU-clock ids may name
 * @param clock the clock id
 * @param tp guest address of a struct __kernel_timespec
 * @returns 0 or -errno
 */
export function clockGettime(mem: Memory, pid: number, clock: number, tp: number): number {
  const ns = clockNs(clock, pid);
  if (ns === undefined) return -ERRNO.EINVAL;
  if (!canWrite(mem, tp, SIZE.TIMESPEC64)) return -ERRNO.EFAULT;
  mem.write(tp, timespec(ns));
  return 0;
}

/**
 * clock_getres_time64(clockid, res): 1 ns, or a tick for the coarse clocks.
 * @param mem guest memory
 * @param pid the guest's pid, which CPU-clock ids may name
 * @param clock the clock id
 * @param res guest address of a struct __kernel_timespec, or 0
 * @returns 0 or -errno
 */
export function clockGetres(mem: Memory, pid: number, clock: number, res: number): number {
  if (clockNs(clock, pid) === undefined) return -ERRNO.EINVAL;
  if (res === 0) return 0;
  if (!canWrite(mem, res, SIZE.TIMESPEC64)) return -ERRNO.EFAULT;
  const coarse = clock === CLOCK.REALTIME_COARSE || clock === CLOCK.MONOTONIC_COARSE;
  mem.write(res, timespec(coarse ? COARSE_RESOLUTION_NS : 1n));
  return 0;
}

/** Clocks that clock_nanosleep may sleep on (the others fail with EOPNOTSUPP). */
const SLEEP_CLOCKS: ReadonlySet<number> = new Set([
  CLOCK.REALTIME,
  CLOCK.MONOTONIC,
  CLOCK.BOOTTIME,
  CLOCK.TAI,
  CLOCK.PROCESS_CPUTIME_ID,
]);

/**
 * Whether a sleep's answer says that a debugger stopped the run in it: the time left, negated.
 * The call then restarts when the run goes on (from the start: a relative sleep sleeps its whole
 * time again), unless the debugger delivers a signal, which makes it fail with EINTR.
 * @param left what the sleep returned
 */
export function debuggerStopped(left: number): boolean {
  return left < 0;
}

/**
 * clock_nanosleep_time64(clockid, flags, request, remain): sleeps and returns 0, or -EINTR when
 * a signal is due first (its handler runs after; SA_RESTART does not restart a sleep), with what
 * was left of a relative sleep in `remain`. The request is read first, as QEMU does.
 * A sleep on the process's CPU-time clock lasts as long in real time (Linux would wait for the
 * CPU time, which a sleeping process does not use).
 * @param mem guest memory
 * @param pid the guest's pid, which CPU-clock ids may name
 * @param clock the clock id
 * @param flags TIMER_ABSTIME or 0
 * @param req guest address of a struct __kernel_timespec
 * @param rem guest address of a struct __kernel_timespec for the time left, or 0
 * @param sleep sleeps the milliseconds given, or less when a signal is due: returns those left
 *   (negated when a debugger stopped the run: {@linkcode debuggerStopped})
 * @returns 0 or -errno
 */
export function clockNanosleep(
  mem: Memory,
  pid: number,
  clock: number,
  flags: number,
  req: number,
  rem = 0,
  sleep: (ms: number) => number = (ms) => (sleepNs(BigInt(Math.round(ms * 1e6))), 0),
): number {
  const ns = readTimespec(mem, req);
  if (typeof ns === "number") return ns;
  const now = clockNs(clock, pid);
  if (now === undefined || clock < 0) return -ERRNO.EINVAL;
  if (!SLEEP_CLOCKS.has(clock)) return -ERRNO.EOPNOTSUPP;
  if (ns < 0n) return -ERRNO.EINVAL;
  const wait = flags & TIMER_ABSTIME ? ns - now : ns;
  if (wait <= 0n) return 0;
  const answer = sleep(Number(wait) / 1e6), left = Math.abs(answer);
  if (left === 0) return 0;
  if (rem && !(flags & TIMER_ABSTIME)) {
    if (!canWrite(mem, rem, SIZE.TIMESPEC64)) return -ERRNO.EFAULT;
    writeTimespec(mem, rem, BigInt(Math.min(Math.round(left * 1e6), Number(wait))));
  }
  return debuggerStopped(answer) ? -ERRNO_RESTARTSYS : -ERRNO.EINTR;
}

/**
 * Reads a `struct __kernel_timespec`.
 * @param mem guest memory
 * @param addr its guest address
 * @returns the time in nanoseconds (negative for a negative tv_sec), or -EFAULT when unreadable,
 *   or -EINVAL when tv_nsec is out of range
 */
export function readTimespec(mem: Memory, addr: number): bigint | number {
  if (!canRead(mem, addr, SIZE.TIMESPEC64)) return -ERRNO.EFAULT;
  const v = new DataView(mem.read(addr, SIZE.TIMESPEC64).buffer);
  const sec = v.getBigInt64(0, true);
  // The kernel reads tv_nsec as a 32-bit long on riscv32: the upper half is padding.
  const nsec = v.getInt32(8, true);
  if (nsec < 0 || nsec >= 1e9) return -ERRNO.EINVAL;
  return sec * 1_000_000_000n + BigInt(nsec);
}

/**
 * Writes a `struct __kernel_timespec`.
 * @param mem guest memory
 * @param addr its guest address, which the caller checked
 * @param ns the time in nanoseconds
 */
export function writeTimespec(mem: Memory, addr: number, ns: bigint): void {
  mem.write(addr, timespec(ns));
}

/**
 * Blocks the thread for `ns` nanoseconds (not at all for 0 or less).
 * @param ns how long
 */
export function sleepNs(ns: bigint): void {
  if (ns <= 0n) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(ns) / 1e6);
}

/**
 * Reads a clock in nanoseconds.
 * @param clock the clock id
 * @param pid the guest's pid, which CPU-clock ids may name
 * @returns the time, or undefined for a clock id Linux would reject
 */
export function clockNs(clock: number, pid: number): bigint | undefined {
  switch (clock) {
    case CLOCK.REALTIME:
    case CLOCK.REALTIME_COARSE:
    case CLOCK.TAI:
      return msToNs(performance.timeOrigin + performance.now());
    case CLOCK.MONOTONIC:
    case CLOCK.MONOTONIC_RAW:
    case CLOCK.MONOTONIC_COARSE:
    case CLOCK.BOOTTIME:
      return msToNs(performance.now());
    case CLOCK.PROCESS_CPUTIME_ID:
    case CLOCK.THREAD_CPUTIME_ID:
      return cpuTimeNs();
  }
  // Negative ids name the CPU clock of a process or thread: ~pid << 3 | type (type 3 is invalid).
  const owner = ~(clock >> 3);
  if (clock < 0 && (clock & 3) !== 3 && (owner === 0 || owner === pid)) return cpuTimeNs();
  return undefined;
}

function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

function cpuTimeNs(): bigint {
  const { user, system } = process.cpuUsage();
  return BigInt(Math.round(user + system)) * 1000n;
}

/** struct __kernel_timespec for a time in nanoseconds. */
function timespec(ns: bigint): Uint8Array {
  const bytes = new Uint8Array(SIZE.TIMESPEC64);
  const v = new DataView(bytes.buffer);
  v.setBigInt64(0, ns / 1_000_000_000n, true);
  v.setBigInt64(8, ns % 1_000_000_000n, true);
  return bytes;
}

/**
 * The clock syscalls: clock_gettime64 and clock_getres_time64.
 *
 * The realtime clocks read the host's time; the monotonic and boot-time clocks count from the
 * start of rvplug rather than from the host's boot; the CPU-time clocks measure the whole Deno
 * process.
 * @module
 */

import { cpuUsage } from "node:process";
import type { Memory } from "./memory.ts";
import { CLOCK, SIZE } from "./_syscall_abi.ts";
import { ERRNO } from "./_syscall_errno.ts";
import { canWrite } from "./_syscall_guest.ts";

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

/** Reads a clock in nanoseconds, or undefined for a clock id Linux would reject. */
function clockNs(clock: number, pid: number): bigint | undefined {
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
  const { user, system } = cpuUsage();
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

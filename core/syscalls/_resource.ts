/**
 * Resource syscalls: limits (prlimit64, and getrlimit/setrlimit, which QEMU implements for riscv32
 * with a 32-bit `struct rlimit`), usage (getrusage, times) and sysinfo.
 *
 * Limits are recorded, not enforced. CPU times are those of the whole Deno process; `times`
 * counts clock ticks on the clock that CLOCK_MONOTONIC reads (from the start of rvplug).
 * @module
 */

import type { Memory } from "../memory.ts";
import { CLOCK, RLIMIT, RUSAGE, SIZE, USER_HZ } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { MAX_FDS } from "./_fdtable.ts";
import { canRead, canWrite, sysInfo, u64Bytes } from "./_guest.ts";
import { clockNs } from "./_time.ts";

const RLIM_INFINITY = 2n ** 64n - 1n;
/** RLIM_INFINITY of the 32-bit `struct rlimit`. */
const RLIM32_INFINITY = 0xffffffff;
/** Default soft limit of the stack, as on a usual Linux host. */
const STACK_LIMIT = 8n << 20n;
const U32_LIMIT = 2 ** 32;

type Limit = readonly [bigint, bigint];

/** The guest's resource limits and the usage syscalls. */
export class GuestResources {
  readonly #mem: Memory;
  readonly #pid: number;
  readonly #root: boolean;
  readonly #limits = new Map<number, Limit>([
    [RLIMIT.STACK, [STACK_LIMIT, RLIM_INFINITY]],
    [RLIMIT.NOFILE, [BigInt(MAX_FDS), BigInt(MAX_FDS)]],
  ]);

  /**
   * @param mem guest memory
   * @param pid the guest's pid
   * @param uid the guest's user id (root may raise hard limits)
   */
  constructor(mem: Memory, pid: number, uid: number) {
    this.#mem = mem;
    this.#pid = pid;
    this.#root = uid === 0;
  }

  /** prlimit64(pid, resource, new_limit, old_limit) with `struct rlimit64`. */
  prlimit(pid: number, resource: number, newLimit: number, oldLimit: number): number {
    if (pid !== 0 && pid !== this.#pid) return -ERRNO.ESRCH;
    let next: Limit | undefined;
    if (newLimit) {
      if (!canRead(this.#mem, newLimit, SIZE.RLIMIT64)) return -ERRNO.EFAULT;
      const v = new DataView(this.#mem.read(newLimit, SIZE.RLIMIT64).buffer);
      next = [v.getBigUint64(0, true), v.getBigUint64(8, true)];
    }
    if (oldLimit && !canWrite(this.#mem, oldLimit, SIZE.RLIMIT64)) return -ERRNO.EFAULT;
    const old = this.#limit(resource);
    if (typeof old === "number") return old;
    const err = next ? this.#set(resource, next) : 0;
    if (err) return err;
    if (oldLimit) {
      this.#mem.write(oldLimit, new Uint8Array([...u64Bytes(old[0]), ...u64Bytes(old[1])]));
    }
    return 0;
  }

  /** getrlimit(resource, rlim): limits above 32 bits read as RLIM_INFINITY. */
  getrlimit(resource: number, addr: number): number {
    const limit = this.#limit(resource);
    if (typeof limit === "number") return limit;
    if (!canWrite(this.#mem, addr, SIZE.RLIMIT)) return -ERRNO.EFAULT;
    const v = new DataView(new ArrayBuffer(SIZE.RLIMIT));
    limit.forEach((l, i) =>
      v.setUint32(4 * i, l >= RLIM32_INFINITY ? RLIM32_INFINITY : Number(l), true)
    );
    this.#mem.write(addr, new Uint8Array(v.buffer));
    return 0;
  }

  /** setrlimit(resource, rlim): RLIM_INFINITY of 32 bits means no limit. */
  setrlimit(resource: number, addr: number): number {
    if (!canRead(this.#mem, addr, SIZE.RLIMIT)) return -ERRNO.EFAULT;
    const v = new DataView(this.#mem.read(addr, SIZE.RLIMIT).buffer);
    const widen = (l: number) => (l === RLIM32_INFINITY ? RLIM_INFINITY : BigInt(l));
    const limit = this.#limit(resource);
    if (typeof limit === "number") return limit;
    return this.#set(resource, [widen(v.getUint32(0, true)), widen(v.getUint32(4, true))]);
  }

  /** getrusage(who, usage): the Deno process's CPU time and peak memory for the guest. */
  getrusage(who: number, addr: number): number {
    if (who !== RUSAGE.SELF && who !== RUSAGE.THREAD && who !== RUSAGE.CHILDREN) {
      return -ERRNO.EINVAL;
    }
    if (!canWrite(this.#mem, addr, SIZE.RUSAGE)) return -ERRNO.EFAULT;
    const v = new DataView(new ArrayBuffer(SIZE.RUSAGE));
    if (who !== RUSAGE.CHILDREN) {
      const { user, system } = process.cpuUsage();
      [user, system].forEach((us, i) => {
        v.setInt32(8 * i, Math.floor(us / 1e6), true);
        v.setInt32(8 * i + 4, Math.round(us % 1e6), true);
      });
      // ru_maxrss in kilobytes.
      v.setInt32(16, Math.round(Deno.memoryUsage().rss / 1024), true);
    }
    this.#mem.write(addr, new Uint8Array(v.buffer));
    return 0;
  }

  /** times(buf): CPU times in clock ticks (buf may be NULL); returns the ticks elapsed. */
  times(addr: number): number {
    if (addr) {
      if (!canWrite(this.#mem, addr, SIZE.TMS)) return -ERRNO.EFAULT;
      const { user, system } = process.cpuUsage();
      const v = new DataView(new ArrayBuffer(SIZE.TMS));
      v.setInt32(0, Math.floor(user * USER_HZ / 1e6), true);
      v.setInt32(4, Math.floor(system * USER_HZ / 1e6), true);
      this.#mem.write(addr, new Uint8Array(v.buffer));
    }
    return Number(clockNs(CLOCK.MONOTONIC, 0)! * BigInt(USER_HZ) / 1_000_000_000n) | 0;
  }

  /**
   * sysinfo(info): the host's uptime, load and memory, in bytes or in pages beyond 4 GiB. A NULL
   * `info` succeeds, as under QEMU (Linux fails with EFAULT).
   */
  sysinfo(addr: number): number {
    if (addr === 0) return 0;
    if (!canWrite(this.#mem, addr, SIZE.SYSINFO)) return -ERRNO.EFAULT;
    const uptime = sysInfo("osUptime", () => Deno.osUptime(), performance.now() / 1000);
    const loads = sysInfo("loadavg", () => Deno.loadavg(), [0, 0, 0]);
    const m = sysInfo("systemMemoryInfo", () => Deno.systemMemoryInfo(), undefined) ??
      { total: 1 << 30, free: 1 << 29, buffers: 0, swapTotal: 0, swapFree: 0 };
    // Like a 32-bit kernel: bytes when RAM and swap fit 32 bits, pages otherwise.
    const unit = m.total + m.swapTotal < U32_LIMIT ? 1 : 4096;
    const v = new DataView(new ArrayBuffer(SIZE.SYSINFO));
    v.setInt32(0, Math.floor(uptime), true);
    loads.forEach((load, i) => v.setUint32(4 + 4 * i, Math.round(load * 65536), true));
    [m.total, m.free, 0, m.buffers, m.swapTotal, m.swapFree].forEach((bytes, i) => {
      v.setUint32(16 + 4 * i, Math.min(Math.floor(bytes / unit), U32_LIMIT - 1), true);
    });
    v.setUint16(40, 1, true); // procs: the guest
    v.setUint32(52, unit, true);
    this.#mem.write(addr, new Uint8Array(v.buffer));
    return 0;
  }

  /** The limits of `resource`, or -EINVAL for an unknown one. */
  #limit(resource: number): Limit | number {
    if (resource >>> 0 >= RLIMIT.NLIMITS) return -ERRNO.EINVAL;
    return this.#limits.get(resource) ?? [RLIM_INFINITY, RLIM_INFINITY];
  }

  /** Records new limits: -EINVAL when soft exceeds hard, -EPERM when a user raises the hard one. */
  #set(resource: number, next: Limit): number {
    const [, hard] = this.#limit(resource) as Limit;
    if (next[0] > next[1]) return -ERRNO.EINVAL;
    if (next[1] > hard && !this.#root) return -ERRNO.EPERM;
    this.#limits.set(resource, next);
    return 0;
  }
}

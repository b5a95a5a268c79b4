/**
 * Process syscalls: sessions and process groups, prctl, scheduling queries, membarrier, the
 * saved ids, uname.
 *
 * The guest starts in the host process's group and session (read from `/proc/self/stat`, as QEMU
 * would pass them through); setsid and setpgid change only the guest's view. Other processes are
 * looked up in `/proc` for the queries that may name them.
 * @module
 */

import type { Memory } from "../memory.ts";
import { MEMBARRIER, NSIG, PR, SCHED, SIZE } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { canRead, canWrite, type HostIds, sysInfo } from "./_guest.ts";

/** The membarrier commands that need a registration first, by the command registering them. */
const REGISTERED_BY: ReadonlyMap<number, number> = new Map([
  [MEMBARRIER.PRIVATE_EXPEDITED, MEMBARRIER.REGISTER_PRIVATE_EXPEDITED],
  [MEMBARRIER.PRIVATE_EXPEDITED_SYNC_CORE, MEMBARRIER.REGISTER_PRIVATE_EXPEDITED_SYNC_CORE],
  [MEMBARRIER.PRIVATE_EXPEDITED_RSEQ, MEMBARRIER.REGISTER_PRIVATE_EXPEDITED_RSEQ],
]);
const REGISTERS: ReadonlySet<number> = new Set([
  MEMBARRIER.REGISTER_GLOBAL_EXPEDITED,
  ...REGISTERED_BY.values(),
]);
/** Every membarrier command (MEMBARRIER_CMD_QUERY's answer). */
const MEMBARRIER_ALL = 0x3ff;
/** PR_GET_TIMERSLACK of a new process: 50 µs. */
const DEFAULT_TIMER_SLACK = 50_000;

/** Process group and session of a host process, from `/proc/<pid>/stat`. */
function procGroups(pid: number): { pgid: number; sid: number } | undefined {
  const path = `/proc/${pid}/stat`;
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
  try {
    const stat = Deno.readTextFileSync(path);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pgid: Number(fields[2]), sid: Number(fields[3]) };
  } catch {
    return undefined;
  }
}

/** The process-wide state of the guest and the syscalls on it. */
export class GuestProcess {
  readonly #mem: Memory;
  readonly #ids: HostIds;
  #pgid: number;
  #sid: number;
  #name: Uint8Array;
  #dumpable = 1;
  #keepCaps = 0;
  #deathSignal = 0;
  #noNewPrivs = 0;
  #timerSlack = DEFAULT_TIMER_SLACK;
  #barriers = 0;

  /**
   * @param mem guest memory
   * @param ids the host ids
   * @param name the task name PR_GET_NAME starts with (Linux's is the program's file name)
   */
  constructor(mem: Memory, ids: HostIds, name: string) {
    this.#mem = mem;
    this.#ids = ids;
    const groups = procGroups(ids.pid) ?? { pgid: ids.pid, sid: ids.pid };
    this.#pgid = groups.pgid;
    this.#sid = groups.sid;
    this.#name = new TextEncoder().encode(name).subarray(0, SIZE.TASK_COMM - 1);
  }

  /** setsid(): fails with EPERM for a process group leader. */
  setsid(): number {
    const { pid } = this.#ids;
    if (this.#pgid === pid) return -ERRNO.EPERM;
    this.#pgid = this.#sid = pid;
    return pid;
  }

  /** getpgid(pid) */
  getpgid(pid: number): number {
    if (pid === 0 || pid === this.#ids.pid) return this.#pgid;
    return (pid > 0 ? procGroups(pid)?.pgid : undefined) ?? -ERRNO.ESRCH;
  }

  /** getsid(pid) */
  getsid(pid: number): number {
    if (pid === 0 || pid === this.#ids.pid) return this.#sid;
    return (pid > 0 ? procGroups(pid)?.sid : undefined) ?? -ERRNO.ESRCH;
  }

  /** setpgid(pid, pgid): the guest may lead a group of its own or stay in its group. */
  setpgid(pid: number, pgid: number): number {
    const self = this.#ids.pid;
    if (pid === 0) pid = self;
    if (pgid === 0) pgid = pid;
    if (pgid < 0) return -ERRNO.EINVAL;
    if (pid !== self) return -ERRNO.ESRCH;
    if (this.#sid === self) return -ERRNO.EPERM;
    if (pgid !== self && pgid !== this.#pgid) return -ERRNO.EPERM;
    this.#pgid = pgid;
    return 0;
  }

  /** prctl(option, arg2, arg3, arg4, arg5): the options below; others fail with EINVAL. */
  prctl(option: number, a2: number, a3: number, a4: number, a5: number): number {
    switch (option) {
      case PR.SET_NAME: {
        const name = this.#readName(a2);
        if (typeof name === "number") return name;
        this.#name = name;
        return 0;
      }
      case PR.GET_NAME:
        return this.#putInt(a2, SIZE.TASK_COMM, this.#name);
      case PR.GET_DUMPABLE:
        return this.#dumpable;
      case PR.SET_DUMPABLE:
        return a2 > 1 ? -ERRNO.EINVAL : (this.#dumpable = a2, 0);
      case PR.GET_KEEPCAPS:
        return this.#keepCaps;
      case PR.SET_KEEPCAPS:
        return a2 > 1 ? -ERRNO.EINVAL : (this.#keepCaps = a2, 0);
      case PR.SET_PDEATHSIG:
        return a2 > NSIG ? -ERRNO.EINVAL : (this.#deathSignal = a2, 0);
      case PR.GET_PDEATHSIG:
        return this.#putInt(a2, 4, this.#deathSignal);
      case PR.GET_TIMERSLACK:
        return this.#timerSlack;
      case PR.SET_TIMERSLACK:
        this.#timerSlack = a2 === 0 ? DEFAULT_TIMER_SLACK : a2;
        return 0;
      case PR.SET_NO_NEW_PRIVS:
        if (a2 !== 1 || a3 || a4 || a5) return -ERRNO.EINVAL;
        this.#noNewPrivs = 1;
        return 0;
      case PR.GET_NO_NEW_PRIVS:
        return a2 || a3 || a4 || a5 ? -ERRNO.EINVAL : this.#noNewPrivs;
    }
    // Including PR_GET_SECCOMP/PR_SET_SECCOMP and the child subreaper, which QEMU refuses too.
    return -ERRNO.EINVAL;
  }

  /** sched_getscheduler(pid): every process runs under SCHED_OTHER. */
  schedGetscheduler(pid: number): number {
    if (pid < 0) return -ERRNO.EINVAL;
    return this.#exists(pid) ? SCHED.OTHER : -ERRNO.ESRCH;
  }

  /** sched_getparam(pid, param): priority 0, that of SCHED_OTHER. */
  schedGetparam(pid: number, param: number): number {
    if (pid < 0 || param === 0) return -ERRNO.EINVAL;
    if (!this.#exists(pid)) return -ERRNO.ESRCH;
    return this.#putInt(param, SIZE.SCHED_PARAM, 0);
  }

  /** sched_get_priority_max(policy) and, with `min`, sched_get_priority_min. */
  schedPriority(policy: number, min: boolean): number {
    if (policy === SCHED.FIFO || policy === SCHED.RR) return min ? 1 : 99;
    const normal: number[] = [SCHED.OTHER, SCHED.BATCH, SCHED.IDLE, SCHED.DEADLINE];
    return normal.includes(policy) ? 0 : -ERRNO.EINVAL;
  }

  /** sched_getaffinity(pid, len, mask): one CPU, as the guest has one hart. */
  schedGetaffinity(pid: number, len: number, mask: number): number {
    if (pid !== 0 && pid !== this.#ids.pid) return -ERRNO.ESRCH;
    if (len < SIZE.CPU_MASK_WORD || len % SIZE.CPU_MASK_WORD) return -ERRNO.EINVAL;
    if (!canWrite(this.#mem, mask, SIZE.CPU_MASK_WORD)) return -ERRNO.EFAULT;
    this.#mem.write(mask, new Uint8Array([1, 0, 0, 0]));
    return SIZE.CPU_MASK_WORD;
  }
  /** membarrier(cmd, flags, cpu_id): one thread needs no barrier, registrations are kept. */
  membarrier(cmd: number, flags: number): number {
    const flagsOk = flags === 0 ||
      (cmd === MEMBARRIER.PRIVATE_EXPEDITED_RSEQ && flags === MEMBARRIER.FLAG_CPU);
    if (!flagsOk) return -ERRNO.EINVAL;
    if (cmd === MEMBARRIER.QUERY) return MEMBARRIER_ALL;
    if (cmd === MEMBARRIER.GET_REGISTRATIONS) return this.#barriers;
    if (cmd === MEMBARRIER.GLOBAL || cmd === MEMBARRIER.GLOBAL_EXPEDITED) return 0;
    if (REGISTERS.has(cmd)) {
      this.#barriers |= cmd;
      return 0;
    }
    const needs = REGISTERED_BY.get(cmd);
    if (needs === undefined) return -ERRNO.EINVAL;
    return this.#barriers & needs ? 0 : -ERRNO.EPERM;
  }

  /** getresuid(ruid, euid, suid) or getresgid: the one host id, three times. */
  getres(id: number, addrs: readonly number[]): number {
    for (const addr of addrs) if (!canWrite(this.#mem, addr, 4)) return -ERRNO.EFAULT;
    for (const addr of addrs) this.#putInt(addr, 4, id);
    return 0;
  }

  /** uname(buf): Linux on riscv32, with the host's node name and kernel release. */
  uname(buf: number): number {
    const fields = [
      "Linux",
      sysInfo("hostname", () => Deno.hostname(), "localhost"),
      sysInfo("osRelease", () => Deno.osRelease(), "6.1.0"),
      "#1 SMP",
      "riscv32",
      "(none)",
    ];
    const bytes = new Uint8Array(fields.length * SIZE.UTS_FIELD);
    fields.forEach((field, i) => {
      const text = new TextEncoder().encode(field).subarray(0, SIZE.UTS_FIELD - 1);
      bytes.set(text, i * SIZE.UTS_FIELD);
    });
    return this.#putInt(buf, bytes.length, bytes);
  }

  /** Whether `pid` names the guest or a host process it may see. */
  #exists(pid: number): boolean {
    return pid === 0 || pid === this.#ids.pid || procGroups(pid) !== undefined;
  }

  /** PR_SET_NAME's string: up to 15 bytes, or -EFAULT. */
  #readName(addr: number): Uint8Array | number {
    const mem = this.#mem;
    let len = 0;
    while (len < SIZE.TASK_COMM - 1) {
      if (!canRead(mem, addr + len, 1)) return -ERRNO.EFAULT;
      if (mem.u8[(addr + len) >>> 0] === 0) break;
      len++;
    }
    return mem.read(addr, len);
  }

  /** Writes `size` bytes at `addr`: a little-endian int, or bytes padded with zeros. */
  #putInt(addr: number, size: number, value: number | Uint8Array): number {
    if (!canWrite(this.#mem, addr, size)) return -ERRNO.EFAULT;
    const bytes = new Uint8Array(size);
    if (typeof value === "number") new DataView(bytes.buffer).setInt32(0, value, true);
    else bytes.set(value);
    this.#mem.write(addr, bytes);
    return 0;
  }
}

import { assert, assertEquals } from "@std/assert";
import { SYS } from "./numbers.ts";
import { AT, MEMBARRIER, O, PR, RLIMIT, RUSAGE, SCHED, SIZE } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { BUF, decoder, guest, RO, UNMAPPED, withTempDir } from "./_testing.ts";

const DATA = BUF + 0x1000;

/** The host process's group and session, as /proc/self/stat has them. */
function hostGroups(): [number, number] {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return [Number(fields[2]), Number(fields[3])];
}

Deno.test("call() returns the old mask when umask sets a new one, and applies it to new files", () => {
  withTempDir((dir) => {
    const g = guest();
    const host = Deno.umask();
    assertEquals(g.sys.call(SYS.umask, [0o1777], 0), host);
    assertEquals(g.sys.call(SYS.umask, [0], 0), 0o777);
    const flags = O.WRONLY | O.CREAT;
    g.sys.call(SYS.openat, [AT.FDCWD, g.str(BUF, `${dir}/open`), flags, 0o666], 0);
    g.sys.call(SYS.mkdirat, [AT.FDCWD, g.str(BUF, `${dir}/dir`), 0o777], 0);
    assertEquals(g.sys.call(SYS.umask, [0o077], 0), 0);
    g.sys.call(SYS.openat, [AT.FDCWD, g.str(BUF, `${dir}/private`), flags, 0o666], 0);
    assertEquals(Deno.statSync(`${dir}/open`).mode! & 0o777, 0o666);
    assertEquals(Deno.statSync(`${dir}/dir`).mode! & 0o777, 0o777);
    assertEquals(Deno.statSync(`${dir}/private`).mode! & 0o777, 0o600);
    assertEquals(Deno.umask(), host);
    assertEquals(g.strace[0], `${Deno.pid} umask(01777) = ${host}`);
    g.sys.close();
  });
});

Deno.test("call() keeps the task name and flags when prctl sets and gets them", () => {
  const g = guest({ exePath: "/some/where/a_rather_long_program_name" });
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_NAME, DATA], 0), 0);
  assertEquals(decoder.decode(g.mem.read(DATA, 16)), "a_rather_long_p\0");
  g.str(BUF, "abcdefghijklmnopqrstuvwxyz");
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_NAME, BUF], 0), 0);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_NAME, DATA], 0), 0);
  assertEquals(decoder.decode(g.mem.read(DATA, 16)), "abcdefghijklmno\0");
  g.str(BUF, "short");
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_NAME, BUF], 0), 0);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_NAME, DATA], 0), 0);
  assertEquals(decoder.decode(g.mem.read(DATA, 16)), "short" + "\0".repeat(11));
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_NAME, UNMAPPED], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_NAME, RO], 0), -ERRNO.EFAULT);

  assertEquals(g.sys.call(SYS.prctl, [PR.GET_DUMPABLE], 0), 1);
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_DUMPABLE, 5], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_DUMPABLE, 0], 0), 0);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_DUMPABLE], 0), 0);
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_PDEATHSIG, 99], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_PDEATHSIG, 9], 0), 0);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_PDEATHSIG, DATA], 0), 0);
  assertEquals(g.view(DATA, 4).getInt32(0, true), 9);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_PDEATHSIG, 0], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_NO_NEW_PRIVS], 0), 0);
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_NO_NEW_PRIVS, 2], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_NO_NEW_PRIVS, 1], 0), 0);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_NO_NEW_PRIVS], 0), 1);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_TIMERSLACK], 0), 50000);
  assertEquals(g.sys.call(SYS.prctl, [PR.GET_SECCOMP], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.prctl, [PR.SET_CHILD_SUBREAPER, 1], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.prctl, [9999], 0), -ERRNO.EINVAL);
  assertEquals(
    g.strace.at(-1),
    `${Deno.pid} prctl(9999,0,0,0,0,0) = -1 errno=22 (Invalid argument)`,
  );
});

Deno.test("call() moves the guest to a session of its own when setsid runs outside one", () => {
  const g = guest();
  const pid = Deno.pid;
  const [pgid, sid] = hostGroups();
  assertEquals(g.sys.call(SYS.getpgid, [0], 0), pgid);
  assertEquals(g.sys.call(SYS.getsid, [pid], 0), sid);
  assertEquals(g.sys.call(SYS.getpgid, [1], 0), hostGroupsOf(1)[0]);
  assertEquals(g.sys.call(SYS.getpgid, [-1], 0), -ERRNO.ESRCH);
  assertEquals(g.sys.call(SYS.getsid, [-5], 0), -ERRNO.ESRCH);
  assertEquals(g.sys.call(SYS.setpgid, [0, -1], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.setpgid, [1, 0], 0), -ERRNO.ESRCH);
  if (pgid !== pid) {
    assertEquals(g.sys.call(SYS.setsid, [], 0), pid);
    assertEquals(g.sys.call(SYS.getpgid, [0], 0), pid);
    assertEquals(g.sys.call(SYS.getsid, [0], 0), pid);
    // A session leader cannot change its group, and a group leader cannot start a session.
    assertEquals(g.sys.call(SYS.setpgid, [0, 0], 0), -ERRNO.EPERM);
    assertEquals(g.sys.call(SYS.setsid, [], 0), -ERRNO.EPERM);
  }
  assertEquals(g.strace.slice(0, 4), [
    `${pid} getpgid(0) = ${pgid}`,
    `${pid} getsid(${pid}) = ${sid}`,
    `${pid} getpgid(1) = ${hostGroupsOf(1)[0]}`,
    `${pid} getpgid(4294967295) = -1 errno=3 (No such process)`,
  ]);
  assertEquals(g.strace[5], `${pid} setpgid(0,4294967295) = -1 errno=22 (Invalid argument)`);
});

/** The group and session of host process `pid`. */
function hostGroupsOf(pid: number): [number, number] {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return [Number(fields[2]), Number(fields[3])];
}

Deno.test("call() makes the guest lead a group of its own when setpgid(0, 0) runs outside a session it leads", () => {
  const g = guest();
  const [pgid, sid] = hostGroups();
  if (sid === Deno.pid) return; // a session leader cannot change its group
  assertEquals(g.sys.call(SYS.setpgid, [0, pgid], 0), 0);
  assertEquals(g.sys.call(SYS.setpgid, [0, 0], 0), 0);
  assertEquals(g.sys.call(SYS.getpgid, [0], 0), Deno.pid);
  assertEquals(g.sys.call(SYS.setsid, [], 0), -ERRNO.EPERM);
});

Deno.test("call() reports SCHED_OTHER at priority 0 when the scheduling queries run", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.sched_yield, [], 0), 0);
  assertEquals(g.sys.call(SYS.sched_getscheduler, [0], 0), SCHED.OTHER);
  assertEquals(g.sys.call(SYS.sched_getscheduler, [Deno.pid], 0), SCHED.OTHER);
  assertEquals(g.sys.call(SYS.sched_getscheduler, [-1], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.sched_getscheduler, [0x7ffffff0], 0), -ERRNO.ESRCH);
  g.mem.write(DATA, new Uint8Array([9, 9, 9, 9]));
  assertEquals(g.sys.call(SYS.sched_getparam, [0, DATA], 0), 0);
  assertEquals(g.view(DATA, 4).getInt32(0, true), 0);
  assertEquals(g.sys.call(SYS.sched_getparam, [0, 0], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.sched_getparam, [0, RO], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.sched_get_priority_max, [SCHED.FIFO], 0), 99);
  assertEquals(g.sys.call(SYS.sched_get_priority_min, [SCHED.RR], 0), 1);
  assertEquals(g.sys.call(SYS.sched_get_priority_max, [SCHED.OTHER], 0), 0);
  assertEquals(g.sys.call(SYS.sched_get_priority_min, [99], 0), -ERRNO.EINVAL);
  assertEquals(g.strace[0], `${Deno.pid} sched_yield(0,0,0,0,0,0) = 0`);
});

Deno.test("call() needs a registration first when membarrier runs a private expedited command", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.membarrier, [MEMBARRIER.QUERY, 0], 0), 0x3ff);
  assertEquals(g.sys.call(SYS.membarrier, [MEMBARRIER.GLOBAL, 0], 0), 0);
  assertEquals(g.sys.call(SYS.membarrier, [MEMBARRIER.PRIVATE_EXPEDITED, 0], 0), -ERRNO.EPERM);
  const register = MEMBARRIER.REGISTER_PRIVATE_EXPEDITED;
  assertEquals(g.sys.call(SYS.membarrier, [register, 0], 0), 0);
  assertEquals(g.sys.call(SYS.membarrier, [MEMBARRIER.PRIVATE_EXPEDITED, 0], 0), 0);
  assertEquals(g.sys.call(SYS.membarrier, [MEMBARRIER.GET_REGISTRATIONS, 0], 0), register);
  assertEquals(g.sys.call(SYS.membarrier, [MEMBARRIER.PRIVATE_EXPEDITED_RSEQ, 1], 0), -ERRNO.EPERM);
  assertEquals(g.sys.call(SYS.membarrier, [MEMBARRIER.QUERY, 1], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.membarrier, [3, 0], 0), -ERRNO.EINVAL);
});

Deno.test("call() writes the host ids three times when getresuid or getresgid get pointers", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.getresuid, [DATA, DATA + 4, DATA + 8], 0), 0);
  assertEquals([0, 4, 8].map((i) => g.view(DATA + i, 4).getUint32(0, true)), [
    Deno.uid(),
    Deno.uid(),
    Deno.uid(),
  ]);
  assertEquals(g.sys.call(SYS.getresgid, [DATA, DATA + 4, DATA + 8], 0), 0);
  assertEquals(g.view(DATA + 8, 4).getUint32(0, true), Deno.gid());
  assertEquals(g.sys.call(SYS.getresuid, [DATA, 0, DATA], 0), -ERRNO.EFAULT);
});

Deno.test("call() converts limits to 32 bits when getrlimit and setrlimit use struct rlimit", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.getrlimit, [RLIMIT.STACK, DATA], 0), 0);
  assertEquals(g.view(DATA, 4).getUint32(0, true), 8 << 20);
  assertEquals(g.view(DATA + 4, 4).getUint32(0, true), 0xffffffff);
  assertEquals(g.sys.call(SYS.getrlimit, [RLIMIT.NOFILE, DATA], 0), 0);
  assertEquals(g.view(DATA, 4).getUint32(0, true), 1024);
  const v = new DataView(new ArrayBuffer(8));
  v.setUint32(0, 0x100000, true);
  v.setUint32(4, 0xffffffff, true);
  g.mem.write(DATA, new Uint8Array(v.buffer));
  assertEquals(g.sys.call(SYS.setrlimit, [RLIMIT.STACK, DATA], 0), 0);
  assertEquals(g.sys.call(SYS.prlimit64, [0, RLIMIT.STACK, 0, DATA], 0), 0);
  assertEquals(g.view(DATA, 16).getBigUint64(0, true), 0x100000n);
  assertEquals(g.view(DATA, 16).getBigUint64(8, true), 2n ** 64n - 1n);
  v.setUint32(0, 3, true);
  v.setUint32(4, 2, true);
  g.mem.write(DATA, new Uint8Array(v.buffer));
  assertEquals(g.sys.call(SYS.setrlimit, [RLIMIT.STACK, DATA], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.getrlimit, [99, DATA], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.setrlimit, [RLIMIT.STACK, 0], 0), -ERRNO.EFAULT);
  assertEquals(g.strace[0], `${Deno.pid} getrlimit(3,${DATA},0,0,0,0) = 0`);
});

Deno.test("call() fills plausible values when getrusage, times and sysinfo get buffers", () => {
  const g = guest();
  for (let i = 0; i < 2e6; i++) Math.sqrt(i); // some CPU time
  assertEquals(g.sys.call(SYS.getrusage, [RUSAGE.SELF, DATA], 0), 0);
  const ru = g.view(DATA, SIZE.RUSAGE);
  const userUs = ru.getInt32(0, true) * 1e6 + ru.getInt32(4, true);
  assert(userUs > 0 && ru.getInt32(4, true) < 1e6, `ru_utime ${userUs}`);
  assert(ru.getInt32(16, true) > 1000, "ru_maxrss in KiB");
  assertEquals(g.sys.call(SYS.getrusage, [RUSAGE.CHILDREN, DATA], 0), 0);
  assertEquals(g.view(DATA, SIZE.RUSAGE).getInt32(0, true), 0);
  assertEquals(g.sys.call(SYS.getrusage, [2, DATA], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.getrusage, [RUSAGE.SELF, 0], 0), -ERRNO.EFAULT);

  const ticks = g.sys.call(SYS.times, [DATA], 0);
  assert(ticks >= 0, `times() = ${ticks}`);
  assert(g.view(DATA, 4).getInt32(0, true) >= 0);
  assert(g.sys.call(SYS.times, [0], 0) >= ticks);
  assertEquals(g.sys.call(SYS.times, [RO], 0), -ERRNO.EFAULT);

  assertEquals(g.sys.call(SYS.sysinfo, [DATA], 0), 0);
  const info = g.view(DATA, SIZE.SYSINFO);
  const unit = info.getUint32(52, true);
  assert(unit === 1 || unit === 4096, `mem_unit ${unit}`);
  const total = info.getUint32(16, true) * unit;
  assert(total > 1 << 24 && info.getUint32(20, true) * unit <= total, "totalram, freeram");
  assertEquals(info.getUint16(40, true), 1);
  // QEMU skips a NULL buffer; an unwritable one is EFAULT.
  assertEquals(g.sys.call(SYS.sysinfo, [0], 0), 0);
  assertEquals(g.sys.call(SYS.sysinfo, [RO], 0), -ERRNO.EFAULT);
});

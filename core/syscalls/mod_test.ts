import { assert, assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { GuestExit } from "../errors.ts";
import { PAGE_SIZE, PROT_READ, PROT_WRITE } from "../memory.ts";
import { SYS, syscallName } from "./numbers.ts";
import { MMAP_BASE } from "../address_map.ts";
import {
  ACCESS,
  AT,
  CLOCK,
  IOCTL,
  MAP,
  O,
  RLIMIT,
  S_IF,
  SEEK,
  SIG,
  SIG_HOW,
  SIZE,
} from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { BUF, decoder, guest, HEAP, RO, RW, UNMAPPED, withTempDir } from "./_testing.ts";

Deno.test("call() writes the guest buffer to stdout and stderr when fd is 1 or 2", () => {
  const g = guest();
  g.str(BUF, "hello\n");
  assertEquals(g.sys.call(SYS.write, [1, BUF, 6], 0), 6);
  assertEquals(g.sys.call(SYS.write, [2, BUF, 3], 0), 3);
  assertEquals(g.stdout, ["hello\n"]);
  assertEquals(g.stderr, ["hel"]);
});

Deno.test("call() gathers writev buffers into one write and scatters readv input", () => {
  const g = guest({ input: ["abcdef"] });
  g.str(BUF + 0x100, "hello ");
  g.str(BUF + 0x200, "world\n");
  const iov = new DataView(new ArrayBuffer(16));
  iov.setUint32(0, BUF + 0x100, true);
  iov.setUint32(4, 6, true);
  iov.setUint32(8, BUF + 0x200, true);
  iov.setUint32(12, 6, true);
  g.mem.write(BUF, new Uint8Array(iov.buffer));
  assertEquals(g.sys.call(SYS.writev, [1, BUF, 2], 0), 12);
  assertEquals(g.stdout, ["hello world\n"]);

  iov.setUint32(4, 4, true);
  g.mem.write(BUF, new Uint8Array(iov.buffer));
  assertEquals(g.sys.call(SYS.readv, [0, BUF, 2], 0), 6);
  assertEquals(decoder.decode(g.mem.read(BUF + 0x100, 4)), "abcd");
  assertEquals(decoder.decode(g.mem.read(BUF + 0x200, 2)), "ef");
});

Deno.test("call() returns -EINVAL when the writev count is negative or above IOV_MAX", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.writev, [1, BUF, -1], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.writev, [1, BUF, 1025], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.writev, [1, BUF, 0], 0), 0);
});

Deno.test("call() reads from stdin and returns 0 at end of input", () => {
  const g = guest({ input: ["line one\n", "two"] });
  assertEquals(g.sys.call(SYS.read, [0, BUF, 100], 0), 9);
  assertEquals(decoder.decode(g.mem.read(BUF, 9)), "line one\n");
  assertEquals(g.sys.call(SYS.read, [0, BUF, 2], 0), 2);
  assertEquals(decoder.decode(g.mem.read(BUF, 2)), "tw");
  assertEquals(g.sys.call(SYS.read, [0, BUF, 100], 0), 0);
});

Deno.test("call() writes, seeks, reads back and closes a host file", () => {
  const path = Deno.makeTempFileSync();
  try {
    const g = guest();
    g.str(BUF, path);
    const fd = g.sys.call(SYS.openat, [AT.FDCWD, BUF, O.RDWR | O.TRUNC, 0], 0);
    assertEquals(fd, 3);
    g.str(BUF + 0x100, "0123456789");
    assertEquals(g.sys.call(SYS.write, [fd, BUF + 0x100, 10], 0), 10);

    const result = BUF + 0x200;
    assertEquals(g.sys.call(SYS.llseek, [fd, 0, 4, result, SEEK.SET], 0), 0);
    assertEquals(g.view(result, 8).getBigInt64(0, true), 4n);
    assertEquals(g.sys.call(SYS.read, [fd, BUF + 0x300, 100], 0), 6);
    assertEquals(decoder.decode(g.mem.read(BUF + 0x300, 6)), "456789");
    assertEquals(g.sys.call(SYS.llseek, [fd, -1, -2, result, SEEK.END], 0), 0);
    assertEquals(g.view(result, 8).getBigInt64(0, true), 8n);
    assertEquals(g.sys.call(SYS.llseek, [fd, -1, -20, result, SEEK.END], 0), -ERRNO.EINVAL);

    assertEquals(g.sys.call(SYS.close, [fd], 0), 0);
    assertEquals(g.sys.call(SYS.close, [fd], 0), -ERRNO.EBADF);
    assertEquals(g.sys.call(SYS.read, [fd, BUF, 1], 0), -ERRNO.EBADF);
    assertEquals(Deno.readTextFileSync(path), "0123456789");
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("call() creates a file with O_CREAT|O_EXCL and the given mode, once", () => {
  withTempDir((dir) => {
    const g = guest();
    g.str(BUF, `${dir}/new.txt`);
    const flags = O.WRONLY | O.CREAT | O.EXCL;
    const fd = g.sys.call(SYS.openat, [AT.FDCWD, BUF, flags, 0o600], 0);
    assertEquals(fd, 3);
    assertEquals(Deno.statSync(`${dir}/new.txt`).mode! & 0o777, 0o600);
    assertEquals(g.sys.call(SYS.openat, [AT.FDCWD, BUF, flags, 0o600], 0), -ERRNO.EEXIST);
    assertEquals(g.sys.call(SYS.read, [fd, BUF + 0x100, 1], 0), -ERRNO.EBADF);
    g.sys.close();
  });
});

Deno.test("call() appends with O_APPEND and resolves paths against a directory fd", () => {
  withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/log`, "a");
    const g = guest();
    const dirfd = g.sys.call(SYS.openat, [AT.FDCWD, g.str(BUF, dir), O.RDONLY | O.DIRECTORY, 0], 0);
    assertEquals(dirfd, 3);
    const fd = g.sys.call(SYS.openat, [dirfd, g.str(BUF, "log"), O.WRONLY | O.APPEND, 0], 0);
    assertEquals(fd, 4);
    g.str(BUF + 0x100, "bc");
    assertEquals(g.sys.call(SYS.write, [fd, BUF + 0x100, 2], 0), 2);
    assertEquals(Deno.readTextFileSync(`${dir}/log`), "abc");
    assertEquals(g.sys.call(SYS.openat, [fd, BUF, O.RDONLY, 0], 0), -ERRNO.ENOTDIR);
    assertEquals(g.sys.call(SYS.openat, [77, BUF, O.RDONLY, 0], 0), -ERRNO.EBADF);
    g.sys.close();
  });
});

Deno.test("call() returns -ENOENT when openat names a file that does not exist", () => {
  const g = guest();
  g.str(BUF, "/nonexistent/rvplug-test");
  assertEquals(g.sys.call(SYS.openat, [AT.FDCWD, BUF, O.RDONLY, 0], 0), -ERRNO.ENOENT);
  g.str(BUF, "");
  assertEquals(g.sys.call(SYS.openat, [AT.FDCWD, BUF, O.RDONLY, 0], 0), -ERRNO.ENOENT);
});

Deno.test("call() returns -EISDIR or -ENOTDIR when openat mixes up files and directories", () => {
  withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/f`, "");
    const g = guest();
    g.str(BUF, dir);
    assertEquals(g.sys.call(SYS.openat, [AT.FDCWD, BUF, O.WRONLY, 0], 0), -ERRNO.EISDIR);
    g.str(BUF, `${dir}/f`);
    assertEquals(g.sys.call(SYS.openat, [AT.FDCWD, BUF, O.DIRECTORY, 0], 0), -ERRNO.ENOTDIR);
  });
});

Deno.test("call() returns -EFAULT when a pointer argument is not mapped or lacks access", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.write, [1, UNMAPPED, 5], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.read, [0, RO, 5], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.read, [0, 0xfffff000, 0x2000], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.openat, [AT.FDCWD, UNMAPPED, O.RDONLY, 0], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.uname, [RO], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.clock_gettime64, [CLOCK.MONOTONIC, 0], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.fstat64, [1, UNMAPPED], 0), -ERRNO.EFAULT);
  assertEquals(g.stdout, []);
});

Deno.test("call() moves the program break up and down like Linux", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.brk, [0], 0), HEAP);
  assertEquals(g.sys.call(SYS.brk, [HEAP + 0x2800], 0), HEAP + 0x2800);
  assertEquals(g.sys.brk, HEAP + 0x2800);
  assert(g.mem.check(HEAP, 0x3000, RW));
  g.mem.store8(HEAP + 0x2fff, 7, 0);

  assertEquals(g.sys.call(SYS.brk, [HEAP + 0x1000], 0), HEAP + 0x1000);
  assert(g.mem.check(HEAP, 0x1000, RW));
  assert(!g.mem.check(HEAP + 0x1000, 1, 0));
  assertEquals(g.sys.call(SYS.brk, [HEAP + 0x3000], 0), HEAP + 0x3000);
  assertEquals(g.mem.load8(HEAP + 0x2fff, 0), 0);

  assertEquals(g.sys.call(SYS.brk, [HEAP - 0x1000], 0), HEAP + 0x3000);
  g.mem.map(HEAP + 0x5000, PAGE_SIZE, PROT_READ);
  assertEquals(g.sys.call(SYS.brk, [HEAP + 0x8000], 0), HEAP + 0x3000);
});

Deno.test("call() maps zeroed read-write pages for anonymous mmap2 and unmaps them", () => {
  const g = guest();
  const flags = MAP.PRIVATE | MAP.ANONYMOUS;
  const addr = g.sys.call(SYS.mmap2, [0, 3 * PAGE_SIZE, RW, flags, -1, 0], 0) >>> 0;
  assertEquals(addr, MMAP_BASE);
  assert(g.mem.check(addr, 3 * PAGE_SIZE, RW));
  assert(g.mem.read(addr, 3 * PAGE_SIZE).every((b) => b === 0));
  g.mem.store32(addr, 0x12345678, 0);

  assertEquals(g.sys.call(SYS.munmap, [addr, 3 * PAGE_SIZE], 0), 0);
  assert(!g.mem.check(addr, 1, 0));
  const again = g.sys.call(SYS.mmap2, [0, PAGE_SIZE, RW, flags, -1, 0], 0) >>> 0;
  assertEquals(again, addr);
  assertEquals(g.mem.load32(again, 0), 0);
  assertEquals(g.sys.call(SYS.munmap, [addr + 1, PAGE_SIZE], 0), -ERRNO.EINVAL);
});

Deno.test("call() honours MAP_FIXED and an address hint in mmap2", () => {
  const g = guest();
  const flags = MAP.PRIVATE | MAP.ANONYMOUS;
  const fixed = 0x70000000;
  assertEquals(
    g.sys.call(SYS.mmap2, [fixed, PAGE_SIZE, PROT_READ, flags | MAP.FIXED, -1, 0], 0),
    fixed,
  );
  assert(g.mem.check(fixed, PAGE_SIZE, PROT_READ) && !g.mem.check(fixed, 1, PROT_WRITE));
  const hint = 0x71000000;
  assertEquals(g.sys.call(SYS.mmap2, [hint, PAGE_SIZE, RW, flags, -1, 0], 0), hint);
  assertEquals(g.sys.call(SYS.mmap2, [hint, PAGE_SIZE, RW, flags, -1, 0], 0), MMAP_BASE);
  const noReplace = flags | MAP.FIXED_NOREPLACE;
  assertEquals(g.sys.call(SYS.mmap2, [hint, PAGE_SIZE, RW, noReplace, -1, 0], 0), -ERRNO.EEXIST);
  assertEquals(
    g.sys.call(SYS.mmap2, [fixed + 1, PAGE_SIZE, RW, flags | MAP.FIXED, -1, 0], 0),
    -ERRNO.EINVAL,
  );
  assertEquals(g.sys.call(SYS.mmap2, [0, 0, RW, flags, -1, 0], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.mmap2, [0, PAGE_SIZE, RW, MAP.ANONYMOUS, -1, 0], 0), -ERRNO.EINVAL);
});

Deno.test("call() copies the file into a private file mapping", () => {
  const path = Deno.makeTempFileSync();
  try {
    Deno.writeTextFileSync(path, "x".repeat(PAGE_SIZE) + "second page");
    const g = guest();
    const fd = g.sys.call(SYS.openat, [AT.FDCWD, g.str(BUF, path), O.RDONLY, 0], 0);
    const addr = g.sys.call(SYS.mmap2, [0, PAGE_SIZE, PROT_READ, MAP.PRIVATE, fd, 1], 0) >>> 0;
    assertEquals(decoder.decode(g.mem.read(addr, 11)), "second page");
    assertEquals(g.mem.u8[addr + 11], 0);
    assertEquals(g.sys.call(SYS.read, [fd, BUF, 3], 0), 3);
    assertEquals(decoder.decode(g.mem.read(BUF, 3)), "xxx");
    assertEquals(g.sys.call(SYS.mmap2, [0, PAGE_SIZE, RW, MAP.SHARED, fd, 0], 0), -ERRNO.ENODEV);
    assertEquals(g.sys.call(SYS.mmap2, [0, PAGE_SIZE, RW, MAP.PRIVATE, 1, 0], 0), -ERRNO.ENODEV);
    assertEquals(g.sys.call(SYS.mmap2, [0, PAGE_SIZE, RW, MAP.PRIVATE, 9, 0], 0), -ERRNO.EBADF);
    g.sys.close();
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("call() changes page protection with mprotect and returns -ENOMEM for holes", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.mprotect, [BUF, PAGE_SIZE, PROT_READ], 0), 0);
  assert(!g.mem.check(BUF, 1, PROT_WRITE));
  assertEquals(g.sys.call(SYS.mprotect, [BUF + 1, PAGE_SIZE, PROT_READ], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.mprotect, [UNMAPPED, PAGE_SIZE, PROT_READ], 0), -ERRNO.ENOMEM);
});

Deno.test("call() throws GuestExit with status & 0xff when the guest calls exit or exit_group", () => {
  const g = guest();
  const exit = assertThrows(() => g.sys.call(SYS.exit, [3], 0), GuestExit);
  assertEquals([exit.status, exit.signal], [3, undefined]);
  const group = assertThrows(() => g.sys.call(SYS.exit_group, [300], 0), GuestExit);
  assertEquals(group.status, 44);
  assertEquals(g.strace, [`${Deno.pid} exit(3)`, `${Deno.pid} exit_group(300)`]);
});

Deno.test("call() throws GuestExit 134 when the guest sends itself SIGABRT", () => {
  const g = guest();
  const e = assertThrows(() => g.sys.call(SYS.kill, [Deno.pid, SIG.ABRT], 0), GuestExit);
  assertEquals([e.status, e.signal], [134, SIG.ABRT]);
  const t = assertThrows(() => g.sys.call(SYS.tgkill, [Deno.pid, Deno.pid, SIG.SEGV], 0));
  assertInstanceOf(t, GuestExit);
  assertEquals(t.status, 139);
  const pid = Deno.pid;
  const uid = Deno.uid();
  assertEquals(g.strace, [
    `${pid} kill(${pid},SIGIOT) = 0`,
    `--- SIGIOT {si_signo=SIGIOT, si_code=SI_USER, si_pid=${pid}, si_uid=${uid}} ---`,
    `${pid} tgkill(${pid},${pid},SIGSEGV) = 0`,
    `--- SIGSEGV {si_signo=SIGSEGV, si_code=SI_TKILL, si_pid=${pid}, si_uid=${uid}} ---`,
  ]);
});

Deno.test("call() returns 0 when the signal is 0, ignored, or harmless by default", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.kill, [0, 0], 0), 0);
  assertEquals(g.sys.call(SYS.kill, [Deno.pid, SIG.CHLD], 0), 0);
  assertEquals(g.sys.call(SYS.tkill, [Deno.pid, SIG.WINCH], 0), 0);
  g.mem.write(BUF, new Uint8Array(SIZE.SIGACTION).fill(0).fill(1, 0, 1)); // sa_handler = SIG_IGN
  assertEquals(g.sys.call(SYS.rt_sigaction, [SIG.TERM, BUF, 0, SIZE.SIGSET], 0), 0);
  assertEquals(g.sys.call(SYS.kill, [0, SIG.TERM], 0), 0);
  assertEquals(g.sys.call(SYS.kill, [Deno.pid + 1, SIG.TERM], 0), -ERRNO.ESRCH);
  assertEquals(g.sys.call(SYS.kill, [0, 65], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.tgkill, [0, 0, 0], 0), -ERRNO.EINVAL);
});

Deno.test("call() keeps signal actions and the signal mask for rt_sigaction and rt_sigprocmask", () => {
  const g = guest();
  const act = new DataView(new ArrayBuffer(SIZE.SIGACTION));
  act.setUint32(0, 0x10abc, true);
  act.setUint32(4, 0x4000000, true);
  g.mem.write(BUF, new Uint8Array(act.buffer));
  assertEquals(g.sys.call(SYS.rt_sigaction, [SIG.INT, BUF, BUF + 0x100, SIZE.SIGSET], 0), 0);
  assertEquals(g.view(BUF + 0x100, 4).getUint32(0, true), 0);
  assertEquals(g.sys.call(SYS.rt_sigaction, [SIG.INT, 0, BUF + 0x100, SIZE.SIGSET], 0), 0);
  assertEquals(g.view(BUF + 0x100, 4).getUint32(0, true), 0x10abc);
  assertEquals(g.sys.call(SYS.rt_sigaction, [SIG.KILL, BUF, 0, SIZE.SIGSET], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.rt_sigaction, [SIG.INT, BUF, 0, 4], 0), -ERRNO.EINVAL);

  g.mem.write(BUF, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  assertEquals(g.sys.call(SYS.rt_sigprocmask, [SIG_HOW.BLOCK, BUF, 0, SIZE.SIGSET], 0), 0);
  assertEquals(
    g.sys.call(SYS.rt_sigprocmask, [SIG_HOW.SETMASK, 0, BUF + 0x100, SIZE.SIGSET], 0),
    0,
  );
  // SIGKILL (bit 8) and SIGSTOP (bit 18) cannot be blocked.
  assertEquals(g.view(BUF + 0x100, 4).getUint32(0, true), 0xfffbfeff);
  assertEquals(g.sys.call(SYS.rt_sigprocmask, [9, BUF, 0, SIZE.SIGSET], 0), -ERRNO.EINVAL);
});

Deno.test("call() returns -ENOSYS when the syscall is unknown or not implemented", () => {
  const g = guest();
  assertEquals(g.sys.call(500, [1, 2, 3, 4, 5, 6], 0), -ERRNO.ENOSYS);
  assertEquals(g.sys.call(SYS.rseq, [BUF, 32, 0, 0, 0, 0], 0), -ERRNO.ENOSYS);
  assertEquals(g.sys.call(SYS.clone, [0, 0, 0, 0, 0, 0], 0), -ERRNO.ENOSYS);
  const pid = Deno.pid;
  assertEquals(g.strace, [
    `${pid} Unknown syscall 500`,
    `${pid} Unknown syscall 293`,
    `${pid} clone(0,0,0,0,0,0) = -1 errno=38 (Function not implemented)`,
  ]);
});

Deno.test("call() returns -ENOTTY for ioctl on an open fd and -EBADF on a closed one", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.ioctl, [1, IOCTL.TCGETS, BUF], 0), -ERRNO.ENOTTY);
  assertEquals(g.sys.call(SYS.ioctl, [0, IOCTL.TIOCGWINSZ, BUF], 0), -ERRNO.ENOTTY);
  assertEquals(g.sys.call(SYS.ioctl, [9, IOCTL.TCGETS, BUF], 0), -ERRNO.EBADF);
});

Deno.test("call() fills the buffer with random bytes for getrandom", () => {
  const g = guest();
  const len = 3 * PAGE_SIZE;
  assertEquals(g.sys.call(SYS.getrandom, [BUF, len, 0], 0), len);
  const bytes = g.mem.read(BUF, len);
  assert(new Set(bytes).size > 200);
  assert(bytes.subarray(len - 64).some((b) => b !== 0));
  assertEquals(g.sys.call(SYS.getrandom, [BUF, 16, 8], 0), -ERRNO.EINVAL);
});

Deno.test("call() reports Linux on riscv32 for uname", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.uname, [BUF], 0), 0);
  const field = (i: number) => g.mem.readCString(BUF + i * SIZE.UTS_FIELD, SIZE.UTS_FIELD);
  assertEquals(field(0), "Linux");
  assertEquals(field(1), Deno.hostname());
  assertEquals(field(2), Deno.osRelease());
  assertEquals(field(4), "riscv32");
});

Deno.test("call() reads plausible clocks for clock_gettime64 and clock_getres_time64", () => {
  const g = guest();
  const time = (clock: number) => {
    assertEquals(g.sys.call(SYS.clock_gettime64, [clock, BUF], 0), 0);
    const v = g.view(BUF, 16);
    const nsec = v.getBigInt64(8, true);
    assert(nsec >= 0n && nsec < 1_000_000_000n);
    return Number(v.getBigInt64(0, true)) + Number(nsec) / 1e9;
  };
  const real = time(CLOCK.REALTIME);
  assert(Math.abs(real - Date.now() / 1000) < 2, `realtime ${real}`);
  const a = time(CLOCK.MONOTONIC);
  const b = time(CLOCK.MONOTONIC);
  assert(a >= 0 && b >= a);
  assert(time(CLOCK.PROCESS_CPUTIME_ID) > 0);
  assertEquals(g.sys.call(SYS.clock_gettime64, [99, BUF], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.clock_getres_time64, [CLOCK.MONOTONIC, BUF], 0), 0);
  assertEquals(g.view(BUF, 16).getBigInt64(8, true), 1n);
});

Deno.test("call() fills struct statx and struct stat64 with the size and mode of a file", () => {
  const path = Deno.makeTempFileSync();
  try {
    Deno.writeTextFileSync(path, "x".repeat(5000));
    const host = Deno.statSync(path);
    const g = guest();
    g.str(BUF, path);
    const out = BUF + 0x1000;
    assertEquals(g.sys.call(SYS.statx, [AT.FDCWD, BUF, 0, 0x7ff, out], 0), 0);
    const sx = g.view(out, SIZE.STATX);
    assertEquals(sx.getUint32(0, true) & 0x7ff, 0x7ff);
    assertEquals(sx.getUint16(28, true), host.mode);
    assertEquals(sx.getBigUint64(40, true), 5000n);
    assertEquals(sx.getBigUint64(32, true), BigInt(host.ino!));
    assertEquals(sx.getBigInt64(112, true), BigInt(Math.floor(host.mtime!.getTime() / 1000)));

    const fd = g.sys.call(SYS.openat, [AT.FDCWD, BUF, O.RDONLY, 0], 0);
    assertEquals(g.sys.call(SYS.fstat64, [fd, out], 0), 0);
    const st = g.view(out, SIZE.STAT64);
    assertEquals(st.getBigUint64(0, true), BigInt(host.dev));
    assertEquals(st.getUint32(16, true), host.mode);
    assertEquals(st.getBigInt64(48, true), 5000n);
    assertEquals(st.getInt32(56, true), host.blksize);
    assertEquals(st.getBigInt64(64, true), BigInt(host.blocks!));
    assertEquals(st.getInt32(80, true), Math.floor(host.mtime!.getTime() / 1000));

    g.str(BUF, "");
    assertEquals(g.sys.call(SYS.fstatat64, [fd, BUF, out, AT.EMPTY_PATH], 0), 0);
    assertEquals(g.view(out, SIZE.STAT64).getBigInt64(48, true), 5000n);
    assertEquals(g.sys.call(SYS.fstatat64, [fd, BUF, out, 0], 0), -ERRNO.ENOENT);
    assertEquals(g.sys.call(SYS.statx, [AT.FDCWD, BUF, 0, 0x80000000, out], 0), -ERRNO.EINVAL);
    g.sys.close();
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("call() reports stdin, stdout and stderr as character devices for fstat64", () => {
  const g = guest();
  for (const fd of [0, 1, 2]) {
    assertEquals(g.sys.call(SYS.fstat64, [fd, BUF], 0), 0);
    assertEquals(g.view(BUF, SIZE.STAT64).getUint32(16, true) & S_IF.MT, S_IF.CHR);
  }
  assertEquals(g.sys.call(SYS.fstat64, [5, BUF], 0), -ERRNO.EBADF);
});

Deno.test("call() returns the program path for readlinkat of /proc/self/exe", () => {
  withTempDir((dir) => {
    const exe = `${dir}/prog`;
    Deno.writeTextFileSync(exe, "");
    Deno.symlinkSync(exe, `${dir}/link`);
    const g = guest({ exePath: exe });
    g.str(BUF, "/proc/self/exe");
    const real = Deno.realPathSync(exe);
    assertEquals(g.sys.call(SYS.readlinkat, [AT.FDCWD, BUF, BUF + 0x100, 200], 0), real.length);
    assertEquals(decoder.decode(g.mem.read(BUF + 0x100, real.length)), real);
    assertEquals(g.sys.call(SYS.readlinkat, [AT.FDCWD, BUF, BUF + 0x100, 3], 0), 3);
    assertEquals(g.sys.call(SYS.readlinkat, [AT.FDCWD, BUF, BUF + 0x100, 0], 0), -ERRNO.EINVAL);
    g.str(BUF, `${dir}/link`);
    assertEquals(g.sys.call(SYS.readlinkat, [AT.FDCWD, BUF, BUF + 0x100, 200], 0), exe.length);
    g.str(BUF, dir);
    assertEquals(g.sys.call(SYS.readlinkat, [AT.FDCWD, BUF, BUF + 0x100, 200], 0), -ERRNO.EINVAL);
    const noExe = guest();
    noExe.str(BUF, "/proc/self/exe");
    assertEquals(noExe.sys.call(SYS.readlinkat, [AT.FDCWD, BUF, BUF, 200], 0), -ERRNO.ENOENT);
  });
});

Deno.test("call() returns the working directory and its length for getcwd", () => {
  const g = guest();
  const cwd = Deno.cwd();
  assertEquals(g.sys.call(SYS.getcwd, [BUF, 4096], 0), cwd.length + 1);
  assertEquals(g.mem.readCString(BUF), cwd);
  assertEquals(g.sys.call(SYS.getcwd, [BUF, 2], 0), -ERRNO.ERANGE);
  assertEquals(g.sys.call(SYS.getcwd, [0, 4096], 0), -ERRNO.EFAULT);
});

Deno.test("call() creates and removes directories and files for mkdirat and unlinkat", () => {
  withTempDir((dir) => {
    const g = guest();
    g.str(BUF, `${dir}/sub`);
    assertEquals(g.sys.call(SYS.mkdirat, [AT.FDCWD, BUF, 0o755], 0), 0);
    assert(Deno.statSync(`${dir}/sub`).isDirectory);
    assertEquals(g.sys.call(SYS.mkdirat, [AT.FDCWD, BUF, 0o755], 0), -ERRNO.EEXIST);
    assertEquals(g.sys.call(SYS.unlinkat, [AT.FDCWD, BUF, 0], 0), -ERRNO.EISDIR);
    Deno.writeTextFileSync(`${dir}/sub/f`, "");
    assertEquals(g.sys.call(SYS.unlinkat, [AT.FDCWD, BUF, AT.REMOVEDIR], 0), -ERRNO.ENOTEMPTY);
    g.str(BUF, `${dir}/sub/f`);
    assertEquals(g.sys.call(SYS.unlinkat, [AT.FDCWD, BUF, AT.REMOVEDIR], 0), -ERRNO.ENOTDIR);
    assertEquals(g.sys.call(SYS.unlinkat, [AT.FDCWD, BUF, 0], 0), 0);
    assertEquals(g.sys.call(SYS.unlinkat, [AT.FDCWD, BUF, 0], 0), -ERRNO.ENOENT);
    g.str(BUF, `${dir}/sub`);
    assertEquals(g.sys.call(SYS.unlinkat, [AT.FDCWD, BUF, AT.REMOVEDIR], 0), 0);
  });
});

Deno.test("call() checks existence and permission bits for faccessat", () => {
  withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/f`, "");
    Deno.chmodSync(`${dir}/f`, 0o644);
    const g = guest();
    g.str(BUF, `${dir}/f`);
    assertEquals(g.sys.call(SYS.faccessat, [AT.FDCWD, BUF, ACCESS.F_OK], 0), 0);
    assertEquals(g.sys.call(SYS.faccessat, [AT.FDCWD, BUF, ACCESS.R_OK], 0), 0);
    assertEquals(g.sys.call(SYS.faccessat, [AT.FDCWD, BUF, ACCESS.X_OK], 0), -ERRNO.EACCES);
    assertEquals(g.sys.call(SYS.faccessat, [AT.FDCWD, BUF, 8], 0), -ERRNO.EINVAL);
    assertEquals(g.sys.call(SYS.faccessat2, [AT.FDCWD, BUF, 0, 1], 0), -ERRNO.EINVAL);
    g.str(BUF, `${dir}/missing`);
    assertEquals(g.sys.call(SYS.faccessat2, [AT.FDCWD, BUF, 0, 0], 0), -ERRNO.ENOENT);
  });
});

Deno.test("call() answers identity, limit and affinity queries", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.getpid, [], 0), Deno.pid);
  assertEquals(g.sys.call(SYS.gettid, [], 0), Deno.pid);
  assertEquals(g.sys.call(SYS.getppid, [], 0), Deno.ppid);
  assertEquals(g.sys.call(SYS.getuid, [], 0), Deno.uid());
  assertEquals(g.sys.call(SYS.getegid, [], 0), Deno.gid());
  assertEquals(g.sys.call(SYS.set_tid_address, [BUF], 0), Deno.pid);
  assertEquals(g.sys.call(SYS.set_robust_list, [BUF, 12], 0), 0);

  assertEquals(g.sys.call(SYS.prlimit64, [0, RLIMIT.STACK, 0, BUF], 0), 0);
  assertEquals(g.view(BUF, 16).getBigUint64(0, true), 8n << 20n);
  assertEquals(g.view(BUF, 16).getBigUint64(8, true), 2n ** 64n - 1n);
  g.mem.write(BUF, new Uint8Array([0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0]));
  assertEquals(g.sys.call(SYS.prlimit64, [0, RLIMIT.STACK, BUF, BUF + 0x100], 0), 0);
  assertEquals(g.sys.call(SYS.prlimit64, [0, RLIMIT.STACK, 0, BUF + 0x100], 0), 0);
  assertEquals(g.view(BUF + 0x100, 8).getBigUint64(0, true), 0x100000n);
  assertEquals(g.sys.call(SYS.prlimit64, [0, RLIMIT.NLIMITS, 0, BUF], 0), -ERRNO.EINVAL);

  assertEquals(g.sys.call(SYS.sched_getaffinity, [0, 128, BUF], 0), 4);
  assertEquals(g.view(BUF, 4).getUint32(0, true), 1);
  assertEquals(g.sys.call(SYS.sched_getaffinity, [0, 3, BUF], 0), -ERRNO.EINVAL);
});

Deno.test("call() returns -EACCES when Deno may not read the file", async () => {
  const path = Deno.makeTempFileSync();
  const source = `
    import { LinuxSyscalls } from "${import.meta.resolve("./mod.ts")}";
    import { CpuState } from "${import.meta.resolve("../cpu.ts")}";
    import { Memory, PROT_READ, PROT_WRITE } from "${import.meta.resolve("../memory.ts")}";
    self.onmessage = (e) => {
      const mem = new Memory();
      mem.map(0x10000, 4096, PROT_READ | PROT_WRITE);
      mem.write(0x10000, new TextEncoder().encode(e.data + "\\0"));
      const io = { stdin: () => null, stdout: () => {}, stderr: () => {} };
      const sys = new LinuxSyscalls(mem, new CpuState(), { io });
      self.postMessage(sys.call(${SYS.openat}, [${AT.FDCWD}, 0x10000, ${O.RDONLY}, 0], 0));
    };`;
  const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
  const worker = new Worker(url, {
    type: "module",
    deno: { permissions: { read: false, write: false, env: false, net: false, sys: false } },
  });
  try {
    const result = await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
      worker.postMessage(path);
    });
    assertEquals(result, -ERRNO.EACCES);
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
    Deno.removeSync(path);
  }
});

Deno.test("call() forgets closed descriptors when close() shuts the host files", () => {
  const path = Deno.makeTempFileSync();
  try {
    const g = guest();
    const fd = g.sys.call(SYS.openat, [AT.FDCWD, g.str(BUF, path), O.RDONLY, 0], 0);
    g.sys.close();
    assertEquals(g.sys.call(SYS.read, [fd, BUF, 1], 0), -ERRNO.EBADF);
    assertEquals(g.sys.call(SYS.write, [1, BUF, 1], 0), -ERRNO.EBADF);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("syscallName() names riscv32 syscalls as QEMU does", () => {
  assertEquals(syscallName(SYS.llseek), "llseek");
  assertEquals(syscallName(80), "fstat64");
  assertEquals(syscallName(403), "clock_gettime64");
  assertEquals(syscallName(169), undefined); // no gettimeofday on riscv32
});

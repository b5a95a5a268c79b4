import { assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { CpuState } from "../cpu.ts";
import { GuestExit } from "../errors.ts";
import { Memory } from "../memory.ts";
import { LinuxSyscalls } from "./mod.ts";
import { SYS } from "./numbers.ts";
import { AT, F, FD_CLOEXEC, LOCK, O, POLL, SIG, SIZE } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { BUF, decoder, guest, RO, UNMAPPED, withTempDir } from "./_testing.ts";

const FDS = BUF + 0x800; // an int[2] for pipe2
const DATA = BUF + 0x1000; // a data buffer

/** Creates a pipe in guest `g` and returns its [read, write] descriptors. */
function pipe(g: ReturnType<typeof guest>, flags = 0): [number, number] {
  assertEquals(g.sys.call(SYS.pipe2, [FDS, flags], 0), 0);
  const v = g.view(FDS, 8);
  return [v.getInt32(0, true), v.getInt32(4, true)];
}

Deno.test("call() shares the open file between descriptors when dup, dup3 or F_DUPFD copy one", () => {
  const g = guest();
  g.str(DATA, "hi\n");
  assertEquals(g.sys.call(SYS.dup, [1], 0), 3);
  assertEquals(g.sys.call(SYS.dup3, [1, 7, O.CLOEXEC], 0), 7);
  assertEquals(g.sys.call(SYS.fcntl64, [2, F.DUPFD, 5], 0), 5);
  assertEquals(g.sys.call(SYS.fcntl64, [2, F.DUPFD_CLOEXEC, 5], 0), 6);
  for (const fd of [3, 7, 5]) assertEquals(g.sys.call(SYS.write, [fd, DATA, 3], 0), 3);
  assertEquals(g.stdout, ["hi\n", "hi\n"]);
  assertEquals(g.stderr, ["hi\n"]);
  assertEquals(g.sys.call(SYS.fcntl64, [7, F.GETFD, 0], 0), FD_CLOEXEC);
  assertEquals(g.sys.call(SYS.fcntl64, [6, F.GETFD, 0], 0), FD_CLOEXEC);
  assertEquals(g.sys.call(SYS.fcntl64, [3, F.GETFD, 0], 0), 0);
  // dup3 onto an open descriptor closes it first; closing a copy leaves the others open.
  assertEquals(g.sys.call(SYS.dup3, [2, 3, 0], 0), 3);
  assertEquals(g.sys.call(SYS.close, [2], 0), 0);
  assertEquals(g.sys.call(SYS.write, [3, DATA, 3], 0), 3);
  assertEquals(g.stderr, ["hi\n", "hi\n"]);
});

Deno.test("call() returns -EBADF or -EINVAL when dup, dup3 or F_DUPFD get bad descriptors or flags", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.dup, [-1], 0), -ERRNO.EBADF);
  assertEquals(g.sys.call(SYS.dup, [9], 0), -ERRNO.EBADF);
  assertEquals(g.sys.call(SYS.dup3, [1, 1, 0], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.dup3, [1, 4, 1], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.dup3, [9, 4, 0], 0), -ERRNO.EBADF);
  assertEquals(g.sys.call(SYS.dup3, [1, -1, 0], 0), -ERRNO.EBADF);
  assertEquals(g.sys.call(SYS.dup3, [1, 1024, 0], 0), -ERRNO.EBADF);
  assertEquals(g.sys.call(SYS.fcntl64, [1, F.DUPFD, -1], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.fcntl64, [1, F.DUPFD, 1024], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.fcntl64, [9, F.GETFD, 0], 0), -ERRNO.EBADF);
  assertEquals(g.sys.call(SYS.fcntl64, [1, 999, 0], 0), -ERRNO.EINVAL);
  const pid = Deno.pid;
  assertEquals(g.strace.slice(0, 3), [
    `${pid} dup(-1) = -1 errno=9 (Bad file descriptor)`,
    `${pid} dup(9) = -1 errno=9 (Bad file descriptor)`,
    `${pid} dup3(1,1,0) = -1 errno=22 (Invalid argument)`,
  ]);
  assertEquals(g.strace.at(-1), `${pid} fcntl64(1,999,NULL) = -1 errno=22 (Invalid argument)`);
});

Deno.test("call() reports and changes status flags when fcntl64 gets F_GETFL or F_SETFL", () => {
  withTempDir((dir) => {
    const g = guest();
    assertEquals(g.sys.call(SYS.fcntl64, [0, F.GETFL, 0], 0), O.RDONLY);
    assertEquals(g.sys.call(SYS.fcntl64, [1, F.GETFL, 0], 0), O.WRONLY);
    const flags = O.RDWR | O.CREAT | O.TRUNC | O.APPEND | O.CLOEXEC | O.LARGEFILE;
    const fd = g.sys.call(SYS.openat, [AT.FDCWD, g.str(BUF, `${dir}/f`), flags, 0o600], 0);
    // F_GETFL drops the open-only flags, O_CLOEXEC (an F_GETFD flag) and, as QEMU, O_LARGEFILE.
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.GETFL, 0], 0), O.RDWR | O.APPEND);
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.GETFD, 0], 0), FD_CLOEXEC);
    // F_SETFL changes only O_APPEND, O_NONBLOCK, O_DIRECT and O_NOATIME.
    const set = O.NONBLOCK | O.WRONLY | O.CREAT;
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.SETFL, set], 0), 0);
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.GETFL, 0], 0), O.RDWR | O.NONBLOCK);
    // Without O_APPEND, writes go to the file position again.
    g.str(DATA, "abc");
    assertEquals(g.sys.call(SYS.write, [fd, DATA, 3], 0), 3);
    assertEquals(g.sys.call(SYS.llseek, [fd, 0, 1, DATA + 0x100, 0], 0), 0);
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.SETFL, O.APPEND], 0), 0);
    assertEquals(g.sys.call(SYS.write, [fd, DATA, 2], 0), 2);
    assertEquals(Deno.readTextFileSync(`${dir}/f`), "abcab");
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.SETFD, 0xff], 0), 0);
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.GETFD, 0], 0), FD_CLOEXEC);

    const path = g.sys.call(SYS.openat, [AT.FDCWD, g.str(BUF, dir), O.PATH | O.RDWR, 0], 0);
    assertEquals(g.sys.call(SYS.fcntl64, [path, F.GETFL, 0], 0), O.PATH);
    assertEquals(g.sys.call(SYS.fcntl64, [path, F.SETFL, 0], 0), -ERRNO.EBADF);
    const pid = Deno.pid;
    assertEquals(g.strace.slice(-5), [
      `${pid} fcntl64(${fd},F_SETFD,255) = 0`,
      `${pid} fcntl64(${fd},F_GETFD) = 1`,
      `${pid} openat(AT_FDCWD,"${dir}",O_RDWR|O_PATH) = ${path}`,
      `${pid} fcntl64(${path},F_GETFL) = ${O.PATH}`,
      `${pid} fcntl64(${path},F_SETFL,O_RDONLY) = -1 errno=9 (Bad file descriptor)`,
    ]);
    assertEquals(
      g.strace.find((l) => l.includes("F_SETFL")),
      `${pid} fcntl64(${fd},F_SETFL,O_WRONLY|O_CREAT|O_NONBLOCK) = 0`,
    );
    g.sys.close();
  });
});

Deno.test("call() never finds a conflicting record lock when fcntl64 gets a lock command", () => {
  withTempDir((dir) => {
    const g = guest();
    const fd = g.sys.call(
      SYS.openat,
      [AT.FDCWD, g.str(BUF, `${dir}/f`), O.WRONLY | O.CREAT, 0o600],
      0,
    );
    const lock = (type: number) => {
      g.mem.write(DATA, new Uint8Array(SIZE.FLOCK64));
      g.mem.write(DATA, new Uint8Array([type, 0]));
      return DATA;
    };
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.GETLK64, lock(LOCK.WRLCK)], 0), 0);
    assertEquals(g.view(DATA, 2).getInt16(0, true), LOCK.UNLCK);
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.SETLK64, lock(LOCK.WRLCK)], 0), 0);
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.SETLKW, lock(LOCK.UNLCK)], 0), 0);
    // A read lock needs a readable descriptor.
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.SETLK64, lock(LOCK.RDLCK)], 0), -ERRNO.EBADF);
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.SETLK, lock(7)], 0), -ERRNO.EINVAL);
    assertEquals(g.sys.call(SYS.fcntl64, [fd, F.GETLK, 0], 0), -ERRNO.EFAULT);
    assertEquals(
      g.strace.at(-1),
      `${Deno.pid} fcntl64(${fd},F_GETLK,NULL) = -1 errno=14 (Bad address)`,
    );
    g.sys.close();
  });
});

Deno.test("call() passes bytes from the write end to the read end when pipe2 made the pipe", () => {
  const g = guest();
  const [r, w] = pipe(g);
  assertEquals([r, w], [3, 4]);
  assertEquals(g.sys.call(SYS.fcntl64, [r, F.GETFL, 0], 0), O.RDONLY);
  assertEquals(g.sys.call(SYS.fcntl64, [w, F.GETFL, 0], 0), O.WRONLY);
  assertEquals(g.sys.call(SYS.write, [w, g.str(DATA, "hello "), 6], 0), 6);
  assertEquals(g.sys.call(SYS.write, [w, g.str(DATA, "world"), 5], 0), 5);
  assertEquals(g.sys.call(SYS.read, [r, DATA, 8], 0), 8);
  assertEquals(decoder.decode(g.mem.read(DATA, 8)), "hello wo");
  assertEquals(g.sys.call(SYS.read, [r, DATA, 100], 0), 3);
  assertEquals(decoder.decode(g.mem.read(DATA, 3)), "rld");
  assertEquals(g.sys.call(SYS.read, [w, DATA, 1], 0), -ERRNO.EBADF);
  assertEquals(g.sys.call(SYS.write, [r, DATA, 1], 0), -ERRNO.EBADF);
  assertEquals(g.sys.call(SYS.fstat64, [r, DATA], 0), 0);
  assertEquals(g.view(DATA + 16, 4).getUint32(0, true), 0o010600);
  assertEquals(g.sys.call(SYS.llseek, [r, 0, 0, DATA, 0], 0), -ERRNO.ESPIPE);
  // A dup'ed write end keeps the pipe open; the last close makes reads see end of file.
  const w2 = g.sys.call(SYS.dup, [w], 0);
  assertEquals(g.sys.call(SYS.close, [w], 0), 0);
  assertEquals(g.sys.call(SYS.read, [r, DATA, 1], 0), -ERRNO.EAGAIN);
  assertEquals(g.sys.call(SYS.close, [w2], 0), 0);
  assertEquals(g.sys.call(SYS.read, [r, DATA, 1], 0), 0);
});

Deno.test("call() returns -EAGAIN when a pipe read or write could only wait for ever", () => {
  const g = guest();
  const [r, w] = pipe(g, O.NONBLOCK | O.CLOEXEC);
  assertEquals(g.sys.call(SYS.fcntl64, [r, F.GETFL, 0], 0), O.NONBLOCK);
  assertEquals(g.sys.call(SYS.fcntl64, [w, F.GETFD, 0], 0), FD_CLOEXEC);
  assertEquals(g.sys.call(SYS.read, [r, DATA, 10], 0), -ERRNO.EAGAIN);
  assertEquals(g.sys.call(SYS.fcntl64, [w, F.GETPIPE_SZ, 0], 0), 65536);
  assertEquals(g.sys.call(SYS.fcntl64, [w, F.SETPIPE_SZ, 5000], 0), 8192);
  assertEquals(g.sys.call(SYS.fcntl64, [1, F.GETPIPE_SZ, 0], 0), -ERRNO.EBADF);
  // 8192 bytes fit; a short write that does not fit whole is refused, a long one is cut.
  assertEquals(g.sys.call(SYS.write, [w, BUF, 8000], 0), 8000);
  assertEquals(g.sys.call(SYS.write, [w, BUF, 1000], 0), -ERRNO.EAGAIN);
  assertEquals(g.sys.call(SYS.write, [w, BUF, 5000], 0), 192);
  assertEquals(g.sys.call(SYS.write, [w, BUF, 5000], 0), -ERRNO.EAGAIN);
  assertEquals(g.sys.call(SYS.fcntl64, [w, F.SETPIPE_SZ, 4096], 0), -ERRNO.EBUSY);
  assertEquals(g.sys.call(SYS.read, [r, DATA, 0x2000], 0), 8192);
});

Deno.test("call() returns -EFAULT, -EINVAL or -EMFILE when pipe2 cannot make the pipe", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.pipe2, [0, 0], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.pipe2, [RO, 0], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.pipe2, [FDS, 1], 0), -ERRNO.EINVAL);
  for (let fd = 3; fd < 1023; fd++) g.sys.call(SYS.dup, [1], 0);
  assertEquals(g.sys.call(SYS.pipe2, [FDS, 0], 0), -ERRNO.EMFILE);
  assertEquals(g.strace.slice(0, 3), [
    `${Deno.pid} pipe2(0,0,0,0,0,0) = -1 errno=14 (Bad address)`,
    `${Deno.pid} pipe2(${RO},0,0,0,0,0) = -1 errno=14 (Bad address)`,
    `${Deno.pid} pipe2(${FDS},1,0,0,0,0) = -1 errno=22 (Invalid argument)`,
  ]);
});

Deno.test("call() fails with -EPIPE and the guest dies of SIGPIPE when it writes to a pipe without readers", () => {
  const g = guest();
  const [r, w] = pipe(g);
  assertEquals(g.sys.call(SYS.close, [r], 0), 0);
  const e = assertThrows(() => g.sys.call(SYS.write, [w, DATA, 1], 0));
  assertInstanceOf(e, GuestExit);
  assertEquals([e.status, e.signal], [128 + SIG.PIPE, SIG.PIPE]);
  assertEquals(g.strace.slice(-2), [
    `${Deno.pid} write(${w},0x${DATA.toString(16)},1) = -1 errno=32 (Broken pipe)`,
    `--- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER, si_pid=${Deno.pid}, si_uid=${Deno.uid()}} ---`,
  ]);
});

Deno.test("call() only fails with -EPIPE when SIGPIPE is ignored, blocked or caught", () => {
  for (const setup of ["ignore", "block", "catch"]) {
    const g = guest();
    const [r, w] = pipe(g);
    g.sys.call(SYS.close, [r], 0);
    g.mem.write(DATA, new Uint8Array(16));
    if (setup === "block") {
      g.mem.write(DATA, new Uint8Array([0, 0x10]));
      assertEquals(g.sys.call(SYS.rt_sigprocmask, [0, DATA, 0, 8], 0), 0);
    } else {
      g.mem.write(DATA, new Uint8Array([setup === "ignore" ? 1 : 0x40, 0, 1]));
      assertEquals(g.sys.call(SYS.rt_sigaction, [SIG.PIPE, DATA, 0, 8], 0), 0);
    }
    assertEquals(g.sys.call(SYS.write, [w, DATA, 1], 0), -ERRNO.EPIPE, setup);
    // An empty write checks nothing.
    assertEquals(g.sys.call(SYS.write, [w, DATA, 0], 0), 0);
  }
});

Deno.test("call() fills revents when ppoll_time64 polls streams, pipes and closed descriptors", () => {
  const g = guest();
  const [r, w] = pipe(g);
  const poll = (entries: [number, number][]) => {
    const v = new DataView(new ArrayBuffer(entries.length * SIZE.POLLFD));
    entries.forEach(([fd, events], i) => {
      v.setInt32(8 * i, fd, true);
      v.setInt16(8 * i + 4, events, true);
      v.setInt16(8 * i + 6, -1, true);
    });
    g.mem.write(DATA, new Uint8Array(v.buffer));
    g.mem.write(DATA + 0x100, new Uint8Array(16)); // a zero timeout
    const n = g.sys.call(SYS.ppoll_time64, [DATA, entries.length, DATA + 0x100, 0, 8], 0);
    const revents = entries.map((_, i) => g.view(DATA + 8 * i + 6, 2).getUint16(0, true));
    return [n, revents];
  };
  const IN = POLL.IN, OUT = POLL.OUT;
  assertEquals(poll([[0, IN], [1, OUT], [r, IN], [w, OUT], [9, IN], [-1, IN]]), [
    4,
    [IN, OUT, 0, OUT, POLL.NVAL, 0],
  ]);
  g.sys.call(SYS.write, [w, DATA + 0x200, 1], 0);
  assertEquals(poll([[r, IN | OUT], [w, IN | OUT]]), [2, [IN, OUT]]);
  g.sys.call(SYS.close, [w], 0);
  assertEquals(poll([[r, IN]]), [1, [IN | POLL.HUP]]);
  g.sys.call(SYS.read, [r, DATA + 0x200, 1], 0);
  assertEquals(poll([[r, 0]]), [1, [POLL.HUP]]);
  // Nothing ready: the timeout passes (here 0), or without one the call is interrupted.
  assertEquals(poll([[-1, IN]]), [0, [0]]);
  g.mem.write(DATA, new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 0]));
  assertEquals(g.sys.call(SYS.ppoll_time64, [DATA, 1, 0, 0, 8], 0), -ERRNO.EINTR);
  assertEquals(g.sys.call(SYS.ppoll_time64, [DATA, 1, UNMAPPED, 0, 8], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.ppoll_time64, [DATA, 1, 0, DATA, 4], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.ppoll_time64, [DATA, 2000, 0, 0, 8], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.ppoll_time64, [UNMAPPED, 1, 0, 0, 8], 0), -ERRNO.EFAULT);
  assertEquals(g.strace.at(-1), `${Deno.pid} Unknown syscall 414`);
});

Deno.test("call() reports the host descriptors' status flags when F_GETFL asks about Deno's own streams", () => {
  const sys = new LinuxSyscalls(new Memory(), new CpuState());
  for (const fd of [0, 1, 2]) {
    const fdinfo = Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`);
    const octal = /^flags:\s*([0-7]+)$/m.exec(fdinfo)?.[1];
    if (octal === undefined) throw new Error(`fdinfo ${fd} shows no flags`);
    const host = parseInt(octal, 8) & (O.ACCMODE | O.APPEND | O.NONBLOCK | O.DSYNC | O.SYNC_);
    assertEquals(sys.call(SYS.fcntl64, [fd, F.GETFL, 0], 0), host, `fd ${fd}`);
  }
});

import { assert, assertEquals } from "@std/assert";
import { SYS } from "./numbers.ts";
import { AT, O, RENAME, SIZE, UTIME } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { BUF, guest, UNMAPPED, withTempDir } from "./_testing.ts";

const A = BUF; // first path argument
const B = BUF + 0x400; // second path argument
const TIMES = BUF + 0x800; // struct __kernel_timespec[2]

Deno.test("call() renames for renameat2 and honours its flags", () => {
  withTempDir((dir) => {
    const g = guest();
    const write = (name: string, text: string) => Deno.writeTextFileSync(`${dir}/${name}`, text);
    const rename = (
      from: string,
      to: string,
      flags = 0,
      fromFd: number = AT.FDCWD,
      toFd: number = AT.FDCWD,
    ) => g.sys.call(SYS.renameat2, [fromFd, g.str(A, from), toFd, g.str(B, to), flags], 0);
    write("a", "A");
    write("b", "B");
    const cases: [string, () => number, number][] = [
      [
        "NOREPLACE onto a file",
        () => rename(`${dir}/a`, `${dir}/b`, RENAME.NOREPLACE),
        -ERRNO.EEXIST,
      ],
      ["EXCHANGE", () => rename(`${dir}/a`, `${dir}/b`, RENAME.EXCHANGE), -ERRNO.EINVAL],
      [
        "EXCHANGE with NOREPLACE",
        () => rename(`${dir}/a`, `${dir}/b`, RENAME.EXCHANGE | RENAME.NOREPLACE),
        -ERRNO.EINVAL,
      ],
      ["an unknown flag", () => rename(`${dir}/a`, `${dir}/b`, 8), -ERRNO.EINVAL],
      ["a missing source", () => rename(`${dir}/missing`, `${dir}/c`), -ERRNO.ENOENT],
      ["an empty path", () => rename("", `${dir}/c`), -ERRNO.ENOENT],
      [
        "an unmapped path",
        () => g.sys.call(SYS.renameat2, [AT.FDCWD, UNMAPPED, AT.FDCWD, B, 0], 0),
        -ERRNO.EFAULT,
      ],
      ["NOREPLACE onto nothing", () => rename(`${dir}/a`, `${dir}/c`, RENAME.NOREPLACE), 0],
      ["over a file", () => rename(`${dir}/c`, `${dir}/b`), 0],
    ];
    for (const [what, call, want] of cases) assertEquals(call(), want, what);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["b"]);
    assertEquals(Deno.readTextFileSync(`${dir}/b`), "A");
    // Relative to directory descriptors.
    const fd = g.sys.call(SYS.openat, [AT.FDCWD, g.str(A, dir), O.DIRECTORY, 0], 0);
    assertEquals(rename("b", "c", 0, fd, fd), 0);
    assertEquals(Deno.readTextFileSync(`${dir}/c`), "A");
  });
});

Deno.test("call() changes the guest's working directory alone for chdir and fchdir", () => {
  withTempDir((dir) => {
    const g = guest();
    const hostCwd = Deno.cwd();
    const real = Deno.realPathSync(dir);
    Deno.mkdirSync(`${dir}/sub`);
    Deno.writeTextFileSync(`${dir}/file`, "");
    const getcwd = () => {
      const n = g.sys.call(SYS.getcwd, [B, 4096], 0);
      return n < 0 ? n : g.mem.readCString(B);
    };
    assertEquals(g.sys.call(SYS.chdir, [g.str(A, dir)], 0), 0);
    assertEquals(getcwd(), real);
    assertEquals(Deno.cwd(), hostCwd);
    // Relative paths now start from the guest's directory.
    assertEquals(g.sys.call(SYS.chdir, [g.str(A, "sub")], 0), 0);
    assertEquals(getcwd(), `${real}/sub`);
    assertEquals(g.sys.call(SYS.mkdirat, [AT.FDCWD, g.str(A, "new"), 0o755], 0), 0);
    assert(Deno.statSync(`${dir}/sub/new`).isDirectory);
    assertEquals(g.sys.call(SYS.chdir, [g.str(A, "..")], 0), 0);
    assertEquals(getcwd(), real);
    const cases: [string, number, number][] = [
      ["chdir to a file", g.sys.call(SYS.chdir, [g.str(A, "file")], 0), -ERRNO.ENOTDIR],
      ["chdir to nothing", g.sys.call(SYS.chdir, [g.str(A, "missing")], 0), -ERRNO.ENOENT],
      ["chdir to an empty path", g.sys.call(SYS.chdir, [g.str(A, "")], 0), -ERRNO.ENOENT],
      ["fchdir to a closed fd", g.sys.call(SYS.fchdir, [77], 0), -ERRNO.EBADF],
      ["fchdir to stdout", g.sys.call(SYS.fchdir, [1], 0), -ERRNO.ENOTDIR],
    ];
    for (const [what, got, want] of cases) assertEquals(got, want, what);
    const fd = g.sys.call(SYS.openat, [AT.FDCWD, g.str(A, "sub"), O.DIRECTORY, 0], 0);
    assertEquals(g.sys.call(SYS.fchdir, [fd], 0), 0);
    assertEquals(getcwd(), `${real}/sub`);
  });
});

Deno.test("call() sets the length of a file for ftruncate64 and truncate64", () => {
  withTempDir((dir) => {
    const g = guest();
    const path = `${dir}/f`;
    Deno.writeTextFileSync(path, "hello, world");
    const rw = g.sys.call(SYS.openat, [AT.FDCWD, g.str(A, path), O.RDWR, 0], 0);
    const ro = g.sys.call(SYS.openat, [AT.FDCWD, g.str(A, path), O.RDONLY, 0], 0);
    const opath = g.sys.call(SYS.openat, [AT.FDCWD, g.str(A, path), O.PATH, 0], 0);
    const cases: [string, [number, ...number[]], number, number][] = [
      ["ftruncate64 shortens", [SYS.ftruncate64, rw, 5, 0], 0, 5],
      ["ftruncate64 extends", [SYS.ftruncate64, rw, 8, 0], 0, 8],
      ["a negative length", [SYS.ftruncate64, rw, -1, -1], -ERRNO.EINVAL, 8],
      ["a read-only fd", [SYS.ftruncate64, ro, 1, 0], -ERRNO.EINVAL, 8],
      ["an O_PATH fd", [SYS.ftruncate64, opath, 1, 0], -ERRNO.EBADF, 8],
      ["a closed fd", [SYS.ftruncate64, 77, 1, 0], -ERRNO.EBADF, 8],
      ["stdout", [SYS.ftruncate64, 1, 1, 0], -ERRNO.EINVAL, 8],
      ["truncate64 by path", [SYS.truncate64, g.str(A, path), 3, 0], 0, 3],
      ["truncate64 of nothing", [SYS.truncate64, g.str(B, `${path}x`), 3, 0], -ERRNO.ENOENT, 3],
    ];
    for (const [what, [num, ...args], want, size] of cases) {
      assertEquals(g.sys.call(num, args, 0), want, what);
      assertEquals(Deno.statSync(path).size, size, what);
    }
  });
});

Deno.test("call() syncs files and directories for fsync and fdatasync, and nothing else", () => {
  withTempDir((dir) => {
    const g = guest();
    const file = g.sys.call(
      SYS.openat,
      [AT.FDCWD, g.str(A, `${dir}/f`), O.WRONLY | O.CREAT, 0o644],
      0,
    );
    const dirFd = g.sys.call(SYS.openat, [AT.FDCWD, g.str(A, dir), O.DIRECTORY, 0], 0);
    assertEquals(g.sys.call(SYS.pipe2, [BUF + 0xc00, 0], 0), 0);
    const pipe = g.view(BUF + 0xc00, 4).getInt32(0, true);
    const cases: [string, number, number][] = [
      ["a file", file, 0],
      ["a directory", dirFd, 0],
      ["a pipe", pipe, -ERRNO.EINVAL],
      ["stdout", 1, -ERRNO.EINVAL],
      ["a closed fd", 77, -ERRNO.EBADF],
    ];
    for (const num of [SYS.fsync, SYS.fdatasync]) {
      for (const [what, fd, want] of cases) assertEquals(g.sys.call(num, [fd], 0), want, what);
    }
  });
});

Deno.test("call() sets, keeps or refreshes file times for utimensat_time64", () => {
  withTempDir((dir) => {
    const g = guest();
    const path = `${dir}/f`;
    Deno.writeTextFileSync(path, "");
    const setTimes = (atime: [number, number], mtime: [number, number]) => {
      [atime, mtime].forEach(([sec, nsec], i) => {
        const at = TIMES + i * SIZE.TIMESPEC64;
        g.mem.write(at, new Uint8Array(SIZE.TIMESPEC64));
        new DataView(g.mem.u8.buffer).setBigInt64(at, BigInt(sec), true);
        new DataView(g.mem.u8.buffer).setInt32(at + 8, nsec, true);
      });
      return TIMES;
    };
    const times = () => {
      const info = Deno.statSync(path);
      return [info.atime?.getTime(), info.mtime?.getTime()];
    };
    const utimensat = (dirfd: number, p: number, t: number, flags = 0) =>
      g.sys.call(SYS.utimensat_time64, [dirfd, p, t, flags], 0);
    const p = g.str(A, path);

    assertEquals(utimensat(AT.FDCWD, p, setTimes([1_000_000_000, 0], [1_234_567_890, 250e6])), 0);
    assertEquals(times(), [1_000_000_000_000, 1_234_567_890_250]);
    assertEquals(utimensat(AT.FDCWD, p, setTimes([5, UTIME.OMIT], [2_000_000_000, 0])), 0);
    assertEquals(times(), [1_000_000_000_000, 2_000_000_000_000]);
    const fd = g.sys.call(SYS.openat, [AT.FDCWD, p, O.RDONLY, 0], 0);
    assertEquals(utimensat(fd, 0, setTimes([7, 0], [8, 0])), 0, "futimens");
    assertEquals(times(), [7000, 8000]);
    const before = Date.now();
    assertEquals(utimensat(AT.FDCWD, p, 0), 0, "NULL times: now");
    assert(times().every((t) => t !== undefined && t >= before - 1000));

    const missing = g.str(B, `${dir}/missing`);
    const cases: [string, number, number][] = [
      [
        "both OMIT, even for nothing",
        utimensat(AT.FDCWD, missing, setTimes([0, UTIME.OMIT], [0, UTIME.OMIT])),
        0,
      ],
      ["a missing file", utimensat(AT.FDCWD, missing, setTimes([1, 0], [1, 0])), -ERRNO.ENOENT],
      [
        "nanoseconds out of range",
        utimensat(AT.FDCWD, p, setTimes([1, 1e9], [1, 0])),
        -ERRNO.EINVAL,
      ],
      ["an unknown flag", utimensat(AT.FDCWD, p, TIMES, 1), -ERRNO.EINVAL],
      ["flags with a descriptor", utimensat(fd, 0, TIMES, AT.SYMLINK_NOFOLLOW), -ERRNO.EINVAL],
      ["a NULL path at AT_FDCWD", utimensat(AT.FDCWD, 0, TIMES), -ERRNO.EFAULT],
      ["a closed fd", utimensat(77, 0, TIMES), -ERRNO.EBADF],
      ["unmapped times", utimensat(AT.FDCWD, p, UNMAPPED), -ERRNO.EFAULT],
    ];
    for (const [what, got, want] of cases) assertEquals(got, want, what);
  });
});

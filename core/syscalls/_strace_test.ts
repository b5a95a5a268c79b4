import { assertEquals } from "@std/assert";
import { PROT_READ } from "../memory.ts";
import { SYS } from "./numbers.ts";
import { MMAP_BASE } from "../address_map.ts";
import { AT, CLOCK, IOCTL, MAP, O, SEEK, SIG } from "./_abi.ts";
import { BUF, guest, HEAP, RW, withTempDir } from "./_testing.ts";

Deno.test("call() traces each syscall in the format of qemu-riscv32 -strace", () => {
  withTempDir((dir) => {
    const g = guest({ exePath: `${dir}/prog` });
    Deno.writeTextFileSync(`${dir}/prog`, "");
    const B = BUF + 0x1000; // an output buffer
    const b = "0x00011000"; // B as QEMU's print_pointer shows it
    // A string argument is stored at BUF (0x10000) before the call, and passed by address.
    const cases: [number, (number | string)[], string][] = [
      [SYS.write, [1, "hello\n", 6], "write(1,0x10000,6) = 6"],
      [SYS.read, [0, 0x10, 5], "read(0,0x10,5) = -1 errno=14 (Bad address)"],
      [SYS.writev, [1, B, 0], "writev(1,0x11000,0) = 0"],
      [
        SYS.openat,
        [AT.FDCWD, `${dir}/f.txt`, O.WRONLY | O.CREAT | O.TRUNC, 0o644],
        `openat(AT_FDCWD,"${dir}/f.txt",O_WRONLY|O_CREAT|O_TRUNC,0644) = 3`,
      ],
      [
        SYS.openat,
        [AT.FDCWD, `${dir}/f.txt`, O.RDWR | O.CREAT | O.EXCL, 0],
        `openat(AT_FDCWD,"${dir}/f.txt",O_RDWR|O_CREAT|O_EXCL,000) = -1 errno=17 (File exists)`,
      ],
      [
        SYS.openat,
        [AT.FDCWD, dir, O.DIRECTORY | O.NONBLOCK | O.CLOEXEC, 0],
        `openat(AT_FDCWD,"${dir}",O_RDONLY|O_DIRECTORY|O_NONBLOCK|O_CLOEXEC) = 4`,
      ],
      [
        SYS.openat,
        [4, "f.txt", O.RDONLY, 0o100644],
        `openat(4,"f.txt",O_RDONLY) = 5`,
      ],
      [
        SYS.openat,
        [AT.FDCWD, 0, O.RDONLY, 0],
        "openat(AT_FDCWD,NULL,O_RDONLY) = -1 errno=14 (Bad address)",
      ],
      [SYS.llseek, [3, 0, 2, B, SEEK.SET], `llseek(3,0,2,${b},SEEK_SET) = 0`],
      [
        SYS.llseek,
        [3, -1, -5, B, SEEK.SET],
        `llseek(3,4294967295,4294967291,${b},SEEK_SET) = -1 errno=22 (Invalid argument)`,
      ],
      [SYS.llseek, [3, 0, 0, B, 7], `llseek(3,0,0,${b},UNKNOWN) = -1 errno=22 (Invalid argument)`],
      [SYS.fstat64, [3, B], `fstat64(3,${b}) = 0`],
      [SYS.fstat64, [3, 0], "fstat64(3,NULL) = -1 errno=14 (Bad address)"],
      [
        SYS.fstatat64,
        [AT.FDCWD, dir, B, AT.SYMLINK_NOFOLLOW],
        `fstatat64(AT_FDCWD,"${dir}",${b},AT_SYMLINK_NOFOLLOW) = 0`,
      ],
      [SYS.fstatat64, [3, "", B, AT.EMPTY_PATH], `fstatat64(3,"",${b},0x1000) = 0`],
      [SYS.ftruncate64, [3, 5, 0], "ftruncate64(3,5) = 0"],
      [
        SYS.ftruncate64,
        [3, -1, -1],
        "ftruncate64(3,4294967295) = -1 errno=22 (Invalid argument)",
      ],
      [SYS.truncate64, [`${dir}/f.txt`, 2, 0], `truncate64("${dir}/f.txt",2) = 0`],
      [SYS.fsync, [3], "fsync(3) = 0"],
      [SYS.fdatasync, [3], "fdatasync(3) = 0"],
      [SYS.fchdir, [77], "fchdir(77) = -1 errno=9 (Bad file descriptor)"],
      [SYS.chdir, [dir], `chdir("${dir}") = 0`],
      [
        SYS.renameat2,
        [AT.FDCWD, `${dir}/f.txt`, AT.FDCWD, 0, 0, 0],
        "renameat2(-100,65536,-100,0,0,0) = -1 errno=14 (Bad address)",
      ],
      [SYS.utimensat_time64, [AT.FDCWD, dir, 0, 0], "Unknown syscall 412"],
      [
        SYS.statx,
        [AT.FDCWD, dir, AT.SYMLINK_NOFOLLOW, 0xfff, B],
        `statx(AT_FDCWD,"${dir}",AT_SYMLINK_NOFOLLOW,STATX_ALL,${b}) = 0`,
      ],
      [
        SYS.statx,
        [3, "", AT.EMPTY_PATH, 0x7ff, B],
        `statx(3,"",AT_EMPTY_PATH,STATX_BASIC_STATS,${b}) = 0`,
      ],
      [
        SYS.statx,
        [AT.FDCWD, dir, AT.NO_AUTOMOUNT, 1, B],
        `statx(AT_FDCWD,"${dir}",AT_NO_AUTOMOUNT,STATX_TYPE,${b}) = 0`,
      ],
      [SYS.close, [3], "close(3) = 0"],
      [SYS.close, [77], "close(77) = -1 errno=9 (Bad file descriptor)"],
      [SYS.brk, [0], "brk(NULL) = 0x00100000"],
      [SYS.brk, [HEAP + 0x2000], "brk(0x00102000) = 0x00102000"],
      [
        SYS.mmap2,
        [0, 8192, RW, MAP.PRIVATE | MAP.ANONYMOUS, -1, 0],
        "mmap2(NULL,8192,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0) = 0x60000000",
      ],
      [
        SYS.mprotect,
        [MMAP_BASE, 4096, 7],
        "mprotect(0x60000000,4096,PROT_EXEC|PROT_READ|PROT_WRITE) = 0",
      ],
      [SYS.mprotect, [MMAP_BASE, 4096, 0], "mprotect(0x60000000,4096,PROT_NONE) = 0"],
      [
        SYS.munmap,
        [MMAP_BASE + 1, 4096],
        "munmap(0x60000001,4096) = -1 errno=22 (Invalid argument)",
      ],
      [SYS.munmap, [MMAP_BASE, 8192], "munmap(0x60000000,8192) = 0"],
      [
        SYS.mmap2,
        [0x70000000, 4096, RW, MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED, -1, 0],
        "mmap2(0x70000000,4096,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED,-1,0) = 0x70000000",
      ],
      [
        SYS.mmap2,
        [0x20000, 4096, RW, MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED_NOREPLACE, -1, 0],
        "mmap2(0x00020000,4096,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS|0x100000,-1,0) = -1 errno=17 (File exists)",
      ],
      [
        SYS.mmap2,
        [0, 4096, PROT_READ, MAP.PRIVATE, 0, 0],
        "mmap2(NULL,4096,PROT_READ,MAP_PRIVATE,0,0) = -1 errno=19 (No such device)",
      ],
      [SYS.clock_gettime64, [99, B], `clock_gettime64(0x63,${b}) = -1 errno=22 (Invalid argument)`],
      [SYS.clock_getres_time64, [CLOCK.MONOTONIC, B], "Unknown syscall 406"],
      [SYS.getpid, [], `getpid() = ${Deno.pid}`],
      [SYS.getppid, [], `getppid() = ${Deno.ppid}`],
      [SYS.getuid, [], `getuid() = ${Deno.uid()}`],
      [SYS.uname, [BUF], "uname(0x10000) = 0"],
      [SYS.uname, [0], "uname((nil)) = -1 errno=14 (Bad address)"],
      [SYS.set_tid_address, [BUF], `set_tid_address(65536,0,0,0,0,0) = ${Deno.pid}`],
      [SYS.rt_sigaction, [SIG.INT, B, 0, 8], `rt_sigaction(SIGINT,${b},NULL) = 0`],
      [SYS.rt_sigaction, [SIG.ABRT, 0, B, 8], `rt_sigaction(SIGIOT,NULL,${b}) = 0`],
      [
        SYS.rt_sigaction,
        [65, B, 0, 8],
        `rt_sigaction(65,${b},NULL) = -1 errno=22 (Invalid argument)`,
      ],
      [SYS.rt_sigprocmask, [0, B, B + 16, 8], `rt_sigprocmask(SIG_BLOCK,${b},0x00011010) = 0`],
      [SYS.rt_sigprocmask, [2, 0, B, 8], `rt_sigprocmask(SIG_SETMASK,NULL,${b}) = 0`],
      [
        SYS.rt_sigprocmask,
        [-1, B, B, 8],
        `rt_sigprocmask(UNKNOWN,${b},${b}) = -1 errno=22 (Invalid argument)`,
      ],
      [
        SYS.ioctl,
        [1, IOCTL.TCGETS, B],
        `ioctl(1,TCGETS,${b}) = -1 errno=25 (Inappropriate ioctl for device)`,
      ],
      [
        SYS.ioctl,
        [1, IOCTL.TIOCGWINSZ, 0],
        "ioctl(1,TIOCGWINSZ,NULL) = -1 errno=25 (Inappropriate ioctl for device)",
      ],
      [SYS.getrandom, [B, 16, 0], "getrandom(0x11000,16,0) = 16"],
      [
        SYS.readlinkat,
        [AT.FDCWD, "/proc/self/exe", B, 100],
        `readlinkat(AT_FDCWD,"/proc/self/exe",${b},100) = ${Deno.realPathSync(dir).length + 5}`,
      ],
      [SYS.faccessat, [AT.FDCWD, dir, 4, 0], `faccessat(AT_FDCWD,"${dir}",R_OK,0) = 0`],
      [SYS.faccessat, [AT.FDCWD, dir, 0, 0], `faccessat(AT_FDCWD,"${dir}",F_OK,0) = 0`],
      [
        SYS.faccessat2,
        [AT.FDCWD, dir, 3, AT.EACCESS],
        `faccessat2(AT_FDCWD,"${dir}",W_OK|X_OK,AT_EACCESS) = 0`,
      ],
      [
        SYS.faccessat,
        [AT.FDCWD, dir, 8, 0],
        `faccessat(AT_FDCWD,"${dir}",0x8,0) = -1 errno=22 (Invalid argument)`,
      ],
      [SYS.getcwd, [0, 200], "getcwd((nil),200) = -1 errno=14 (Bad address)"],
      [SYS.getcwd, [B, 2], "getcwd(0x11000,2) = -1 errno=34 (Numerical result out of range)"],
      [SYS.mkdirat, [AT.FDCWD, `${dir}/d`, 0o755], `mkdirat(AT_FDCWD,"${dir}/d",0755) = 0`],
      [
        SYS.unlinkat,
        [AT.FDCWD, `${dir}/d`, AT.REMOVEDIR],
        `unlinkat(AT_FDCWD,"${dir}/d",AT_REMOVEDIR) = 0`,
      ],
      [
        SYS.unlinkat,
        [AT.FDCWD, `${dir}/d`, 1],
        `unlinkat(AT_FDCWD,"${dir}/d",0x1) = -1 errno=22 (Invalid argument)`,
      ],
      [SYS.prlimit64, [0, 3, 0, BUF], "prlimit64(0,3,0,65536,0,0) = 0"],
      [SYS.sched_getaffinity, [0, 128, BUF], "sched_getaffinity(0,128,65536,0,0,0) = 4"],
      [SYS.kill, [0, 0], "kill(0,0) = 0"],
      [SYS.tgkill, [0, 0, 0], "tgkill(0,0,0) = -1 errno=22 (Invalid argument)"],
      [SYS.kill, [0, -1], "kill(0,4294967295) = -1 errno=22 (Invalid argument)"],
    ];
    for (const [num, args, expected] of cases) {
      g.strace.length = 0;
      g.sys.call(num, args.map((a) => (typeof a === "string" ? g.str(BUF, a) : a)), 0);
      assertEquals(g.strace, [`${Deno.pid} ${expected}`]);
    }

    g.strace.length = 0;
    assertEquals(g.sys.call(SYS.riscv_flush_icache, [0, 0, 0], 0), 0);
    assertEquals(g.sys.call(SYS.clock_gettime64, [CLOCK.REALTIME, B], 0), 0);
    const [sec, nsec] = [g.view(B, 16).getBigInt64(0, true), g.view(B, 16).getBigInt64(8, true)];
    assertEquals(g.strace, [
      `${Deno.pid} clock_gettime64(CLOCK_REALTIME,${b}) = 0 ({tv_sec = ${sec},tv_nsec = ${nsec}})`,
    ]);
    g.sys.close();
  });
});

Deno.test("call() traces the descriptor and process syscalls in the format of qemu-riscv32 -strace", () => {
  const g = guest();
  // Each line as qemu-riscv32 7.2 printed it for the same call (on fd 1, a pipe there).
  const cases: [number, number[], string][] = [
    [SYS.dup, [-1], "dup(-1) = -1 errno=9 (Bad file descriptor)"],
    [SYS.dup3, [-1, -2, -3], "dup3(-1,-2,-3) = -1 errno=22 (Invalid argument)"],
    [SYS.fcntl64, [1, 1030, -1], "fcntl64(1,F_DUPFD_CLOEXEC,-1) = -1 errno=22 (Invalid argument)"],
    [SYS.fcntl64, [-1, 10, 5], "fcntl64(-1,F_SETSIG,5,) = -1 errno=9 (Bad file descriptor)"],
    [SYS.fcntl64, [1, 8, 0], "fcntl64(1,F_SETOWN,0,) = 0"],
    [SYS.fcntl64, [1, 11, 5], "fcntl64(1,F_GETSIG) = 0"],
    [SYS.fcntl64, [1, 1025, 0], "fcntl64(1,F_GETLEASE) = 2"],
    [
      SYS.fcntl64,
      [1, 1033, 0],
      "fcntl64(1,F_ADD_SEALS,0x00000000) = -1 errno=22 (Invalid argument)",
    ],
    [SYS.fcntl64, [1, 1034, 5], "fcntl64(1,F_GET_SEALS) = -1 errno=22 (Invalid argument)"],
    [SYS.fcntl64, [1, 1026, 5], "fcntl64(1,F_NOTIFY,5) = -1 errno=20 (Not a directory)"],
    [SYS.fcntl64, [1, 36, 0], "fcntl64(1,F_OFD_GETLK,NULL) = -1 errno=14 (Bad address)"],
    [SYS.fcntl64, [1, 16, 0], "fcntl64(1,F_GETOWN_EX,NULL) = -1 errno=14 (Bad address)"],
    [SYS.fcntl64, [1, 14, 0], "fcntl64(1,F_SETLKW64,NULL) = -1 errno=14 (Bad address)"],
    [SYS.fcntl64, [1, 17, 0], "fcntl64(1,17,NULL) = -1 errno=22 (Invalid argument)"],
    [SYS.umask, [-1], `umask(037777777777) = ${Deno.umask()}`],
    [SYS.umask, [0o22], "umask(022) = 511"],
    [
      SYS.madvise,
      [0x10000, -1, -1],
      "madvise(0x00010000,-1,0xffffffff) = -1 errno=22 (Invalid argument)",
    ],
    [SYS.madvise, [0x10000, 4096, 21], "madvise(0x00010000,4096,MADV_PAGEOUT) = 0"],
    [SYS.setpgid, [0, -1], "setpgid(0,4294967295) = -1 errno=22 (Invalid argument)"],
    [SYS.getpgid, [-5], "getpgid(4294967291) = -1 errno=3 (No such process)"],
    [SYS.getsid, [-5], "getsid(-5) = -1 errno=3 (No such process)"],
    [SYS.sigaltstack, [1, -1], "sigaltstack(0x1,0xffffffff) = -1 errno=14 (Bad address)"],
    [SYS.sched_yield, [1, 2, 3], "sched_yield(1,2,3,0,0,0) = 0"],
    [SYS.membarrier, [0, 1], "membarrier(0,1,0,0,0,0) = -1 errno=22 (Invalid argument)"],
  ];
  for (const [num, args, expected] of cases) {
    g.strace.length = 0;
    g.sys.call(num, args, 0);
    assertEquals(g.strace, [`${Deno.pid} ${expected}`]);
  }
});

Deno.test("traceFiltered() traces a skipped syscall with the filter's result, marked filtered", () => {
  const g = guest();
  const pid = Deno.pid;
  g.sys.traceFiltered(SYS.write, [1, g.str(BUF, "hi"), 2], 2);
  g.sys.traceFiltered(SYS.openat, [AT.FDCWD, BUF, O.RDONLY, 0], -2);
  g.sys.traceFiltered(500, [], 0);
  g.sys.traceFiltered(SYS.riscv_flush_icache, [0, 0, 0], 0);
  assertEquals(g.strace, [
    `${pid} write(1,0x10000,2) = 2 (filtered)`,
    `${pid} openat(AT_FDCWD,"hi",O_RDONLY) = -1 errno=2 (No such file or directory) (filtered)`,
    `${pid} Unknown syscall 500 (filtered)`,
  ]);
  assertEquals(g.stdout, [], "nothing ran");
});

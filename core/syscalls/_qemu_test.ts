/**
 * The added syscalls against the oracle: a probe program runs under `qemu-riscv32 -strace` and
 * under `rvplug --strace`, and the traces (pids masked), the standard output and the exit status
 * must agree. Skipped, with a printed reason, without qemu-riscv32 or the cross toolchain.
 */

import { assert, assertEquals } from "@std/assert";
import { crossAssemble } from "../../tests/_asm.ts";
import { runCli } from "../../tests/_cli.ts";
import { tempDir } from "../../tests/_files.ts";
import { runQemu } from "../../tests/_qemu.ts";
import { skipReason } from "../../tests/_tools.ts";

/**
 * Makes two traces comparable: the pid (the first field of the first line) becomes PID, the
 * result of `times` (clock ticks since the host's boot under QEMU) becomes TICKS, and the CLI's
 * own report of the fatal signal, which QEMU does not print for SIGPIPE, is dropped.
 */
function normalize(stderr: string): string {
  const pid = /^(\d+) /.exec(stderr)?.[1];
  return stderr.split("\n")
    .filter((line) => !line.startsWith("rvplug: "))
    .map((line) => (pid ? line.replaceAll(new RegExp(`\\b${pid}\\b`, "g"), "PID") : line))
    .map((line) => line.replace(/^(PID times\(.*\)) = -?\d+$/, "$1 = TICKS"))
    .join("\n");
}

Deno.test({
  name: "call() answers as qemu-riscv32 does when a probe program runs the added syscalls",
  ignore: skipReason("qemu", "cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(PROBE))!;
    const file = `${tempDir()}/probe.tmp`;
    const qemu = await runQemu(elf, [file], { qemuArgs: ["-strace"] });
    const ours = await runCli(["--strace", elf, file]);
    assertEquals(normalize(ours.stderr), normalize(qemu.stderr));
    assertEquals(ours.stdout, qemu.stdout);
    // The probe ends writing to a pipe without readers, with SIGPIPE back to its default action.
    assertEquals([ours.status, qemu.status], [141, 141]);
    for (const call of ["dup3(", "fcntl64(", "pipe2(", "prctl(", "setsid()", "membarrier("]) {
      assert(qemu.stderr.includes(call), `the probe calls ${call}`);
    }
  },
});

/** The probe: each syscall's result shows in the trace or in `results`, written to stdout. */
const PROBE = String
  .raw`# A probe of the syscalls that qemu-riscv32 and rvplug must answer alike. The results of the
# syscalls QEMU's strace shows without one (futex, clock_nanosleep, ppoll, nanosleep) are saved
# with the save macro and written to stdout at the end, with the memory that other syscalls fill.
# argv[1] names a file to create and remove. No linker relaxation: gp is not set up.
.option norelax
.macro args a0=0, a1=0, a2=0, a3=0, a4=0, a5=0
  li a0, \a0
  li a1, \a1
  li a2, \a2
  li a3, \a3
  li a4, \a4
  li a5, \a5
.endm
.macro sys n, a0=0, a1=0, a2=0, a3=0, a4=0, a5=0
  args \a0, \a1, \a2, \a3, \a4, \a5
  li a7, \n
  ecall
.endm
.macro save
  sw a0, 0(s1)
  addi s1, s1, 4
.endm
# Like sys, with a1 (or a0, a2, a3) the address of a symbol.
.macro sys_a1 n, a0, sym, a2=0, a3=0, a4=0
  args \a0, 0, \a2, \a3, \a4
  la a1, \sym
  li a7, \n
  ecall
.endm
.macro sys_a0 n, sym, a1=0, a2=0, a3=0, a4=0
  args 0, \a1, \a2, \a3, \a4
  la a0, \sym
  li a7, \n
  ecall
.endm
.macro sys_a2 n, a0, a1, sym, a3=0
  args \a0, \a1, 0, \a3
  la a2, \sym
  li a7, \n
  ecall
.endm
.macro sys_a3 n, sym0, a1, a2, sym3, a4=0, a5=0
  args 0, \a1, \a2, 0, \a4, \a5
  la a0, \sym0
  la a3, \sym3
  li a7, \n
  ecall
.endm
.macro sys_a02 n, sym0, a1, sym2, a3=0, a4=0
  args 0, \a1, 0, \a3, \a4
  la a0, \sym0
  la a2, \sym2
  li a7, \n
  ecall
.endm
.macro sys_a3x n, a0, a1, a2, sym3
  args \a0, \a1, \a2
  la a3, \sym3
  li a7, \n
  ecall
.endm
.macro out sym, len
  sys_a1 64, 1, \sym, \len
.endm

.globl _start
_start:
  lw s0, 8(sp)                     # argv[1]: a file to create
  la s1, results
  sys 124                          # sched_yield
  # dup, dup3, fcntl64
  sys 23, -1
  sys 23, 1
  sys 24, 1, 1, 0
  sys 24, 1, 5, 0x80000
  sys 24, 99, 7, 0
  sys 24, 1, -1, 0
  sys 24, 1, 6, 1
  sys 25, 5, 1
  sys 25, 1, 1
  sys 25, 1, 2, 1
  sys 25, 1, 1
  sys 25, 1, 2, 0
  sys 25, 1, 0, 60
  sys 25, 1, 1030, 70
  sys 25, 70, 1
  sys 25, 1, 999
  sys 25, 99, 1
  sys 25, 1, 0, -1
  sys 25, 0, 3
  sys 25, 1, 3
  sys 25, 1, 1025
  sys 57, 3
  sys 57, 5
  sys 57, 60
  sys 57, 70
  # umask
  sys 166, 022
  sys 166, 01777
  sys 166, 022
  # madvise on a fixed anonymous page
  sys 222, 0x50000000, 4096, 3, 0x32, -1, 0
  li t0, 0x55
  li t1, 0x50000000
  sw t0, 0(t1)
  sys 233, 0x50000000, 4096, 4
  li t1, 0x50000000
  lw t0, 0(t1)
  sw t0, 0(s1)
  addi s1, s1, 4
  sys 233, 0x50000001, 4096, 4
  sys 233, 0x50000000, 0, 100
  sys 233, 0x50000000, 4096, 3
  sys 233, 0x50000000, 4096, 100
  sys 233, 0x50000000, -1, 8
  # limits
  sys_a1 163, 3, buf
  sys_a1 163, 99, buf
  sys 164, 3, 0
  sys_a1 164, 3, rlim
  sys_a3x 261, 0, 3, 0, buf
  # pipes
  sys_a0 59, fds, 1
  sys_a0 59, fds, 0
  sys_a1 64, 4, pmsg, 10
  sys 25, 3, 3
  sys 25, 4, 3
  sys_a1 63, 3, buf, 100
  out buf, 10
  sys 63, 4, 0, 0
  sys 64, 3, 0, 0
  sys 25, 3, 1032
  sys 25, 3, 1031, 5000
  sys_a0 59, fds, 0x80800
  sys_a1 63, 5, buf, 100
  sys 25, 5, 3
  sys 25, 5, 1
  sys_a02 414, pollfds, 5, ts0, 0, 8
  save
  out pollfds, 40
  sys 57, 6
  sys_a1 63, 5, buf, 100
  sys 57, 5
  sys_a1 134, 13, ign, 0, 8
  sys 57, 3
  sys_a1 64, 4, pmsg, 10
  # prctl
  sys 167, 9999
  sys_a1 167, 15, longname
  sys_a1 167, 16, name
  out name, 16
  sys 167, 3
  sys 167, 4, 5
  sys 167, 21
  sys 167, 2, 0
  sys 167, 39
  # sysinfo, getrusage, times
  sys_a0 179, buf
  sys 179, 0
  sys_a1 165, 0, buf
  sys_a1 165, -1, buf
  sys_a1 165, 2, buf
  sys 165, 0, 0
  sys_a0 153, buf
  sys 153, 0
  # sessions and groups
  sys 155, 0
  sys 156, 0
  sys 157
  sys 155, 0
  sys 156, 0
  sys 154, 0, 0
  sys 155, -1
  sys 156, -5
  sys 154, 0, -1
  sys 154, 1, 0
  # membarrier
  sys 283, 8, 0
  sys 283, 16, 0
  sys 283, 8, 0
  sys 283, 1, 0
  sys 283, 0, 1
  sys 283, 1024, 0
  # futex
  sys_a0 422, word, 1, 0
  save
  sys_a0 422, word, 0x81, 5
  save
  sys_a0 422, word, 0, 4
  save
  sys_a3 422, word, 0x80, 5, ts1ms
  save
  sys_a0 422, word, 9, 5, 0
  save
  sys_a0 422, word, 99, 5
  save
  sys_a3 422, word, 0x100, 5, ts1ms
  save
  sys_a3 422, word, 0, 5, badts
  save
  # clock_nanosleep, and nanosleep (which riscv32 lacks)
  sys_a2 407, 1, 0, ts1ms
  save
  sys_a2 407, 1, 0, badts
  save
  sys_a2 407, 99, 0, ts1ms
  save
  sys_a2 407, 5, 0, ts1ms
  save
  sys_a2 407, 1, 1, ts1ms
  save
  sys 407, 0, 0, 0
  save
  sys_a0 101, ts1ms
  save
  # scheduling
  sys 120, 0
  sys 120, -1
  sys_a1 121, 0, buf
  sys 121, 0, 0
  sys 125, 1
  sys 126, 1
  sys 125, 0
  sys 125, 99
  # sigaltstack
  sys_a1 132, 0, oss
  out oss, 12
  sys_a0 132, ss
  sys_a0 132, ss_small
  sys_a0 132, ss_bad
  sys_a1 132, 0, oss
  out oss, 12
  sys_a0 132, ss_off
  # getresuid, getresgid
  sys 148, 0, 0, 0
  # a file: umask, status flags, locks
  sys 166, 0
  li a0, -100
  mv a1, s0
  li a2, 0x641                     # O_WRONLY|O_CREAT|O_TRUNC|O_APPEND
  li a3, 0666
  li a7, 56
  ecall
  sys 166, 022
  sys_a1 80, 3, buf
  out buf+16, 4
  sys 25, 3, 3
  sys 25, 3, 4, 0x800
  sys 25, 3, 3
  sys_a2 25, 3, 12, lock
  out lock, 2
  sys_a2 25, 3, 13, lock
  sys_a2 25, 3, 13, rdlock
  sys 57, 3
  li a0, -100
  mv a1, s0
  li a2, 0
  li a7, 35
  ecall
  # QEMU leaks the host pipe of a pipe2 that fails with EFAULT: last, not to shift descriptors
  sys 59, 0, 0
  # results, then SIGPIPE back to its default and a fatal write to the broken pipe
  la a1, results
  sub a2, s1, a1
  li a0, 1
  li a7, 64
  ecall
  sys_a1 134, 13, dfl, 0, 8
  sys_a1 64, 4, pmsg, 10
  sys 93, 0

.data
.balign 8
zero: .word 0
word: .word 5
ts0: .dword 0, 0
ts1ms: .dword 0, 1000000
badts: .dword 0, 1000000000
rlim: .word 0x100000, 0x200000
fds: .space 16
pollfds: .word 3, 1, 4, 4, 9, 1, -1, 1, 1, 4
ign: .word 1, 0, 0, 0
dfl: .word 0, 0, 0, 0
pmsg: .ascii "pipe data\n"
longname: .asciz "abcdefghijklmnopqrstuvwxyz"
name: .space 16
oss: .space 12
ss: .word 0x50000000, 0, 8192
ss_small: .word 0x50000000, 0, 100
ss_bad: .word 0x50000000, 5, 8192
ss_off: .word 0, 2, 0
.balign 8
lock: .half 1, 0
  .word 0
  .dword 0, 0
  .word 0, 0
rdlock: .half 0, 0
  .word 0
  .dword 0, 0
  .word 0, 0
buf: .space 256
results: .space 512
`;

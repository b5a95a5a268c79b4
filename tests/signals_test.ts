/**
 * Guest signal handlers against qemu-riscv32: each mode of examples/signals.c (kill, tgkill,
 * masks and pending signals, SA_NODEFER, SA_RESETHAND, sigaltstack, handled SIGSEGV/SIGTRAP/
 * SIGILL, longjmp out of a handler, abort, SIGPIPE, the interval timer) must print the same,
 * exit the same, and, counted by an instruction count plugin on both sides, run the same
 * number of instructions (a faulting instruction counts once, on both). The interval timer also
 * cuts short a read of stdin (a pipe the test holds open: EINTR, or with SA_RESTART the read goes
 * on and gets what the test writes after the handler ran) and a sleep, on both. Runs are bounded
 * (an instruction limit in process, a timeout for children) so a hang fails fast.
 *
 * Real-time signals (examples/rtqueue.c) queue: against Linux itself (the same program built for
 * the host) and against qemu-riscv32 where qemu gets them right (see below).
 */

import { assertEquals } from "@std/assert";
import { drive, qemuCommand, rvplugCommand } from "./_child.ts";
import { exampleElf, REPO_ROOT, tempDir } from "./_files.ts";
import { runGuest } from "./_guest.ts";
import { runQemu } from "./_qemu.ts";
import { runCommand, skipReason } from "./_tools.ts";
import { runWithPlugins } from "../testing.ts";

const SIGNALS = exampleElf("signals");
const ignore = skipReason("qemu", "gcc") !== undefined;
/** Far more than any mode runs: a guest that loops for ever stops there. */
const MAX_INSNS = 2e9;
/** How long qemu may take for one mode, on a loaded machine. */
const QEMU_TIMEOUT_MS = 60_000;

/** `promise`, or a clear failure after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Modes, and whether their instruction count is deterministic (the timer's is not). */
const MODES: [string, boolean][] = [
  ["handler", true],
  ["mask", true],
  ["nodefer", true],
  ["defer", true],
  ["resethand", true],
  ["altstack", true],
  ["segv", true],
  ["longjmp", true],
  ["ebreak", true],
  ["illegal", true],
  ["abort", true],
  ["pipe", true],
  ["alarm", false],
];

for (const [mode, counted] of MODES) {
  Deno.test({
    name: `signals ${mode}: handlers run as under qemu-riscv32 (output, status, instructions)`,
    ignore,
    async fn() {
      const qemu = await within(
        runQemu(SIGNALS, [mode], { icount: counted }),
        QEMU_TIMEOUT_MS,
        `qemu-riscv32 signals.elf ${mode}`,
      );
      const ours = await runWithPlugins(SIGNALS, [`${REPO_ROOT}/plugins/insn.ts`], {
        args: [mode],
        maxInsns: MAX_INSNS,
      });
      assertEquals(ours.stdout, qemu.stdout, "stdout");
      assertEquals(ours.status, qemu.status, "exit status");
      if (counted) assertEquals(ours.log, `insns: ${qemu.insns}\n`, "instructions");
      // The interpreter delivers the same way.
      const interp = runGuest(SIGNALS, { args: [mode], engine: "interp", maxInsns: MAX_INSNS });
      assertEquals([interp.stdout, interp.status], [qemu.stdout, qemu.status], "interpreter");
      if (counted && mode !== "alarm") assertEquals(interp.instret, ours.instret, "instret");
    },
  });
}

/** Blocking calls the interval timer cuts short, and whether the test writes after the handler. */
const BLOCKING: [string[], boolean][] = [
  [["alarm-read"], false],
  [["alarm-read", "restart"], true],
  [["alarm-sleep"], false],
  [["alarm-sleep", "restart"], false],
];

for (const [args, write] of BLOCKING) {
  Deno.test({
    name: `signals ${args.join(" ")}: the timer interrupts the call as under qemu-riscv32`,
    ignore,
    async fn() {
      const converse = (cmd: [string, string[]]) => {
        let wrote = false;
        return drive(cmd[0], cmd[1], async (out, child) => {
          if (write && !wrote && out.includes("handler 14")) {
            wrote = true;
            await child.write("late\n");
          }
        });
      };
      const qemu = await converse(qemuCommand(SIGNALS, args, ["-strace"]));
      const ours = await converse(rvplugCommand(SIGNALS, args, ["--strace"]));
      assertEquals([ours.out, ours.code], [qemu.out, qemu.code]);
      // The interrupted call and the signal, as -strace shows them (pids and stack addresses
      // apart: the environment, which the stack holds, differs).
      const traced = (stderr: string) =>
        stderr.split("\n").filter((l) => /^\d+ (read|clock_nanosleep)\(|^--- SIGALRM/.test(l))
          .map((l) => l.replace(/^\d+ /, "").replaceAll(/0x4[0-9a-f]{7}/g, "STACK"));
      assertEquals(traced(ours.stderr), traced(qemu.stderr));
      assertEquals(qemu.out.split("\n")[0], "handler 14", "the timer fired first");
    },
  });
}

const RTQUEUE = exampleElf("rtqueue");

/** examples/rtqueue.c built for the host, where the kernel itself delivers (built once). */
const nativeRtqueue = (() => {
  let built: Promise<string> | undefined;
  return () =>
    built ??= (async () => {
      const exe = `${tempDir("rtqueue_")}/rtqueue`;
      const cc = await runCommand("gcc", ["-O2", "-o", exe, "examples/rtqueue.c"], {
        cwd: REPO_ROOT,
        clearEnv: false,
      });
      if (!cc.success) throw new Error(`gcc rtqueue.c: ${new TextDecoder().decode(cc.stderr)}`);
      return exe;
    })();
})();

for (const args of [[], ["nest"]]) {
  Deno.test({
    name: `rtqueue${
      args.map((a) => ` ${a}`).join("")
    }: real-time signals queue and come in Linux's order`,
    ignore: skipReason("gcc") !== undefined || Deno.build.os !== "linux",
    async fn() {
      const linux = await runCommand(await nativeRtqueue(), args, {
        cwd: REPO_ROOT,
        clearEnv: true,
      });
      const ours = runGuest(RTQUEUE, { args, maxInsns: MAX_INSNS });
      const linuxOut = new TextDecoder().decode(linux.stdout);
      assertEquals([ours.stdout, ours.status], [linuxOut, linux.code]);
      // Each real-time signal sent came, with its value; SIGUSR1, sent 3 times, once.
      assertEquals(linuxOut.split("\n").filter((l) => l.startsWith("signal ")).length, 6);
      const interp = runGuest(RTQUEUE, { args, engine: "interp", maxInsns: MAX_INSNS });
      assertEquals([interp.stdout, interp.status], [linuxOut, linux.code], "interpreter");
    },
  });
}

Deno.test({
  // Without "nest", qemu-riscv32 7.2 delivers in another order than Linux: it holds one signal
  // of each number itself and leaves the others to the host kernel, so the thread-directed
  // signal (rt_tgsigqueueinfo), which Linux takes first, comes third.
  name: "rtqueue nest: real-time signals as under qemu-riscv32 (output, status, instructions)",
  ignore,
  async fn() {
    const qemu = await within(
      runQemu(RTQUEUE, ["nest"], { icount: true }),
      QEMU_TIMEOUT_MS,
      "qemu-riscv32 rtqueue.elf nest",
    );
    const ours = await runWithPlugins(RTQUEUE, [`${REPO_ROOT}/plugins/insn.ts`], {
      args: ["nest"],
      maxInsns: MAX_INSNS,
    });
    assertEquals([ours.stdout, ours.status], [qemu.stdout, qemu.status]);
    assertEquals(ours.log, `insns: ${qemu.insns}\n`, "instructions");
  },
});

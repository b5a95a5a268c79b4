/**
 * Guest signal handlers against qemu-riscv32: each mode of examples/signals.c (kill, tgkill,
 * masks and pending signals, SA_NODEFER, SA_RESETHAND, sigaltstack, handled SIGSEGV/SIGTRAP/
 * SIGILL, longjmp out of a handler, abort, SIGPIPE, the interval timer) must print the same,
 * exit the same, and, counted by an instruction count plugin on both sides, run the same
 * number of instructions (a faulting instruction counts once, on both).
 */

import { assertEquals } from "@std/assert";
import { exampleElf, REPO_ROOT } from "./_files.ts";
import { runGuest } from "./_guest.ts";
import { runQemu } from "./_qemu.ts";
import { skipReason } from "./_tools.ts";
import { runWithPlugins } from "../testing.ts";

const SIGNALS = exampleElf("signals");
const ignore = skipReason("qemu", "gcc") !== undefined;

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
      const qemu = await runQemu(SIGNALS, [mode], { icount: counted });
      const ours = await runWithPlugins(SIGNALS, [`${REPO_ROOT}/plugins/insn.ts`], {
        args: [mode],
      });
      assertEquals(ours.stdout, qemu.stdout, "stdout");
      assertEquals(ours.status, qemu.status, "exit status");
      if (counted) assertEquals(ours.log, `insns: ${qemu.insns}\n`, "instructions");
      // The interpreter delivers the same way.
      const interp = runGuest(SIGNALS, { args: [mode], engine: "interp" });
      assertEquals([interp.stdout, interp.status], [qemu.stdout, qemu.status], "interpreter");
      if (counted && mode !== "alarm") assertEquals(interp.instret, ours.instret, "instret");
    },
  });
}

/**
 * Tests of plugins/syscall.ts: the statistics of hello and of the syscalls example, whose calls
 * and errors are known, and output against QEMU 7.2 running tests/qemu_plugins/syscall.c.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { exampleElf, HELLO, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("syscall");
const SYSCALLS = exampleElf("syscalls");

Deno.test("syscall counts hello's one write (stdout is flushed once) and exit_group", async () => {
  const r = await runWithPlugins(HELLO, [PLUGIN]);
  assertEquals(r.log, "syscall no.  calls  errors\n64           1      0\n94           1      0\n");
  const named = await runWithPlugins(HELLO, [`${PLUGIN},names=on`]);
  assertEquals(
    named.log,
    "syscall no.  calls  errors  name\n" +
      "64           1      0       write\n" +
      "94           1      0       exit_group\n",
  );
  const printed = await runWithPlugins(HELLO, [`${PLUGIN},print=on`]);
  assertEquals(
    printed.log,
    `syscall #64\nsyscall #64 returned -> ${r.stdout.length}\nsyscall #94\n`,
  );
});

Deno.test("syscall counts calls and errors of the syscalls example", async () => {
  const r = await runWithPlugins(SYSCALLS, [PLUGIN]);
  // brk grows and shrinks; write to a bad descriptor fails (-9), syscall 4000 fails (-38) and
  // close of a bad descriptor fails.
  const rows = Object.fromEntries(
    r.log.split("\n").slice(1, -1).map((l) => [l.split(/ +/)[0], l.split(/ +/).slice(1).join(" ")]),
  );
  assertEquals(rows["214"], "4 0");
  assertEquals(rows["64"], "3 1");
  assertEquals(rows["4000"], "1 1");
  assertEquals(rows["94"], "1 0");
});

Deno.test({
  name: "syscall prints what QEMU's syscall plugin prints",
  ignore: skipReason("qemu", "gcc") !== undefined,
  fn: async () => {
    // QEMU leaves syscalls called equally often in hash order: compare the rows as sets.
    const rows = (log: string) => [log.split("\n")[0], ...log.split("\n").slice(1).sort()];
    for (const elf of [HELLO, SYSCALLS]) {
      const { ours, qemu } = await runWithOracle("syscall", "", elf);
      assertEquals(rows(ours.log), rows(qemu.log), elf);
      // getpid (172) and gettid (178) return the host's pid under qemu.
      const pids = (log: string) => log.replace(/(#17[28] returned -> )\d+/g, "$1PID");
      const printed = await runWithOracle("syscall", ",print=on", elf);
      assertEquals(pids(printed.ours.log), pids(printed.qemu.log), `${elf},print=on`);
    }
  },
});

Deno.test("syscall rejects an unknown argument, naming it", async () => {
  await assertRejectsArgs(PLUGIN, HELLO, [["bogus=1", "bogus"], ["print=2", "print"]]);
});

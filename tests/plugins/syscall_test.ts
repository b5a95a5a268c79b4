/**
 * Tests of plugins/syscall.ts: the statistics of hello and of the syscalls example, whose calls
 * and errors are known, and output against QEMU 7.2 running tests/qemu_plugins/syscall.c.
 */

import { assertEquals, assertRejects } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { buildQemuPlugin, QEMU, REPO_ROOT, skipReason, tempDir } from "../_helpers.ts";

const PLUGIN = new URL("../../plugins/syscall.ts", import.meta.url).href;
const HELLO = `${REPO_ROOT}/examples/build/hello.elf`;
const SYSCALLS = `${REPO_ROOT}/examples/build/syscalls.elf`;

/** What the QEMU oracle plugin `name` prints (to the `-d plugin` log) for `elf`. */
async function qemuLog(name: string, args: string, elf: string): Promise<string> {
  const log = `${tempDir()}/log`;
  const plugin = `${buildQemuPlugin(name)}${args}`;
  await new Deno.Command(QEMU, {
    args: ["-plugin", plugin, "-d", "plugin", "-D", log, elf],
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return Deno.readTextFileSync(log);
}

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
      const ours = await runWithPlugins(elf, [PLUGIN]);
      assertEquals(rows(ours.log), rows(await qemuLog("syscall", "", elf)), elf);
      // getpid (172) and gettid (178) return the host's pid under qemu.
      const pids = (log: string) => log.replace(/(#17[28] returned -> )\d+/g, "$1PID");
      const printed = await runWithPlugins(elf, [`${PLUGIN},print=on`]);
      assertEquals(
        pids(printed.log),
        pids(await qemuLog("syscall", ",print=on", elf)),
        `${elf},print=on`,
      );
    }
  },
});

Deno.test("syscall rejects an unknown argument, naming it", async () => {
  await assertRejects(() => runWithPlugins(HELLO, [`${PLUGIN},bogus=1`]), TypeError, "bogus");
  await assertRejects(() => runWithPlugins(HELLO, [`${PLUGIN},print=2`]), TypeError, "print");
});

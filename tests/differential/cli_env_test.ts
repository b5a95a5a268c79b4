/**
 * The guest environment the command line hands a guest, compared with qemu-riscv32's: the
 * host's variables in qemu's order, changed by -E and -U in command-line order.
 */

import { assertEquals } from "@std/assert";
import { DENO_HOME, runCli } from "../_cli.ts";
import { HELLO } from "../_files.ts";
import { runQemu } from "../_qemu.ts";
import { skipReason } from "../_tools.ts";

Deno.test({
  name: "main() applies -E and -U in command-line order, as qemu-riscv32 does",
  ignore: skipReason("qemu") !== undefined,
  fn: async (t) => {
    const foo = (stdout: string) =>
      stdout.split("\n").filter((l) => l.includes("FOO=")).map((l) =>
        l.replace(/^env\[\d+\]=/, "")
      );
    for (const options of [["-E", "FOO=bar", "-U", "FOO"], ["-U", "FOO", "-E", "FOO=bar"]]) {
      await t.step(options.join(" "), async () => {
        const qemu = await runQemu(HELLO, [], { qemuArgs: options });
        const ours = await runCli([...options, "-U", "HOME", HELLO], { env: [DENO_HOME] });
        assertEquals(foo(ours.stdout), foo(qemu.stdout));
      });
    }
  },
});

Deno.test({
  name: "main() hands the guest the host environment in qemu-riscv32's order",
  ignore: skipReason("qemu") !== undefined,
  fn: async () => {
    const vars = ["A=1", "B=2", "C=3", "D=4", "E=5", "PATH=/usr/bin:/bin"];
    const envLines = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("env["));
    const qemu = await runQemu(HELLO, [], { env: vars });
    // -U takes HOME, which Deno needs, out of the guest's environment again.
    const ours = await runCli(["-U", "HOME", HELLO], { env: [DENO_HOME, ...vars] });
    assertEquals(ours.status, 0, ours.stderr);
    assertEquals(envLines(ours.stdout), envLines(qemu.stdout));
  },
});

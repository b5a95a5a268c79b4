/**
 * Tests of plugins/bb.ts: block and instruction counts on a hand-counted loop and on hello,
 * against `instret` and against QEMU 7.2 running tests/qemu_plugins/bb.c.
 */

import { assertEquals, assertRejects } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import {
  buildQemuPlugin,
  crossAssemble,
  QEMU,
  REPO_ROOT,
  skipReason,
  tempDir,
} from "../_helpers.ts";

const PLUGIN = new URL("../../plugins/bb.ts", import.meta.url).href;
const HELLO = `${REPO_ROOT}/examples/build/hello.elf`;
// Blocks as QEMU cuts them: [li, addi, bnez] once, [addi, bnez] 9 times, [li, li, ecall] once.
const LOOP = `
    .globl _start
_start:
    li   t0, 10
loop:
    addi t0, t0, -1
    bnez t0, loop
    li   a0, 0
    li   a7, 93
    ecall
`;

/** What the QEMU oracle plugin `name` prints (to the `-d plugin` log) for `elf`. */
async function qemuLog(name: string, args: string, elf: string): Promise<string> {
  const log = `${tempDir()}/log`;
  const plugin = `${buildQemuPlugin(name)}${args}`;
  await new Deno.Command(QEMU, {
    args: ["-plugin", plugin, "-d", "plugin", "-D", log, elf],
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).output();
  return Deno.readTextFileSync(log);
}

Deno.test({
  name: "bb counts 11 blocks and 24 instructions on a hand-counted loop",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(LOOP))!;
    for (const inline of ["on", "off"]) {
      const r = await runWithPlugins(elf, [`${PLUGIN},inline=${inline}`]);
      assertEquals(r.instret, 24);
      assertEquals(r.log, "bb's: 11, insns: 24\n");
    }
  },
});

Deno.test("bb counts as many instructions as retire on hello", async () => {
  for (const inline of ["on", "off"]) {
    const r = await runWithPlugins(HELLO, [`${PLUGIN},inline=${inline},idle=on`]);
    const m = /^bb's: (\d+), insns: (\d+)\n$/.exec(r.log);
    assertEquals(Number(m?.[2]), r.instret, r.log);
  }
});

Deno.test({
  name: "bb prints what QEMU's bb plugin prints",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    for (const elf of [HELLO, (await crossAssemble(LOOP))!]) {
      for (const args of [",inline=on", ",inline=off"]) {
        const ours = await runWithPlugins(elf, [PLUGIN + args]);
        assertEquals(ours.log, await qemuLog("bb", args, elf), `${elf}${args}`);
      }
    }
  },
});

Deno.test("bb rejects an unknown argument, naming it", async () => {
  await assertRejects(() => runWithPlugins(HELLO, [`${PLUGIN},bogus=1`]), TypeError, "bogus");
  await assertRejects(() => runWithPlugins(HELLO, [`${PLUGIN},inline=maybe`]), TypeError, "inline");
});

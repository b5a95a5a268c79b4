/**
 * Tests of plugins/mem.ts: exact counts on a hand-made guest whose loads and stores are known,
 * and output against QEMU 7.2 running tests/qemu_plugins/mem.c.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { crossAssemble } from "../_asm.ts";
import { exampleElf, HELLO, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("mem");
const MEMOPS = exampleElf("memops");
// 5 loads (lw, lw, lbu, the read of amoadd, lr) and 3 stores (sw, the write of amoadd, sc).
const ACCESSES = `
    .globl _start
_start:
    la   t0, buf
    lw   t1, 0(t0)
    lw   t1, 4(t0)
    lbu  t1, 8(t0)
    sw   t1, 12(t0)
    li   t2, 1
    amoadd.w t3, t2, (t0)
    lr.w t3, (t0)
    sc.w t4, t2, (t0)
    li   a0, 0
    li   a7, 93
    ecall
    .data
buf: .word 1, 2, 3, 4
`;

Deno.test({
  name: "mem counts the loads and stores of a hand-made guest",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(ACCESSES))!;
    const log = async (args: string) => (await runWithPlugins(elf, [PLUGIN + args])).log;
    assertEquals(await log(""), "mem accesses: 8\n");
    assertEquals(await log(",track=r"), "mem accesses: 5\n");
    assertEquals(await log(",track=w"), "mem accesses: 3\n");
    assertEquals(
      await log(",inline=on,callback=on,haddr=on"),
      "inline mem accesses: 8\ncallback mem accesses: 8\nio accesses: 0\n",
    );
    assertEquals(await log(",callback=on,track=w"), "callback mem accesses: 3\n");
    assertEquals(await log(",inline=off"), "");
  },
});

Deno.test({
  name: "mem prints what QEMU's mem plugin prints",
  ignore: skipReason("qemu", "gcc") !== undefined,
  fn: async () => {
    // Only track=rw: QEMU 7.2 filters track=r and track=w wrongly (on the guest above it counts
    // 3 for r and everything for w); and no sc.w, which QEMU counts as a load and a store.
    for (const elf of [HELLO, MEMOPS]) {
      for (const args of [",inline=on", ",callback=on,haddr=on", ",inline=on,callback=on"]) {
        const { ours, qemu } = await runWithOracle("mem", args, elf);
        assertEquals(ours.log, qemu.log, `${elf}${args}`);
      }
    }
  },
});

Deno.test("mem rejects an unknown argument or track, naming it", async () => {
  await assertRejectsArgs(PLUGIN, HELLO, [["bogus=1", "bogus"], ["track=x", "track"]]);
});

/**
 * Tests of plugins/stoptrigger.ts: exact stops after N instructions and at an address, the exit
 * status chosen, what it prints against QEMU's stoptrigger (the oracle
 * tests/qemu_plugins/stoptrigger.c under qemu-riscv32), and argument errors.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { parseElf } from "../../core/elf.ts";
import { exampleElf, pluginUrl } from "../_files.ts";
import { hex } from "../_guest.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const STOP = pluginUrl("stoptrigger");
const INSN = pluginUrl("insn");
const SORT = exampleElf("bench_sort");
const SORT_ARGS = ["5000"];
/** Instructions bench_sort 5000 runs to its end (examples/README.md). */
const SORT_INSNS = 2_231_002;

const MAIN = parseElf(Deno.readFileSync(SORT), SORT).symbols.find((s) => s.name === "main")!.addr;

Deno.test("stoptrigger stops after exactly icount instructions with the status chosen", async () => {
  const r = await runWithPlugins(SORT, [`${STOP},icount=1000:7`, INSN], { args: SORT_ARGS });
  assertEquals([r.reason, r.status, r.instret], ["exit", 7, 1000]);
  assertEquals(r.stdout, "");
  // The stop ends the run like an exit: the other plugin still reports, and agrees.
  assertEquals(r.log.split("\n").slice(1), ["insns: 1000", ""]);
});

Deno.test("stoptrigger stops exactly for counts from 1 to one before the end", async () => {
  for (const n of [1, 2, 511, 512, 513, 100_000, SORT_INSNS - 1]) {
    const r = await runWithPlugins(SORT, [`${STOP},icount=${n}`], { args: SORT_ARGS });
    assertEquals([r.status, r.instret], [0, n], `icount=${n}`);
    // The next instruction, the one that did not run, is where the machine stopped.
    assertEquals(r.log, `icount reached at ${hex(r.machine.cpu.pc)}, exiting\n`, `icount=${n}`);
  }
  const r = await runWithPlugins(SORT, [`${STOP},icount=${SORT_INSNS}:9`], { args: SORT_ARGS });
  assertEquals([r.status, r.instret, r.log], [0, SORT_INSNS, ""], "a count never reached");
});

Deno.test("stoptrigger stops at an address before its instruction runs", async () => {
  const r = await runWithPlugins(SORT, [`${STOP},addr=0x4:1,addr=${hex(MAIN)}:42`], {
    args: SORT_ARGS,
  });
  assertEquals([r.status, r.machine.cpu.pc, r.log], [42, MAIN, `${hex(MAIN)} reached, exiting\n`]);
  // Exactly the instructions before main ran: the next one after as many is main's first.
  const again = await runWithPlugins(SORT, [`${STOP},icount=${r.instret}`], { args: SORT_ARGS });
  assertEquals(again.log, `icount reached at ${hex(MAIN)}, exiting\n`);
});

Deno.test("stoptrigger takes the first trigger reached, and the last status of an address", async () => {
  const r = await runWithPlugins(SORT, [
    `${STOP},icount=1000000:5,addr=${MAIN}:1,addr=${hex(MAIN)}:2`,
  ], { args: SORT_ARGS });
  assertEquals([r.status, r.machine.cpu.pc], [2, MAIN]);
  const late = await runWithPlugins(SORT, [`${STOP},icount=10:5,addr=${hex(MAIN)}:2`], {
    args: SORT_ARGS,
  });
  assertEquals([late.status, late.instret], [5, 10]);
});

Deno.test("stoptrigger rejects bad arguments, naming them", async () => {
  // The loader reports install errors as TypeError or RangeError, with the plugin's message.
  await assertRejectsArgs(STOP, SORT, [
    ["icount=10,count=3", 'Unknown argument "count"'],
    ["icount=0", '"icount=0": the count must be positive'],
    ["icount=-5", '"icount=-5": expected a number'],
    ["icount=12abc", '"icount=12abc"'],
    ["addr=main", '"addr=main"'],
    ["addr=0x100ce:x", '"addr=0x100ce:x"'],
    ["", 'give an "icount" or an "addr" argument'],
  ], [TypeError, RangeError]);
});

const QEMU_SKIP = skipReason("qemu", "gcc");

Deno.test({
  name: "stoptrigger prints and exits as QEMU's stoptrigger does",
  ignore: QEMU_SKIP !== undefined,
  fn: async () => {
    // Instructions before main, by our count: QEMU must reach main after as many.
    const beforeMain =
      (await runWithPlugins(SORT, [`${STOP},addr=${hex(MAIN)}`], { args: SORT_ARGS })).instret;
    for (
      const args of [
        `icount=${beforeMain}`,
        "icount=1000:7",
        "icount=1",
        "icount=513",
        `icount=${SORT_INSNS - 1}:300`,
        `addr=${hex(MAIN)}:3`,
        `addr=0x4,addr=${hex(MAIN)}`,
        `icount=50,addr=${hex(MAIN)}:4`,
      ]
    ) {
      const { ours, qemu } = await runWithOracle("stoptrigger", `,${args}`, SORT, SORT_ARGS);
      assertEquals(
        [ours.log, ours.status, ours.stdout],
        [qemu.log, qemu.status, qemu.stdout],
        args,
      );
    }
  },
});

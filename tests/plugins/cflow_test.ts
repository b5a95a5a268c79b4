/**
 * Tests of plugins/cflow.ts: taken and not-taken counts of a loop with a known trip count and
 * the destinations of calls and returns, the report of QEMU 7.2 running
 * tests/qemu_plugins/cflow.c on the same guests, and argument errors.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { crossAssemble } from "../_asm.ts";
import { exampleElf, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const CFLOW = pluginUrl("cflow");
const EXITCODE = exampleElf("exitcode");
const SORT = exampleElf("bench_sort");
// A loop of 10 trips (bnez at 0x10008), two calls (0x1000c, 0x10010) of f, whose ret is at
// 0x10020.
const PROG = `
    .option norvc
    .option norelax
    .globl _start
_start:
    li    t0, 10
1:  addi  t0, t0, -1
    bnez  t0, 1b
    jal   f
    jal   f
    li    a0, 0
    li    a7, 93
    ecall
f:  ret
`;

interface Node {
  addr: number;
  branches: number;
  dests: [number, number][];
  notTaken?: number;
}

/** The nodes of a report, in order. */
function parse(report: string): Node[] {
  const nodes: Node[] = [];
  for (const line of report.split("\n")) {
    const m = /^addr: 0x(\w+) |^branches (\d+)$|^to 0x(\w+) \((\d+)\)$|^not taken (\d+)$/
      .exec(line.trim());
    const node = nodes.at(-1)!;
    if (m?.[1]) nodes.push({ addr: parseInt(m[1], 16), branches: 0, dests: [] });
    else if (m?.[2]) node.branches = +m[2];
    else if (m?.[3]) node.dests.push([parseInt(m[3], 16), +m[4]!]);
    else if (m?.[5]) node.notTaken = +m[5];
  }
  return nodes;
}

Deno.test({
  name: "cflow counts the taken and not-taken exits of a loop and the returns of a function",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(PROG))!;
    const r = await runWithPlugins(elf, [`${CFLOW},nottaken=on`]);
    assertEquals(r.log.split("\n")[0], "collected 9 control flow nodes in the hash table");
    assertEquals(parse(r.log), [
      { addr: 0x10008, branches: 9, dests: [[0x10004, 9]], notTaken: 1 },
      { addr: 0x10020, branches: 2, dests: [[0x10010, 1], [0x10014, 1]], notTaken: 0 },
      { addr: 0x1000c, branches: 1, dests: [[0x10020, 1]], notTaken: 0 },
      { addr: 0x10010, branches: 1, dests: [[0x10020, 1]], notTaken: 0 },
    ]);
    const popular = await runWithPlugins(elf, [`${CFLOW},sort=exceptions`]);
    assertEquals(parse(popular.log).map((n) => n.addr), [0x10020, 0x10008, 0x1000c, 0x10010]);
    assertEquals(popular.log.includes("not taken"), false);
  },
});

Deno.test({
  name: "cflow reports the nodes of QEMU's cflow",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    const prog = (await crossAssemble(PROG))!;
    const guests = [[prog, []], [EXITCODE, []], [SORT, ["300"]]] as const;
    for (const [elf, guestArgs] of guests) {
      for (const args of ["", ",sort=exceptions", ",sort=early"]) {
        const { ours, qemu } = await runWithOracle("cflow", args, elf, guestArgs);
        // QEMU picks another of the symbols that share an address (__riscv_restore_N).
        const body = (s: string) =>
          s.split("\n").slice(1).map((l) => l.replace(/^( {2}addr: \w+) \S+:/, "$1"));
        assertEquals(body(ours.log), body(qemu.log), `${elf}${args}`);
        // Each instruction translated is a node; both translate exactly the blocks that run.
        const collected = (s: string) => +s.split(" ")[1]!;
        assertEquals(collected(ours.log), collected(qemu.log), `${elf}${args}`);
      }
    }
  },
});

Deno.test("cflow rejects an unknown argument or sort order", async () => {
  await assertRejectsArgs(CFLOW, EXITCODE, [
    ["foo=1", 'Unknown argument "foo"'],
    ["sort=coldest", 'Cannot parse "sort=coldest"'],
    ["nottaken=1", 'Cannot parse "nottaken=1"'],
  ]);
});

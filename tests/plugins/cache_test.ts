/**
 * Tests of plugins/cache.ts: miss counts of hand-assembled access patterns (a sweep larger than
 * a direct-mapped cache; LRU against FIFO), accesses against instructions retired, the report
 * of QEMU 7.2 running tests/qemu_plugins/cache.c on the same guests, and argument errors.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { crossAssemble } from "../_asm.ts";
import { exampleElf, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const CACHE = pluginUrl("cache");
const MEMOPS = exampleElf("memops");
const EXIT = "li a0, 0; li a7, 93; ecall";
// Two passes of word loads over 2 KiB (32 blocks of 64 bytes); the lw is at 0x10014.
const SWEEP = `
    .option norvc
    .globl _start
_start:
    la    s0, buf
    li    s1, 2
1:  mv    t0, s0
    li    t1, 512
2:  lw    t2, 0(t0)
    addi  t0, t0, 4
    addi  t1, t1, -1
    bnez  t1, 2b
    addi  s1, s1, -1
    bnez  s1, 1b
    ${EXIT}
    .data
    .balign 64
buf: .zero 2048
`;
// Blocks A, B, A, C, A of one 2-way set: LRU evicts B for C, FIFO evicts A.
const ABACA = `
    .globl _start
_start:
    la    s0, buf
    lw    t0, 0(s0)
    lw    t0, 64(s0)
    lw    t0, 0(s0)
    lw    t0, 128(s0)
    lw    t0, 0(s0)
    ${EXIT}
    .data
    .balign 64
buf: .zero 192
`;

/** The numbers of the report's line for core 0: accesses, misses and rates. */
function stats(report: string): number[] {
  return report.split("\n")[1]!.split(/%? +|%$/).filter((s) => s !== "").map(Number).slice(1);
}

/** The report's lines of instructions with misses, without the symbols (QEMU's aliases differ). */
function missLines(report: string): string[] {
  return report.split("\n").filter((l) => /^0x[0-9a-f]+( \(.*\))?, [1-9]/.test(l))
    .map((l) => l.replace(/ \(.*?\),/, ","));
}

Deno.test({
  name: "cache misses each block of a sweep twice the size of a direct-mapped cache",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(SWEEP))!;
    for (const [size, misses] of [[1024, 64], [2048, 32]] as const) {
      const r = await runWithPlugins(elf, [`${CACHE},dcachesize=${size},dassoc=1,dblksize=64`]);
      const [dAccesses, dMisses, dRate, iAccesses] = stats(r.log);
      assertEquals([dAccesses, dMisses, dRate], [1024, misses, misses / 1024 * 100]);
      assertEquals(iAccesses, r.instret);
      assertEquals(missLines(r.log)[0], `0x10014, ${misses}, lw                      t2,0(t0)`);
    }
  },
});

Deno.test({
  name: "cache evicts the least recently used block with lru and the oldest with fifo",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(ABACA))!;
    for (const [evict, misses] of [["lru", 3], ["fifo", 4]] as const) {
      const args = `,dcachesize=128,dassoc=2,evict=${evict}`;
      const r = await runWithPlugins(elf, [CACHE + args]);
      assertEquals(stats(r.log).slice(0, 2), [5, misses]);
    }
    const rand = await runWithPlugins(elf, [`${CACHE},dcachesize=128,dassoc=2,evict=rand`]);
    assertEquals([3, 4].includes(stats(rand.log)[1]!), true);
  },
});

Deno.test({
  name: "cache reports the accesses and misses of QEMU's cache",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    const sweep = (await crossAssemble(SWEEP))!;
    for (const elf of [sweep, MEMOPS]) {
      for (
        const args of [
          ",limit=100000",
          ",limit=100000,dcachesize=1024,dassoc=1,icachesize=1024,iassoc=2,iblksize=32,evict=fifo",
          ",limit=100000,l2=on,l2cachesize=8192,l2assoc=4,dcachesize=512,dassoc=2",
        ]
      ) {
        const { ours, qemu } = await runWithOracle("cache", args, elf);
        const head = (report: string) => report.split("\n").slice(0, 2);
        assertEquals(head(ours.log), head(qemu.log), `${elf}${args}`);
        assertEquals(missLines(ours.log), missLines(qemu.log), `${elf}${args}`);
      }
    }
  },
});

Deno.test("cache rejects an unknown argument and a cache it cannot build", async () => {
  await assertRejectsArgs(CACHE, MEMOPS, [
    ["foo=1", 'Unknown argument "foo"', TypeError],
    ["evict=mru", 'Cannot parse "evict=mru"', TypeError],
    ["dassoc=two", 'Cannot parse "dassoc=two"', TypeError],
    ["dassoc=3", "Cannot build the dcache from the given parameters: cache size must", RangeError],
    [
      "l2cachesize=3145728",
      "Cannot build the L2 cache from the given parameters: block",
      RangeError,
    ],
  ]);
});

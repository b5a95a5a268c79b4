/**
 * Tests of plugins/hotpages.ts: the exact report of a hand-made guest whose accesses per page are
 * known, its totals against plugins/mem.ts, and output against QEMU 7.2 running
 * tests/qemu_plugins/hotpages.c.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { crossAssemble } from "../_asm.ts";
import { HELLO, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("hotpages");
const MEM = pluginUrl("mem");
// Page A: 3 reads and a write; page B: a read and a write; the text page: a read.
const PAGES = `
    .globl _start
_start:
    la   t0, pa
    lw   t1, 0(t0)
    lw   t1, 4(t0)
    lw   t1, 8(t0)
    sw   t1, 0(t0)
    la   t0, pb
    lw   t1, 0(t0)
    sw   t1, 0(t0)
    la   t0, _start
    lw   t1, 0(t0)
    li   a0, 0
    li   a7, 93
    ecall
    .bss
    .balign 4096
pa: .space 4096
pb: .space 4096
`;
const HEADER = "Addr, RCPUs, Reads, WCPUs, Writes";

/** The report's page lines without their addresses (which the linker chooses). */
function counts(log: string): string[] {
  const lines = log.trimEnd().split("\n");
  assertEquals(lines[0], HEADER);
  return lines.slice(1).map((l) => l.replace(/^0x[0-9a-f]{16}, /, ""));
}

Deno.test({
  name: "hotpages counts the reads and writes of each page of a hand-made guest",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(PAGES))!;
    const log = async (args: string) => (await runWithPlugins(elf, [PLUGIN + args])).log;
    // As in QEMU, the last page of the sorted list is never printed. Ties go by address.
    const [a, b, text] = ["0x0001, 3, 0x0001, 1", "0x0001, 1, 0x0001, 1", "0x0001, 1, 0x0000, 0"];
    assertEquals(counts(await log("")), [a, b]);
    assertEquals(counts(await log(",sortby=reads")), [a, text]);
    assertEquals(counts(await log(",sortby=writes")), [a, b]);
    assertEquals(counts(await log(",sortby=address")), [b, a]);
    assertEquals(await log(",io=on"), `${HEADER}\n`);
    // One 64 KiB page holds all three: a single page prints nothing, as in QEMU.
    assertEquals(await log(",pagesize=65536"), `${HEADER}\n`);
    // The totals are mem's, but for the text page's one read, left out.
    const mem = await runWithPlugins(elf, [MEM]);
    assertEquals(mem.log, `mem accesses: ${4 + 2 + 1}\n`);
  },
});

Deno.test({
  name: "hotpages prints what QEMU's hotpages plugin prints",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    const pages = (await crossAssemble(PAGES))!;
    const cases: [string, string][] = [[pages, ""], [pages, ",sortby=address"]];
    for (const args of ["", ",sortby=reads", ",sortby=writes", ",sortby=address", ",io=on"]) {
      cases.push([HELLO, args], [HELLO, `${args},pagesize=256`]);
    }
    for (const [elf, args] of cases) {
      const { ours, qemu } = await runWithOracle("hotpages", args, elf);
      // QEMU orders pages of equal counts by chance, and ties are common in reads or writes
      // alone: there, compare the lines as a set. Both leave out the last page sorted (QEMU's
      // quirk), which among the lowest tied counts is again chance: compare all other rows, and
      // the number of rows.
      if (/sortby=(reads|writes)/.test(args)) {
        const column = args.includes("reads") ? 2 : 4;
        const rows = (log: string) => log.split("\n").filter((l) => l.startsWith("0x"));
        const key = (row: string) => Number(row.split(", ")[column]);
        const lowest = Math.min(...[...rows(ours.log), ...rows(qemu.log)].map(key));
        const decided = (log: string) => rows(log).filter((r) => key(r) !== lowest).sort();
        assertEquals(decided(ours.log), decided(qemu.log), `${elf}${args}`);
        assertEquals(rows(ours.log).length, rows(qemu.log).length, `${elf}${args}`);
      } else {
        assertEquals(ours.log, qemu.log, `${elf}${args}`);
      }
    }
  },
});

Deno.test("hotpages rejects an unknown argument or a bad value, naming it", async () => {
  await assertRejectsArgs(PLUGIN, HELLO, [
    ["bogus=1", "bogus"],
    ["sortby=x", "sortby"],
    ["pagesize=0", "pagesize"],
  ]);
});

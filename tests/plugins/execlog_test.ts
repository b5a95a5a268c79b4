/**
 * Tests of plugins/execlog.ts: the lines of a hand-assembled guest, one line per retired
 * instruction, filters and register tracking, the log of QEMU 7.2 running
 * tests/qemu_plugins/execlog.c on the same guests, and argument errors.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { crossAssemble } from "../_asm.ts";
import { exampleElf, pluginUrl } from "../_files.ts";
import { assertRejectsArgs, runWithOracle } from "../_plugins.ts";
import { skipReason } from "../_tools.ts";

const EXECLOG = pluginUrl("execlog");
const EXITCODE = exampleElf("exitcode");
const MEMOPS = exampleElf("memops");
const PROG = `
    .globl _start
_start:
    .option norvc
    li    a0, 5
    addi  a1, a0, 1
    sw    a1, -4(sp)
    lw    a2, -4(sp)
    .option rvc
    c.li  a0, 0
    li    a7, 93
    ecall
`;

/** The log lines a run wrote. */
const lines = (log: string) => log.split("\n").slice(0, -1);

Deno.test({
  name: "execlog logs pc, opcode, disassembly, memory accesses and register changes",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(PROG))!;
    const r = await runWithPlugins(elf, [`${EXECLOG},reg=a?`]);
    const sp = (r.machine.cpu.x[2]! >>> 0) - 4;
    const addr = "0x" + sp.toString(16).padStart(8, "0");
    assertEquals(lines(r.log), [
      '0, 0x10000, 0x500513, "addi                    a0,zero,5", a0 -> 0x00000005',
      '0, 0x10004, 0x150593, "addi                    a1,a0,1", a1 -> 0x00000006',
      `0, 0x10008, 0xfeb12e23, "sw                      a1,-4(sp)", store, ${addr}`,
      `0, 0x1000c, 0xffc12603, "lw                      a2,-4(sp)", load, ${addr}, a2 -> 0x00000006`,
      '0, 0x10010, 0x4501, "mv                      a0,zero", a0 -> 0x00000000',
      '0, 0x10012, 0x5d00893, "addi                    a7,zero,93", a7 -> 0x0000005d',
      '0, 0x10016, 0x73, "ecall"',
    ]);
    const rdisas = await runWithPlugins(elf, [`${EXECLOG},reg=a2,rdisas=on`]);
    assertEquals(lines(rdisas.log).filter((l) => l.includes(" -> ")), [
      `0, 0x1000c, 0xffc12603, "lw                      a2,-4(sp)", load, ${addr}, a2 -> 0x00000006`,
    ]);
    const filtered = await runWithPlugins(elf, [`${EXECLOG},ifilter=addi,afilter=0x1000c`]);
    assertEquals(lines(filtered.log).map((l) => l.split(",")[1]), [
      " 0x10000",
      " 0x10004",
      " 0x1000c",
      " 0x10012",
    ]);
  },
});

Deno.test("execlog writes one line per retired instruction", async () => {
  const r = await runWithPlugins(EXITCODE, [EXECLOG]);
  assertEquals(lines(r.log).length, r.instret);
});

Deno.test({
  name: "execlog writes the log of QEMU's execlog",
  ignore: skipReason("qemu", "gcc", "cross-gcc") !== undefined,
  fn: async () => {
    const prog = (await crossAssemble(PROG))!;
    for (const elf of [prog, EXITCODE, MEMOPS]) {
      for (const args of ["", ",ifilter=lw,ifilter=sb,afilter=0x100b8"]) {
        const { ours, qemu } = await runWithOracle("execlog", args, elf);
        assertEquals(ours.log, qemu.log, `${elf}${args}`);
      }
    }
  },
});

Deno.test("execlog rejects an unknown argument, a bad address or register", async () => {
  await assertRejectsArgs(EXECLOG, EXITCODE, [
    ["foo=1", 'Unknown argument "foo"'],
    ["afilter=main", 'Cannot parse "afilter=main"'],
    ["reg=f0", 'Cannot track register "f0"'],
    ["rdisas=2", 'Cannot parse "rdisas=2"'],
  ]);
});

/**
 * Tests of plugins/callstack.ts: calls and returns on hello against its known call tree, and on an
 * assembled guest with millicode (t0) calls, a longjmp-style unwind and a tail call.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { crossAssemble } from "../_asm.ts";
import { exampleElf, HELLO, pluginUrl } from "../_files.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("callstack");

Deno.test("callstack follows hello into main and back out to exit", async () => {
  const r = await runWithPlugins(HELLO, [`${PLUGIN},trace=on`]);
  const lines = r.log.split("\n").filter((l) => l);
  const calls = lines.filter((l) => l.startsWith("call")).map((l) => l.split(" ")[3]);
  // Every call returns but the ones still running at exit_group: _start, __rv_cstart, exit...
  assertEquals(calls.slice(0, 3), ["__rv_cstart", "_init_tls", "__riscv_save_3"]);
  assertEquals(calls.includes("main") && calls.includes("printf"), true);
  const last = lines[lines.length - 1]!;
  assertEquals(last.replace(/0x[0-9a-f]+/g, "A"), "call A -> sys_exit_group (depth 5)");
  // Calls and returns balance up to the frames left at the end: depth 5 = 1 + calls - rets.
  const rets = lines.filter((l) => l.startsWith("ret")).length;
  assertEquals(1 + calls.length - rets, 5);
});

const UNWIND = `
    .globl _start
    .type _start, @function
_start:
    call f
    li   a0, 0
    li   a7, 93
    ecall
    .type f, @function
f:
    addi sp, sp, -16
    sw   ra, 12(sp)
    mv   s0, sp          # a setjmp: remember sp and where to resume
    la   s1, resume
    call g
    nop
resume:
    lw   ra, 12(sp)
    addi sp, sp, 16
    tail h
    .type g, @function
g:
    jal  t0, save        # millicode prologue: links t0
    addi sp, sp, -16
    sw   ra, 12(sp)
    call k
    lw   ra, 12(sp)
    addi sp, sp, 16
    ret
    .type save, @function
save:
    jr   t0
    .type k, @function
k:
    mv   sp, s0          # a longjmp: restore sp, "return" to resume
    mv   ra, s1
    ret
    .type h, @function
h:
    ret
`;

Deno.test({
  name: "callstack sees t0 calls, an unwind of two frames and a tail call",
  ignore: skipReason("cross-gcc") !== undefined,
  fn: async () => {
    const elf = (await crossAssemble(UNWIND))!;
    const r = await runWithPlugins(elf, [`${PLUGIN},trace=on`]);
    const trace = r.log.replace(/0x[0-9a-f]+/g, "A").split("\n").filter((l) => l);
    assertEquals(trace, [
      "call A -> f (depth 2)",
      "call A -> g (depth 3)",
      "call A -> save (depth 4)",
      "ret A -> A (depth 3)",
      "call A -> k (depth 4)",
      "ret A -> A (depth 3)", // k and g, left by the unwind to resume
      "ret A -> A (depth 2)",
      "ret A -> A (depth 1)", // the tail call replaces f by h
      "call A -> h (depth 2)",
      "ret A -> A (depth 1)",
    ]);
  },
});

Deno.test("callstack enters a signal handler as a call and leaves it at the trampoline", async () => {
  const r = await runWithPlugins(exampleElf("signals"), [`${PLUGIN},trace=on`], {
    args: ["handler"],
  });
  const lines = r.log.split("\n");
  const entry = lines.findIndex((l) => / -> report \(depth 4\)$/.test(l));
  const back = lines.findIndex((l, i) => i > entry && / \(depth 3\)$/.test(l));
  assertEquals(entry > 0, true);
  // report returns to the trampoline that delivery put in ra, which leaves the handler's frame.
  assertEquals(/^ret 0x[0-9a-f]+ -> 0x3ffff000 \(depth 3\)$/.test(lines[back]!), true, lines[back]);
});

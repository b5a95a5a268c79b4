/**
 * The guest suite of examples/expected/, run in translated mode and in interpreter mode: each
 * engine must print the expected output and exit with the expected status, and both must end in
 * the same architectural state after the same number of instructions.
 */

import { assertEquals } from "@std/assert";
import { exampleCases, expandArgs } from "./_examples.ts";
import { type GuestRun, hex32, runGuest } from "./_guest.ts";
import { ABI_NAMES } from "../core/cpu.ts";

const ENGINES = ["translate", "interp"] as const;

/** Names the registers (and pc) where two runs ended differently, for a readable failure. */
function stateDiff(a: GuestRun, b: GuestRun): string[] {
  const diffs: string[] = [];
  for (let i = 1; i < 32; i++) {
    if (a.regs[i] !== b.regs[i]) {
      diffs.push(`x${i} (${ABI_NAMES[i]}): ${hex32(a.regs[i]!)} vs ${hex32(b.regs[i]!)}`);
    }
  }
  if (a.pc !== b.pc) diffs.push(`pc: ${hex32(a.pc)} vs ${hex32(b.pc)}`);
  if (a.instret !== b.instret) diffs.push(`instret: ${a.instret} vs ${b.instret}`);
  return diffs;
}

for (const c of exampleCases()) {
  Deno.test(`Machine.run() matches examples/expected/${c.name} under both engines`, async (t) => {
    const runs = new Map<string, GuestRun>();
    for (const engine of ENGINES) {
      await t.step(`with engine "${engine}"`, () => {
        const r = runGuest(c.elf, {
          args: expandArgs(c.args),
          // expected/ comes from qemu-riscv32, which hands the guest its environment reversed.
          env: c.env.toReversed(),
          stdin: c.stdin,
          engine,
        });
        runs.set(engine, r);
        assertEquals(r.stdout, c.out, "stdout");
        assertEquals(r.stderr, c.err, "stderr");
        assertEquals(r.status, c.status, "exit status");
      });
    }
    await t.step("with both engines ending in the same state", () => {
      const [a, b] = ENGINES.map((e) => runs.get(e));
      if (!a || !b) throw new Error("an engine could not run the case");
      assertEquals(stateDiff(a, b), [], "translate vs interp");
    });
  });
}

/**
 * Differential test of the example programs against qemu-riscv32: for every case of
 * examples/expected/, qemu (with the icount plugin) and rvplug's translator must print the same
 * output, exit with the same status, and execute the same number of instructions.
 */

import { assertEquals } from "@std/assert";
import { exampleCases, expandArgs } from "../_examples.ts";
import { runGuest } from "../_guest.ts";
import { runQemu } from "../_qemu.ts";
import { skipReason } from "../_tools.ts";

const SKIP = skipReason("qemu", "gcc");

for (const c of exampleCases()) {
  Deno.test({
    name: `Machine.run() agrees with qemu-riscv32 on output and instructions of ${c.name}`,
    ignore: SKIP !== undefined,
    fn: async () => {
      // Each run gets its own @TMP@; all temporary directories have names of one length, so
      // the guest does the same work with either.
      const qemu = await runQemu(c.elf, expandArgs(c.args), {
        env: c.env,
        stdin: c.stdin,
        icount: true,
      });
      const ours = runGuest(c.elf, {
        args: expandArgs(c.args),
        // qemu hands the guest its environment reversed; give ours what qemu's guest saw.
        env: c.env.toReversed(),
        stdin: c.stdin,
      });
      assertEquals(ours.stdout, qemu.stdout, "stdout");
      assertEquals(ours.status, qemu.status, "exit status");
      // The icount plugin counts an instruction before it executes, so it includes one that
      // faults, which does not retire in rvplug. An instruction that cannot be fetched (a segv
      // at the pc itself) is never translated by qemu, so neither counts it.
      const f = ours.fault;
      const fetchFault = f?.kind === "segv" && f.addr === f.pc;
      const faultedInsn = f !== undefined && !fetchFault ? 1 : 0;
      assertEquals(ours.instret + faultedInsn, qemu.insns, "instructions (qemu's icount)");
    },
  });
}

/**
 * The target description rvplug's stub sends (`qXfer:features:read`): gdb's standard RISC-V
 * `org.gnu.gdb.riscv.cpu` feature for RV32 (x0..x31 by ABI name, then pc), as QEMU's
 * gdb-xml/riscv-32bit-cpu.xml has it. There are no FPU or CSR features: the hart has none
 * readable by the debugger.
 * @module
 */

import { ABI_NAMES } from "../cpu.ts";

/** The type gdb gives each register: code pointers, data pointers, plain integers. */
function regType(name: string): string {
  if (name === "ra") return "code_ptr";
  if (name === "sp" || name === "gp" || name === "tp" || name === "s0") return "data_ptr";
  return "int";
}

const CPU_XML = [
  `<?xml version="1.0"?>`,
  `<!DOCTYPE feature SYSTEM "gdb-target.dtd">`,
  `<feature name="org.gnu.gdb.riscv.cpu">`,
  ...ABI_NAMES.map((name) =>
    `  <reg name="${name === "s0" ? "fp" : name}" bitsize="32" type="${regType(name)}"/>`
  ),
  `  <reg name="pc" bitsize="32" type="code_ptr"/>`,
  `</feature>`,
  ``,
].join("\n");

const TARGET_XML = `<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd">` +
  `<target><architecture>riscv:rv32</architecture>` +
  `<xi:include href="riscv-32bit-cpu.xml"/></target>`;

/** The documents of the target description, by the name gdb asks for. */
export const TARGET_FILES: ReadonlyMap<string, string> = new Map([
  ["target.xml", TARGET_XML],
  ["riscv-32bit-cpu.xml", CPU_XML],
]);

/**
 * Guests written in RISC-V assembly, built with the cross compiler: the assembler and the
 * snippets several tests share.
 * @module
 */

import { tempDir } from "./_files.ts";
import { CROSS_GCC, crossGccAvailable } from "./_tools.ts";

/** Flags that make `riscv64-unknown-elf-gcc` produce a bare RV32IMAC Linux user-mode program. */
export const CROSS_FLAGS: readonly string[] = [
  "-march=rv32imac_zicsr_zifencei",
  "-mabi=ilp32",
  "-nostdlib",
  "-static",
  "-Wl,-Ttext=0x10000",
];

/**
 * Assembles and links a RISC-V assembly program into a static RV32IMAC ELF (text at 0x10000,
 * no libraries: the source provides `_start`).
 * @param source the assembly text
 * @returns the ELF's path in a temporary directory, or undefined when the toolchain is missing
 * @throws Error with the assembler's messages when the source does not assemble
 */
export async function crossAssemble(source: string): Promise<string | undefined> {
  if (!crossGccAvailable()) return undefined;
  const dir = tempDir("rvplug_asm_");
  await Deno.writeTextFile(`${dir}/prog.S`, source);
  const r = await new Deno.Command(CROSS_GCC, {
    args: [...CROSS_FLAGS, "-o", `${dir}/prog.elf`, `${dir}/prog.S`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(`Cannot assemble:\n${new TextDecoder().decode(r.stderr)}`);
  }
  return `${dir}/prog.elf`;
}

/**
 * A guest of a counted loop: `li t0, 10`, 10 trips of `addi t0, t0, -1; bnez t0, loop`, then
 * exit(0); 24 instructions retire. The assembler compresses what it can (the `li`s and the
 * `addi`): `_start` is at 0x10000, `loop` at 0x10002, the exit at 0x10008.
 */
export const COUNTED_LOOP = `
    .globl _start
_start:
    li   t0, 10
loop:
    addi t0, t0, -1
    bnez t0, loop
    li   a0, 0
    li   a7, 93
    ecall
`;

/**
 * A guest of three blocks that run, of 2 uncompressed instructions each: `_start` (0x10000),
 * whose branch to `dead` is never taken; `loop` (0x10008), which runs 3 times; and the exit
 * (0x10010). `dead` is translated with its neighbours, never run.
 */
export const LOOP_AND_DEAD_BLOCK = `
    .option norvc
    .globl _start
_start:
    li    a0, 3
    beqz  a0, dead
loop:
    addi  a0, a0, -1
    bnez  a0, loop
    li    a7, 93
    ecall
dead:
    li    a0, 1
    li    a7, 93
    ecall
`;

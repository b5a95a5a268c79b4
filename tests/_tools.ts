/**
 * The external tools the tests compare with or build with (qemu-riscv32, the host gcc, the RISC-V
 * cross compiler): whether each is present, a skip reason for tests that need a missing one, and
 * running a command to its end.
 *
 * Every tool is optional, so that a test can skip (with one printed reason) instead of failing
 * on a machine without it.
 * @module
 */

/** The qemu-user binary used as the oracle. */
export const QEMU = "qemu-riscv32";

/** The RISC-V cross compiler. */
export const CROSS_GCC = "riscv64-unknown-elf-gcc";

/** Runs `cmd args` and reports whether it could be started and exited 0. */
function commandWorks(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Memoizes a function of no arguments. */
function once<T>(f: () => T): () => T {
  let done = false, value: T;
  return () => {
    if (!done) value = f(), done = true;
    return value;
  };
}

/** Whether `qemu-riscv32` can be run (checked once per test process). */
export const qemuAvailable: () => boolean = once(() => commandWorks(QEMU, ["--version"]));

/** Whether the host C compiler can be run (checked once per test process). */
export const hostGccAvailable: () => boolean = once(() => commandWorks("gcc", ["--version"]));

/** Whether the RISC-V cross toolchain can be run (checked once per test process). */
export const crossGccAvailable: () => boolean = once(() => commandWorks(CROSS_GCC, ["--version"]));

/** The debugger the GDB stub is tested with. */
export const GDB = "gdb-multiarch";

/** Whether `gdb-multiarch` can be run (checked once per test process). */
export const gdbAvailable: () => boolean = once(() => commandWorks(GDB, ["--version"]));

/** The tools whose absence this test file has reported already. */
const skipNotices = new Set<string>();

/**
 * Returns why tests needing `tools` must be skipped, or undefined when all are present; prints
 * once per missing tool and test file (each file runs in its own isolate) that the tests needing
 * it are skipped. Use as `ignore: skipReason("qemu") !== undefined`.
 * @param tools the tools the tests need
 */
export function skipReason(
  ...tools: ("qemu" | "gcc" | "cross-gcc" | "gdb")[]
): string | undefined {
  const names = { qemu: QEMU, gcc: "gcc", "cross-gcc": CROSS_GCC, gdb: GDB };
  const available = {
    qemu: qemuAvailable,
    gcc: hostGccAvailable,
    "cross-gcc": crossGccAvailable,
    gdb: gdbAvailable,
  };
  const missing = tools.filter((t) => !available[t]()).map((t) => names[t]);
  for (const tool of missing) {
    if (skipNotices.has(tool)) continue;
    skipNotices.add(tool);
    console.warn(`rvplug tests: ${tool} not found; skipping the tests that need it`);
  }
  return missing.length ? `${missing.join(", ")} not found` : undefined;
}

/**
 * Runs `cmd args` to its end with `input` on its standard input (`/dev/null` without it) and
 * collects its output.
 * @param cmd the program
 * @param args its arguments
 * @param options its working directory, whether its environment is cleared, its input
 */
export async function runCommand(
  cmd: string,
  args: readonly string[],
  options: { cwd: string; clearEnv: boolean; input?: string | Uint8Array },
): Promise<Deno.CommandOutput> {
  const { input } = options;
  const child = new Deno.Command(cmd, {
    args: [...args],
    cwd: options.cwd,
    clearEnv: options.clearEnv,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(typeof input === "string" ? new TextEncoder().encode(input) : input);
    await w.close();
  }
  return await child.output();
}

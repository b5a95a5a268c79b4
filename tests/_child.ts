/**
 * Drives a child process through a conversation: its stdin is a pipe the test holds open, and
 * each time its stdout grows the test may write to stdin, close it, or send a signal. A child
 * that does not end in time is killed and the test fails with what it printed so far.
 * @module
 */

import { REPO_ROOT } from "./_files.ts";
import { QEMU } from "./_tools.ts";

/** What the test can do to the child at each step. */
export interface ChildControl {
  /** Writes `text` to the child's stdin. */
  write(text: string): Promise<void>;
  /** Sends a signal to the child. */
  kill(signal: Deno.Signal): void;
}

/** How a driven child ended. */
export interface DrivenRun {
  out: string;
  stderr: string;
  /** Exit status as a shell sees it (128 + N for death by signal N). */
  code: number;
}

/** How long a driven child may run (a loaded machine starts deno slowly). */
const TIMEOUT_MS = 60_000;

/**
 * Runs `cmd args`; after each read of its stdout, calls `step` with all of stdout so far.
 * @throws Error naming the command and its output so far when it outlives `timeoutMs`
 */
export async function drive(
  cmd: string,
  args: readonly string[],
  step: (out: string, child: ChildControl) => void | Promise<void>,
  timeoutMs = TIMEOUT_MS,
): Promise<DrivenRun> {
  const child = new Deno.Command(cmd, {
    args: [...args],
    cwd: REPO_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const stderr = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  const control: ChildControl = {
    // A child that has already ended cannot read: its output tells the test what happened.
    write: (text) => writer.write(new TextEncoder().encode(text)).catch(() => {}),
    kill: (signal) => child.kill(signal),
  };
  const decoder = new TextDecoder();
  let out = "";
  try {
    for await (const chunk of child.stdout) {
      out += decoder.decode(chunk, { stream: true });
      await step(out, control);
    }
    const status = await child.status;
    if (timedOut) {
      throw new Error(
        `${cmd} ${args.join(" ")} did not end within ${timeoutMs} ms; stdout so far:\n${out}`,
      );
    }
    return {
      out,
      stderr: await stderr,
      code: status.code, // Deno gives 128 + N for a death by signal N, as a shell does
    };
  } finally {
    clearTimeout(timer);
    await writer.close().catch(() => {});
  }
}

/** The command line that runs `elf args` under rvplug (`flags` first). */
export function rvplugCommand(
  elf: string,
  args: readonly string[],
  flags: readonly string[] = [],
): [string, string[]] {
  return [Deno.execPath(), ["run", "-A", `${REPO_ROOT}/mod.ts`, ...flags, elf, ...args]];
}

/** The command line that runs `elf args` under qemu-riscv32 (no core dump when it dies). */
export function qemuCommand(
  elf: string,
  args: readonly string[],
  flags: readonly string[] = [],
): [string, string[]] {
  return ["sh", ["-c", 'ulimit -c 0; exec "$@"', "sh", QEMU, ...flags, elf, ...args]];
}

/**
 * Running the `rvplug` command line as a user does, in a subprocess.
 * @module
 */

import { REPO_ROOT } from "./_files.ts";
import { runCommand } from "./_tools.ts";

/**
 * The `HOME=...` assignment Deno needs to find its cache: for {@linkcode CliRunOptions}' `env`
 * when a test gives the command an exact environment.
 */
export const DENO_HOME = `HOME=${Deno.env.get("HOME") ?? "/"}`;

/** What a run of the `rvplug` command line produced. */
export interface CliRun {
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
  /** The process exit status. */
  status: number;
}

/** Options of {@linkcode runCli}. */
export interface CliRunOptions {
  /**
   * The exact process environment, in order, set through `env -i` (Deno needs `HOME` to find
   * its cache). @default {the test process's environment}
   */
  env?: readonly string[];
  /** Standard input; without it `/dev/null`. */
  stdin?: string;
}

/**
 * Runs `deno run -A mod.ts ...args` in the repository root, as a user would run the CLI.
 * @param args the command line after `mod.ts`
 * @param options the process environment and stdin
 */
export async function runCli(
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<CliRun> {
  const deno = ["run", "-A", "mod.ts", ...args];
  const [cmd, cmdArgs] = options.env === undefined
    ? [Deno.execPath(), deno]
    : ["env", ["-i", ...options.env, Deno.execPath(), ...deno]];
  const r = await runCommand(cmd, cmdArgs, {
    cwd: REPO_ROOT,
    clearEnv: options.env !== undefined,
    input: options.stdin,
  });
  const decoder = new TextDecoder();
  return { stdout: decoder.decode(r.stdout), stderr: decoder.decode(r.stderr), status: r.code };
}

/**
 * Pinning remote plugins: `--plugin URL,lock=FILE` records the hash of every module of the
 * plugin in FILE (a Deno lockfile) the first time, and refuses the plugin with a clear error when
 * a module changed since. Deno itself would kill the process (exit status 10) on such a change,
 * so rvplug checks in a `deno cache` subprocess before importing.
 *
 * And the project's own `deno.lock`: Deno records every remote module imported into the lockfile
 * it runs with, so rvplug refuses to import a remote plugin unless Deno was told which lockfile
 * to use (`--lock=FILE`) or none (`--no-lock`).
 * @module
 */

import { isRemote } from "./options.ts";
import { denoFlags, lockChosen } from "./_reexec.ts";

/** Pinning options of one plugin. */
export interface PinOptions {
  /** `lock=FILE`: the lockfile pinning the plugin's modules. */
  readonly lock?: string;
  /** `refresh=on`: download the plugin again (and check it against the pin). */
  readonly refresh?: boolean;
  /** `update=on`: download the plugin again and pin what comes. */
  readonly update?: boolean;
}

/**
 * Why a remote plugin may not be imported in this process: it would be recorded in the project's
 * lockfile. Undefined when Deno runs with `--no-lock` or an explicit `--lock=FILE`.
 */
export function projectLockProblem(specifier: string): string | undefined {
  if (!isRemote(specifier)) return undefined;
  const flags = denoFlags();
  if (!flags || lockChosen(flags)) {
    return undefined;
  }
  return `Deno would record its modules in the project's deno.lock: run deno with --no-lock ` +
    `before mod.ts (deno run --no-lock ... mod.ts ...); pin remote plugins with lock=FILE`;
}

/**
 * Checks the plugin at `url` against its pins in `options.lock` (pinning it there the first
 * time), downloading it again first with `refresh` or `update`.
 * @returns why the plugin is refused, or undefined
 */
export async function checkPins(url: string, options: PinOptions): Promise<string | undefined> {
  if (options.lock === undefined || !/^https?:/.test(url)) return undefined;
  const origin = new URL(url).origin;
  if (options.update) unpin(options.lock, origin);
  const args = ["cache", "--no-config", `--lock=${options.lock}`];
  if (options.refresh || options.update) args.push(`--reload=${origin}`);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.execPath(), {
      args: [...args, url],
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
  } catch (e) {
    return `cannot check its pins in "${options.lock}": ${(e as Error).message}`;
  }
  if (out.success) return undefined;
  const text = new TextDecoder().decode(out.stderr);
  const changed = /Specifier: (\S+)\s+Actual: (\w+)\s+Expected: (\w+)/.exec(text);
  if (changed) {
    const [, module, actual, expected] = changed;
    return `"${module}" changed since it was pinned in "${options.lock}" (sha256 ${expected}, ` +
      `now ${actual}): check the change, then accept it with --plugin ${url},lock=` +
      `${options.lock},update=on`;
  }
  const error = text.split("\n").find((l) => l.startsWith("error:")) ?? text.trim();
  return `cannot check its pins in "${options.lock}": ${error.replace(/^error: /, "")}`;
}

/** Removes the pins of the modules from `origin` from the lockfile `file`. */
function unpin(file: string, origin: string): void {
  let lock: { remote?: Record<string, string> };
  try {
    lock = JSON.parse(Deno.readTextFileSync(file));
  } catch {
    return; // nothing pinned yet
  }
  for (const key of Object.keys(lock.remote ?? {})) {
    if (key.startsWith(`${origin}/`)) delete lock.remote![key];
  }
  Deno.writeTextFileSync(file, JSON.stringify(lock, null, 2) + "\n");
}

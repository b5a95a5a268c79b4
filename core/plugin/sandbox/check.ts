/**
 * `--check`: type-checks plugins (and every module they import, remote `.d.ts` files included)
 * with `deno check` before the run, so that a wrong argument to the API is found with the
 * compiler's message and position rather than at run time.
 * @module
 */

import { isRemote } from "./options.ts";

/**
 * Type-checks the plugin modules at `urls` in one `deno check` (in a subprocess).
 * @returns undefined when they check, else the compiler's report (without colours)
 */
export async function typeCheck(urls: readonly string[]): Promise<string | undefined> {
  if (urls.length === 0) return undefined;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.execPath(), {
      // --no-lock: checking must not record remote modules in the project's lockfile either.
      // --all: a remote plugin is checked only with it (and so are the npm packages).
      args: ["check", "--no-lock", "--quiet", ...(urls.some(isRemote) ? ["--all"] : []), ...urls],
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
  } catch (e) {
    return `cannot run deno check: ${(e as Error).message}`;
  }
  if (out.success) return undefined;
  const text = new TextDecoder().decode(out.stderr).trim();
  return text.replace(/\n*error: Type checking failed\.[\s\S]*$/, "");
}

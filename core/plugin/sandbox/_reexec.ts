/**
 * Re-running rvplug with the Deno flags its plugins need. A sandboxed plugin on a terminal needs
 * `--no-prompt` (else Deno would ask the user to grant it what it is denied) and a remote plugin
 * `--no-lock` (else Deno would record it in the project's deno.lock). When the user's command
 * lacks them, the command runs itself once more as a child with them added, same arguments, same
 * standard streams, and passes the child's exit status on.
 * @module
 */

import { resolve, toFileUrl } from "@std/path";
import { SIG } from "../../signals.ts";
import { isRemote, sandboxed, splitLoaderOptions } from "./options.ts";
import type { PluginArgs } from "../api.ts";

/** Set in the child's environment: it never re-runs itself (and the guest does not see it). */
export const REEXEC_ENV = "RVPLUG_REEXEC";

/** Deno's command line: what comes before the main module, the module, and the script's args. */
export interface DenoCommandLine {
  /** Deno's subcommand and flags, e.g. `["run", "-A"]`. */
  readonly before: readonly string[];
  /** The main module as given, e.g. `mod.ts`. */
  readonly module: string;
  readonly args: readonly string[];
}

/**
 * Splits Deno's argv (`/proc/self/cmdline`, command name first) knowing the script's own
 * arguments, which are its tail: flags taking a separate value cannot mislead it.
 * @returns undefined when `argv` does not end with `args` after a module
 */
export function splitDenoArgv(
  argv: readonly string[],
  args: readonly string[],
): DenoCommandLine | undefined {
  const at = argv.length - args.length - 1;
  if (at < 1 || argv[at]!.startsWith("-")) return undefined;
  if (args.some((a, i) => a !== argv[at + 1 + i])) return undefined;
  return { before: argv.slice(1, at), module: argv[at]!, args: argv.slice(at + 1) };
}

/** This process's Deno command line, or undefined where it cannot be read. */
export function denoCommandLine(): DenoCommandLine | undefined {
  try {
    const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
    if (argv.at(-1) === "") argv.pop();
    return splitDenoArgv(argv, Deno.args);
  } catch {
    return undefined;
  }
}

/** Deno's own flags (before the main module, without `run`), or undefined where unknown. */
export function denoFlags(): string[] | undefined {
  const line = denoCommandLine();
  if (!line) return undefined;
  return line.before[0] === "run" ? line.before.slice(1) : [...line.before];
}

/** Whether Deno was started with the lockfile flags that keep it off the project's deno.lock. */
export function lockChosen(flags: readonly string[]): boolean {
  return flags.some((f) => f === "--no-lock" || f === "--lock" || f.startsWith("--lock="));
}

/** What the process can tell about how Deno was started, for {@linkcode missingDenoFlags}. */
export interface DenoState {
  /** Deno's flags, undefined when unknown. */
  readonly flags: readonly string[] | undefined;
  /** Whether stdin and stderr are both terminals. */
  readonly terminal: boolean;
  /** Whether DENO_NO_PROMPT is set. */
  readonly noPromptEnv: boolean;
}

/** How this process was started. */
export function denoState(): DenoState {
  let noPromptEnv = false;
  try {
    noPromptEnv = Deno.env.get("DENO_NO_PROMPT") !== undefined;
  } catch {
    // no env permission: the command line decides
  }
  return {
    flags: denoFlags(),
    terminal: Deno.stdin.isTerminal() && Deno.stderr.isTerminal(),
    noPromptEnv,
  };
}

/**
 * Whether Deno could prompt the user for a permission a Worker is denied: it does when stdin and
 * stderr are terminals, unless started with --no-prompt or DENO_NO_PROMPT set.
 */
export function mayPrompt(state: DenoState = denoState()): boolean {
  if (!state.terminal || state.noPromptEnv) return false;
  return !state.flags?.includes("--no-prompt");
}

/**
 * The Deno flags a run of `specs` needs and Deno was not started with: `--no-prompt` when a
 * plugin is sandboxed and Deno could prompt, `--no-lock` when a plugin is remote.
 */
export function missingDenoFlags(
  // A PluginSpec's fields, without importing the loader, which imports the sandbox.
  specs: readonly { readonly specifier: string; readonly args: PluginArgs }[],
  state: DenoState = denoState(),
): string[] {
  const missing: string[] = [];
  const anySandboxed = specs.some((s) =>
    sandboxed(s.specifier, splitLoaderOptions(s.args).options)
  );
  if (anySandboxed && mayPrompt(state)) missing.push("--no-prompt");
  if (specs.some((s) => isRemote(s.specifier)) && state.flags && !lockChosen(state.flags)) {
    missing.push("--no-lock");
  }
  return missing;
}

/**
 * The command that runs this process again with `missing` flags added, or undefined when it
 * cannot: `main` is not the script's entry with the script's own arguments, this is already
 * the re-run, or Deno's command line cannot be read.
 * @param argv the arguments `main` was given
 * @param entries the URLs of the modules that run `main` as the entry
 */
export function reexecCommand(
  argv: readonly string[],
  missing: readonly string[],
  entries: readonly string[],
): string[] | undefined {
  try {
    if (Deno.env.get(REEXEC_ENV) !== undefined) return undefined;
    if (!entries.includes(Deno.mainModule)) return undefined;
  } catch {
    return undefined;
  }
  const line = denoCommandLine();
  if (!line || line.args.length !== argv.length || line.args.some((a, i) => a !== argv[i])) {
    return undefined;
  }
  // The module as given must be the entry (not a compiled binary's name).
  const url = /^[a-z][a-z0-9+.-]+:/i.test(line.module)
    ? line.module
    : toFileUrl(resolve(line.module)).href;
  if (url.startsWith("file:") && url !== Deno.mainModule) return undefined;
  const flags = line.before[0] === "run" ? line.before.slice(1) : line.before;
  return ["run", ...flags, ...missing, line.module, ...line.args];
}

/**
 * Runs Deno with `args` as a child sharing this process's standard streams, forwarding SIGINT
 * and SIGTERM to it, and marked with {@linkcode REEXEC_ENV} so that it never re-runs itself.
 * @returns the child's exit status (128+N when signal N killed it), or undefined when it
 * could not be started
 */
export async function reexec(args: readonly string[]): Promise<number | undefined> {
  let child: Deno.ChildProcess;
  // Set in this process rather than through `env`, which would sort the child's environment:
  // the child keeps the order (which the guest sees), with the marker last.
  let marked = false;
  try {
    Deno.env.set(REEXEC_ENV, "1");
    marked = true;
  } catch {
    // no env permission: through `env` then
  }
  try {
    child = new Deno.Command(Deno.execPath(), {
      args: [...args],
      env: marked ? undefined : { [REEXEC_ENV]: "1" },
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch {
    if (marked) Deno.env.delete(REEXEC_ENV);
    return undefined;
  }
  const forwards = (["SIGINT", "SIGTERM"] as const).map((sig) => {
    const fn = () => {
      try {
        child.kill(sig);
      } catch {
        // it has exited
      }
    };
    Deno.addSignalListener(sig, fn);
    return [sig, fn] as const;
  });
  try {
    const status = await child.status;
    return status.signal === null
      ? status.code
      : 128 + (SIG[status.signal.slice(3) as keyof typeof SIG] ?? 0);
  } finally {
    for (const [sig, fn] of forwards) Deno.removeSignalListener(sig, fn);
  }
}

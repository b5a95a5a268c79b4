/**
 * The loader's own options on `--plugin` (`sandbox=on`, `trust=on`, `allow-read=DIR`...), which
 * are never passed to the plugin, and what they grant a sandboxed plugin's Worker.
 * @module
 */

import { dirname, fromFileUrl } from "@std/path";
import { parseBool, type PluginArgs } from "../api.ts";

/** Deno permissions a sandboxed plugin can be granted, by option name. */
export const GRANT_OPTIONS = {
  "allow-read": "read",
  "allow-write": "write",
  "allow-net": "net",
  "allow-env": "env",
  "allow-run": "run",
  "allow-import": "import",
  "allow-sys": "sys",
} as const;

/** A kind of Deno permission a sandboxed plugin can be granted. */
export type GrantKind = (typeof GRANT_OPTIONS)[keyof typeof GRANT_OPTIONS];

/** What each permission kind was granted: paths, hosts, variables or commands. */
export type Grants = Readonly<Record<GrantKind, readonly string[]>>;

/** The loader options of one `--plugin`. */
export interface LoaderOptions {
  /** `sandbox=on|off`, if given. */
  readonly sandbox?: boolean;
  /** `trust=on|off`, if given. */
  readonly trust?: boolean;
  /**
   * `timeout=SECONDS`: how long a sandboxed plugin may take to answer, and to load. By default
   * {@linkcode CALL_TIMEOUT_MS} and {@linkcode LOAD_TIMEOUT_MS}.
   */
  readonly timeoutMs?: number;
  readonly grants: Grants;
  /** `lock=FILE`: pin the plugin's modules in FILE (see pin.ts). */
  readonly lock?: string;
  /** `refresh=on`: download a pinned plugin again and check it. */
  readonly refresh?: boolean;
  /** `update=on`: download a pinned plugin again and pin what comes. */
  readonly update?: boolean;
}

/** How long a sandboxed plugin may take to answer a call, unless `timeout=` says otherwise. */
export const CALL_TIMEOUT_MS = 20_000;
/** How long loading a sandboxed plugin may go without progress, unless `timeout=` says otherwise. */
export const LOAD_TIMEOUT_MS = 60_000;

/**
 * Separates the loader's options from the plugin's own arguments.
 * @throws TypeError for a loader option with a bad value
 */
export function splitLoaderOptions(
  args: PluginArgs,
): { args: PluginArgs; options: LoaderOptions } {
  const grants: Record<GrantKind, string[]> = {
    read: [],
    write: [],
    net: [],
    env: [],
    run: [],
    import: [],
    sys: [],
  };
  const rest: [string, string][] = [];
  let sandbox: boolean | undefined, trust: boolean | undefined;
  let lock: string | undefined, refresh: boolean | undefined, update: boolean | undefined;
  let timeoutMs: number | undefined;
  for (const [key, value] of args) {
    if (key === "sandbox") sandbox = parseBool(key, value);
    else if (key === "trust") trust = parseBool(key, value);
    else if (key === "refresh") refresh = parseBool(key, value);
    else if (key === "update") update = parseBool(key, value);
    else if (key === "lock") {
      if (value === "") throw new TypeError(`Cannot parse "lock=": expected a file`);
      lock = value;
    } else if (key === "timeout") {
      const s = Number(value);
      if (!(s > 0) || !Number.isFinite(s)) {
        throw new TypeError(`Cannot parse "timeout=${value}": expected seconds`);
      }
      timeoutMs = s * 1000;
    } else if (key in GRANT_OPTIONS) {
      if (value === "") throw new TypeError(`Cannot parse "${key}=": expected a value`);
      grants[GRANT_OPTIONS[key as keyof typeof GRANT_OPTIONS]].push(value);
    } else rest.push([key, value]);
  }
  return { args: rest, options: { sandbox, trust, timeoutMs, grants, lock, refresh, update } };
}

const REMOTE = /^(https?|jsr|npm):/i;

/** Whether a specifier names a remote module (`http(s):`, `jsr:`, `npm:`). */
export function isRemote(specifier: string): boolean {
  return REMOTE.test(specifier);
}

/**
 * Whether a plugin runs sandboxed: remote plugins unless `trust=on`, local ones only with
 * `sandbox=on`. Granting a permission implies the sandbox.
 */
export function sandboxed(specifier: string, options: LoaderOptions): boolean {
  if (options.sandbox !== undefined) return options.sandbox;
  if (Object.values(options.grants).some((g) => g.length > 0)) return true;
  return isRemote(specifier) && options.trust !== true;
}

/**
 * The Deno permissions of a sandboxed plugin's Worker: what its options grant, plus reading its
 * own folder (a local plugin) or importing from its own host (a remote one). Every key is given,
 * so everything else is denied.
 */
export function workerPermissions(url: string, grants: Grants): Deno.PermissionOptionsObject {
  const list = (g: readonly string[]) => (g.length > 0 ? [...g] : false);
  const read = [...grants.read];
  const imports = [...grants.import];
  const u = new URL(url);
  if (u.protocol === "file:") read.push(dirname(fromFileUrl(u)));
  else if (u.protocol === "http:" || u.protocol === "https:") imports.push(u.host);
  else if (u.protocol === "jsr:") imports.push("jsr.io");
  return {
    read: list(read),
    write: list(grants.write),
    net: list(grants.net),
    env: list(grants.env),
    run: list(grants.run),
    import: list(imports),
    sys: list(grants.sys),
    ffi: false,
  };
}

/** A permission a plugin was denied, from Deno's `Requires ... access to "..."` message. */
export interface Denial {
  readonly kind: string;
  readonly what: string;
}

/** The permission Deno's error message says was missing, if it is a permission error. */
export function denialOf(message: string): Denial | undefined {
  const m = /Requires (\w+) access to "?([^",]*)"?/.exec(message) ??
    /Requires (\w+) access/.exec(message);
  if (!m) return undefined;
  return { kind: m[1]!, what: m[2] ?? "" };
}

/** The option that grants `denial`, e.g. `allow-read=/etc/passwd`. */
export function grantOption(denial: Denial): string {
  const option = Object.entries(GRANT_OPTIONS).find(([, kind]) => kind === denial.kind)?.[0] ??
    `allow-${denial.kind}`;
  return denial.what ? `${option}=${denial.what}` : option;
}

/**
 * The report of a denial: `plugin "snoop" was denied read access to "/etc/passwd": grant it with
 * --plugin URL,allow-read=/etc/passwd`.
 */
export function denialReport(name: string, specifier: string, denial: Denial): string {
  const what = denial.what ? ` to "${denial.what}"` : "";
  return `plugin "${name}" was denied ${denial.kind} access${what}: grant it with ` +
    `--plugin ${specifier},${grantOption(denial)}`;
}

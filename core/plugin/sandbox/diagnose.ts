/**
 * Explains why a plugin could not be loaded, in one line: the module at fault with its line and
 * column, a server that sends TypeScript with the wrong media type, and Deno permissions rvplug
 * itself lacks (with the exact flag to give before `mod.ts`).
 * @module
 */

import { dirname, fromFileUrl } from "@std/path";
import type { Grants } from "./options.ts";

/** Media types Deno reads as TypeScript. */
const TS_TYPES = [
  "application/typescript",
  "text/typescript",
  "application/x-typescript",
  "video/vnd.dlna.mpeg-tts",
  "video/mp2t",
];

/**
 * The reason, after `Cannot load plugin "X": `, for Deno's import error `message`.
 * Looks at the server's answer when a remote module did not parse or was not found.
 */
export async function describeImportError(message: string): Promise<string> {
  const lines = message.split("\n");
  const first = lines[0]!.replace(/^(TypeError|SyntaxError): (?=SyntaxError)/, "");
  // Deno puts the location of the fault (the module, or the import of a missing one) after "at".
  const at = lines.map((l) => /^\s+at ((?:https?|file|jsr|npm):\S+:\d+:\d+)$/.exec(l)?.[1])
    .find((l) => l !== undefined);
  const missing = /^Module not found "([^"]+)"/.exec(first);
  if (missing) {
    const url = missing[1]!;
    const status = await httpStatus(url);
    return `module "${url}" was not found${status ? ` (${status})` : ""}` +
      (at ? `, imported at ${at}` : "");
  }
  const syntax = /^SyntaxError: (.*)$/.exec(first);
  if (syntax && at) {
    const url = at.replace(/:\d+:\d+$/, "");
    const type = /\.(m|c)?tsx?$/.test(new URL(url).pathname) ? await mediaType(url) : undefined;
    if (type !== undefined && !TS_TYPES.includes(type)) {
      return `the server sends "${url}" as "${type}", which Deno reads as JavaScript, not ` +
        `TypeScript (hence: ${syntax[1]} at ${at}): serve .ts files as application/typescript, ` +
        `for example with "deno run -A jsr:@std/http/file-server"`;
    }
    return `syntax error at ${at}: ${syntax[1]}`;
  }
  return at && !first.includes(at) ? `${first} at ${at}` : first;
}

async function fetchHead(url: string): Promise<Response | undefined> {
  if (!/^https?:/.test(url)) return undefined;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await r.body?.cancel();
    return r;
  } catch {
    return undefined; // no network permission, or no answer: say nothing more
  }
}

async function httpStatus(url: string): Promise<string | undefined> {
  const r = await fetchHead(url);
  return r && !r.ok ? `HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ""}` : undefined;
}

async function mediaType(url: string): Promise<string | undefined> {
  const r = await fetchHead(url);
  return r?.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
}

/**
 * The Deno flag rvplug itself needs to load the plugin at `url` (read access to a local plugin's
 * folder, import access to a remote one's host) and, when sandboxed, to grant its Worker `grants`
 * (a Worker cannot get what its parent lacks); undefined when it has them all.
 */
export function missingFlag(
  url: string,
  grants?: Grants,
): { flag: string; what: string } | undefined {
  const needs: [Deno.PermissionDescriptor, string][] = [];
  const u = new URL(url);
  if (u.protocol === "file:") {
    needs.push([{ name: "read", path: fromFileUrl(u) }, `--allow-read=${dirname(fromFileUrl(u))}`]);
  } else if (u.protocol === "http:" || u.protocol === "https:") {
    needs.push([{ name: "import", host: u.host }, `--allow-import=${u.host}`]);
  } else if (u.protocol === "jsr:") {
    needs.push([{ name: "import", host: "jsr.io" }, "--allow-import=jsr.io"]);
  }
  for (const [kind, values] of Object.entries(grants ?? {})) {
    for (const v of values) {
      const d = descriptor(kind, v);
      if (d) needs.push([d, `--allow-${kind}=${v}`]);
    }
  }
  for (const [d, flag] of needs) {
    if (Deno.permissions.querySync(d).state !== "granted") {
      const [option, value] = flag.slice("--allow-".length).split(/=(.*)/s);
      return { flag, what: `${option} access to "${value}"` };
    }
  }
  return undefined;
}

function descriptor(kind: string, v: string): Deno.PermissionDescriptor | undefined {
  switch (kind) {
    case "read":
    case "write":
      return { name: kind, path: v };
    case "net":
      return { name: "net", host: v };
    case "import":
      return { name: "import", host: v };
    case "env":
      return { name: "env", variable: v };
    case "run":
      return { name: "run", command: v };
    case "sys":
      return { name: "sys", kind: v as Deno.SysPermissionDescriptor["kind"] };
  }
  return undefined;
}

/**
 * The reason, after `Cannot load plugin "X": `, when rvplug itself lacks a Deno permission the
 * plugin needs; undefined when it has them all.
 */
export function missingPermission(url: string, grants?: Grants): string | undefined {
  const m = missingFlag(url, grants);
  if (!m) return undefined;
  return `Deno was not given ${m.what}: run deno with ${m.flag} before mod.ts ` +
    `(deno run ${m.flag} ... mod.ts ...)`;
}

/** rvplug's own source files, whose frames are left out of what a plugin's author is shown. */
const RVPLUG_ROOT = new URL("../../../", import.meta.url).href;
const RVPLUG_OWN = ["core/", "qpp/", "cli.ts", "mod.ts", "testing.ts"].map((p) => RVPLUG_ROOT + p);

/**
 * The frames of `error`'s stack that are the plugin's (not rvplug's, not Deno's), one per line
 * with a leading newline and indented: `\n    at onBlock (file:///p/snoop.ts:5:9)`.
 */
export function pluginFrames(error: unknown): string {
  if (!(error instanceof Error) || !error.stack) return "";
  return error.stack.split("\n")
    .filter((l) =>
      /^\s+at /.test(l) && !l.includes("ext:") && !RVPLUG_OWN.some((p) => l.includes(p))
    )
    .map((l) => `\n    ${l.trim()}`).join("");
}

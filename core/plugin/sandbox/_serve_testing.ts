/**
 * Test helper: serves a folder of files over HTTP on 127.0.0.1, as a plugin author's web server
 * would, with per-file media types and failures.
 * @module
 */

import { REPO_ROOT } from "../../../tests/_files.ts";

/** A file served: its text, and optionally its media type or an HTTP status. */
export interface ServedFile {
  readonly text: string;
  readonly type?: string;
  readonly status?: number;
  /** Never answer (a server that hangs). */
  readonly hang?: boolean;
}

/** A running server. */
export interface Served {
  /** `http://127.0.0.1:PORT/`. */
  readonly base: string;
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** Changes or adds a file. */
  set(path: string, file: ServedFile | string): void;
  close(): Promise<void>;
}

/** Serves `files` (path without a leading slash to content) until `close()`. */
export function serveFiles(files: Record<string, ServedFile | string>): Served {
  const table = new Map<string, ServedFile>();
  const set = (path: string, file: ServedFile | string) =>
    table.set(path, typeof file === "string" ? { text: file } : file);
  for (const [path, file] of Object.entries(files)) set(path, file);
  const hung: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const file = table.get(new URL(req.url).pathname.slice(1));
    if (!file) return new Response("not found", { status: 404 });
    if (file.hang) {
      return new Promise<Response>((resolve) => hung.push(() => resolve(new Response(""))));
    }
    return new Response(file.text, {
      status: file.status ?? 200,
      headers: { "content-type": file.type ?? "application/typescript" },
    });
  });
  const host = `127.0.0.1:${server.addr.port}`;
  return {
    base: `http://${host}/`,
    host,
    set,
    async close() {
      for (const wake of hung) wake();
      await server.shutdown();
    },
  };
}

/**
 * Runs the CLI as the README says for remote plugins (leaving the project's deno.lock alone);
 * its stderr without Deno's "Download URL" lines. `denoFlags` go before `mod.ts`; `env` is added
 * to the environment.
 */
export async function rvplug(
  args: string[],
  denoFlags: string[] = ["-A", "--no-lock", "--no-prompt"],
  env: Record<string, string> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...denoFlags, "mod.ts", ...args],
    cwd: REPO_ROOT,
    stdin: "null",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const decoder = new TextDecoder();
  const stderr = decoder.decode(r.stderr).split(/(?<=\n)/)
    .filter((l) => !/^Download /.test(l));
  return { status: r.code, stdout: decoder.decode(r.stdout), stderr: stderr.join("") };
}

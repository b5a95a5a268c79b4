/**
 * Output files of plugins, behind `PluginApi.createOutputFile`.
 * @module
 */

import type { OutputFile } from "./api.ts";

/**
 * Creates (or truncates) the file at `path` now.
 * @throws TypeError when it cannot be created, with the system's reason
 */
export function createOutputFile(path: string): OutputFile {
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path, { write: true, create: true, truncate: true });
  } catch (e) {
    throw new TypeError(`Cannot create "${path}": ${(e as Error).message}`);
  }
  const encoder = new TextEncoder();
  return {
    path,
    write(data) {
      if (!file) throw new TypeError(`Cannot write to "${path}": the file is closed`);
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      try {
        for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
      } catch (e) {
        throw new TypeError(`Cannot write to "${path}": ${(e as Error).message}`);
      }
    },
    close() {
      file?.close();
      file = undefined;
    },
  };
}

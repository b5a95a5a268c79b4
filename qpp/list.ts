/**
 * The `--qpp-list` report: every plugin's interface (functions and callbacks with their parameter
 * types, from its `.d.ts`, and its version), what each plugin uses and who uses it.
 * @module
 */

import type { QppPlugin } from "./linker.ts";

/**
 * Formats the QPP interfaces of `plugins` and their uses, one plugin per paragraph.
 * @param plugins linked plugins, in install order
 * @param where shows a plugin's source (e.g. a path relative to the cwd)
 */
export function formatQppList(
  plugins: readonly QppPlugin[],
  where: (source: string) => string = (s) => s,
): string {
  let out = "";
  for (const p of plugins) {
    const iface = p.provides?.iface;
    out += `${p.name} (${where(p.source)})\n`;
    if (iface) {
      out += `  interface ${iface.name} version ${iface.version} (${
        where(p.provides!.dtsSource)
      })\n`;
      for (const f of iface.functions) {
        out += `  function ${f.name}(${f.params}): ${f.returns}\n`;
        if (f.doc) out += `      ${f.doc}\n`;
      }
      for (const c of iface.callbacks) {
        out += `  callback ${c.name}(${c.params})\n`;
        if (c.doc) out += `      ${c.doc}\n`;
      }
      const users = plugins.filter((u) => u.uses.has(p.name));
      for (const u of users) out += `  used by ${u.name} (version ${u.uses.get(p.name)})\n`;
    }
    for (const [used, version] of p.uses) out += `  uses ${used} version ${version}\n`;
    if (!iface && p.uses.size === 0) out += "  no QPP interface, uses no plugin\n";
  }
  return out;
}

import { assertEquals, assertGreater } from "@std/assert";
import { REPO_ROOT } from "./_files.ts";

/** Modules a run without plugins must not load: each costs start-up time (README). */
const PLUGIN_ONLY = [
  /\/core\/plugin\/sandbox\//, // the sandbox: --plugin only
  /\/qpp\/dts\.ts$/, // the .d.ts reader: QPP providers only
  /\/qpp\/list\.ts$/, // --qpp-list
  /\/core\/gdb\//, // -g
  /deno-std@[^/]+\/path\//, // @std/path: 8 ms by itself
];

/** The modules `entry` imports statically, transitively (what loads before its first line). */
function staticGraph(entry: string): string[] {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    redirects?: Record<string, string>;
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const resolve = (s: string) => info.redirects?.[s] ?? s;
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    if (seen.has(specifier)) return;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) visit(resolve(dep.code.specifier));
    }
  };
  visit(resolve(info.roots[0]!));
  return [...seen];
}

Deno.test("mod.ts loads the sandbox, the .d.ts reader, the GDB stub and @std/path only when used", () => {
  const graph = staticGraph("mod.ts");
  // The walk sees the core (and can find what it looks for): a wrong walk would pass vacuously.
  assertGreater(graph.filter((s) => s.includes("/core/")).length, 40);
  assertEquals(graph.filter((s) => PLUGIN_ONLY.some((re) => re.test(s))), []);
});

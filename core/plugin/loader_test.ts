import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { Machine } from "../machine.ts";
import { loadPlugin, parsePluginSpec } from "./loader.ts";

Deno.test("parsePluginSpec() names plugins after their file stem", () => {
  const cases: [string, string, [string, string][]][] = [
    ["plugins/insn.ts", "insn", []],
    ["plugins/hotblocks.ts,limit=5,inline=on", "hotblocks", [["limit", "5"], ["inline", "on"]]],
    ["https://example.com/p/cov.js?v=2", "cov", []],
    ["file:///tmp/a.b.ts,x=", "a.b", [["x", ""]]],
    ["jsr:@scope/tracer", "tracer", []],
    ["npm:my-plugin", "my-plugin", []],
  ];
  for (const [text, name, args] of cases) {
    const spec = parsePluginSpec(text);
    assertEquals([spec.name, spec.args], [name, args], text);
  }
});

Deno.test("parsePluginSpec() rejects arguments without a value", () => {
  assertThrows(() => parsePluginSpec("p.ts,inline"), TypeError, 'argument "inline"');
  assertThrows(() => parsePluginSpec(",a=b"), TypeError, "no module");
});

async function pluginFile(source: string, name = "p.ts"): Promise<string> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, source);
  return path;
}

Deno.test("loadPlugin() installs a plugin with its arguments and name", async () => {
  const path = await pluginFile(
    `export function install(api, args) { globalThis.__seen = [api.name, args]; }`,
    "probe.js",
  );
  const machine = new Machine();
  await loadPlugin(machine.plugins, parsePluginSpec(`${path},k=v`));
  assertEquals((globalThis as Record<string, unknown>).__seen, ["probe", [["k", "v"]]]);
  assertEquals(machine.plugins.names, ["probe"]);
});

Deno.test("loadPlugin() explains why a plugin cannot be loaded", async () => {
  const machine = new Machine();
  const cases: [string, string][] = [
    ["/nonexistent/x.ts", "Cannot load plugin"],
    [await pluginFile("export const x = 1;"), "exports no install function"],
    [await pluginFile("export const apiVersion = 9; export function install() {}"), "version 9"],
    [await pluginFile("export function install() { throw new Error('bad arg'); }"), "bad arg"],
    [await pluginFile("this is not javascript"), "Cannot load plugin"],
  ];
  for (const [path, phrase] of cases) {
    await assertRejects(
      () => loadPlugin(machine.plugins, parsePluginSpec(path)),
      TypeError,
      phrase,
    );
  }
});

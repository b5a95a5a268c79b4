import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { Machine } from "../machine.ts";
import { LOADER_OPTIONS, loadPlugin, loadPlugins, parsePluginSpec } from "./loader.ts";

Deno.test("parsePluginSpec() names plugins after their file stem", () => {
  const cases: [string, string, [string, string][]][] = [
    ["plugins/insn.ts", "insn", []],
    ["https://host/x/callstack.ts", "callstack", []],
    ["file:///a/callstack.ts", "callstack", []],
    ["./plugins/callstack.ts", "callstack", []],
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

const HELLO = new URL("../../examples/build/hello.elf", import.meta.url).pathname;
const PLUGIN_A = new URL("../../examples/qpp/plugin_a.ts", import.meta.url).pathname;

/** Writes `files` into a new temporary folder and returns its path. */
async function pluginDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "rvplug_qpp_" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

const dts = (name: string, version: number, body = "") =>
  `declare global { interface QppRegistry { ${name}: { version: ${version}; ${body} } } } export {};`;

/** Small JS plugins, each a provider or consumer gone wrong in one way. */
const FIXTURES: Record<string, string> = {
  "cyc_a.js": "export const qppVersion = 1; export const qppUses = { cyc_b: 1 }; " +
    "export function install() {}",
  "cyc_a.d.ts": dts("cyc_a", 1),
  "cyc_b.js": "export const qppVersion = 1; export const qppUses = { cyc_c: 1 }; " +
    "export function install() {}",
  "cyc_b.d.ts": dts("cyc_b", 1),
  "cyc_c.js": "export const qppVersion = 1; export const qppUses = { cyc_a: 1 }; " +
    "export function install() {}",
  "cyc_c.d.ts": dts("cyc_c", 1),
  "needs_missing.js": "export const qppUses = { nowhere: 1 }; export function install() {}",
  "needs_v2.js": `export const qppUses = { plugin_a: 2 }; export function install() {}`,
  "needs_insn.js": `export const qppUses = { insn: 1 }; export function install() {}`,
  "calls_func_9.js": "export const qppUses = { plugin_a: 1 }; export function install(api) " +
    '{ api.qpp.use("plugin_a").func_9(1); }',
  "regs_on_x.js": "export const qppUses = { plugin_a: 1 }; export function install(api) " +
    '{ api.qpp.regCb("plugin_a", "on_x", () => {}); }',
  "undeclared_use.js": 'export function install(api) { api.qpp.use("plugin_a"); }',
  "no_dts.js": "export const qppVersion = 1; export function f() {} export function install() {}",
  "bad_version.js": "export const qppVersion = 2; export function install() {}",
  "bad_version.d.ts": dts("bad_version", 1),
  "not_created.js": "export const qppVersion = 1; export function install() {}",
  "not_created.d.ts": dts("not_created", 1, "callbacks: { on_x: () => void }"),
  "thrower.js":
    "export const qppVersion = 1; export function boom() { throw new Error('kaboom'); }" +
    " export function install() {}",
  "thrower.d.ts": dts("thrower", 1, "functions: { boom: () => void }"),
  "calls_boom.js": "export const qppUses = { thrower: 1 }; export function install(api) " +
    '{ const { boom } = api.qpp.use("thrower"); api.onSyscall(() => boom()); }',
  "throws_in_cb.js": "export const qppUses = { plugin_a: 1 }; export function install(api) " +
    '{ api.qpp.regCb("plugin_a", "on_some_event", () => { throw new Error("boom"); }); }',
};

Deno.test("loadPlugins() rejects bad QPP links with one line naming who and what", async () => {
  const dir = await pluginDir(FIXTURES);
  const cases: [string[], string][] = [
    [
      ["cyc_a.js"],
      "Cannot link plugins: they use each other in a cycle, cyc_a -> cyc_b -> " +
      "cyc_c -> cyc_a",
    ],
    [
      ["needs_missing.js"],
      `Cannot load plugin "nowhere", which plugin "needs_missing" uses: ` +
      `not found at "file://${dir}/nowhere.js" nor "file://`,
    ],
    [
      [PLUGIN_A, "needs_v2.js"],
      `Cannot link plugin "needs_v2": it needs plugin_a version 2, ` +
      `"file://${PLUGIN_A}" provides version 1`,
    ],
    [
      ["needs_insn.js"],
      `Cannot link plugin "needs_insn": it uses "insn", which has no QPP ` +
      "interface",
    ],
    [
      [PLUGIN_A, "calls_func_9.js"],
      "Cannot call " +
      `plugin_a.func_9 from plugin "calls_func_9": "file://${PLUGIN_A}" exports no function ` +
      '"func_9"',
    ],
    [
      [PLUGIN_A, "regs_on_x.js"],
      "Cannot register for " +
      'plugin_a.on_x from plugin "regs_on_x": "file://',
    ],
    [
      [PLUGIN_A, "undeclared_use.js"],
      'Cannot use plugin "plugin_a" from plugin ' +
      '"undeclared_use": its qppUses does not name it',
    ],
    [
      ["no_dts.js"],
      `Cannot load plugin "no_dts": cannot read its interface "file://${dir}/` +
      'no_dts.d.ts"',
    ],
    [
      ["bad_version.js"],
      'Cannot link plugin "bad_version": it exports qppVersion 2, its .d.ts ' +
      "says 1",
    ],
    [
      ["not_created.js"],
      `Cannot install plugin "not_created": "file://${dir}/not_created.d.ts" ` +
      "declares callback on_x, which its install did not create",
    ],
    [
      [PLUGIN_A, `${PLUGIN_A},name=plugin_a`],
      `Cannot load plugin "plugin_a" from "file://` +
      `${PLUGIN_A}": "file://${PLUGIN_A}" has that name already; rename one with --plugin ` +
      `${PLUGIN_A},name=OTHER_NAME`,
    ],
  ];
  for (const [files, message] of cases) {
    const machine = new Machine();
    const specs = files.map((f) => parsePluginSpec(f.startsWith("/") ? f : `${dir}/${f}`));
    const e = await assertRejects(() => loadPlugins(machine.plugins, specs), TypeError);
    assertEquals((e as Error).message.slice(0, message.length), message, files.join(" "));
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parsePluginSpec() takes name= for the loader and keeps it from the plugin", () => {
  const spec = parsePluginSpec("plugins/insn.ts,name=insn2,inline=off");
  assertEquals([spec.name, spec.args], ["insn2", [["inline", "off"]]]);
  assertThrows(() => parsePluginSpec("p.ts,name="), TypeError, 'plugin name ""');
  assertThrows(() => parsePluginSpec("p.ts,name=a/b"), TypeError, 'plugin name "a/b"');
});

Deno.test("rvplug ends each QPP failure with one line: exit 1 before the guest, 3 during it", async () => {
  const dir = await pluginDir(FIXTURES);
  const stale = new URL("../../examples/qpp/bad/stale.ts", import.meta.url).pathname;
  // Plugins given (plugin_a first: the fixtures are not beside it), status, the line's ending.
  const cases: [string[], number, string][] = [
    [["cyc_a.js"], 1, "they use each other in a cycle, cyc_a -> cyc_b -> cyc_c -> cyc_a"],
    [["needs_missing.js"], 1, `plugins/nowhere.ts"`],
    [["needs_v2.js"], 1, `provides version 1`],
    [["calls_func_9.js"], 1, `exports no function "func_9"`],
    [["regs_on_x.js"], 1, `declares no callback "on_x"`],
    [
      [stale],
      1,
      `which it does not export (is "file://${stale.replace(".ts", ".d.ts")}" out of date?)`,
    ],
    [
      [`${PLUGIN_A},name=calls_boom`, "calls_boom.js"],
      1,
      "--plugin " +
      `${dir}/calls_boom.js,name=OTHER_NAME`,
    ],
    [
      ["throws_in_cb.js"],
      3,
      'callback plugin_a.on_some_event registered by plugin "throws_in_cb" ' +
      "threw: boom",
    ],
    [["calls_boom.js"], 3, 'thrower.boom, called by plugin "calls_boom", threw: kaboom'],
  ];
  for (const [files, status, end] of cases) {
    const plugins = [PLUGIN_A, ...files].flatMap((
      f,
    ) => ["--plugin", f.startsWith("/") ? f : `${dir}/${f}`]);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "mod.ts", ...plugins, HELLO],
      cwd: new URL("../..", import.meta.url).pathname,
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    // One line, then the failing plugin's own stack frames, if any.
    const [first, ...frames] = stderr.trimEnd().split("\n");
    assertEquals([out.code, first!.startsWith("rvplug: ")], [status, true], stderr);
    assertEquals(first!.endsWith(end), true, stderr);
    assertEquals(frames.filter((l) => !/^ {4}at .*\.[jt]s:\d+:\d+\)?$/.test(l)), [], stderr);
    // The guest printed nothing: it never started, or the callback threw at its first syscall.
    assertEquals(new TextDecoder().decode(out.stdout), "");
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadPlugins() links a plugin from a URL to the one it uses at the same URL base", async () => {
  // Serves examples/qpp/ over HTTP: plugin_b from there loads plugin_a and its .d.ts from there.
  const root = new URL("../../examples/qpp/", import.meta.url);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    try {
      const body = await Deno.readFile(new URL(`.${new URL(req.url).pathname}`, root));
      return new Response(req.method === "HEAD" ? null : body, {
        headers: { "content-type": "application/typescript" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/plugin_b.ts`;
    // A child process, with no lock file: remote modules would be written into deno.lock.
    const out = await new Deno.Command(Deno.execPath(), {
      // trust=on: a remote plugin is sandboxed otherwise, and sandboxed plugins have no QPP.
      args: ["run", "-A", "--no-lock", "--quiet", "mod.ts", "--plugin", `${url},trust=on`, HELLO],
      cwd: new URL("../..", import.meta.url).pathname,
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals([out.code, stderr], [
      0,
      "plugin_b: on_some_event(1, true), func_1(1) = 2\n" +
      "plugin_b: on_some_event(2, false), func_1(2) = 4\n",
    ]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("rvplug --help documents the loader options and --qpp-list", async () => {
  const { main } = await import("../../cli.ts");
  const printed: string[] = [];
  const log = console.log;
  console.log = (text: string) => printed.push(text);
  try {
    assertEquals(await main(["--help"]), 0);
  } finally {
    console.log = log;
  }
  const help = printed.join("\n");
  for (const option of LOADER_OPTIONS) assertEquals(help.includes(`${option}=`), true, option);
  assertEquals(help.includes("--qpp-list"), true);
});

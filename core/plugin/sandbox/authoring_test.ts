import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { exampleElf, tempDir } from "../../../tests/_files.ts";
import { rvplug, serveFiles } from "./_serve_testing.ts";

const HELLO = exampleElf("hello");

/**
 * A plugin whose callback (or, given `at=install`, its install; given `at=exit`, its exit
 * callback) throws from a helper function.
 */
const THROWER = `export function install(api, args) {
  if (args.length && args[0][1] === "install") fail();
  if (args.length) api.onExit(() => helper());
  else api.onTbTrans((tb) => tb.onExec(onBlock));
}
function fail() {
  throw new TypeError("bad argument");
}
function onBlock() {
  helper();
}
function helper() {
  throw new Error("boom");
}
`;

Deno.test("an exception in a plugin's callback or install shows the plugin's own frames and ends the run, in-process and sandboxed", async () => {
  const dir = tempDir();
  try {
    const file = `${dir}/thrower.ts`, url = `file://${file}`;
    Deno.writeTextFileSync(file, THROWER);
    const callback = `rvplug: Plugin "thrower" failed at pc 0x00010094: boom\n` +
      `    at helper (${url}:13:9)\n    at onBlock (${url}:10:3)\n`;
    const atExit = /^rvplug: Plugin "thrower" failed at pc 0x[0-9a-f]{8}: boom\n {4}at helper \(/;
    const install = `rvplug: Cannot install plugin "thrower": bad argument\n` +
      `    at fail (${url}:7:9)\n    at Module.install (${url}:2:48)\n`;
    for (const sandbox of ["", ",sandbox=on"]) {
      const cases: [string, number, string | RegExp][] = [
        [file, 3, callback],
        [`${file},at=install`, 1, install],
        [`${file},at=exit`, 3, atExit],
      ];
      for (const [spec, status, stderr] of cases) {
        const r = await rvplug(["--plugin", spec + sandbox, HELLO]);
        assertEquals(r.status, status, spec + sandbox);
        if (typeof stderr === "string") assertEquals(r.stderr, stderr, spec + sandbox);
        else assertMatch(r.stderr, stderr, spec + sandbox);
      }
    }
    // The failure ends the run with status 3, and the other plugins' exit callbacks run once
    // (insn.ts prints its count in one), whether the plugin that failed is sandboxed or not, and
    // whether it failed in a callback or in its own exit callback.
    const insn = new URL("../../../plugins/insn.ts", import.meta.url).pathname;
    for (const sandbox of ["", ",sandbox=on"]) {
      for (const [thrower, at] of [[file, "0x00010094"], [`${file},at=exit`, "0x[0-9a-f]{8}"]]) {
        const spec = thrower + sandbox;
        for (const plugins of [[insn, spec], [spec, insn]]) {
          const r = await rvplug([...plugins.flatMap((p) => ["--plugin", p]), HELLO]);
          const what = plugins.join(" ");
          assertEquals(r.status, 3, what);
          assertMatch(
            r.stderr,
            new RegExp(`^rvplug: Plugin "thrower" failed at pc ${at}: boom\n`, "m"),
            what,
          );
          assertEquals(r.stderr.match(/^insns: \d+$/gm)?.length, 1, what);
        }
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

const API_DTS = `export interface PluginApi {
  outs(text: string): void;
  onExit(cb: () => void): void;
}
`;

Deno.test("--check type-checks a remote plugin against a .d.ts it imports from its server", async () => {
  const s = serveFiles({
    "api.d.ts": API_DTS,
    "good.ts": `import type { PluginApi } from "./api.d.ts";
export function install(api: PluginApi): void {
  api.onExit(() => api.outs("fine\\n"));
}
`,
    "bad.ts": `import type { PluginApi } from "./api.d.ts";
export function install(api: PluginApi): void {
  api.onExit(() => api.outs(42));
}
`,
  });
  try {
    const good = await rvplug(["--check", "--plugin", `${s.base}good.ts`, HELLO]);
    assertEquals([good.status, good.stderr], [0, "fine\n"]);
    const bad = await rvplug(["--check", "--plugin", `${s.base}bad.ts`, HELLO]);
    assertEquals(bad.status, 1);
    assertStringIncludes(
      bad.stderr,
      "rvplug: Cannot load plugins: they do not type-check (--check)",
    );
    assertStringIncludes(bad.stderr, "TS2345");
    assertStringIncludes(bad.stderr, `at ${s.base}bad.ts:3:29`);
    // Without --check, the same plugin runs (JavaScript does not mind).
    const unchecked = await rvplug(["--plugin", `${s.base}bad.ts`, HELLO]);
    assertEquals([unchecked.status, unchecked.stderr], [0, "42"]);
  } finally {
    await s.close();
  }
});

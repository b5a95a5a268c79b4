import { assertEquals, assertStringIncludes } from "@std/assert";
import { exampleElf, tempDir } from "../../../tests/_files.ts";
import { rvplug, serveFiles } from "./_serve_testing.ts";

const HELLO = exampleElf("hello");

/** A plugin whose callback (or, given an argument, install) throws from a helper function. */
const THROWER = `export function install(api, args) {
  if (args.length) fail();
  api.onTbTrans((tb) => tb.onExec(onBlock));
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

Deno.test("an exception in a plugin's callback or install shows the plugin's own frames, in-process and sandboxed", async () => {
  const dir = tempDir();
  try {
    const file = `${dir}/thrower.ts`, url = `file://${file}`;
    Deno.writeTextFileSync(file, THROWER);
    const callback = `failed at pc 0x00010094: boom\n` +
      `    at helper (${url}:12:9)\n    at onBlock (${url}:9:3)\n`;
    const install = `rvplug: Cannot install plugin "thrower": bad argument\n` +
      `    at fail (${url}:6:9)\n    at Module.install (${url}:2:20)\n`;
    const cases: [string, number, string][] = [
      [file, 3, `rvplug: Plugin "thrower" ${callback}`],
      [`${file},sandbox=on`, 0, `rvplug: plugin "thrower" ${callback}`],
      [`${file},x=1`, 1, install],
      [`${file},x=1,sandbox=on`, 1, install],
    ];
    for (const [spec, status, stderr] of cases) {
      const r = await rvplug(["--plugin", spec, HELLO]);
      assertEquals([r.status, r.stderr], [status, stderr], spec);
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

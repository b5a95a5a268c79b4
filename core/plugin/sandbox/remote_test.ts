import { assertEquals, assertStringIncludes } from "@std/assert";
import { exampleElf, REPO_ROOT, tempDir } from "../../../tests/_files.ts";
import { rvplug, serveFiles } from "./_serve_testing.ts";

const EXITCODE = exampleElf("exitcode");
const HELLO = exampleElf("hello");

const FILES = {
  "counter.ts": `import { format } from "./lib/format.ts";
export function install(api: { onExit(cb: () => void): void; outs(s: string): void }): void {
  api.onExit(() => api.outs(format("exits", 1)));
}
`,
  "lib/format.ts": `export function format(what: string, n: number): string {
  return what + ": " + n + "\\n";
}
`,
  "syntax.ts": `import { k } from "./lib/bad.ts";\nexport function install() {}\n`,
  "lib/bad.ts": `export const k = {\n  a: 1 2,\n};\n`,
  "imports404.ts": `import { h } from "./missing.ts";\nexport function install() {}\n`,
  "typed.ts": {
    text: `export function install(api: unknown): void {}\n`,
    type: "text/vnd.trolltech.linguist",
  },
  "hangs.ts": { text: "", hang: true },
};

Deno.test("loadPlugin() loads a remote plugin that imports a helper relative to its URL, sandboxed and trusted", async () => {
  const s = serveFiles(FILES);
  try {
    for (const mode of ["", ",trust=on"]) {
      const r = await rvplug(["--plugin", `${s.base}counter.ts${mode}`, EXITCODE, "5"]);
      assertEquals([r.status, r.stderr], [5, "exits: 1\n"]);
    }
  } finally {
    await s.close();
  }
});

Deno.test("loadPlugin() names the remote module at fault, with its line and column", async () => {
  const s = serveFiles(FILES);
  const cases: [file: string, options: string, reason: string][] = [
    ["nothere.ts", "", `module "${s.base}nothere.ts" was not found (HTTP 404 Not Found)`],
    [
      "imports404.ts",
      "",
      `module "${s.base}missing.ts" was not found (HTTP 404 Not Found), imported at ` +
      `${s.base}imports404.ts:1:19`,
    ],
    [
      "syntax.ts",
      "",
      `syntax error at ${s.base}lib/bad.ts:2:8: Expected ',', got 'numeric literal (2, 2)'`,
    ],
    [
      "typed.ts",
      "",
      `the server sends "${s.base}typed.ts" as "text/vnd.trolltech.linguist", which Deno reads ` +
      `as JavaScript, not TypeScript (hence: Expected ',', got ':' at ${s.base}typed.ts:1:28): ` +
      `serve .ts files as application/typescript, for example with ` +
      `"deno run -A jsr:@std/http/file-server"`,
    ],
    [
      "hangs.ts",
      ",timeout=1",
      "its modules did not arrive within 1 s (a server that does not answer?)",
    ],
  ];
  try {
    for (const [file, options, reason] of cases) {
      for (const trust of options ? [""] : ["", ",trust=on"]) {
        const r = await rvplug(["--plugin", `${s.base}${file}${options}${trust}`, EXITCODE, "5"]);
        const expected = `rvplug: Cannot load plugin "${s.base}${file}": ${reason}\n`;
        assertEquals([r.status, r.stderr], [1, expected], `${file}${trust}`);
      }
    }
  } finally {
    await s.close();
  }
});

Deno.test("loadPlugin() names the Deno flag rvplug lacks to load a plugin, to give before mod.ts", async () => {
  const s = serveFiles(FILES);
  try {
    const r = await rvplug(
      ["--plugin", `${s.base}counter.ts`, EXITCODE, "5"],
      ["--allow-read", "--no-lock", "--no-prompt"],
    );
    assertEquals(
      [r.status, r.stderr],
      [
        1,
        `rvplug: Cannot load plugin "${s.base}counter.ts": Deno was not given import access to ` +
        `"${s.host}": run deno with --allow-import=${s.host} before mod.ts ` +
        `(deno run --allow-import=${s.host} ... mod.ts ...)\n`,
      ],
    );
  } finally {
    await s.close();
  }
});

Deno.test("loadPlugin() pins a remote plugin with lock=FILE and refuses it once changed, until update=on", async () => {
  const dir = tempDir();
  const s = serveFiles({
    "pinned.ts": `import { v } from "./v.ts";
export function install(api) { api.onExit(() => api.outs("version " + v + "\\n")); }`,
    "v.ts": `export const v = 1;`,
  });
  try {
    const lock = `${dir}/plugins.lock`;
    const spec = `${s.base}pinned.ts,lock=${lock}`;
    const first = await rvplug(["--plugin", spec, EXITCODE, "0"]);
    assertEquals([first.status, first.stderr], [0, "version 1\n"]);
    assertStringIncludes(Deno.readTextFileSync(lock), `${s.base}v.ts`);
    s.set("v.ts", `export const v = 2;`);
    const refused = await rvplug(["--plugin", `${spec},refresh=on`, EXITCODE, "0"]);
    assertEquals(refused.status, 1);
    assertStringIncludes(
      refused.stderr,
      `rvplug: Cannot load plugin "${s.base}pinned.ts": "${s.base}v.ts" changed since it was ` +
        `pinned in "${lock}"`,
    );
    assertStringIncludes(
      refused.stderr,
      `accept it with --plugin ${s.base}pinned.ts,lock=${lock},update=on`,
    );
    const updated = await rvplug(["--plugin", `${spec},update=on`, EXITCODE, "0"]);
    assertEquals([updated.status, updated.stderr], [0, "version 2\n"]);
    const again = await rvplug(["--plugin", spec, EXITCODE, "0"]);
    assertEquals([again.status, again.stderr], [0, "version 2\n"]);
  } finally {
    await s.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the plain command runs a remote plugin without touching the project's deno.lock", async () => {
  const s = serveFiles(FILES);
  try {
    const before = Deno.readFileSync(`${REPO_ROOT}/deno.lock`);
    const args = ["--plugin", `${s.base}counter.ts`, EXITCODE, "5"];
    // Deno started without --no-lock: the command runs itself again with it.
    const plain = await rvplug(args, ["-A"]);
    const given = await rvplug(args);
    assertEquals([plain.status, plain.stdout, plain.stderr], [
      given.status,
      given.stdout,
      given.stderr,
    ]);
    assertEquals(plain.status, 5);
    assertEquals(Deno.readFileSync(`${REPO_ROOT}/deno.lock`), before);
    // Where it cannot run itself again (here: it is that run already), it refuses.
    const refused = await rvplug(args, ["-A"], { RVPLUG_REEXEC: "1" });
    assertEquals(refused.status, 1);
    assertStringIncludes(refused.stderr, "run deno with --no-lock before mod.ts");
    assertEquals(Deno.readFileSync(`${REPO_ROOT}/deno.lock`), before);
  } finally {
    await s.close();
  }
});

Deno.test("a sandboxed remote plugin composes with a local provider through QPP, as it does in-process", async () => {
  // examples/qpp/plugin_b, served: it uses plugin_a's function and callback.
  const source = Deno.readTextFileSync(
    new URL("../../../examples/qpp/plugin_b.ts", import.meta.url),
  )
    .replace(/^import .*$/gm, "");
  const s = serveFiles({ "plugin_b.ts": source });
  const provider = new URL("../../../examples/qpp/plugin_a.ts", import.meta.url).pathname;
  try {
    const outs = [];
    for (const mode of ["", ",trust=on"]) {
      const r = await rvplug([
        "--plugin",
        provider,
        "--plugin",
        `${s.base}plugin_b.ts${mode}`,
        HELLO,
      ]);
      outs.push([r.status, r.stderr]);
    }
    assertEquals(outs[0], [
      0,
      "plugin_b: on_some_event(1, true), func_1(1) = 2\n" +
      "plugin_b: on_some_event(2, false), func_1(2) = 4\n",
    ]);
    assertEquals(outs[1], outs[0]);
  } finally {
    await s.close();
  }
});

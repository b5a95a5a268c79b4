/**
 * Tests of QEMU's QPP example (plugin_a provides `func_1` and `on_some_event`, plugin_b uses
 * both) on a guest, and of `deno check` rejecting what disagrees with a `.d.ts`.
 */

import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";

const HELLO = new URL("../build/hello.elf", import.meta.url).pathname;
const here = (file: string) => new URL(file, import.meta.url).pathname;

// hello makes two syscalls: write (64), then exit_group.
const PLUGIN_B_LOG = "plugin_b: on_some_event(1, true), func_1(1) = 2\n" +
  "plugin_b: on_some_event(2, false), func_1(2) = 4\n";

Deno.test("plugin_b gets plugin_a's events and calls func_1, plugin_a loaded automatically", async () => {
  const r = await runWithPlugins(HELLO, [here("plugin_b.ts")]);
  assertEquals(r.log, PLUGIN_B_LOG);
  assertEquals(r.machine.plugins.names, ["plugin_a", "plugin_b"]);
});

Deno.test("plugin_b links to plugin_a whatever the order on the command line", async () => {
  const r = await runWithPlugins(HELLO, [here("plugin_b.ts"), here("plugin_a.ts")]);
  assertEquals(r.log, PLUGIN_B_LOG);
  assertEquals(r.machine.plugins.names, ["plugin_a", "plugin_b"]);
});

Deno.test("plugin_a loaded twice under two names keeps two states", async () => {
  // Were the module's state shared, each syscall would count twice and func_1 would differ.
  const r = await runWithPlugins(HELLO, [
    here("plugin_a.ts"),
    `${here("plugin_a.ts")},name=plugin_a2`,
    here("plugin_b.ts"),
  ]);
  assertEquals(r.log, PLUGIN_B_LOG);
});

Deno.test("the loader rejects a provider whose .d.ts is out of date", async () => {
  await assertRejects(
    () => runWithPlugins(HELLO, [here("bad/stale.ts")]),
    TypeError,
    'its .d.ts declares func_2, which it does not export (is "file://',
  );
});

Deno.test("deno check rejects a wrong call to func_1 and a provider disagreeing with its .d.ts", async () => {
  // One run for both (each check takes seconds); the project's own check excludes bad/.
  const config = JSON.parse(await Deno.readTextFile(here("../../deno.json")));
  delete config.exclude;
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(config));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", `${dir}/deno.json`, here("bad/plugin_c.ts"), here("bad/stale.ts")],
    env: { NO_COLOR: "1" },
  }).output();
  await Deno.remove(dir, { recursive: true });
  const errors = new TextDecoder().decode(out.stderr);
  assertEquals(out.success, false);
  assertStringIncludes(
    errors,
    "Argument of type 'string' is not assignable to parameter of type 'number'",
  );
  assertStringIncludes(errors, "bad/plugin_c.ts:15");
  assertStringIncludes(errors, 'missing: "func_2"');
  assertStringIncludes(errors, "bad/stale.ts:12");
});

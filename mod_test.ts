import { assertEquals, assertStringIncludes } from "@std/assert";
import * as mod from "./mod.ts";
import { PLUGIN_API_VERSION } from "./mod.ts";
import { runCli } from "./tests/_cli.ts";

Deno.test("mod.ts exports exactly the documented public surface", () => {
  // Adding or removing a public export is an API change: update this list and the docs.
  assertEquals(Object.keys(mod).sort(), [
    "CpuState",
    "GuestExit",
    "GuestFault",
    "LOADER_OPTIONS",
    "Machine",
    "Memory",
    "PLUGIN_API_MIN_VERSION",
    "PLUGIN_API_VERSION",
    "PluginError",
    "PluginHost",
    "QppCallError",
    "QppCallbackError",
    "QppLinkError",
    "QppLinker",
    "VERSION",
    "decode",
    "linkPlugins",
    "loadPlugin",
    "loadPlugins",
    "main",
    "parsePluginSpec",
  ]);
});

Deno.test("mod.ts as the command loads and runs a plugin that imports a value from mod.ts", async () => {
  // A top-level await in the entry would make the plugin's import wait on mod.ts forever.
  const r = await runCli([
    "--plugin",
    "tests/fixtures/imports_mod_plugin.ts",
    "examples/build/hello.elf",
  ]);
  assertEquals([r.status, r.stderr], [0, `api version ${PLUGIN_API_VERSION}\n`]);
  assertStringIncludes(r.stdout, "Hello from RISC-V!");
});

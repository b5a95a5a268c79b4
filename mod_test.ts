import { assertEquals } from "@std/assert";
import * as mod from "./mod.ts";

Deno.test("mod.ts exports exactly the documented public surface", () => {
  // Adding or removing a public export is an API change: update this list and the docs.
  assertEquals(Object.keys(mod).sort(), [
    "CpuState",
    "GuestExit",
    "GuestFault",
    "Machine",
    "Memory",
    "PLUGIN_API_MIN_VERSION",
    "PLUGIN_API_VERSION",
    "PluginError",
    "PluginHost",
    "VERSION",
    "decode",
    "loadPlugin",
    "main",
    "parsePluginSpec",
  ]);
});

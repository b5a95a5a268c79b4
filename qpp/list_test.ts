import { assertEquals } from "@std/assert";
import { Machine } from "../core/machine.ts";
import { linkPlugins, parsePluginSpec } from "../core/plugin/loader.ts";
import { formatQppList } from "./list.ts";

const ROOT = new URL("../", import.meta.url);

Deno.test("formatQppList() shows interfaces and uses as plugins/README.md says", async () => {
  const specs = ["plugins/profiler.ts", "plugins/filetrace.ts"]
    .map((p) => parsePluginSpec(new URL(p, ROOT).pathname));
  const plugins = await linkPlugins(new Machine().plugins, specs);
  const text = formatQppList(plugins, (s) => s.replace(ROOT.href, ""));
  const readme = await Deno.readTextFile(new URL("plugins/README.md", ROOT));
  const block = readme.split("plugins/filetrace.ts`):\n\n```\n")[1]!.split("```")[0];
  assertEquals(text, block);
});

Deno.test("rvplug --qpp-list prints plugin_b's use of plugin_a and exits 0", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "mod.ts", "--qpp-list", "--plugin", "examples/qpp/plugin_b.ts"],
    cwd: ROOT.pathname,
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(out.code, 0);
  assertEquals(
    new TextDecoder().decode(out.stdout),
    [
      "plugin_a (examples/qpp/plugin_a.ts)",
      "  interface plugin_a version 1 (examples/qpp/plugin_a.d.ts)",
      "  function func_1(x: number): number",
      "      Returns `x` plus the number of syscalls the guest made so far.",
      "  callback on_some_event(x: number, flag: boolean)",
      "      Runs before each syscall: `x` counts syscalls from 1, `flag` is true for write.",
      "  used by plugin_b (version 1)",
      "plugin_b (examples/qpp/plugin_b.ts)",
      "  uses plugin_a version 1",
      "",
    ].join("\n"),
  );
});

import { assertEquals } from "@std/assert";
import { exampleElf, REPO_ROOT } from "../../../tests/_files.ts";
import { parsePluginSpec } from "../loader.ts";
import { rvplug, serveFiles } from "./_serve_testing.ts";
import { type DenoState, missingDenoFlags, splitDenoArgv } from "./_reexec.ts";

Deno.test("splitDenoArgv() finds the main module from the script's own arguments", () => {
  const cases: [string[], string[], ReturnType<typeof splitDenoArgv>][] = [
    [["deno", "run", "-A", "mod.ts", "-E", "A=1", "p.elf"], ["-E", "A=1", "p.elf"], {
      before: ["run", "-A"],
      module: "mod.ts",
      args: ["-E", "A=1", "p.elf"],
    }],
    // A Deno flag taking a separate value does not mislead it.
    [["deno", "run", "--config", "deno.json", "mod.ts", "p.elf"], ["p.elf"], {
      before: ["run", "--config", "deno.json"],
      module: "mod.ts",
      args: ["p.elf"],
    }],
    [["deno", "mod.ts"], [], { before: [], module: "mod.ts", args: [] }],
    // A compiled binary: no module on the command line.
    [["./rvplug", "p.elf"], ["p.elf"], undefined],
    [["deno", "run", "-A", "mod.ts", "other.elf"], ["p.elf"], undefined],
  ];
  for (const [argv, args, expected] of cases) {
    assertEquals(splitDenoArgv(argv, args), expected, argv.join(" "));
  }
});

Deno.test("missingDenoFlags() asks for --no-prompt for a sandboxed plugin on a terminal and --no-lock for a remote one", () => {
  const local = parsePluginSpec("p.ts");
  const boxed = parsePluginSpec("p.ts,sandbox=on");
  const remote = parsePluginSpec("https://example.com/p.ts");
  const trusted = parsePluginSpec("https://example.com/p.ts,trust=on");
  const tty: DenoState = { flags: ["-A"], terminal: true, noPromptEnv: false };
  const cases: [string, ReturnType<typeof parsePluginSpec>[], DenoState, string[]][] = [
    ["local", [local], tty, []],
    ["sandboxed", [local, boxed], tty, ["--no-prompt"]],
    ["sandboxed, pipes", [boxed], { ...tty, terminal: false }, []],
    ["sandboxed, DENO_NO_PROMPT", [boxed], { ...tty, noPromptEnv: true }, []],
    ["sandboxed, --no-prompt", [boxed], { ...tty, flags: ["-A", "--no-prompt"] }, []],
    ["remote", [remote], tty, ["--no-prompt", "--no-lock"]],
    ["remote, pipes", [remote], { ...tty, terminal: false }, ["--no-lock"]],
    ["trusted remote", [trusted], tty, ["--no-lock"]],
    ["remote, --lock=FILE", [trusted], { ...tty, flags: ["--lock=x.lock"] }, []],
    ["remote, --no-lock", [trusted], { ...tty, flags: ["-A", "--no-lock"] }, []],
  ];
  for (const [what, specs, state, expected] of cases) {
    assertEquals(missingDenoFlags(specs, state), expected, what);
  }
});

const PLUGIN = {
  "p.ts": `export function install(api) { api.onExit(() => console.error("p done")); }`,
};

Deno.test("the command run again gives the guest the same environment, in the same order", async () => {
  const s = serveFiles(PLUGIN);
  try {
    const args = ["--plugin", `${s.base}p.ts`, exampleElf("hello"), "a b"];
    const again = await rvplug(args, ["-A"]); // without --no-lock: run again
    const given = await rvplug(args);
    assertEquals(again, given);
    assertEquals(again.stdout.includes("RVPLUG_REEXEC"), false);
    assertEquals(again.stderr, "p done\n");
  } finally {
    await s.close();
  }
});

Deno.test("the command run again passes SIGTERM on to its run, and its exit status back", async () => {
  const s = serveFiles(PLUGIN);
  const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
  try {
    for (
      const [mode, out, code] of [["15", "spinning\ninterrupted\n", 0], [
        "",
        "spinning\n",
        143,
      ]] as const
    ) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "mod.ts",
          "--plugin",
          `${s.base}p.ts`,
          exampleElf("signals"),
          "spin",
          ...(mode ? [mode] : []),
        ],
        cwd: REPO_ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.getReader();
      let text = "";
      while (!text.includes("spinning")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decode(value);
      }
      child.kill("SIGTERM"); // to the command the user started, not to its run
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decode(value);
      }
      assertEquals([text, (await child.status).code], [out, code], mode);
    }
  } finally {
    await s.close();
  }
});

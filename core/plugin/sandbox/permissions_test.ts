import { assertEquals, assertStringIncludes } from "@std/assert";
import { exampleElf, REPO_ROOT, tempDir } from "../../../tests/_files.ts";
import { rvplug, serveFiles } from "./_serve_testing.ts";

/** A plugin that tries one thing at vCPU start (during the run) and prints how it went. */
const PROBE = `
export function install(api, args) {
  const opts = Object.fromEntries(args);
  api.onVcpuInit(() => api.outs(opts.try + ": " + probe(opts.try, opts.target) + "\\n"));
}
function probe(kind, target) {
  switch (kind) {
    case "read": return Deno.readTextFileSync(target).length > 0 ? "ok" : "empty";
    case "write": Deno.writeTextFileSync(target, "x"); return "ok";
    case "net": Deno.listen({ hostname: "127.0.0.1", port: Number(target.split(":")[1]) }).close(); return "ok";
    case "run": return new Deno.Command(target).outputSync().success ? "ok" : "failed";
    case "env": return Deno.env.get(target) !== undefined ? "ok" : "unset";
  }
}
`;

/** A free TCP port on 127.0.0.1. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const EXITCODE = exampleElf("exitcode");

Deno.test("a sandboxed remote plugin is denied each permission it was not granted, reported, and the guest completes; granted, it succeeds", async () => {
  const dir = tempDir();
  const server = serveFiles({ "probe.ts": PROBE });
  try {
    const port = freePort();
    const cases = [
      { try: "read", target: "/etc/hostname", kind: "read" },
      { try: "write", target: `${dir}/out.txt`, kind: "write" },
      { try: "net", target: `127.0.0.1:${port}`, kind: "net" },
      { try: "run", target: "true", kind: "run" },
      { try: "env", target: "HOME", kind: "env" },
    ];
    for (const c of cases) {
      const url = `${server.base}probe.ts`;
      const spec = `${url},try=${c.try},target=${c.target}`;
      const denied = await rvplug(["--plugin", spec, EXITCODE, "4"]);
      assertEquals(denied.status, 4, denied.stderr);
      assertStringIncludes(denied.stdout, "exiting with 4");
      assertEquals(
        denied.stderr,
        `rvplug: plugin "probe" was denied ${c.kind} access to "${c.target}": grant it with ` +
          `--plugin ${url},allow-${c.kind}=${c.target}\n`,
      );
      const granted = await rvplug([
        "--plugin",
        `${spec},allow-${c.kind}=${c.target}`,
        EXITCODE,
        "4",
      ]);
      assertEquals([granted.status, granted.stderr], [4, `${c.try}: ok\n`]);
    }
  } finally {
    await server.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a sandboxed plugin importing from a host it was not granted is reported, and granted it loads", async () => {
  const other = serveFiles({ "helper.ts": `export const answer = 42;` });
  const server = serveFiles({
    "importer.ts": `import { answer } from "${other.base}helper.ts";
export function install(api) { api.onExit(() => api.outs("answer " + answer + "\\n")); }`,
  });
  try {
    const url = `${server.base}importer.ts`;
    const denied = await rvplug(["--plugin", url, EXITCODE, "2"]);
    assertEquals(denied.status, 2);
    assertEquals(
      denied.stderr,
      `rvplug: plugin "importer" was denied import access to "${other.host}": grant it with ` +
        `--plugin ${url},allow-import=${other.host}\n`,
    );
    const granted = await rvplug(["--plugin", `${url},allow-import=${other.host}`, EXITCODE, "2"]);
    assertEquals([granted.status, granted.stderr], [2, "answer 42\n"]);
  } finally {
    await server.close();
    await other.close();
  }
});

Deno.test("a sandboxed plugin that throws or hangs is reported in one line with its own frames, and ends the run with status 3", async () => {
  const server = serveFiles({
    "thrower.ts": `export function install(api) {
  api.onTbTrans((tb) => tb.onExec(onBlock));
}
function onBlock() {
  throw new Error("boom");
}
`,
    "hanger.ts": `export function install(api) { api.onVcpuInit(() => { for (;;); }); }`,
  });
  try {
    // The guest would exit with 5: the failure's 3 replaces that.
    const thrower = await rvplug(["--plugin", `${server.base}thrower.ts`, EXITCODE, "5"]);
    assertEquals(thrower.status, 3);
    assertEquals(
      thrower.stderr.replace(/pc 0x[0-9a-f]+/, "pc X"),
      `rvplug: Plugin "thrower" failed at pc X: boom\n` +
        `    at onBlock (${server.base}thrower.ts:5:9)\n`,
    );
    const hanger = await rvplug(["--plugin", `${server.base}hanger.ts,timeout=0.5`, EXITCODE, "5"]);
    assertEquals(hanger.status, 3);
    assertEquals(
      hanger.stderr.replace(/pc 0x[0-9a-f]+/, "pc X"),
      `rvplug: Plugin "hanger" failed at pc X: it did not answer within 0.5 s and was stopped ` +
        `(give it longer with --plugin ${server.base}hanger.ts,timeout=SECONDS)\n`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("on a terminal, the plain command sandboxes a plugin with Deno unable to prompt, so no prompt ever grants it anything", async () => {
  const dir = tempDir();
  const plugin = `${dir}/snoop.ts`;
  Deno.writeTextFileSync(
    plugin,
    `export function install(api) { api.onVcpuInit(() => Deno.readTextFileSync("/etc/hostname")); }`,
  );
  // main() run by another entry module cannot run the command again: it refuses, as before.
  const entry = `${dir}/entry.ts`;
  Deno.writeTextFileSync(
    entry,
    `import { main } from ${JSON.stringify(`${REPO_ROOT}/mod.ts`)};\n` +
      `Deno.exit(await main(Deno.args));\n`,
  );
  const run = async (deno: string) => {
    // script(1) gives the command a pseudo-terminal; stdin stays a terminal that never answers.
    const r = await new Deno.Command("script", {
      args: [
        "-qec",
        `${deno} --plugin ${plugin},sandbox=on examples/build/exitcode.elf 6`,
        "/dev/null",
      ],
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      signal: AbortSignal.timeout(60_000),
    }).spawn();
    const out = await r.output();
    return { status: out.code, text: new TextDecoder().decode(out.stdout).replaceAll("\r", "") };
  };
  try {
    for (
      const deno of [
        `${Deno.execPath()} run -A --no-lock --config deno.json ${entry}`,
        `RVPLUG_REEXEC=1 ${Deno.execPath()} run -A mod.ts`,
      ]
    ) {
      const refused = await run(deno);
      assertEquals(refused.status, 1, deno);
      assertStringIncludes(refused.text, 'Cannot sandbox plugin "snoop": on a terminal');
    }
    for (
      const deno of [
        `${Deno.execPath()} run -A mod.ts`,
        `${Deno.execPath()} run -A --no-prompt mod.ts`,
        `DENO_NO_PROMPT=1 ${Deno.execPath()} run -A mod.ts`,
      ]
    ) {
      const safe = await run(deno);
      assertEquals(safe.status, 6, safe.text);
      assertStringIncludes(safe.text, 'plugin "snoop" was denied read access to "/etc/hostname"');
      assertEquals(safe.text.includes("Granted"), false, safe.text);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

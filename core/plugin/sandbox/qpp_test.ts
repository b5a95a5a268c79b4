/**
 * QPP across the sandbox: providers and consumers in Workers of their own or in-process, in every
 * combination, give the output they give all in-process.
 */

import { assert, assertEquals } from "@std/assert";
import { exampleElf, pluginUrl, REPO_ROOT, tempDir } from "../../../tests/_files.ts";
import { runWithPlugins } from "../../../testing.ts";
import { rvplug, serveFiles } from "./_serve_testing.ts";

const HELLO = exampleElf("hello");
const PLUGIN_A = `${REPO_ROOT}/examples/qpp/plugin_a.ts`;
const PLUGIN_B = `${REPO_ROOT}/examples/qpp/plugin_b.ts`;
const SANDBOXED = ",sandbox=on";

/** plugin_b's lines on hello (two syscalls), as tested in-process in examples/qpp. */
const PLUGIN_B_LOG = "plugin_b: on_some_event(1, true), func_1(1) = 2\n" +
  "plugin_b: on_some_event(2, false), func_1(2) = 4\n";

const PLACES: readonly (readonly [string, string])[] = [
  [SANDBOXED, ""],
  ["", SANDBOXED],
  [SANDBOXED, SANDBOXED],
];

for (const [provider, consumer] of PLACES) {
  const where = (s: string) => s ? "sandboxed" : "in-process";
  Deno.test(`QPP: a ${where(provider)} provider and a ${where(consumer)} consumer give the in-process output`, async () => {
    // The consumer comes first on the command line: the provider is installed first all the same.
    const r = await runWithPlugins(HELLO, [PLUGIN_B + consumer, PLUGIN_A + provider]);
    assertEquals(r.log, PLUGIN_B_LOG);
    assertEquals(r.machine.plugins.names, ["plugin_a", "plugin_b"]);
  });
}

Deno.test("QPP: callstack sandboxed gives profiler in-process the in-process profile, and the reverse", async () => {
  const run = async (profiler: string, callstack: string) => {
    const dir = tempDir();
    try {
      const grant = profiler ? `,allow-write=${dir}` : "";
      const r = await runWithPlugins(exampleElf("bench_sort"), [
        `${pluginUrl("profiler")},folded=${dir}/p.folded,svg=${dir}/p.svg${profiler}${grant}`,
        pluginUrl("callstack") + callstack,
      ], { args: ["2000"] });
      return { log: r.log, status: r.status, folded: Deno.readTextFileSync(`${dir}/p.folded`) };
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
  const inProcess = await run("", "");
  assert(inProcess.folded.includes("_start;__rv_cstart;main"), inProcess.folded.slice(0, 200));
  assertEquals(await run("", SANDBOXED), inProcess);
  assertEquals(await run(SANDBOXED, ""), inProcess);
});

Deno.test("QPP: a remote provider, sandboxed, composes with a local consumer as it does in-process", async () => {
  // plugin_a and its .d.ts, served (type-only imports dropped: they name rvplug's own files).
  const source = Deno.readTextFileSync(PLUGIN_A).replace(/^import .*$/gm, "");
  const s = serveFiles({
    "plugin_a.ts": source,
    "plugin_a.d.ts": Deno.readTextFileSync(`${REPO_ROOT}/examples/qpp/plugin_a.d.ts`),
  });
  try {
    const outs = [];
    for (const mode of ["", ",trust=on"]) {
      const r = await rvplug([
        "--plugin",
        PLUGIN_B,
        "--plugin",
        `${s.base}plugin_a.ts${mode}`,
        HELLO,
      ]);
      outs.push([r.status, r.stderr]);
    }
    assertEquals(outs[0], [0, PLUGIN_B_LOG]);
    assertEquals(outs[1], outs[0]);
  } finally {
    await s.close();
  }
});

/** A provider whose function and callback run into exceptions, and a consumer of both. */
const THROWING = {
  "thrower.d.ts": `declare global {
  interface QppRegistry {
    thrower: {
      version: 1;
      functions: { boom: (x: number) => number };
      callbacks: { on_syscall: (num: number) => void };
    };
  }
}
export {};
`,
  "thrower.ts": `export const qppVersion = 1;
export function boom(x) {
  if (x > 1) throw new Error("kaboom");
  return x;
}
export function install(api) {
  const run = api.qpp.createCb("thrower", "on_syscall");
  api.onSyscall((_vcpu, num) => run(num));
}
`,
  "user.ts": `export const qppUses = { thrower: 1 };
export function install(api, args) {
  const { boom } = api.qpp.use("thrower");
  let calls = 0;
  api.qpp.regCb("thrower", "on_syscall", (num) => {
    if (args.length === 0) api.outs("syscall " + num + " boom " + boom(++calls) + "\\n");
    else if (++calls === 2) throw new Error("in the callback");
  });
}
`,
};

Deno.test("QPP: an exception in a provider's function or in a consumer's callback is reported as in-process, sandboxed or not", async () => {
  const dir = tempDir();
  try {
    for (const [file, text] of Object.entries(THROWING)) {
      Deno.writeTextFileSync(`${dir}/${file}`, text);
    }
    const user = `${dir}/user.ts`, thrower = `${dir}/thrower.ts`;
    /** Status, output and error line, and the plugins' own frames as file:line. */
    const run = async (userMode: string, throwerMode: string, args = "") => {
      const r = await rvplug([
        "--plugin",
        user + args + userMode,
        "--plugin",
        thrower + throwerMode,
        HELLO,
      ]);
      const lines = r.stderr.split("\n");
      const frames = lines.filter((l) => l.startsWith("    at ")).map((l) =>
        l.match(/[\w.]+\.ts:\d+/)?.[0]
      );
      return { status: r.status, lines: lines.filter((l) => !l.startsWith("    at ")), frames };
    };
    // hello's second syscall (exit_group) calls boom(2), which throws: a QPP error passes through
    // the callback that thrower runs, so thrower's syscall callback failed.
    const callFails = await run("", "");
    assertEquals(callFails, {
      status: 3,
      lines: [
        "syscall 64 boom 1",
        'rvplug: Plugin "thrower" failed at pc 0x00010186: thrower.boom, called by plugin ' +
        '"user", threw: kaboom',
        "",
      ],
      frames: ["user.ts:6", "thrower.ts:8"],
    });
    // The second syscall's callback throws: the provider that ran it failed.
    const callbackFails = await run("", "", ",fail=on");
    assertEquals(callbackFails, {
      status: 3,
      lines: [
        'rvplug: Plugin "thrower" failed at pc 0x00010186: callback thrower.on_syscall ' +
        'registered by plugin "user" threw: in the callback',
        "",
      ],
      frames: ["thrower.ts:8"],
    });
    // Sandboxed, the same lines and status; the frames are the plugins' own (those of a plugin in
    // another Worker than the one that failed may be left out).
    for (const [u, t] of PLACES) {
      for (const [args, expected] of [["", callFails], [",fail=on", callbackFails]] as const) {
        const { status, lines, frames } = await run(u, t, args);
        const what = `user${args}${u}, thrower${t}`;
        assertEquals({ status, lines }, { status: expected.status, lines: expected.lines }, what);
        assert(frames.length > 0 && frames.every((f) => expected.frames.includes(f)), what);
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/**
 * Ctrl-C and SIGTERM sent to rvplug reach the guest: its handler runs, or the run ends with
 * 128 + N and the plugins' reports and --stats still print.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { exampleElf, REPO_ROOT } from "./_files.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Starts the CLI, waits until the guest printed `ready`, sends `signal`, returns the output. */
async function signalled(args: string[], ready: string, signal: Deno.Signal) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}/mod.ts`, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes(ready)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decode(value);
  }
  // The guest is in its loop; the signal listeners are in place before the guest starts.
  child.kill(signal);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decode(value);
  }
  const status = await child.status;
  const stderr = decode(new Uint8Array(await new Response(child.stderr).arrayBuffer()));
  return { out, stderr, code: status.code };
}

// SIGINT takes the same path; a test runner may start its children with SIGINT ignored, though.
Deno.test("rvplug delivers SIGTERM to the guest's handler, which ends its busy loop", async () => {
  const r = await signalled([exampleElf("signals"), "spin", "15"], "spinning", "SIGTERM");
  assertEquals([r.out, r.code], ["spinning\ninterrupted\n", 0]);
});

Deno.test("rvplug ends a guest without a handler at SIGTERM with 143, reports printed", async () => {
  const plugin = `${REPO_ROOT}/plugins/insn.ts`;
  const args = ["--stats", "--plugin", plugin, exampleElf("signals"), "spin"];
  const r = await signalled(args, "spinning", "SIGTERM");
  assertEquals([r.out, r.code], ["spinning\n", 143]);
  assertMatch(r.stderr, /^insns: \d+\n/m);
  assertMatch(r.stderr, /uncaught target signal 15 \(Terminated\)/);
  assert(r.stderr.includes(" guest insns, "), r.stderr);
});

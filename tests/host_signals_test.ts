/**
 * Ctrl-C and SIGTERM sent to rvplug reach the guest wherever it is: in a busy loop, blocked in
 * a read of stdin (a pipe the test holds open), in a sleep, in rt_sigsuspend. Its handler runs
 * (the blocking call fails with EINTR, or a read goes on with SA_RESTART), or the run ends with
 * 128 + N and the plugins' reports and --stats still print. Each run is killed, failing the test,
 * if it outlives its timeout.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { drive, rvplugCommand } from "./_child.ts";
import { exampleElf, REPO_ROOT } from "./_files.ts";

const SIGNALS = exampleElf("signals");

/**
 * Runs signals.c `args` under rvplug, sends `signal` once it printed `ready`, and `then` once
 * it printed `after` (when given).
 */
function signalled(
  args: string[],
  ready: string,
  signal: Deno.Signal,
  flags: string[] = [],
  then?: { after: string; write: string },
) {
  let sent = false, wrote = false;
  const [cmd, cmdArgs] = rvplugCommand(SIGNALS, args, flags);
  return drive(cmd, cmdArgs, async (out, child) => {
    if (!sent && out.includes(ready)) {
      sent = true;
      child.kill(signal);
    }
    if (then && !wrote && out.includes(then.after)) {
      wrote = true;
      await child.write(then.write);
    }
  });
}

// SIGINT takes the same path; a test runner may start its children with SIGINT ignored, though.
Deno.test("rvplug delivers SIGTERM to the guest's handler, which ends its busy loop", async () => {
  const r = await signalled(["spin", "15"], "spinning", "SIGTERM");
  assertEquals([r.out, r.code], ["spinning\ninterrupted\n", 0]);
});

Deno.test("rvplug ends a guest without a handler at SIGTERM with 143, reports printed", async () => {
  const plugin = `${REPO_ROOT}/plugins/insn.ts`;
  const r = await signalled(["spin"], "spinning", "SIGTERM", ["--stats", "--plugin", plugin]);
  assertEquals([r.out, r.code], ["spinning\n", 143]);
  assertMatch(r.stderr, /^insns: \d+\n/m);
  assertMatch(r.stderr, /uncaught target signal 15 \(Terminated\)/);
  assert(r.stderr.includes(" guest insns, "), r.stderr);
});

Deno.test("SIGTERM cuts short a read of stdin blocked on a pipe: EINTR after the handler", async () => {
  const r = await signalled(["read", "15"], "reading", "SIGTERM");
  assertEquals([r.out, r.code], ["reading\nhandler 15\nread = -4, handled 1\n", 0]);
});

Deno.test("SIGTERM with SA_RESTART: the read goes on after the handler and gets the data", async () => {
  const r = await signalled(["read", "15", "restart"], "reading", "SIGTERM", [], {
    after: "handler 15",
    write: "late\n",
  });
  assertEquals(
    [r.out, r.code],
    ["reading\nhandler 15\nread = 5, handled 1, data late\n\n", 0],
  );
});

Deno.test("SIGTERM without a handler ends a guest blocked in a read: 143, --stats printed", async () => {
  const r = await signalled(["read", "10"], "reading", "SIGTERM", ["--stats"]);
  assertEquals([r.out, r.code], ["reading\n", 143]);
  assert(r.stderr.includes(" guest insns, "), r.stderr);
});

Deno.test("SIGTERM cuts short clock_nanosleep: EINTR, the time left written", async () => {
  const r = await signalled(["sleep", "15"], "sleeping", "SIGTERM");
  assertEquals(
    [r.out, r.code],
    ["sleeping\nhandler 15\nclock_nanosleep = -4, handled 1, rest within the request\n", 0],
  );
});

Deno.test("SIGTERM wakes a guest in rt_sigsuspend, whose handler runs", async () => {
  const r = await signalled(["wait"], "waiting", "SIGTERM");
  assertEquals(r.code, 0);
  assertMatch(r.out, /^waiting\nhandler 15: signo=15 code=128 .*\nwoken: handled 1\n$/);
});

Deno.test("SIGINT without a handler ends a guest blocked in a read with 130", async () => {
  const r = await signalled(["read", "10"], "reading", "SIGINT");
  // A child started with SIGINT ignored never sees it: then the test cannot tell anything.
  if (r.code === 0) return;
  assertEquals([r.out, r.code], ["reading\n", 130]);
});

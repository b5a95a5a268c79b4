/**
 * Ctrl-C and SIGTERM sent to rvplug reach the guest wherever it is: in a busy loop, blocked in
 * a read of stdin (a pipe the test holds open), in a sleep, in rt_sigsuspend. Its handler runs
 * (the blocking call fails with EINTR, or a read goes on with SA_RESTART), or the run ends with
 * 128 + N and the plugins' reports and --stats still print. Each run is killed, failing the test,
 * if it outlives its timeout. The same for a FIFO the guest opens (an open that waits for a
 * writer, a read that waits for data), as under qemu-riscv32.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { drive, qemuCommand, rvplugCommand } from "./_child.ts";
import { exampleElf, REPO_ROOT, tempDir } from "./_files.ts";
import { skipReason } from "./_tools.ts";

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

/** How long a guest that said it is about to block gets to block before the test signals it. */
const SETTLE_MS = 300;

/** A FIFO made with mkfifo in a fresh directory. */
async function makeFifo(): Promise<string> {
  const path = `${tempDir("rvplug_fifo_")}/fifo`;
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert(made.success, new TextDecoder().decode(made.stderr));
  return path;
}

/**
 * Runs `command` (signals.c `fifo SIG PATH [restart]` on a FIFO of its own) and sends SIGTERM
 * once it printed `ready`. With `writer`, the test opens the FIFO for writing (so that the guest's
 * open returns), and writes `writer.late` once the handler ran.
 */
async function onFifo(
  command: (fifo: string) => [string, string[]],
  ready: string,
  writer?: { late?: string },
) {
  const fifo = await makeFifo();
  // Resolves once the guest opens its end for reading.
  const opened = writer ? Deno.open(fifo, { write: true }) : undefined;
  let sent = false, wrote = false;
  const [cmd, args] = command(fifo);
  try {
    return await drive(cmd, args, async (out, child) => {
      if (!sent && out.includes(ready)) {
        sent = true;
        // The guest prints before it opens or reads: give it time to block there.
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        child.kill("SIGTERM");
      }
      if (writer?.late && !wrote && out.includes("handler 15")) {
        wrote = true;
        await (await opened!).write(new TextEncoder().encode(writer.late));
      }
    });
  } finally {
    (await opened)?.close();
  }
}

const fifoArgs =
  (extra: string[] = [], sig = "15") => (fifo: string) => ["fifo", sig, fifo, ...extra];
const ours = (args: (fifo: string) => string[], flags: string[] = []) => (fifo: string) =>
  rvplugCommand(SIGNALS, args(fifo), flags);
const qemus = (args: (fifo: string) => string[]) => (fifo: string) =>
  qemuCommand(SIGNALS, args(fifo));
const noQemu = skipReason("qemu") !== undefined;

Deno.test({
  name: "SIGTERM cuts short the open of a FIFO without a writer: EINTR, as under qemu-riscv32",
  ignore: noQemu,
  async fn() {
    const r = await onFifo(ours(fifoArgs()), "opening");
    assertEquals([r.out, r.code], ["opening\nhandler 15\nopen = -4, handled 1\n", 0]);
    const q = await onFifo(qemus(fifoArgs()), "opening");
    assertEquals([r.out, r.code], [q.out, q.code]);
  },
});

Deno.test({
  name: "SIGTERM cuts short a read of a FIFO: EINTR after the handler, as under qemu-riscv32",
  ignore: noQemu,
  async fn() {
    const r = await onFifo(ours(fifoArgs()), "reading", {});
    assertEquals(r.code, 0);
    assertMatch(r.out, /handler 15\n(.|\n)*read = -4, handled 1\n$/);
    const q = await onFifo(qemus(fifoArgs()), "reading", {});
    assertEquals([r.out, r.code], [q.out, q.code]);
  },
});

Deno.test({
  name: "SIGTERM with SA_RESTART: the read of a FIFO goes on and gets the data, as under qemu",
  ignore: noQemu,
  async fn() {
    const late = { late: "late\n" };
    const r = await onFifo(ours(fifoArgs(["restart"])), "reading", late);
    assertEquals(r.code, 0);
    assertMatch(r.out, /handler 15\n(.|\n)*read = 5, handled 1, data late\n\n$/);
    const q = await onFifo(qemus(fifoArgs(["restart"])), "reading", late);
    assertEquals([r.out, r.code], [q.out, q.code]);
  },
});

Deno.test("SIGTERM without a handler ends a guest blocked on a FIFO: 143, --stats printed", async () => {
  // SIGUSR1's handler is set: SIGTERM keeps its default action.
  for (const [ready, writer] of [["opening", undefined], ["reading", {}]] as const) {
    const r = await onFifo(ours(fifoArgs([], "10"), ["--stats"]), ready, writer);
    assertEquals(r.code, 143, ready);
    assert(r.out.endsWith(`${ready}\n`), r.out);
    assert(r.stderr.includes(" guest insns, "), r.stderr);
  }
});

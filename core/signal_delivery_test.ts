import { assertEquals } from "@std/assert";
import { Machine } from "./machine.ts";
import { loadPlugin, parsePluginSpec } from "./plugin/loader.ts";
import { SIGTRAMP } from "./signal_frame.ts";

const SIGNALS = new URL("../examples/build/signals.elf", import.meta.url);

/** A plugin that logs every discontinuity but the syscalls' as `kind from->to`. */
const DISCON_PLUGIN = `
export function install(api) {
  api.onDiscontinuity((_v, kind, from, to) => {
    if (kind !== "hostcall") api.outs(kind + " " + from.toString(16) + "->" + to.toString(16) + "\\n");
  });
}`;

async function run(mode: string) {
  let log = "";
  const m = new Machine({
    io: { stdin: () => null, stdout: () => {}, stderr: () => {} },
    log: (t) => void (log += t),
  });
  m.loadFile(SIGNALS, { argv: ["signals", mode] });
  const file = Deno.makeTempFileSync({ suffix: ".js" });
  try {
    Deno.writeTextFileSync(file, DISCON_PLUGIN);
    await loadPlugin(m.plugins, parsePluginSpec(file));
  } finally {
    Deno.removeSync(file);
  }
  const r = m.run();
  const sym = (name: string) => m.symbols.find((s) => s.name === name)!.addr.toString(16);
  return { r, log, sym };
}

Deno.test("plugins see a fault delivered to a handler as an exception, from the pc", async () => {
  const { r, log, sym } = await run("segv");
  assertEquals(r.status, 0);
  const lines = log.trim().split("\n");
  assertEquals(lines.length, 1);
  const [kind, fromTo] = lines[0]!.split(" ");
  assertEquals([kind, fromTo?.split("->")[1]], ["exception", sym("skip_fault")]);
});

Deno.test("plugins see kill's signal delivered as an interrupt, after the ecall", async () => {
  const { log, sym } = await run("handler");
  const lines = log.trim().split("\n");
  assertEquals(lines.map((l) => l.split(" ")[0]), ["interrupt", "interrupt"]);
  for (const l of lines) assertEquals(l.split("->")[1], sym("report"));
  assertEquals(SIGTRAMP, 0x3ffff000);
});

Deno.test("a handler runs with its sa_mask blocked, read from the kernel's 16-byte sigaction", () => {
  let out = "";
  const m = new Machine({
    io: {
      stdin: () => null,
      stdout: (b) => void (out += new TextDecoder().decode(b)),
      stderr: () => {},
    },
  });
  m.loadFile(SIGNALS, { argv: ["signals", "samask"] });
  assertEquals(m.run().status, 0);
  // SIGUSR1 (0x200) while it runs, and SIGUSR2 (0x800) from sa_mask.
  assertEquals(out, "handler 10: signo=10 code=0 from-self=1 mask-in-handler=a00 saved-mask=0\n");
});

/** A machine on signals.elf `args` that stops at signals, and its stdout so far. */
function stopping(args: string[]) {
  let out = "";
  const m = new Machine({
    io: {
      stdin: () => null,
      stdout: (b) => void (out += new TextDecoder().decode(b)),
      stderr: () => {},
    },
  });
  m.loadFile(SIGNALS, { argv: ["signals", ...args] });
  m.stopAtSignals = true;
  return { m, out: () => out };
}

Deno.test("stopAtSignals: a stop before each signal; run() delivers it, or drops it with 0", () => {
  const { m, out } = stopping(["handler"]);
  const first = m.run();
  assertEquals([first.reason, first.signal], ["signal-stop", 10]);
  // The stop is after kill's ecall, which returned 0.
  assertEquals(m.cpu.x[10], 0);
  const second = m.run(); // delivered: the handler runs, then tgkill stops again
  assertEquals([second.reason, second.signal], ["signal-stop", 10]);
  assertEquals(m.run({ signal: 0 }).reason, "exit"); // dropped
  assertEquals(
    out(),
    "handler 10: signo=10 code=0 from-self=1 mask-in-handler=200 saved-mask=0\n" +
      "kill = 0\ntgkill = 0\nmask after = 0, handled 1\n",
  );
});

Deno.test("stopAtSignals: a fault stops at its pc; dropping it runs the instruction again", () => {
  const { m } = stopping(["segv"]);
  const stop = m.run();
  assertEquals([stop.reason, stop.signal], ["signal-stop", 11]);
  const pc = m.cpu.pc;
  const again = m.run({ signal: 0 });
  assertEquals([again.reason, again.signal, m.cpu.pc], ["signal-stop", 11, pc]);
  assertEquals(m.run({ signal: 11 }).status, 0); // its handler skips the load
});

Deno.test("stopAtSignals: clearing it (the debugger left) drops the held signal", () => {
  const { m, out } = stopping(["handler"]);
  assertEquals(m.run().reason, "signal-stop");
  m.stopAtSignals = false;
  assertEquals(m.run().reason, "exit"); // the kill's SIGUSR1 dropped, the tgkill's delivered
  assertEquals(
    out(),
    "kill = 0\nhandler 10: signo=10 code=-6 from-self=1 mask-in-handler=200 saved-mask=0\n" +
      "tgkill = 0\nmask after = 0, handled 1\n",
  );
  const segv = stopping(["segv"]).m;
  assertEquals(segv.run().signal, 11);
  segv.stopAtSignals = false;
  assertEquals(segv.run().status, 0); // the load faults again, and its handler runs
});

Deno.test("stopAtSignals: a fatal signal the guest sends itself stops before it ends the run", () => {
  const { m } = stopping(["resethand"]);
  assertEquals(m.run().reason, "signal-stop");
  assertEquals(m.run().reason, "signal-stop"); // the second kill: no handler any more
  const end = m.run();
  assertEquals([end.reason, end.status, end.signal], ["signal", 138, 10]);
});

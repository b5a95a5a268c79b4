/**
 * The GDB stub against the real gdb-multiarch: one batch script run against `qemu-riscv32 -g`
 * and against `rvplug -g` must print the same transcript, and the guest the same output.
 *
 * gdb's interrupt while the guest is blocked in a call (a read of a pipe, a sleep,
 * rt_sigsuspend) is tested with the protocol's bytes, as gdb sends them on Ctrl-C: qemu-riscv32
 * 7.2 has nothing to compare with, since it never stops at the interrupt in user mode (not even
 * in a busy loop). Linux's behaviour is the reference: the run stops with SIGINT (T02); going on
 * without a signal restarts the call, with one delivers it (EINTR after its handler).
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { exampleElf, REPO_ROOT, tempDir } from "./_files.ts";
import { GDB, QEMU, skipReason } from "./_tools.ts";

const DEBUGGEE = exampleElf("debuggee");
const ignore = skipReason("qemu", "gdb") !== undefined;

/** The session of the comparison: break, continue, step into a call, registers, memory, watch. */
const SCRIPT = `set pagination off
set confirm off
set can-use-hw-watchpoints 0
target remote 127.0.0.1:@PORT@
break main
continue
next
step
step
backtrace
info registers pc sp a0 ra
print greeting
x/s greeting
print counter
watch counter
continue
continue
delete
continue
`;

/** A TCP port nothing listens on now. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A command and its arguments. */
type Argv = [cmd: string, ...args: string[]];

interface Session {
  transcript: string;
  stdout: string;
  stderr: string;
  status: number;
}

/** Starts `server(port)` and runs gdb's batch script against it (gdb retries until it listens). */
async function debugSession(
  server: (port: number) => Argv,
  script = SCRIPT,
  elf = DEBUGGEE,
): Promise<Session> {
  const port = freePort();
  const file = `${tempDir("rvplug_gdb_")}/script.gdb`;
  Deno.writeTextFileSync(file, script.replace("@PORT@", String(port)));
  const [cmd, ...args] = server(port);
  const target = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
  const gdb = await new Deno.Command(GDB, {
    args: ["-batch", "-nx", "-x", file, elf],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = await target.output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    transcript: text(gdb.stdout) + text(gdb.stderr),
    stdout: text(out.stdout),
    stderr: text(out.stderr),
    status: out.code,
  };
}

const rvplug = (extra: string[] = [], program: string[] = [DEBUGGEE]) => (port: number): Argv => [
  Deno.execPath(),
  "run",
  "-A",
  `${REPO_ROOT}/mod.ts`,
  ...extra,
  "-g",
  String(port),
  ...program,
];

Deno.test({
  name: "rvplug -g gives gdb the same session as qemu-riscv32 -g",
  ignore,
  async fn() {
    const qemu = await debugSession((port) => [QEMU, "-g", String(port), DEBUGGEE]);
    const ours = await debugSession(rvplug());
    assert(qemu.transcript.includes("Breakpoint 1, main ()"), qemu.transcript);
    assert(qemu.transcript.includes("New value = 3"), qemu.transcript);
    assert(qemu.transcript.includes("exited normally"), qemu.transcript);
    assertEquals(ours.transcript, qemu.transcript);
    assertEquals([ours.stdout, ours.stderr, ours.status], [qemu.stdout, qemu.stderr, qemu.status]);
  },
});

Deno.test({
  name: "rvplug -g: an instruction count plugin counts the same when gdb only continues",
  ignore,
  async fn() {
    const plugin = ["--plugin", `${REPO_ROOT}/plugins/insn.ts`];
    const plain = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO_ROOT}/mod.ts`, ...plugin, DEBUGGEE],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const script = `set confirm off\ntarget remote 127.0.0.1:@PORT@\ncontinue\n`;
    const ours = await debugSession(rvplug(plugin), script);
    const count = new TextDecoder().decode(plain.stderr);
    assert(/^insns: \d+\n$/.test(count), count);
    assertEquals(ours.stderr, count);
    assert(ours.transcript.includes("exited normally"), ours.transcript);
  },
});

Deno.test({
  name: "rvplug -g: kill ends the run and still prints the plugins' reports",
  ignore,
  async fn() {
    const plugin = ["--plugin", `${REPO_ROOT}/plugins/insn.ts`];
    const script = `set confirm off\ntarget remote 127.0.0.1:@PORT@\nbreak bump\ncontinue\nkill\n`;
    const ours = await debugSession(rvplug(plugin), script);
    assert(ours.transcript.includes("Breakpoint 1, bump"), ours.transcript);
    assertEquals(ours.stdout, "");
    assert(/^insns: \d+\n/.test(ours.stderr), ours.stderr);
    assertEquals(ours.status, 0);
  },
});

// qemu-riscv32 7.2 has no hardware watchpoints in user mode: the interpreter is the reference.
Deno.test({
  name: "rvplug -g: hardware watchpoints in translated code stop as in the interpreter",
  ignore: skipReason("gdb") !== undefined,
  async fn() {
    const script = `set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
break main
continue
watch counter
rwatch greeting[2]
continue
info registers pc
continue
continue
continue
continue
delete
continue
`;
    const interp = await debugSession(rvplug(["--interp"]), script);
    const ours = await debugSession(rvplug(), script);
    for (const values of ["Old value = 0\nNew value = 1", "Old value = 3\nNew value = 6"]) {
      assert(interp.transcript.includes(values), interp.transcript);
    }
    assert(interp.transcript.includes("Hardware read watchpoint 3: greeting[2]\n\nValue = 98 'b'"));
    assertEquals(ours.transcript, interp.transcript);
    assertEquals([ours.stdout, ours.status], [interp.stdout, interp.status]);
  },
});

const SIGNALS = exampleElf("signals");

/**
 * Signals stop for gdb first, as under qemu-user: continuing with the signal (gdb's `pass`)
 * delivers it, without (`nopass`) drops it; a fatal one ends the run as gdb sees it.
 */
const SIGNAL_SESSIONS: [mode: string, script: string][] = [
  // kill then tgkill of SIGUSR1 (gdb's 30): the first delivered to its handler, the second dropped
  [
    "handler",
    `handle SIGUSR1 stop print pass
continue
info registers pc a0
continue
handle SIGUSR1 stop print nopass
continue
`,
  ],
  // a SIGSEGV the guest's handler skips: delivered
  [
    "segv",
    `continue
info registers pc
continue
`,
  ],
  // SA_RESETHAND: the second SIGUSR1 ends the guest
  [
    "resethand",
    `continue
continue
continue
`,
  ],
  // detached at the kill's SIGUSR1: dropped, as qemu drops it; the tgkill's is delivered
  [
    "handler",
    `continue
detach
`,
  ],
  // detached at the SIGSEGV: dropped; the load runs again, and its handler skips it
  [
    "segv",
    `continue
detach
`,
  ],
  // the interval timer's SIGALRM in rt_sigsuspend; the later ones, in a busy loop, pass quietly
  [
    "alarm",
    `handle SIGALRM stop print
continue
info registers pc
handle SIGALRM nostop noprint
continue
`,
  ],
];

for (const [mode, steps] of SIGNAL_SESSIONS) {
  Deno.test({
    name: `rvplug -g stops for signals as qemu-riscv32 -g does: signals ${mode}: ${
      steps.trim().split("\n").at(-1)
    }`,
    ignore,
    async fn() {
      const script =
        `set pagination off\nset confirm off\ntarget remote 127.0.0.1:@PORT@\n${steps}`;
      const qemu = await debugSession(
        (port) => [QEMU, "-g", String(port), SIGNALS, mode],
        script,
        SIGNALS,
      );
      const ours = await debugSession(rvplug([], [SIGNALS, mode]), script, SIGNALS);
      assert(qemu.transcript.includes("received signal SIG"), qemu.transcript);
      assertEquals(ours.transcript, qemu.transcript);
      // How many timer signals come in the busy loop, with gdb in between, is timing.
      const lines = (out: string) => mode === "alarm" ? out.split("\n").slice(0, 2) : out;
      assertEquals([lines(ours.stdout), ours.status], [lines(qemu.stdout), qemu.status]);
    },
  });
}

/** How long a raw session may last. */
const SESSION_MS = 30_000;

/** A raw connection to `rvplug -g` running signals.elf `args`, and the guest's output. */
async function rawSession(args: string[]) {
  const port = freePort();
  const [cmd, ...cmdArgs] = rvplug([], [SIGNALS, ...args])(port);
  const child = new Deno.Command(cmd, {
    args: cmdArgs,
    stdin: "piped", // held open: a read of it blocks
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  let conn: Deno.TcpConn | undefined;
  for (let tries = 0; !conn; tries++) {
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch (e) {
      if (tries > 300) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const c = conn;
  // A stub that never answers fails the test instead of hanging it.
  const deadline = setTimeout(() => {
    child.kill("SIGKILL");
    c.close();
  }, SESSION_MS);
  let pending = "";
  const buf = new Uint8Array(4096);
  const raw = (s: string) => c.write(new TextEncoder().encode(s));
  /** Reads until a whole packet came; acknowledges it and returns its payload. */
  const reply = async () => {
    while (!/\$[^#]*#[0-9a-f]{2}$/.test(pending)) {
      const n = await c.read(buf).catch(() => null);
      if (n === null) throw new Error(`no reply; received ${JSON.stringify(pending)}`);
      pending += new TextDecoder().decode(buf.subarray(0, n));
    }
    const payload = /\$([^#]*)#/.exec(pending)![1]!;
    pending = "";
    await raw("+");
    return payload;
  };
  const packet = (payload: string) => {
    let sum = 0;
    for (const ch of payload) sum += ch.charCodeAt(0);
    return raw(`$${payload}#${(sum & 0xff).toString(16).padStart(2, "0")}`);
  };
  /** Continues (with gdb's signal `sig`), then, once the guest blocks, interrupts it. */
  const interruptAfter = async (resume: string) => {
    await packet(resume);
    await new Promise((r) => setTimeout(r, 500)); // time to block
    await raw("\x03");
    return await reply();
  };
  const end = async () => {
    clearTimeout(deadline);
    c.close();
    await child.stdin.close();
    const out = await output;
    return { stdout: new TextDecoder().decode(out.stdout), status: out.code };
  };
  return { packet, reply, interruptAfter, end };
}

/** Blocking calls of signals.c, and the handler's signal in gdb's numbering. */
const BLOCKED: [args: string[], gdbSignal: string, after: string][] = [
  [["read", "2"], "02", "reading\nhandler 02\nread = -4, handled 1\n"],
  [
    ["sleep", "2"],
    "02",
    "sleeping\nhandler 02\nclock_nanosleep = -4, handled 1, rest within the request\n",
  ],
  [["wait"], "0f", ""],
];

for (const [args, sig, after] of BLOCKED) {
  Deno.test({
    name: `rvplug -g: gdb's interrupt stops signals ${args[0]} in its blocking call`,
    ignore: skipReason("gdb") !== undefined,
    async fn() {
      const s = await rawSession(args);
      const start = performance.now();
      assertEquals(await s.interruptAfter("c"), "T02thread:p01.01;");
      // Going on without a signal restarts the call: it blocks again, and stops again.
      assertEquals(await s.interruptAfter("c"), "T02thread:p01.01;");
      assert(performance.now() - start < 8000, "stopped in the call, not after it");
      // With the handler's signal: the handler runs, and the call fails with EINTR.
      await s.packet(`C${sig}`);
      assertEquals(await s.reply(), "W00");
      const { stdout, status } = await s.end();
      if (after) assertEquals(stdout, after);
      else assertMatch(stdout, /^waiting\nhandler 15: .*\nwoken: handled 1\n$/);
      assertEquals(status, 0);
    },
  });
}

import { assertEquals } from "@std/assert";
import { Machine } from "../machine.ts";
import { GdbSession, gdbSignal, linuxSignal } from "./session.ts";

Deno.test("gdb's signal numbers differ from Linux's where gdb's own table says", () => {
  // SIGBUS, SIGUSR1, SIGUSR2, SIGCHLD and SIGSYS are 10, 30, 31, 20 and 12 to gdb.
  assertEquals([7, 10, 12, 17, 31].map(gdbSignal), [10, 30, 31, 20, 12]);
  for (let sig = 1; sig <= 31; sig++) {
    if (sig !== 16) assertEquals(linuxSignal(gdbSignal(sig)), sig, `signal ${sig}`);
  }
  assertEquals(gdbSignal(16), 143); // SIGSTKFLT: unknown to gdb
  assertEquals(linuxSignal(7), 0); // gdb's SIGEMT: none on Linux
});

Deno.test("stop replies name signals in gdb's numbering, and ? repeats the last", () => {
  const m = new Machine();
  m.loadFile(new URL("../../examples/build/hello.elf", import.meta.url));
  const session = new GdbSession(m);
  const stop = { reason: "signal-stop", status: 0, signal: 10, instret: 1 } as const;
  assertEquals(session.stopReply(stop), "T1ethread:p01.01;");
  assertEquals(session.handle("?"), { kind: "reply", text: "T1ethread:p01.01;" });
  const death = { reason: "signal", status: 138, signal: 10, instret: 1 } as const;
  assertEquals(session.stopReply(death), "X1e");
  assertEquals(session.handle("C1e"), { kind: "resume", step: false, signal: 30 });
});

import { assertEquals } from "@std/assert";
import { NSIG, SIG, signalDescription, signalName } from "./signals.ts";

Deno.test("signalName() names each numbered signal and nothing else", () => {
  const cases: [number, string | undefined][] = [
    [0, undefined],
    [SIG.HUP, "SIGHUP"],
    [SIG.ABRT, "SIGABRT"],
    [SIG.SEGV, "SIGSEGV"],
    [SIG.SYS, "SIGSYS"],
    [32, undefined],
    [NSIG, undefined],
  ];
  for (const [sig, name] of cases) assertEquals(signalName(sig), name, `signal ${sig}`);
});

Deno.test("signalDescription() says what strsignal() says, real-time signals from 34", () => {
  const cases: [number, string][] = [
    [SIG.INT, "Interrupt"],
    [SIG.SEGV, "Segmentation fault"],
    [SIG.STKFLT, "Stack fault"],
    [SIG.SYS, "Bad system call"],
    [34, "Real-time signal 0"],
    [40, "Real-time signal 6"],
  ];
  for (const [sig, text] of cases) assertEquals(signalDescription(sig), text, `signal ${sig}`);
});

import { assert, assertEquals, assertThrows } from "@std/assert";
import { Machine } from "./machine.ts";

const EXITCODE = new URL("../examples/build/exitcode.elf", import.meta.url);
const quiet = { stdin: () => null, stdout: () => {}, stderr: () => {} };

Deno.test("loadFile() loads an ELF from a path and run() returns its exit status", () => {
  const m = new Machine({ io: quiet });
  m.loadFile(EXITCODE, { argv: ["exitcode", "7"] });
  const result = m.run();
  assertEquals([result.reason, result.status], ["exit", 7]);
  assert(result.instret > 0);
});

Deno.test("readMemory() reads the loaded program and refuses unmapped addresses", () => {
  const m = new Machine({ io: quiet });
  m.loadFile(EXITCODE);
  assertEquals([...m.readMemory(0x10000, 4)], [0x7f, 0x45, 0x4c, 0x46]); // the ELF header
  assertThrows(() => m.readMemory(0x10, 4), RangeError, "not mapped");
  assertEquals(m.readRegister("sp"), m.cpu.x[2]);
  assertEquals(m.readRegister("pc"), m.cpu.pc);
  assertThrows(() => m.readRegister("x99"), TypeError, "no such register");
});

Deno.test("run() stops at exactly maxInsns and reports it", () => {
  const m = new Machine({ io: quiet, maxInsns: 600 });
  m.loadFile(EXITCODE);
  assertEquals(m.run(), { reason: "max-insns", status: 0, instret: 600 });
});

Deno.test("run() traces a syscall that a plugin's filter skipped, marked filtered", () => {
  const strace: string[] = [];
  let out = "";
  const m = new Machine({
    io: { ...quiet, stdout: (b) => (out += new TextDecoder().decode(b)) },
    strace: (line) => strace.push(line),
  });
  m.loadFile(EXITCODE, { argv: ["exitcode", "3"] });
  // Skip every write, answering that all of it was written.
  m.plugins.createApi("t").onSyscallFilter((_vcpu, num, _fd, _buf, len) =>
    num === 64 ? len : undefined
  );
  assertEquals(m.run().status, 3);
  assertEquals(out, "");
  const writes = strace.filter((line) => / write\(/.test(line));
  assert(writes.length > 0);
  for (const line of writes) {
    assert(/ write\(1,0x[0-9a-f]+,(\d+)\) = \1 \(filtered\)$/.test(line), line);
  }
  assert(strace.some((line) => / exit_group\(3\)$/.test(line)), "the other syscalls still show");
});

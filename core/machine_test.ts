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

const BENCH_CORE = new URL("../examples/build/bench_core.elf", import.meta.url);
const SEGV = new URL("../examples/build/segv.elf", import.meta.url);
const SMC = new URL("../examples/build/smc.elf", import.meta.url);
const BENCH_INTERP = new URL("../examples/build/bench_interp.elf", import.meta.url);

/** Runs `elf` with `args`; its output, result, registers and translation statistics. */
function runWith(elf: URL, args: string[], options: { coldRuns?: number; maxInsns?: number }) {
  let out = "";
  const m = new Machine({
    ...options,
    io: { ...quiet, stdout: (b: Uint8Array) => void (out += new TextDecoder().decode(b)) },
  });
  m.loadFile(elf, { argv: ["prog", ...args] });
  const { fault, ...result } = m.run();
  return {
    out,
    result: { ...result, fault: fault && { kind: fault.kind, pc: fault.pc, addr: fault.addr } },
    x: [...m.cpu.x],
    pc: m.cpu.pc,
    stats: m.translator.stats,
  };
}

// [program, args, maxInsns]: a whole run, limits cutting it cold and hot, faults, code that
// rewrites itself, jump tables (regions planned with the indirect jumps' targets).
const COLD_CASES: readonly [URL, string[], number | undefined][] = [
  [BENCH_CORE, ["3"], undefined],
  [BENCH_CORE, ["3"], 5_000],
  [BENCH_CORE, ["3"], 700_001],
  [SEGV, [], undefined],
  [SEGV, ["exec"], undefined],
  [SMC, [], undefined],
  [BENCH_INTERP, ["2000"], undefined],
];
for (const [elf, args, maxInsns] of COLD_CASES) {
  const name = `${elf.pathname.split("/").at(-1)} ${args.join(" ")}`.trim();
  Deno.test(`run() ends as with every region compiled when cold code is interpreted (${name}, maxInsns ${maxInsns})`, () => {
    const tiered = runWith(elf, args, { maxInsns });
    const compiled = runWith(elf, args, { maxInsns, coldRuns: 0 });
    assertEquals(
      [tiered.out, tiered.result, tiered.x, tiered.pc],
      [compiled.out, compiled.result, compiled.x, compiled.pc],
    );
    assert(tiered.stats.coldBlocks > 0 && compiled.stats.coldBlocks === 0);
    assert(tiered.stats.regions < compiled.stats.regions);
  });
}

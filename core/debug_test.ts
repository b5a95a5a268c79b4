import { assert, assertEquals, assertThrows } from "@std/assert";
import { Machine, type RunResult } from "./machine.ts";
import { loadPlugin, parsePluginSpec } from "./plugin/loader.ts";

const DEBUGGEE = new URL("../examples/build/debuggee.elf", import.meta.url);
const INSN_PLUGIN = new URL("../plugins/insn.ts", import.meta.url).pathname;

function load(engine: "translate" | "interp" = "translate") {
  const out: string[] = [];
  const m = new Machine({
    engine,
    io: {
      stdin: () => null,
      stdout: (b) => void out.push(new TextDecoder().decode(b)),
      stderr: () => {},
    },
    log: (t) => void out.push(t),
  });
  m.loadFile(DEBUGGEE);
  const sym = (name: string) => m.symbols.find((s) => s.name === name)!.addr;
  return { m, out, sym };
}

const plain = (() => {
  const { m, out } = load();
  return { result: m.run(), out: out.join("") };
})();

for (const engine of ["translate", "interp"] as const) {
  Deno.test(`run() stops at each breakpoint and goes on to the same end (${engine})`, () => {
    const { m, out, sym } = load(engine);
    m.addBreakpoint(sym("bump"));
    const stops: RunResult[] = [];
    let r: RunResult;
    while ((r = m.run()).reason === "breakpoint") {
      assertEquals(m.cpu.pc, sym("bump"));
      stops.push(r);
    }
    assertEquals(stops.length, 3);
    // Each stop comes later in the run than the one before.
    const instrets = stops.map((s) => s.instret);
    assertEquals(instrets, [...new Set(instrets)].toSorted((a, b) => a - b));
    assertEquals(r, plain.result);
    assertEquals(out.join(""), plain.out);
  });
}

Deno.test("removeBreakpoint() lets the run go through", () => {
  const { m, sym } = load();
  assert(m.addBreakpoint(sym("bump")));
  assertEquals(m.addBreakpoint(sym("bump")), false);
  assertEquals(m.run().reason, "breakpoint");
  assert(m.removeBreakpoint(sym("bump")));
  assertEquals(m.removeBreakpoint(sym("bump")), false);
  assertEquals(m.run(), plain.result);
});

Deno.test("step() runs one instruction, including the one at a breakpoint", () => {
  const { m, sym } = load();
  m.addBreakpoint(sym("main"));
  const at = m.run().instret;
  const r = m.step();
  assertEquals([r.reason, r.instret], ["step", at + 1]);
  assert(m.cpu.pc !== sym("main"));
  let steps = 0;
  while (m.step().reason === "step") steps++;
  assertEquals(m.ended, plain.result);
  assertEquals(at + 1 + steps + 1, plain.result.instret);
});

Deno.test("addWatchpoint() stops after each write to the watched global", () => {
  const { m, sym } = load();
  const counter = sym("counter");
  m.addWatchpoint(counter, 4, "write");
  const values: number[] = [];
  let r: RunResult;
  while ((r = m.run()).reason === "watchpoint") {
    assertEquals(r.watch?.addr, counter);
    values.push(new DataView(m.readMemory(counter, 4).buffer).getInt32(0, true));
  }
  assertEquals(values, [1, 3, 6]);
  assertEquals(r, plain.result);
});

Deno.test("addWatchpoint() with kind read stops at reads only", () => {
  const { m, sym } = load();
  m.addWatchpoint(sym("counter"), 4, "read");
  let reads = 0;
  while (m.run().reason === "watchpoint") reads++;
  // counter += by (a read), return counter (a read), three times, then the printf argument.
  assertEquals(reads, 7);
  assertThrows(() => m.addWatchpoint(0, 0), RangeError, "positive length");
});

Deno.test("run() with insns pauses there and an instruction count plugin sees all", async () => {
  const count = async (debug: (m: Machine, sym: (n: string) => number) => RunResult) => {
    const { m, out, sym } = load();
    await loadPlugin(m.plugins, parsePluginSpec(INSN_PLUGIN));
    const r = debug(m, sym);
    return { r, log: out.join("") };
  };
  const base = await count((m) => m.run());
  const paused = await count((m) => {
    let r: RunResult;
    let last = 0;
    while ((r = m.run({ insns: 1000 })).reason === "paused") {
      assert(r.instret >= last + 1000 && r.instret < last + 1000 + 2048, `${r.instret}`);
      last = r.instret;
    }
    return r;
  });
  const broken = await count((m, sym) => {
    m.addBreakpoint(sym("bump"));
    m.addBreakpoint(sym("main"));
    let r: RunResult;
    while ((r = m.run()).reason === "breakpoint") m.step();
    return r;
  });
  assert(base.log.includes("insns: "));
  assertEquals(paused, base);
  assertEquals(broken, base);
});

Deno.test("end() ends the run and runs plugins' exit callbacks once", async () => {
  const { m, out, sym } = load();
  await loadPlugin(m.plugins, parsePluginSpec(INSN_PLUGIN));
  m.addBreakpoint(sym("main"));
  m.run();
  const r = m.end();
  assertEquals(r.reason, "exit");
  assertEquals(m.run(), r);
  assertEquals(out.join("").match(/insns: /g)?.length, 1);
});

Deno.test("watchpoints keep the guest in translated code, stopping as the interpreter does", () => {
  const stops = (engine: "translate" | "interp") => {
    const { m, sym } = load(engine);
    m.addWatchpoint(sym("counter"), 4, "write");
    m.addWatchpoint(sym("greeting") + 2, 1, "read");
    const seen: string[] = [];
    let r: RunResult;
    while ((r = m.run()).reason === "watchpoint") {
      seen.push(`${r.watch!.watch.kind} ${r.watch!.addr} pc=${m.cpu.pc} at ${r.instret}`);
    }
    return { seen, r, blocks: m.translator.stats.blocks };
  };
  const translated = stops("translate"), interpreted = stops("interp");
  assertEquals(translated.seen.length, 5); // three writes of counter, two reads of greeting
  assertEquals(translated.seen, interpreted.seen);
  assertEquals(translated.r, plain.result);
  assert(translated.blocks > 0, "no block was translated");
});

Deno.test("a watchpoint on a page the guest never touches costs no interpreted instruction", async () => {
  const { m, out } = load();
  await loadPlugin(m.plugins, parsePluginSpec(INSN_PLUGIN));
  m.addWatchpoint(0x7000_0000, 4, "access");
  assertEquals(m.run(), plain.result);
  // The plugin, which sees only translated code, counted every instruction.
  assertEquals(out.join("").match(/insns: (\d+)/)?.[1], String(plain.result.instret));
});

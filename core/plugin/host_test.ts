import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { Machine } from "../machine.ts";
import { planRegion } from "../region.ts";
import { emitRegion } from "../emit.ts";
import type { PluginApi, Tb } from "./api.ts";
import { PluginError } from "../errors.ts";
import { loadPlugin, parsePluginSpec } from "./loader.ts";
import { tempDir } from "../../tests/_files.ts";
import { runQemu } from "../../tests/_qemu.ts";
import { skipReason } from "../../tests/_tools.ts";

const HELLO = new URL("../../examples/build/hello.elf", import.meta.url);
const EXITCODE = new URL("../../examples/build/exitcode.elf", import.meta.url);

/** A machine with `program` loaded, captured output, and an API object for a plugin "t". */
function setUp(program: URL, args: string[] = []) {
  const out = { stdout: "", log: "" };
  const machine = new Machine({
    log: (text) => (out.log += text),
    io: {
      stdin: () => null,
      stdout: (b) => (out.stdout += new TextDecoder().decode(b)),
      stderr: () => {},
    },
  });
  machine.load(Deno.readFileSync(program), { argv: ["prog", ...args] });
  return { machine, out, api: machine.plugins.createApi("t") };
}

Deno.test("emitRegion() emits the same code as without plugins when none instruments", () => {
  const { machine } = setUp(HELLO);
  const plan = planRegion(machine.mem, machine.cpu.pc);
  machine.plugins.createApi("idle").onExit(() => {});
  const without = emitRegion(plan).body;
  assertEquals(
    emitRegion(plan, machine.plugins.instrument(plan.blocks)).body,
    without,
  );
});

Deno.test("instrumented runs give the same output and instret as plain runs", () => {
  const plain = setUp(HELLO, ["x"]);
  const plainResult = plain.machine.run();
  const { machine, out, api } = setUp(HELLO, ["x"]);
  const sb = api.newScoreboard(2);
  api.onTbTrans((tb) => {
    tb.inlineAdd(sb, 0, tb.nInsns);
    for (let i = 0; i < tb.nInsns; i++) tb.insn(i).onMem(() => sb[1]!++, "rw");
  });
  const result = machine.run();
  assertEquals(out.stdout, plain.out.stdout);
  assertEquals(result.instret, plainResult.instret);
  assertEquals(sb[0], result.instret);
  assert(sb[1]! > 0);
});

/** Blocks `api` is shown (`onTbTrans`, by pc) and those that ran, on hello. */
function blocksSeenAndRun(api: PluginApi, ahead: boolean) {
  const seen: number[] = [], ran = new Set<number>();
  api.onTbTrans((tb) => {
    seen.push(tb.vaddr);
    tb.onExec(() => ran.add(tb.vaddr));
  }, { ahead });
  return { seen, ran };
}

Deno.test("onTbTrans with ahead sees a region's blocks at once, some never run", () => {
  const plain = setUp(HELLO);
  const before = blocksSeenAndRun(plain.api, false);
  const plainResult = plain.machine.run();
  const { machine, out, api } = setUp(HELLO);
  const ahead = blocksSeenAndRun(api, true);
  const result = machine.run();
  assertEquals([out.stdout, result.instret], [plain.out.stdout, plainResult.instret]);
  // Without ahead, only blocks about to run are shown; with it, blocks further on too.
  assertEquals(new Set(before.seen), before.ran);
  assertEquals(ahead.ran, before.ran);
  assert(ahead.seen.some((pc) => !ahead.ran.has(pc)), "no block was seen ahead");
  assert(machine.translator.stats.regions < plain.machine.translator.stats.regions);
});

Deno.test("ahead is in effect only when every onTbTrans callback asks for it", () => {
  const { machine, api } = setUp(HELLO);
  const ahead = blocksSeenAndRun(api, true);
  machine.plugins.createApi("other").onTbTrans(() => {});
  machine.run();
  assertEquals(new Set(ahead.seen), ahead.ran);
});

Deno.test("a throw in onTbTrans with ahead names the block it was shown", () => {
  const { machine, api } = setUp(HELLO);
  let last = -1;
  api.onTbTrans((tb) => {
    if (last >= 0) throw new Error("second block");
    last = tb.vaddr;
  }, { ahead: true });
  const e = assertThrows(() => machine.run(), PluginError, "second block");
  assert(e.pc !== last && e.pc > 0, `pc ${e.pc}`);
});

Deno.test("Tb handles throw when used after onTbTrans returns", () => {
  const { machine, api } = setUp(HELLO);
  let kept: Tb | undefined;
  api.onTbTrans((tb) => (kept ??= tb));
  machine.run();
  assertThrows(() => kept!.insn(0), TypeError, "valid only inside onTbTrans");
  assertThrows(() => kept!.inlineAdd(new Float64Array(1), 0, 1), TypeError);
});

Deno.test("callbacks run by priority, then in plugin load order", () => {
  const { machine, api } = setUp(EXITCODE);
  const second = machine.plugins.createApi("second");
  const order: string[] = [];
  const record = (name: string) => () => {
    if (order.length < 3) order.push(name);
  };
  api.onTbTrans((tb) => tb.onExec(record("t")));
  second.onTbTrans((tb) => tb.onExec(record("second-high"), undefined, { priority: 5 }));
  machine.plugins.createApi("third").onTbTrans((tb) => tb.onExec(record("third")));
  machine.run();
  assertEquals(order, ["second-high", "t", "third"]);
});

Deno.test("readRegister() throws unless the callback asked for register access", () => {
  const { machine, api } = setUp(EXITCODE);
  api.onTbTrans((tb) => tb.onExec(() => api.readRegister("a0")));
  const e = assertThrows(() => machine.run(), PluginError);
  assertEquals(e.plugin, "t");
  assert(e.message.includes('flags "r" or "rw"'), e.message);
});

Deno.test("readRegister() sees the registers and pc of the instruction about to run", () => {
  const { machine, api } = setUp(EXITCODE);
  const seen: number[] = [];
  api.onTbTrans((tb) => {
    const insn = tb.insn(0);
    insn.onExec(
      () => {
        if (seen.length < 50) {
          seen.push(api.readRegister("pc") - insn.vaddr, api.readRegister("sp"));
        }
      },
      undefined,
      { flags: "r" },
    );
  });
  machine.run();
  for (let i = 0; i < seen.length; i += 2) assertEquals(seen[i], 0);
  assert(seen.slice(1).filter((_, i) => i % 2 === 0).every((sp) => sp !== 0));
});

/** Runs exitcode.elf with a plugin that rewrites a0 at the exit ecall's syscall entry. */
Deno.test("writeRegister() in an rw callback changes the guest's registers", () => {
  const { machine, api } = setUp(EXITCODE, ["5"]);
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      if (insn.disas() !== "ecall") continue;
      insn.onExec(
        () => {
          if (api.readRegister("a7") === 94 || api.readRegister("a7") === 93) {
            api.writeRegister("a0", 77);
          }
        },
        undefined,
        { flags: "rw" },
      );
    }
  });
  assertEquals(machine.run().status, 77);
});

Deno.test("writeRegister() throws in a callback registered with flags r", () => {
  const { machine, api } = setUp(EXITCODE);
  api.onTbTrans((tb) => tb.onExec(() => api.writeRegister("a0", 1), undefined, { flags: "r" }));
  assertThrows(() => machine.run(), PluginError, '"rw"');
});

Deno.test("setPc() redirects execution from an rw callback", () => {
  // Skip main's call of exit(argv code) by sending the first ecall to exit straight to _exit
  // with a0 set: the guest then exits with the status the plugin chose.
  const { machine, api } = setUp(EXITCODE, ["5"]);
  let ecallPc = -1;
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      if (tb.insn(i).disas() === "ecall" && ecallPc < 0) ecallPc = tb.insn(i).vaddr;
    }
  });
  const first = machine.run();
  const again = setUp(EXITCODE, ["5"]);
  let redirected = false;
  again.api.onTbTrans((tb) => {
    if (tb.vaddr !== machine.symbols.find((s) => s.name === "main")?.addr) return;
    tb.onExec(
      () => {
        redirected = true;
        again.api.writeRegister("a0", 9);
        again.api.writeRegister("a7", 93);
        again.api.setPc(ecallPc);
      },
      undefined,
      { flags: "rw" },
    );
  });
  const result = again.machine.run();
  assertEquals(first.status, 5);
  assert(redirected);
  assertEquals(result.status, 9);
});

Deno.test("onSyscallFilter() skips a syscall and supplies its result", () => {
  const { machine, out, api } = setUp(HELLO);
  const writes: number[] = [];
  api.onSyscallFilter((_vcpu, num, _fd, _buf, len) => num === 64 ? len : undefined);
  api.onSyscallReturn((_vcpu, num, ret) => num === 64 && writes.push(ret));
  assertEquals(machine.run().status, 0);
  assertEquals(out.stdout, "");
  assert(writes.length > 0 && writes.every((n) => n > 0));
});

Deno.test("exit() in an instruction callback stops with exact instret", () => {
  const { machine, api } = setUp(HELLO);
  const n = api.newScoreboard(1);
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      tb.insn(i).inlineAdd(n, 0, 1);
      tb.insn(i).onExecCond(() => api.exit(7), { op: "eq", scoreboard: n, index: 0, imm: 1000 });
    }
  });
  const result = machine.run();
  assertEquals(result.status, 7);
  assertEquals(result.instret, 999);
});

Deno.test("a plugin exception stops the run naming the plugin and the guest pc", () => {
  const { machine, api } = setUp(HELLO);
  let pc = -1, calls = 0;
  api.onTbTrans((tb) =>
    tb.insn(tb.nInsns - 1).onExec((_v, ud) => {
      if (++calls < 100) return;
      pc = ud as number;
      throw new Error("boom");
    }, tb.insn(tb.nInsns - 1).vaddr)
  );
  const e = assertThrows(() => machine.run(), PluginError, "boom");
  assertEquals(e.plugin, "t");
  assertEquals(e.pc, pc);
  assertThrows(() => machine.run(), PluginError);
});

Deno.test("onMem() reports addresses, sizes and values of loads and stores", () => {
  const { machine, api } = setUp(HELLO);
  let checked = 0;
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      tb.insn(i).onMem(
        (_v, info, vaddr, value) => {
          const size = 1 << api.memSizeShift(info);
          const bytes = api.readMemory(vaddr, size);
          let now = 0;
          for (let b = size - 1; b >= 0; b--) now = now * 256 + bytes[b]!;
          // After a store, memory holds the value stored; after a load, the value loaded.
          assertEquals(now, value);
          checked++;
        },
        "rw",
        undefined,
        { flags: "r" },
      );
    }
  });
  machine.run();
  assert(checked > 100, `checked ${checked}`);
});

Deno.test("reset() removes a plugin's callbacks and re-translates without them", () => {
  const { machine, api } = setUp(HELLO);
  const sb = api.newScoreboard(1);
  let flushes = 0;
  machine.plugins.createApi("observer").onFlush(() => flushes++);
  api.onTbTrans((tb) =>
    tb.onExec(() => {
      if (++sb[0]! === 10) api.reset();
    })
  );
  const result = machine.run();
  assertEquals(result.status, 0);
  assertEquals(flushes, 1);
  const ran = sb[0]!;
  assert(ran >= 10 && ran < 20, `ran ${ran} times`);
});

Deno.test("createApi() refuses two plugins of one name", () => {
  const { machine } = setUp(HELLO);
  assertThrows(() => machine.plugins.createApi("t"), TypeError, "loaded already");
});

Deno.test("newScoreboard() and inline ops reject bad sizes and indexes", () => {
  const { machine, api } = setUp(HELLO);
  assertThrows(() => api.newScoreboard(-1), RangeError);
  const sb = api.newScoreboard(1);
  api.onTbTrans((tb) => tb.inlineAdd(sb, 1, 1));
  assertThrows(() => machine.run(), PluginError, "not in the scoreboard");
});

export type { PluginApi };

Deno.test("readRegister() reads instret exactly inside an instruction callback", () => {
  const { machine, api } = setUp(HELLO);
  const count = api.newScoreboard(1);
  let mismatches = 0, checks = 0;
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      // The inline add runs first, so the counter includes the instruction about to run.
      tb.insn(i).inlineAdd(count, 0, 1);
      tb.insn(i).onExec(
        () => {
          checks++;
          if (api.readRegister("instret") !== count[0]! - 1) mismatches++;
        },
        undefined,
        { flags: "r" },
      );
    }
  });
  machine.run();
  assert(checks > 1000);
  assertEquals(mismatches, 0);
  assert(api.registerNames().includes("cycleh"));
});

Deno.test("startCode(), endCode() and entryCode() describe the loaded program as QEMU does", () => {
  const { machine, api } = setUp(HELLO);
  assertEquals(api.entryCode(), machine.cpu.pc);
  assert(api.startCode() <= api.entryCode() && api.entryCode() < api.endCode());
  assertEquals(api.startCode(), 0x10000);
});

Deno.test("inline adds count the instruction that faults, as QEMU's do", () => {
  // segv.elf stores through a bad pointer in the middle of a block: the adds before each
  // instruction have run for every retired one and for the faulting store. One add per
  // instruction is compiled as a count of instructions; two, as code per instruction.
  for (const mode of ["", "read", "text"]) {
    for (const amounts of [[1], [3], [1, 3]]) {
      const { machine, api } = setUp(new URL("../../examples/build/segv.elf", import.meta.url), [
        mode,
      ]);
      const count = api.newScoreboard(2);
      api.onTbTrans((tb) => {
        for (let i = 0; i < tb.nInsns; i++) {
          amounts.forEach((imm, k) => tb.insn(i).inlineAdd(count, k, imm));
        }
      });
      const result = machine.run();
      assertEquals(result.signal, 11, mode);
      const expected = amounts.map((imm) => imm * (result.instret + 1));
      assertEquals([...count.slice(0, amounts.length)], expected, `${mode} ${amounts}`);
    }
  }
});

Deno.test("blocks run cold when plugins instrument them only with inline adds, with the same counts", () => {
  // Block entries, instructions by 1 and by their size, on hello and at segv.elf's faults.
  const count = (program: string, args: string[], coldRuns: number, callback: boolean) => {
    const machine = new Machine({
      coldRuns,
      io: { stdin: () => null, stdout: () => {}, stderr: () => {} },
    });
    machine.load(
      Deno.readFileSync(new URL(`../../examples/build/${program}.elf`, import.meta.url)),
      {
        argv: [program, ...args],
      },
    );
    const api = machine.plugins.createApi("t"), sb = api.newScoreboard(3);
    api.onTbTrans((tb) => {
      tb.inlineAdd(sb, 0, 1);
      for (let i = 0; i < tb.nInsns; i++) {
        tb.insn(i).inlineAdd(sb, 1, 1);
        tb.insn(i).inlineAdd(sb, 2, tb.insn(i).size);
      }
      if (callback) tb.onExec(() => {});
    });
    const result = machine.run();
    return { counts: [...sb], instret: result.instret, cold: machine.translator.stats.coldBlocks };
  };
  const runs: [string, string[]][] = [
    ["hello", []],
    ["segv", []],
    ["segv", ["read"]],
    ["segv", ["text"]],
  ];
  for (const [program, args] of runs) {
    const cold = count(program, args, 64, false), compiled = count(program, args, 0, false);
    assert(cold.cold > 0, program);
    assertEquals(cold.counts, compiled.counts, `${program} ${args}`);
    assertEquals(count(program, args, 64, true).cold, 0, program);
  }
});

Deno.test("code rewritten after it ran cold is shown to plugins again, as compiled code is", () => {
  // smc.elf calls smc_get, rewrites its first instruction, and calls it again, 12 times.
  const shown = (coldRuns: number) => {
    const machine = new Machine({
      coldRuns,
      io: { stdin: () => null, stdout: () => {}, stderr: () => {} },
    });
    machine.loadFile(new URL("../../examples/build/smc.elf", import.meta.url).pathname);
    const api = machine.plugins.createApi("t");
    const count = api.newScoreboard(1), firsts: string[] = [];
    const smcGet = api.symbols().find((s) => s.name === "smc_get")!.addr;
    api.onTbTrans((tb) => {
      if (tb.vaddr === smcGet) firsts.push(tb.insn(0).disas());
      for (let i = 0; i < tb.nInsns; i++) tb.insn(i).inlineAdd(count, 0, 1);
    });
    const result = machine.run();
    assertEquals(count[0], result.instret);
    return { firsts, cold: machine.translator.stats.coldBlocks };
  };
  const cold = shown(64), compiled = shown(0);
  assert(cold.cold > 0 && compiled.cold === 0);
  assertEquals(cold.firsts, compiled.firsts);
  assertEquals(cold.firsts.length, 12);
});

Deno.test("an instruction count is exact on its own and beside other instrumentation", () => {
  for (const withBlocks of [false, true]) {
    const { machine, api } = setUp(HELLO);
    const count = api.newScoreboard(2);
    api.onTbTrans((tb) => {
      for (let i = 0; i < tb.nInsns; i++) tb.insn(i).inlineAdd(count, 0, 2);
      if (withBlocks) tb.inlineAdd(count, 1, 1);
    });
    const result = machine.run();
    assertEquals(count[0], 2 * result.instret);
    assertEquals(count[1]! > 0, withBlocks);
  }
});

Deno.test('writeRegister("a0") in onSyscallReturn sets the result the guest sees', () => {
  const plain = setUp(HELLO);
  plain.machine.run();
  const text = plain.out.stdout;
  const { machine, out, api } = setUp(HELLO);
  const seen: number[] = [], after: number[] = [];
  let first = true;
  api.onSyscallReturn((_vcpu, num) => {
    // The first write reports 1 byte written: the guest's stdio writes the rest again.
    if (num === 64 && first) api.writeRegister("a0", 1), first = false;
  });
  machine.plugins.createApi("later").onSyscallReturn((_v, num, ret) =>
    num === 64 && seen.push(ret)
  );
  api.onDiscontinuity((_v, kind) => kind === "hostcall" && after.push(api.readRegister("a0")));
  assertEquals(machine.run().status, 0);
  assertEquals(out.stdout, text + text.slice(1));
  // Later return callbacks get the result as the syscall gave it; a0 holds the one written.
  assertEquals(seen, [text.length, text.length - 1]);
  assertEquals(after.slice(0, 2), [1, text.length - 1]);
});

Deno.test("the site table frees the sites of code dropped by resets", () => {
  const { machine, api } = setUp(HELLO);
  let created = 0, runs = 0;
  const instrument = (tb: Tb) => {
    for (let i = 0; i < tb.nInsns; i++, created++) tb.insn(i).onExec(onInsn);
  };
  const onInsn = () => {
    if (++runs % 100 === 0) api.reset(() => api.onTbTrans(instrument));
  };
  api.onTbTrans(instrument);
  assertEquals(machine.run().status, 0);
  assert(created > 1000, `created ${created} sites`);
  assert(machine.plugins.siteCount < created / 4, `${machine.plugins.siteCount} of ${created}`);
});

Deno.test("symbols(), symbolAt() and readCString() read the guest program", () => {
  const { machine, api } = setUp(HELLO, ["arg1"]);
  const symbols = api.symbols();
  const main = symbols.find((s) => s.name === "main")!;
  assert(main.isFunc && main.size > 0);
  assertEquals(api.symbolAt(main.addr + 2), main);
  assertEquals(api.symbolAt(0x7fff0000), undefined);
  symbols.length = 0; // a copy: the next call still has them all
  assert(api.symbols().length > 10);
  const args: string[] = [];
  api.onVcpuInit(() => {
    const sp = api.readRegister("sp") >>> 0;
    const argv = (k: number) =>
      new DataView(api.readMemory(sp + 4 + 4 * k, 4).buffer).getUint32(0, true);
    args.push(api.readCString(argv(0)), api.readCString(argv(1)));
    assertThrows(() => api.readCString(argv(0), 3), RangeError, "no NUL in 3 readable bytes");
    assertThrows(() => api.readCString(0x1000), RangeError, "Cannot read a string at 0x00001000");
  });
  machine.run();
  assertEquals(args, ["prog", "arg1"]);
});

Deno.test("syscallName() names riscv32 syscalls as QEMU's strace does", () => {
  const { api } = setUp(HELLO);
  const cases: [number, string | undefined][] = [
    [64, "write"],
    [94, "exit_group"],
    [222, "mmap2"],
    [403, "clock_gettime64"],
    [4000, undefined],
  ];
  for (const [num, name] of cases) assertEquals(api.syscallName(num), name, String(num));
});

Deno.test("TbInsn.decoded() gives the mnemonic, operands and registers read and written", () => {
  const { machine, api } = setUp(HELLO);
  const seen = new Map<string, unknown>();
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i), d = insn.decoded();
      assertEquals(d.mnemonic, insn.disas().split(" ")[0]);
      seen.set(insn.disas().replace(/ +/, " ").replace(/ +#.*/, ""), d);
    }
  });
  machine.run();
  const cases: [string, string, string[], string[], string[]][] = [
    // disassembly, mnemonic, operands, read, written
    ["sw s2,16(sp)", "sw", ["s2", "16(sp)"], ["sp", "s2"], []],
    ["lw s2,0(a0)", "lw", ["s2", "0(a0)"], ["a0"], ["s2"]],
    ["add s1,s1,s0", "add", ["s1", "s1", "s0"], ["s1", "s0"], ["s1"]],
    ["mv a0,sp", "mv", ["a0", "sp"], ["sp"], ["a0"]],
    ["lui s3,73728", "lui", ["s3", "73728"], [], ["s3"]],
    ["jal ra,142", "jal", ["ra", "142"], [], ["ra"]],
    ["ret", "ret", [], ["ra"], []],
    ["bne s2,s0,46", "bne", ["s2", "s0", "46"], ["s2", "s0"], []],
    ["ecall", "ecall", [], [], []],
  ];
  for (const [text, mnemonic, operands, regsRead, regsWritten] of cases) {
    assertEquals(seen.get(text), { mnemonic, operands, regsRead, regsWritten }, text);
  }
});

Deno.test("createOutputFile() creates the file at once and writes text and bytes", () => {
  const { api } = setUp(HELLO);
  const path = `${tempDir()}/out.txt`;
  const file = api.createOutputFile(path);
  assertEquals(Deno.readTextFileSync(path), "");
  file.write("abc");
  file.write(new Uint8Array([0x64, 0x0a]));
  file.close();
  file.close();
  assertEquals(Deno.readTextFileSync(path), "abcd\n");
  assertThrows(() => file.write("x"), TypeError, "the file is closed");
  assertThrows(
    () => api.createOutputFile(`${path}/no/such`),
    TypeError,
    `Cannot create "${path}/no`,
  );
});

Deno.test("loadPlugin() loads plugins written for API versions 1 and 2, not 3", async () => {
  const dir = tempDir();
  for (const version of [1, 2, 3]) {
    const path = `${dir}/v${version}.ts`;
    Deno.writeTextFileSync(
      path,
      `export const apiVersion = ${version};\n` +
        "export function install(api) { api.onExit(() => {}); }\n",
    );
    const { machine } = setUp(HELLO);
    const load = loadPlugin(machine.plugins, parsePluginSpec(path));
    if (version <= 2) await load;
    else await assertRejects(() => load, TypeError, "rvplug supports versions 1 to 2");
  }
});

Deno.test({
  name: "inAsm logs the blocks qemu-riscv32 -d in_asm logs, in the same order",
  ignore: skipReason("qemu") !== undefined,
  fn: async () => {
    const starts = (log: string) => [...log.matchAll(/^IN:.*\n(0x[0-9a-f]+)/gm)].map((m) => m[1]);
    for (const name of ["hello", "smc", "bench_sort"]) {
      const elf = new URL(`../../examples/build/${name}.elf`, import.meta.url);
      let ours = "";
      const machine = new Machine({
        inAsm: (text) => (ours += text),
        io: { stdin: () => null, stdout: () => {}, stderr: () => {} },
      });
      // The same argv[0] as qemu's: string lengths steer printf's paths.
      machine.load(Deno.readFileSync(elf), { argv: [elf.pathname] });
      machine.run();
      const logFile = `${tempDir()}/in_asm.log`;
      await runQemu(elf.pathname, [], { qemuArgs: ["-d", "in_asm", "-D", logFile] });
      const qemu = starts(Deno.readTextFileSync(logFile));
      assertEquals(starts(ours).length, qemu.length, name);
      assertEquals(starts(ours), qemu, name);
    }
  },
});

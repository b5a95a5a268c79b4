/**
 * Tests of plugins/profiler.ts: its folded stacks add up exactly to the instructions executed
 * (plugins/insn.ts's count in the same run), also when a fault cuts a block short; its SVG and
 * Chrome trace files are what viewers read.
 */

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { exampleElf, HELLO, pluginUrl, tempDir } from "../_files.ts";

const PLUGIN = pluginUrl("profiler");

/** Runs `elf` with the profiler writing into a new folder, and insn counting beside it. */
async function profile(elf: string, args: string[] = [], extra = "") {
  const dir = tempDir("rvplug_profile_");
  const r = await runWithPlugins(elf, [
    `${PLUGIN},folded=${dir}/p.folded,svg=${dir}/p.svg${extra}`,
    pluginUrl("insn"),
  ], { args });
  const folded = await Deno.readTextFile(`${dir}/p.folded`);
  const svg = await Deno.readTextFile(`${dir}/p.svg`);
  const insns = Number(/insns: (\d+)/.exec(r.log)![1]);
  const lines = folded.split("\n").filter((l) => l);
  const sum = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  return { r, dir, lines, sum, insns, svg };
}

Deno.test("profiler's folded counts add up to the instructions executed", async () => {
  const cases: [string, string[]][] = [
    [HELLO, []],
    [exampleElf("bench_sort"), ["2000"]],
    [exampleElf("segv"), []], // ends in a fault in the middle of a block
    // Signal handlers: a fault skipped by the handler, a longjmp out of it, a breakpoint.
    [exampleElf("signals"), ["segv"]],
    [exampleElf("signals"), ["longjmp"]],
    [exampleElf("signals"), ["ebreak"]],
    [exampleElf("files"), [tempDir("rvplug_files_") + "/f"]],
  ];
  for (const [elf, args] of cases) {
    const { sum, insns, lines, r } = await profile(elf, args);
    assertEquals(sum, insns, elf);
    assert(lines.every((l) => /^_start(;[^; ]+)* \d+$/.test(l)), elf);
    assertStringIncludes(r.log, `profiler: ${insns} instructions in `);
  }
});

Deno.test("profiler's report and flame graph show main under _start with exact counts", async () => {
  const { lines, svg, insns, r } = await profile(HELLO);
  assert(lines.some((l) => l.startsWith("_start;__rv_cstart;main;printf ")));
  // The report's first row is the entry function, with everything.
  assertEquals(r.log.split("\n")[2]!.trim().split(/ +/), [String(insns), "7", "_start"]);
  assert(svg.startsWith('<?xml version="1.0" standalone="no"?>\n<svg '));
  assertStringIncludes(svg, `<title>_start (${insns} instructions, 100.00%)</title>`);
  assertStringIncludes(svg, '<rect x="10.0" y="');
  assertEquals(svg.match(/<g>/g)!.length, svg.match(/<\/g>/g)!.length);
  assertEquals(svg.trimEnd().endsWith("</svg>"), true);
});

Deno.test("profiler's Chrome trace nests a begin and an end per call, in instructions", async () => {
  const traceDir = tempDir("rvplug_trace_");
  const { insns } = await profile(HELLO, [], `,trace=${traceDir}/t.json`);
  const { traceEvents } = JSON.parse(await Deno.readTextFile(`${traceDir}/t.json`)) as {
    traceEvents: { name: string; ph: string; ts: number }[];
  };
  const open: string[] = [];
  let ts = 0;
  for (const e of traceEvents) {
    assert(e.ts >= ts, "timestamps never go back");
    ts = e.ts;
    if (e.ph === "B") open.push(e.name);
    else assertEquals(open.pop(), e.name);
  }
  assertEquals(open, []);
  assertEquals(traceEvents[0], { name: "_start", cat: "call", ph: "B", ts: 0, pid: 1, tid: 1 });
  assertEquals(traceEvents[traceEvents.length - 1]!.ts, insns);
  assert(traceEvents.some((e) => e.name === "main" && e.ph === "B"));
});

Deno.test("profiler writes its files in the current directory by default", async () => {
  const dir = tempDir("rvplug_cwd_");
  const cwd = Deno.cwd();
  Deno.chdir(dir);
  try {
    await runWithPlugins(HELLO, [PLUGIN]);
  } finally {
    Deno.chdir(cwd);
  }
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "profile.folded",
    "profile.svg",
  ]);
});

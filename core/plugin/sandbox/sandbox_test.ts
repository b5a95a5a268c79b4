import { assert, assertEquals } from "@std/assert";
import { exampleElf, pluginUrl, tempDir } from "../../../tests/_files.ts";
import { runWithPlugins } from "../../../testing.ts";

/** A shipped plugin with arguments, on a guest; `files` are outputs it writes, compared too. */
interface Case {
  plugin: string;
  args: string;
  guest: string;
  guestArgs?: string[];
  /** Output files, as functions of a temp dir; the same dir is granted write access. */
  files?: (dir: string) => string[];
}

const CASES: Case[] = [
  { plugin: "bb", args: "", guest: "wc", guestArgs: ["abc def\nxyz"] },
  { plugin: "bb", args: ",inline=on", guest: "memops" },
  { plugin: "insn", args: "", guest: "muldiv" },
  { plugin: "insn", args: ",inline=off,sizes=on", guest: "memops" },
  { plugin: "insn", args: ",match=addi", guest: "hello" },
  { plugin: "mem", args: ",inline=on,callback=on,haddr=on", guest: "memops" },
  { plugin: "mem", args: ",callback=on,track=w", guest: "atomics" },
  { plugin: "syscall", args: "", guest: "files" },
  { plugin: "syscall", args: ",print=on", guest: "hello" },
  { plugin: "hotblocks", args: "", guest: "bench_sort", guestArgs: ["2000"] },
  { plugin: "hotblocks", args: ",inline=on", guest: "memops" },
  { plugin: "hotpages", args: "", guest: "malloc_stress" },
  { plugin: "howvec", args: ",verbose=on", guest: "muldiv" },
  { plugin: "execlog", args: "", guest: "exitcode", guestArgs: ["3"] },
  { plugin: "execlog", args: ",reg=a*,rdisas=on", guest: "exitcode", guestArgs: ["3"] },
  { plugin: "cache", args: "", guest: "bench_sort", guestArgs: ["2000"] },
  { plugin: "cflow", args: "", guest: "bench_sort", guestArgs: ["2000"] },
  { plugin: "cflow", args: ",nottaken=on", guest: "segv" },
  {
    plugin: "drcov",
    args: "",
    guest: "memops",
    files: (dir) => [`${dir}/cov.drcov`],
  },
  {
    plugin: "bbv",
    args: ",interval=1000",
    guest: "bench_sort",
    guestArgs: ["2000"],
    files: (dir) => [`${dir}/bbv.0.bb`],
  },
  { plugin: "stoptrigger", args: ",icount=5000:7", guest: "bench_sort", guestArgs: ["2000"] },
  { plugin: "stoptrigger", args: ",addr=0x100ae:9", guest: "hello" },
];

/** The plugin arguments naming the output files of `c` in `dir`. */
function fileArgs(c: Case, dir: string): string {
  if (c.plugin === "drcov") return `,filename=${dir}/cov.drcov`;
  if (c.plugin === "bbv") return `,outfile=${dir}/bbv`;
  return "";
}

for (const c of CASES) {
  Deno.test(`loadSandboxed() gives ${c.plugin}${c.args} the same output as in-process on ${c.guest}`, async () => {
    const elf = exampleElf(c.guest);
    const run = async (sandbox: boolean) => {
      const dir = tempDir();
      try {
        const grant = sandbox ? `,sandbox=on${c.files ? `,allow-write=${dir}` : ""}` : "";
        const spec = pluginUrl(c.plugin) + c.args + fileArgs(c, dir) + grant;
        const r = await runWithPlugins(elf, [spec], { args: c.guestArgs });
        const files = (c.files?.(dir) ?? []).map((f) => Deno.readTextFileSync(f));
        return { log: r.log, stdout: r.stdout, status: r.status, instret: r.instret, files };
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    };
    const inProcess = await run(false);
    const sandboxed = await run(true);
    assert(
      inProcess.log !== "" || inProcess.files.some((f) => f !== ""),
      "the plugin printed nothing",
    );
    assertEquals(sandboxed, inProcess);
  });
}

Deno.test("loadSandboxed() gives a plugin using every API member the same view as in-process", async () => {
  const plugin = new URL("./testdata/api_probe.ts", import.meta.url).href;
  const run = async (sandbox: boolean) => {
    const dir = tempDir();
    try {
      const grant = sandbox ? `,sandbox=on,allow-write=${dir}/out.txt` : "";
      const r = await runWithPlugins(exampleElf("hello"), [`${plugin},out=${dir}/out.txt${grant}`]);
      return { log: r.log, stdout: r.stdout, file: Deno.readTextFileSync(`${dir}/out.txt`) };
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
  const inProcess = await run(false);
  const sandboxed = await run(true);
  assert(inProcess.stdout.startsWith("Jello"), inProcess.stdout);
  assert(inProcess.log.includes("mem "), inProcess.log);
  assertEquals(sandboxed, inProcess);
});

Deno.test("loadSandboxed() shows blocks ahead, a region's in one call, as in-process does", async () => {
  const plugin = new URL("./testdata/blocks_seen.ts", import.meta.url).href;
  const logs: Record<string, string> = {};
  for (const ahead of ["on", "off"]) {
    for (const sandbox of ["on", "off"]) {
      const spec = `${plugin},ahead=${ahead},sandbox=${sandbox}`;
      const r = await runWithPlugins(exampleElf("bench_sort"), [spec], { args: ["300"] });
      logs[`${ahead},${sandbox}`] = r.log;
    }
  }
  assertEquals(logs["on,on"], logs["on,off"]);
  assertEquals(logs["off,on"], logs["off,off"]);
  // Ahead, blocks that never ran were shown too: the two logs differ.
  assert(logs["on,off"] !== logs["off,off"]);
  assert(logs["on,off"]!.includes(" x"), logs["on,off"]);
});

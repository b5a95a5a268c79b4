/**
 * Tests of plugins/filetrace.ts on the files example: its summary equals the one computed from
 * `qemu-riscv32 -strace` of the same program, and its log follows each descriptor.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { exampleElf, pluginUrl, tempDir } from "../_files.ts";
import { runQemu } from "../_qemu.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("filetrace");
const FILES = exampleElf("files");

/** filetrace's summary rows, computed from strace lines. */
function summaryOfStrace(lines: string[]): string[] {
  // opens, failed, reads, bytes read, writes, bytes written
  const files = new Map<string, [number, number, number, number, number, number]>();
  const fds = new Map<number, string>([[0, "<stdin>"], [1, "<stdout>"], [2, "<stderr>"]]);
  const row = (name: string) => files.get(name) ?? files.set(name, [0, 0, 0, 0, 0, 0]).get(name)!;
  for (const line of lines) {
    const m = /^(\w+)\((-?\d+|AT_FDCWD),("(?:[^"\\]|\\.)*")?.*\) = (-?\d+)/.exec(line);
    if (!m) continue;
    const name = m[1], fd = Number(m[2]), path = m[3] ?? "", ret = Number(m[4]);
    if (name === "openat") {
      const r = row(path);
      r[0]++;
      if (ret < 0) r[1]++;
      else fds.set(ret, path);
    } else if ((name === "read" || name === "write") && ret >= 0) {
      const r = row(fds.get(fd)!);
      if (name === "read") (r[2]++, r[3] += ret);
      else (r[4]++, r[5] += ret);
    } else if (name === "close" && ret >= 0) fds.delete(fd);
  }
  const rows = [...files].map(([name, r]) => `${name} ${r.join(" ")}`);
  return [...rows.filter((r) => !r.startsWith("<")), ...rows.filter((r) => r.startsWith("<"))];
}

Deno.test({
  name: "filetrace's summary of the files example equals the one from qemu -strace",
  ignore: skipReason("qemu") !== undefined,
  fn: async () => {
    const dir = tempDir("rvplug_filetrace_");
    const r = await runWithPlugins(FILES, [PLUGIN], { args: [`${dir}/f`] });
    await Deno.remove(dir, { recursive: true });
    await Deno.mkdir(dir);
    const q = await runQemu(FILES, [`${dir}/f`], { qemuArgs: ["-strace"] });
    const expected = summaryOfStrace(q.stderr.split("\n").map((l) => l.replace(/^\d+ /, "")));
    const rows = r.log.split("\n").filter((l) => l);
    assertEquals(rows[0], "filetrace: FILE opens failed reads bytes-read writes bytes-written");
    assertEquals(rows.slice(1), expected);
    // What the program does, as its source says: 10 writes of 1000 bytes and more.
    assertEquals(rows[1], `"${dir}/f" 5 1 8 10029 12 10011`);
  },
});

Deno.test("filetrace logs opens, reads, writes and closes by descriptor", async () => {
  const dir = tempDir("rvplug_filetrace_");
  const r = await runWithPlugins(FILES, [`${PLUGIN},log=on`], { args: [`${dir}/f`] });
  const log = r.log.split("\n").filter((l) => l.startsWith("filetrace: ") && !l.includes("FILE"));
  const f = JSON.stringify(`${dir}/f`);
  assertEquals(log.slice(0, 3), [
    `filetrace: open ${f} = 3`,
    `filetrace: write 3 ${f} 1000 bytes`,
    `filetrace: write 3 ${f} 1000 bytes`,
  ]);
  assertEquals(log.includes(`filetrace: close 3 ${f}`), true);
  assertEquals(
    log.includes('filetrace: open "/nonexistent-rvplug/file" = -1 ENOENT'),
    true,
  );
});

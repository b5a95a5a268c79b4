/**
 * Tests of plugins/syscalls.ts: its decoding agrees with `qemu-riscv32 -strace` on the names,
 * arguments and results of the example guests' syscalls, and its callbacks get typed arguments.
 */

import { assertEquals } from "@std/assert";
import { runWithPlugins } from "../../testing.ts";
import { exampleElf, HELLO, pluginUrl, tempDir } from "../_files.ts";
import { runQemu } from "../_qemu.ts";
import { skipReason } from "../_tools.ts";

const PLUGIN = pluginUrl("syscalls");

/** Splits `name(a,b,"c,d") = r` into name, arguments and result text. */
function parseLine(line: string): { name: string; args: string[]; ret: string } {
  const open = line.indexOf("(");
  const args: string[] = [];
  let depth = 0, quoted = false, start = open + 1, i = open + 1;
  for (; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "(" || c === "{") depth++;
    else if ((c === ")" || c === "}") && depth > 0) depth--;
    else if (c === ")") break;
    else if (c === "," && depth === 0) {
      args.push(line.slice(start, i));
      start = i + 1;
    }
  }
  if (i > start) args.push(line.slice(start, i));
  return { name: line.slice(0, open), args, ret: line.slice(i + 1).trim() };
}

/** Whether an argument is something both print the same way (not a symbolic flag name). */
const comparable = (ours: string, qemu: string) =>
  /^(-?\d+|0x[0-9a-f]+|NULL|AT_FDCWD|".*")$/.test(qemu) || !/^-?\d+|0x/.test(ours);

Deno.test({
  name: "syscalls decodes what qemu-riscv32 -strace shows: names, arguments, results",
  ignore: skipReason("qemu") !== undefined,
  fn: async () => {
    const dir = tempDir("rvplug_strace_");
    const cases: [string, string[]][] = [
      [HELLO, []],
      [exampleElf("syscalls"), []],
      [exampleElf("files"), [`${dir}/f`]],
    ];
    for (const [elf, args] of cases) {
      const ours = (await runWithPlugins(elf, [`${PLUGIN},print=on`], { args })).log
        .split("\n").filter((l) => l);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.mkdir(dir, { recursive: true });
      const qemu = (await runQemu(elf, args, { qemuArgs: ["-strace"] })).stderr
        .split("\n").filter((l) => /^\d+ /.test(l)).map((l) => l.replace(/^\d+ /, ""));
      assertEquals(ours.length, qemu.length, elf);
      for (const [k, line] of ours.entries()) {
        const theirs = qemu[k]!;
        const o = parseLine(line);
        if (theirs.startsWith("Unknown syscall")) {
          assertEquals(o.name, `syscall_${theirs.split(" ")[2]}`);
          continue;
        }
        const q = parseLine(theirs);
        const where = `${elf}: ${line} / ${theirs}`;
        assertEquals(o.name, q.name, where);
        assertEquals(o.args.length, q.args.length, where);
        o.args.forEach((a, i) => comparable(a, q.args[i]!) && assertEquals(a, q.args[i], where));
        // Results: the value, or the errno number (QEMU prints its message, we its name).
        if (!["getpid", "gettid"].includes(o.name)) {
          assertEquals(o.ret.replace(/ \(.*/, ""), q.ret.replace(/ \(.*/, ""), where);
        }
      }
    }
  },
});

Deno.test("syscalls runs typed callbacks: openat with its path, write with its bytes", async () => {
  const dir = tempDir("rvplug_cb_");
  const consumer = `${dir}/consumer.js`;
  await Deno.writeTextFile(
    consumer,
    `export const qppUses = { syscalls: 1 };
export function install(api) {
  const { syscallName, syscallNumber, errnoName } = api.qpp.use("syscalls");
  api.qpp.regCb("syscalls", "on_sys_write_enter", (pc, fd, bytes) =>
    api.outs("write " + fd + " " + JSON.stringify(new TextDecoder().decode(bytes)) + "\\n"));
  api.qpp.regCb("syscalls", "on_sys_exit_group_enter", (pc, status) =>
    api.outs("exit_group " + status + " " + syscallName(94) + " " + syscallNumber("write") +
      " " + errnoName(-2) + " " + errnoName(3) + "\\n"));
}`,
  );
  // syscalls is found in plugins/ (nothing of that name is beside the consumer).
  const r = await runWithPlugins(HELLO, [consumer]);
  assertEquals(
    r.log,
    `write 1 ${JSON.stringify(r.stdout)}\nexit_group 0 exit_group 64 ENOENT undefined\n`,
  );
});

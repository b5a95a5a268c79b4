/**
 * The command line as a user runs it (`deno run -A mod.ts ...` in a subprocess): options, exit
 * statuses, one-line error messages without stack traces. Its guest environment compared with
 * qemu-riscv32's is in tests/differential/cli_env_test.ts.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { VERSION } from "./cli.ts";
import { type CliRun, DENO_HOME, runCli } from "./tests/_cli.ts";
import { REPO_ROOT, tempDir } from "./tests/_files.ts";

const BUILD = "examples/build";
const HELLO = `${BUILD}/hello.elf`;

/** Asserts an error report: exactly one line, starting with "rvplug:", and no stack trace. */
function assertOneLineError(r: CliRun): void {
  assert(!r.stderr.includes("    at "), `stack trace on stderr:\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assertMatch(lines[0], /^rvplug: /);
}

Deno.test("main() prints a help that mentions every option when given --help", async () => {
  const r = await runCli(["--help"]);
  assertEquals(r.status, 0);
  for (
    const option of [
      "-h",
      "--help",
      "-V",
      "--version",
      "-E",
      "-U",
      "--strace",
      "-d",
      "-D",
      "--interp",
      "--max-insns",
      "--stats",
      "--plugin",
    ]
  ) {
    assertMatch(r.stdout, new RegExp(`(^|[\\s,])${option}\\b`, "m"), `help lacks ${option}`);
  }
});

Deno.test("main() prints the version when given --version or -V", async () => {
  for (const flag of ["--version", "-V"]) {
    const r = await runCli([flag]);
    assertEquals(r.status, 0);
    assertEquals(r.stdout, `rvplug ${VERSION}\n`);
  }
});

Deno.test("main() exits 2 with a one-line message when the command line is bad", async (t) => {
  const cases: [string, string[]][] = [
    ["an unknown long option", ["--bogus", HELLO]],
    ["an unknown short option", ["-Z", HELLO]],
    ["no program", []],
    ["a bad --max-insns count", ["--max-insns", "lots", HELLO]],
    ["a bad -E assignment", ["-E", "NOEQUALS", HELLO]],
  ];
  for (const [what, args] of cases) {
    await t.step(what, async () => {
      const r = await runCli(args);
      assertEquals(r.status, 2, r.stderr);
      assertOneLineError(r);
    });
  }
});

Deno.test("main() exits 1 with a one-line message when the program does not exist", async () => {
  const r = await runCli([`${BUILD}/no_such_program.elf`]);
  assertEquals(r.status, 1);
  assertOneLineError(r);
});

/** Malformed variants of hello.elf (and a few files that are no ELF at all). */
function malformedElves(): [string, Uint8Array][] {
  const hello = Deno.readFileSync(`${REPO_ROOT}/${HELLO}`);
  const patched = (f: (v: DataView) => void) => {
    const copy = hello.slice();
    f(new DataView(copy.buffer));
    return copy;
  };
  const view = new DataView(hello.buffer);
  const phoff = view.getUint32(28, true);
  // Offset of the first PT_LOAD program header.
  let load = phoff;
  while (view.getUint32(load, true) !== 1) load += 32;
  return [
    ["an empty file", new Uint8Array()],
    ["3 bytes", new Uint8Array([0x7f, 0x45, 0x4c])],
    ["a text file", new TextEncoder().encode("#!/bin/sh\necho not an ELF\n")],
    ["hello.elf cut to 40 bytes", hello.slice(0, 40)],
    ["hello.elf cut to 100 bytes", hello.slice(0, 100)],
    ["a 64-bit class byte", patched((v) => v.setUint8(4, 2))],
    ["e_machine 62 (x86-64)", patched((v) => v.setUint16(18, 62, true))],
    ["e_phoff past the end", patched((v) => v.setUint32(28, hello.length + 4096, true))],
    ["a huge p_filesz", patched((v) => v.setUint32(load + 16, 0x7fff0000, true))],
    ["p_offset past the end", patched((v) => v.setUint32(load + 4, 0x100000, true))],
  ];
}

Deno.test("main() exits 1 with a one-line message when the ELF is malformed", async (t) => {
  const dir = tempDir();
  for (const [what, bytes] of malformedElves()) {
    await t.step(what, async () => {
      const path = `${dir}/${what.replaceAll(/\W+/g, "_")}.elf`;
      Deno.writeFileSync(path, bytes);
      const r = await runCli([path]);
      assertEquals(r.status, 1, `stderr: ${r.stderr}`);
      assertOneLineError(r);
    });
  }
});

Deno.test("main() returns the guest's status, or 128 + signal when a signal kills it", async (t) => {
  const cases: [string[], number, RegExp | undefined][] = [
    [[`${BUILD}/exitcode.elf`, "7"], 7, undefined],
    [[`${BUILD}/exitcode.elf`, "300"], 44, undefined],
    [[`${BUILD}/segv.elf`], 139, /signal 11\b/],
    [[`${BUILD}/segv.elf`, "exec"], 139, /signal 11\b/],
    [[`${BUILD}/illegal.elf`], 132, /signal 4\b/],
    [[`${BUILD}/abort.elf`], 134, /signal 6\b/],
    [["--max-insns", "1000", HELLO], 124, undefined],
  ];
  for (const [args, status, stderr] of cases) {
    await t.step(`${args.join(" ")} exits ${status}`, async () => {
      const r = await runCli(args);
      assertEquals(r.status, status, r.stderr);
      assert(!r.stderr.includes("    at "), `stack trace on stderr:\n${r.stderr}`);
      if (stderr) assertMatch(r.stderr, stderr);
    });
  }
});

Deno.test("main() adds a variable to the guest environment when given -E", async () => {
  const r = await runCli(["-E", "FOO=bar", HELLO]);
  assertEquals(r.status, 0);
  assertMatch(r.stdout, /^env\[\d+\]=FOO=bar$/m);
});

Deno.test("main() removes a variable from the guest environment when given -U", async () => {
  const r = await runCli(["-U", "FOO", HELLO], { env: [DENO_HOME, "FOO=bar", "KEEP=1"] });
  assertEquals(r.status, 0);
  assert(!r.stdout.includes("FOO="), r.stdout);
  assertMatch(r.stdout, /^env\[\d+\]=KEEP=1$/m);
});

Deno.test("main() logs each syscall to stderr when given --strace", async () => {
  const r = await runCli(["--strace", HELLO]);
  assertEquals(r.status, 0);
  assertMatch(r.stderr, /^\d+ write\(1,/m);
  assertMatch(r.stderr, /^\d+ exit(_group)?\(0\)/m);
});

Deno.test("main() prints the same with --interp as with the translator", async (t) => {
  // Programs whose output does not depend on the environment.
  const cases: [string[], string?][] = [
    [[`${BUILD}/exitcode.elf`, "7"]],
    [[`${BUILD}/muldiv.elf`]],
    [[`${BUILD}/wc.elf`], "one two\nthree\n"],
    [[`${BUILD}/segv.elf`, "read"]],
  ];
  for (const [args, stdin] of cases) {
    await t.step(args.join(" "), async () => {
      const [translated, interpreted] = await Promise.all([
        runCli(args, { stdin }),
        runCli(["--interp", ...args], { stdin }),
      ]);
      assertEquals(interpreted, translated);
    });
  }
});

Deno.test("main() accepts QEMU's -plugin, -strace and -d plugin spellings", async () => {
  const r = await runCli([
    "-strace",
    "-plugin",
    `${REPO_ROOT}/plugins/bb.ts,inline=on`,
    "-d",
    "plugin",
    `${BUILD}/exitcode.elf`,
    "3",
  ]);
  assertEquals(r.status, 3, r.stderr);
  assertMatch(r.stderr, /^\d+ exit_group\(3\)/m);
  assertMatch(r.stderr, /^bb's: \d+, insns: \d+$/m);
});

Deno.test("main() refuses plugins with --interp as a usage error", async () => {
  const r = await runCli(["--interp", "--plugin", `${REPO_ROOT}/plugins/bb.ts`, HELLO]);
  assertEquals(r.status, 2);
  assertMatch(r.stderr, /^rvplug: Cannot run plugins with --interp/);
  assert(!r.stderr.includes("    at "), r.stderr);
});

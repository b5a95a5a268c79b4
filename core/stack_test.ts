import { assert, assertEquals, assertThrows } from "@std/assert";
import { loadElf, parseElf } from "./elf.ts";
import {
  buildElf,
  code,
  ENTRY,
  type FixtureOptions,
  loaded,
  MINIMAL,
  PF_R,
  PF_X,
  readStack,
  rv,
  stackDumpProgram,
  TEXT,
} from "./_elf_fixtures.ts";
import { Memory, PAGE_MAPPED, PROT_EXEC, PROT_READ, PROT_WRITE } from "./memory.ts";
import { STACK_SIZE, STACK_TOP } from "./address_map.ts";
import { HWCAP_RV32IMAC, setupStack } from "./stack.ts";

const AT = {
  PHDR: 3,
  PHENT: 4,
  PHNUM: 5,
  PAGESZ: 6,
  BASE: 7,
  FLAGS: 8,
  ENTRY: 9,
  UID: 11,
  EUID: 12,
  GID: 13,
  EGID: 14,
  HWCAP: 16,
  CLKTCK: 17,
  SECURE: 23,
  RANDOM: 25,
  EXECFN: 31,
};

Deno.test("setupStack() lays out argc, argv, envp and auxv as Linux does", () => {
  const [mem, image] = loaded(MINIMAL);
  const random = new Uint8Array(16).map((_, i) => 0xa0 + i);
  const sp = setupStack(mem, image, {
    argv: ["./prog", "héllo", ""],
    env: ["A=1", "PATH=/bin"],
    execfn: "/tmp/prog",
    random,
    uid: 1000,
    gid: 100,
  });
  assertEquals(sp % 16, 0);
  const stack = readStack(mem, sp);
  assertEquals(stack.argc, 3);
  assertEquals(stack.argv, ["./prog", "héllo", ""]);
  assertEquals(stack.env, ["A=1", "PATH=/bin"]);
  assertEquals(Object.fromEntries(stack.auxv), {
    [AT.PHDR]: image.phdrAddr,
    [AT.PHENT]: 32,
    [AT.PHNUM]: 2,
    [AT.PAGESZ]: 4096,
    [AT.BASE]: 0,
    [AT.FLAGS]: 0,
    [AT.ENTRY]: ENTRY,
    [AT.UID]: 1000,
    [AT.EUID]: 1000,
    [AT.GID]: 100,
    [AT.EGID]: 100,
    [AT.HWCAP]: 0x1105,
    [AT.CLKTCK]: 100,
    [AT.SECURE]: 0,
    [AT.RANDOM]: stack.auxv.get(AT.RANDOM)!,
    [AT.EXECFN]: STACK_TOP - 8 - "/tmp/prog".length - 1,
    0: 0,
  });
  assertEquals(HWCAP_RV32IMAC, 0x1105);
  assertEquals(mem.read(stack.auxv.get(AT.RANDOM)!, 16), random);
  assertEquals(stack.auxv.get(AT.RANDOM)! % 16, 0);
  assertEquals(mem.readCString(stack.auxv.get(AT.EXECFN)!), "/tmp/prog");
  assert(mem.check(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE));
  // perm covers every page of the address space.
  assertEquals(mem.perm[(STACK_TOP - STACK_SIZE) / 4096 - 1]! & PAGE_MAPPED, 0);
  assertEquals(mem.perm[(STACK_TOP - STACK_SIZE) / 4096]! & PROT_EXEC, 0);
});

Deno.test("setupStack() uses argv[0] for AT_EXECFN when no execfn is given", () => {
  const [mem, image] = loaded(MINIMAL);
  const sp = setupStack(mem, image, { argv: [], env: [] });
  const stack = readStack(mem, sp);
  assertEquals(stack.argc, 0);
  assertEquals(mem.readCString(stack.auxv.get(AT.EXECFN)!), "");
  const sp2 = setupStack(mem, image, { argv: ["p", "q"], env: [] });
  assertEquals(mem.readCString(readStack(mem, sp2).auxv.get(AT.EXECFN)!), "p");
});

Deno.test("setupStack() rejects arguments when they cannot be passed to the guest", () => {
  const [mem, image] = loaded(MINIMAL);
  assertThrows(
    () => setupStack(mem, image, { argv: ["a\0b"], env: [] }),
    TypeError,
    "Cannot pass argv[0] to the guest: it contains a NUL character",
  );
  assertThrows(
    () => setupStack(mem, image, { argv: ["x".repeat(3 * 2 ** 20)], env: [] }),
    RangeError,
    "argument list too long",
  );
  assertThrows(
    () => setupStack(mem, image, { argv: [], env: [], random: new Uint8Array(8) }),
    RangeError,
    "random must be 16 bytes, got 8",
  );
});

const QEMU = "qemu-riscv32";
const hasQemu = await new Deno.Command(QEMU, { args: ["--version"], stdout: "null" }).output()
  .then((o) => o.success, () => false);

Deno.test({
  name: "setupStack() gives the same sp and stack bytes as qemu-riscv32 when run with env -i",
  ignore: !hasQemu,
  async fn() {
    const end = STACK_TOP - 8;
    const program = stackDumpProgram(end);
    const opts: FixtureOptions = {
      entry: TEXT + 0x100,
      segments: [{ vaddr: TEXT + 0x100, flags: PF_R | PF_X, data: program }],
    };
    const bytes = buildElf(opts).bytes;
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/stackdump.elf`;
      await Deno.writeFile(path, bytes, { mode: 0o755 });
      for (const args of [[], ["a", "bb"], ["three", "args", "here!"]]) {
        const env = { RVPLUG_ELF_TEST: "yes" };
        const out = await new Deno.Command(QEMU, {
          args: [path, ...args],
          clearEnv: true,
          env,
          stdout: "piped",
        }).output();
        assertEquals(out.code, 0);
        const dump = out.stdout;
        const view = new DataView(dump.buffer, dump.byteOffset, dump.byteLength);
        const [pc, qemuSp] = [view.getUint32(0, true), view.getUint32(4, true)];
        assertEquals(pc, TEXT + 0x100);
        const qemuStack = dump.slice(8);
        assertEquals(qemuSp, end - qemuStack.length);

        const image = parseElf(bytes, "stackdump.elf");
        const mem = new Memory();
        loadElf(mem, bytes, image);
        const qemuAux = (type: number) => word(qemuStack, auxvSlot(qemuStack, type) + 1);
        const sp = setupStack(mem, image, {
          argv: [path, ...args],
          env: ["RVPLUG_ELF_TEST=yes"],
          execfn: path,
          random: qemuStack.slice(qemuAux(AT.RANDOM) - qemuSp, qemuAux(AT.RANDOM) - qemuSp + 16),
          uid: Deno.uid() ?? 0,
          gid: Deno.gid() ?? 0,
        });
        assertEquals(sp, qemuSp);
        const ours = mem.read(sp, end - sp);
        // qemu advertises F and D too; everything else must be byte for byte the same.
        const hwcapAt = 4 * (auxvSlot(ours, AT.HWCAP) + 1);
        new DataView(ours.buffer).setUint32(hwcapAt, qemuAux(AT.HWCAP), true);
        assertEquals(ours, qemuStack);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Word index of the auxv entry of `type`, for a stack dumped from sp up. */
function auxvSlot(stack: Uint8Array, type: number): number {
  let i = word(stack, 0) + 2; // past argc, argv[] and its NULL
  while (word(stack, i) !== 0) i++;
  for (i++; word(stack, i) !== type; i += 2) assert(word(stack, i) !== 0, `no auxv entry ${type}`);
  return i;
}

/** Word `i` (little-endian) of `bytes`; a RangeError past the end. */
function word(bytes: Uint8Array, i: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4 * i, true);
}

function words(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length >>> 2 }, (_, i) => view.getUint32(4 * i, true));
}

// Keep the instruction helpers honest: they are the fixture program's only assembler.
Deno.test("buildElf() fixture encoders produce the RV32I words binutils does", () => {
  assertEquals(
    words(code([rv.auipc(5, 0), rv.sw(5, 2, -8), rv.addi(11, 2, -8), rv.lui(12, 0x40801)])),
    [0x00000297, 0xfe512c23, 0xff810593, 0x40801637],
  );
});

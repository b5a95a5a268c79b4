import { assert, assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import {
  type ElfImage,
  HWCAP_RV32IMAC,
  loadElf,
  parseElf,
  setupStack,
  STACK_SIZE,
  STACK_TOP,
  symbolAt,
} from "./elf.ts";
import { buildElf, code, type FixtureOptions, rv, stackDumpProgram } from "./_elf_fixtures.ts";
import { Memory, PAGE_MAPPED, PROT_EXEC, PROT_READ, PROT_WRITE } from "./memory.ts";

const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const TEXT = 0x10000;
const DATA = 0x11000;
const ENTRY = TEXT + 0x80;

// A text segment and a data+bss segment.
const TEXT_BYTES = new Uint8Array(0x100).map((_, i) => i ^ 0x5a);
const DATA_BYTES = new Uint8Array(0x40).fill(0xd5);
const MINIMAL: FixtureOptions = {
  entry: ENTRY,
  segments: [
    { vaddr: TEXT, flags: PF_R | PF_X, data: TEXT_BYTES },
    { vaddr: DATA, flags: PF_R | PF_W, data: DATA_BYTES, memsz: 0x2000 },
  ],
};

function minimal(): Uint8Array {
  return buildElf(MINIMAL).bytes;
}

/** Patches little-endian fields of a copy of `bytes`: [offset, size, value]... */
function patch(bytes: Uint8Array, ...fields: [number, 1 | 2 | 4, number][]): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (const [at, size, value] of fields) {
    if (size === 1) out[at] = value;
    else if (size === 2) view.setUint16(at, value, true);
    else view.setUint32(at, value >>> 0, true);
  }
  return out;
}

const PH0 = 52; // first program header
const PH1 = 84;

Deno.test("parseElf() reads the entry, segments and break of a minimal executable", () => {
  const image = parseElf(minimal(), "prog");
  assertEquals(image.entry, ENTRY);
  assertEquals(image.loadBias, 0);
  assertEquals(image.phnum, 2);
  assertEquals(image.phent, 32);
  assertEquals(image.brk, DATA + 0x2000);
  assertEquals(image.symbols, []);
  assertEquals(image.segments.map((s) => [s.vaddr, s.memsz, s.filesz, s.prot]), [
    [TEXT, 0x100, 0x100, PROT_READ | PROT_EXEC],
    [DATA, 0x2000, 0x40, PROT_READ | PROT_WRITE],
  ]);
});

Deno.test("parseElf() finds the program headers in the segment that holds them", () => {
  const bytes = buildElf({
    entry: TEXT + 0x80,
    segments: [{ vaddr: TEXT + 0x54, flags: PF_R | PF_X, data: new Uint8Array(0x100) }],
  }).bytes;
  // The segment starts at file offset 0x54, past the headers: AT_PHDR is where the file's first
  // page would be mapped, as Linux and qemu compute it.
  assertEquals(parseElf(bytes, "prog").phdrAddr, TEXT + 52);
  const covering = patch(bytes, [PH0 + 4, 4, 0], [PH0 + 8, 4, TEXT], [PH0 + 16, 4, 0x154]);
  assertEquals(parseElf(patch(covering, [PH0 + 20, 4, 0x154]), "prog").phdrAddr, TEXT + 52);
});

Deno.test("parseElf() takes AT_PHDR from PT_PHDR when there is one", () => {
  const bytes = buildElf({
    entry: ENTRY,
    segments: [
      { type: 6, vaddr: 0x12340, flags: PF_R },
      { vaddr: TEXT, flags: PF_R | PF_X, data: TEXT_BYTES },
    ],
  }).bytes;
  assertEquals(parseElf(bytes, "prog").phdrAddr, 0x12340);
});

Deno.test("parseElf() applies the load bias when the file is ET_DYN", () => {
  const { bytes: pie, dataAt } = buildElf({
    type: 3,
    entry: 0x80,
    segments: [{ vaddr: 0, flags: PF_R | PF_X, data: TEXT_BYTES }],
    symbols: [{ name: "_start", value: 0x80, size: 4, kind: 2 }],
  });
  // Make the segment start at file offset 0, so that it holds the headers, as linkers do.
  const size = dataAt[0] + TEXT_BYTES.length;
  const bytes = patch(pie, [PH0 + 4, 4, 0], [PH0 + 16, 4, size], [PH0 + 20, 4, size]);
  const image = parseElf(bytes, "pie");
  assertEquals(image.loadBias, 0x400000);
  assertEquals(image.entry, 0x400080);
  assertEquals(image.phdrAddr, 0x400034);
  assertEquals(image.segments[0].vaddr, 0x400000);
  assertEquals(image.symbols.map((s) => [s.name, s.addr]), [["_start", 0x400080]]);
});

Deno.test("parseElf() accepts e_flags when they say no RVC or TSO", () => {
  for (const flags of [0, 1, 0x10, 0x11]) {
    assertEquals(parseElf(patch(minimal(), [36, 4, flags]), "prog").entry, ENTRY);
  }
});

Deno.test("parseElf() reads named functions, objects and labels from .symtab, sorted", () => {
  const bytes = buildElf({
    ...MINIMAL,
    symbols: [
      { name: "main", value: TEXT + 0xa0, size: 0x20, kind: 2 },
      { name: "_start", value: ENTRY, size: 0, kind: 2 },
      { name: "buffer", value: DATA, size: 0x40, kind: 1 },
      { name: "loop", value: TEXT + 0xa8, size: 0, kind: 0 },
      { name: "$xrv32i2p1", value: ENTRY, size: 0, kind: 0 },
      { name: ".text", value: TEXT, size: 0, kind: 3 },
      { name: "hello.c", value: 0, size: 0, kind: 4, shndx: 0xfff1 },
      { name: "puts", value: 0, size: 0, kind: 2, shndx: 0 },
      { name: "__global_pointer$", value: DATA + 0x800, size: 0, kind: 0, shndx: 0xfff1 },
    ],
  }).bytes;
  assertEquals(parseElf(bytes, "prog").symbols, [
    { name: "_start", addr: ENTRY, size: 0, isFunc: true },
    { name: "main", addr: TEXT + 0xa0, size: 0x20, isFunc: true },
    { name: "loop", addr: TEXT + 0xa8, size: 0, isFunc: false },
    { name: "buffer", addr: DATA, size: 0x40, isFunc: false },
    { name: "__global_pointer$", addr: DATA + 0x800, size: 0, isFunc: false },
  ]);
});

Deno.test("parseElf() returns no symbols when the symbol table is malformed", () => {
  const layout = buildElf({
    ...MINIMAL,
    symbols: [{ name: "main", value: ENTRY, size: 4, kind: 2 }],
  });
  const { bytes, shoff } = layout;
  assertEquals(parseElf(bytes, "prog").symbols.length, 1);
  const broken = [
    patch(bytes, [32, 4, bytes.length - 10]), // section headers past the end
    patch(bytes, [46, 2, 64]), // wrong e_shentsize
    patch(bytes, [shoff + 40 + 20, 4, 0x7fffffff]), // .symtab size past the end
    patch(bytes, [shoff + 40 + 24, 4, 7]), // .symtab sh_link out of range
    patch(bytes, [shoff + 80 + 4, 4, 1]), // linked section is not a string table
    patch(bytes, [shoff + 80 + 20, 4, 3]), // string table cut inside "main"
  ];
  for (const b of broken) assertEquals(parseElf(b, "prog").symbols, []);
});

interface Rejection {
  what: string;
  bytes: () => Uint8Array;
  error: typeof TypeError;
  phrase: string;
}

const REJECTIONS: Rejection[] = [
  {
    what: "a file when it is empty",
    bytes: () => new Uint8Array(0),
    error: TypeError,
    phrase: "not an ELF file",
  },
  {
    what: "a file when the magic number is wrong",
    bytes: () => patch(minimal(), [1, 1, 0x46]),
    error: TypeError,
    phrase: "not an ELF file",
  },
  {
    what: "a truncated header when the file has 10 bytes",
    bytes: () => minimal().slice(0, 10),
    error: RangeError,
    phrase: "truncated ELF header: the file has 10 bytes",
  },
  {
    what: "truncated program headers when the file ends inside them",
    bytes: () => minimal().slice(0, 70),
    error: RangeError,
    phrase: "truncated program headers",
  },
  {
    what: "a 64-bit file when EI_CLASS is ELFCLASS64",
    bytes: () => patch(minimal(), [4, 1, 2]),
    error: TypeError,
    phrase: "64-bit ELF files are not supported: rvplug emulates RV32",
  },
  {
    what: "a file when EI_CLASS is unknown",
    bytes: () => patch(minimal(), [4, 1, 9]),
    error: TypeError,
    phrase: "unknown ELF class 9",
  },
  {
    what: "a big-endian file when EI_DATA is ELFDATA2MSB",
    bytes: () => patch(minimal(), [5, 1, 2]),
    error: TypeError,
    phrase: "big-endian ELF files are not supported",
  },
  {
    what: "an x86 file when e_machine is 3",
    bytes: () => patch(minimal(), [18, 2, 3]),
    error: TypeError,
    phrase: "wrong machine: e_machine is 3 (x86), rvplug needs 243 (RISC-V)",
  },
  {
    what: "an object file when e_type is ET_REL",
    bytes: () => patch(minimal(), [16, 2, 1]),
    error: TypeError,
    phrase: "not an executable: e_type is 1 (ET_REL)",
  },
  {
    what: "an RV32E file when e_flags has EF_RISCV_RVE",
    bytes: () => patch(minimal(), [36, 4, 0x9]),
    error: TypeError,
    phrase: "RV32E files are not supported",
  },
  {
    what: "a hard-float file when e_flags says ilp32d",
    bytes: () => patch(minimal(), [36, 4, 0x5]),
    error: TypeError,
    phrase: "hard-float ABI ilp32d is not supported",
  },
  {
    what: "a dynamically linked file when it has PT_INTERP",
    bytes: () => patch(minimal(), [PH1, 4, 3]),
    error: TypeError,
    phrase: "dynamically linked (has PT_INTERP)",
  },
  {
    what: "program headers when e_phentsize is not 32",
    bytes: () => patch(minimal(), [42, 2, 56]),
    error: RangeError,
    phrase: "e_phentsize is 56, expected 32",
  },
  {
    what: "a file when e_phnum is 0",
    bytes: () => patch(minimal(), [44, 2, 0]),
    error: RangeError,
    phrase: "no loadable segment",
  },
  {
    what: "program headers when e_phnum is huge",
    bytes: () => patch(minimal(), [44, 2, 0xffff]),
    error: RangeError,
    phrase: "too many program headers: e_phnum is 65535",
  },
  {
    what: "a file when no program header is PT_LOAD",
    bytes: () => patch(minimal(), [PH0, 4, 4], [PH1, 4, 0x6474e551]),
    error: RangeError,
    phrase: "no loadable segment (PT_LOAD)",
  },
  {
    what: "a segment when p_filesz is larger than p_memsz",
    bytes: () => patch(minimal(), [PH1 + 20, 4, 0x10]),
    error: RangeError,
    phrase: "segment 1 (PT_LOAD at 0x00011000) has p_filesz 0x00000040 larger than p_memsz",
  },
  {
    what: "a segment when its bytes are past the end of the file",
    bytes: () => patch(minimal(), [PH1 + 16, 4, 0x1000]),
    error: RangeError,
    phrase: "segment 1 (PT_LOAD at 0x00011000) is past the end of the file",
  },
  {
    what: "a segment when its file offset is past the end of the file",
    bytes: () => patch(minimal(), [PH0 + 4, 4, 0xffffff00]),
    error: RangeError,
    phrase: "is past the end of the file",
  },
  {
    what: "segments when their address ranges overlap",
    bytes: () => patch(minimal(), [PH1 + 8, 4, TEXT + 0xf0]),
    error: RangeError,
    phrase: "segments 0 and 1 overlap at 0x000100f0",
  },
  {
    what: "a segment when it wraps past 4 GiB",
    bytes: () => patch(minimal(), [PH1 + 8, 4, 0xfffff800]),
    error: RangeError,
    phrase: "wraps past 4 GiB",
  },
  {
    what: "a segment when it ends in the top page of the address space",
    bytes: () => patch(minimal(), [PH1 + 8, 4, 0xffffd800]),
    error: RangeError,
    phrase: "ends at 0xfffff800, above the top of guest memory",
  },
  {
    what: "a huge segment when p_memsz is 3 GiB",
    bytes: () => patch(minimal(), [PH1 + 20, 4, 0xc0000000]),
    error: RangeError,
    phrase: "overlaps the stack at 0x40000000-0x40801000",
  },
  {
    what: "huge segments when they span more than 1 GiB above the stack",
    bytes: () => patch(minimal(), [PH1 + 8, 4, 0x50000000], [PH1 + 20, 4, 0x50000000]),
    error: RangeError,
    phrase: "segments are too large: they span more than 1024 MiB",
  },
  {
    what: "the entry point when it is in a data segment",
    bytes: () => patch(minimal(), [24, 4, DATA + 4]),
    error: RangeError,
    phrase: "entry point 0x00011004 is not inside an executable segment",
  },
  {
    what: "the entry point when it is outside every segment",
    bytes: () => patch(minimal(), [24, 4, 0x8000]),
    error: RangeError,
    phrase: "entry point 0x00008000 is not inside an executable segment",
  },
];

for (const { what, bytes, error, phrase } of REJECTIONS) {
  Deno.test(`parseElf() rejects ${what}`, () => {
    const e = assertThrows(() => parseElf(bytes(), "prog.elf"));
    assertInstanceOf(e, error);
    assertEquals(e.constructor, error);
    assert(e.message.startsWith('Cannot load "prog.elf": '), e.message);
    assert(e.message.includes(phrase), `"${e.message}" lacks "${phrase}"`);
    assert(!e.message.includes("\n") && !e.message.endsWith("."), e.message);
  });
}

/** xorshift32, so that a failing mutation can be replayed from its seed. */
function prng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

Deno.test("parseElf() throws only TypeError or RangeError when random bytes are mutated", () => {
  const original = buildElf({
    ...MINIMAL,
    symbols: [
      { name: "_start", value: ENTRY, size: 4, kind: 2 },
      { name: "data", value: DATA, size: 0x40, kind: 1 },
    ],
  }).bytes;
  // Headers, symbol table and section headers are where the parser looks; aim most flips there.
  const hot = [[0, 0x100], [original.length - 0x100, original.length]];
  const random = prng(0x5eed);
  const mem = new Memory(); // reused: small images only, so re-mapping clears little
  let accepted = 0;
  for (let i = 0; i < 2000; i++) {
    const bytes = original.slice();
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f++) {
      const [lo, hi] = random() < 0.8 ? hot[Math.floor(random() * 2)] : [0, bytes.length];
      const at = lo + Math.floor(random() * (hi - lo));
      bytes[at] = random() < 0.5 ? Math.floor(random() * 256) : bytes[at] ^ (1 << (i % 8));
    }
    if (random() < 0.05) bytes.fill(0xff, Math.floor(random() * bytes.length));
    let image: ElfImage;
    try {
      image = parseElf(bytes, "fuzz");
    } catch (e) {
      assert(
        e instanceof TypeError || e instanceof RangeError,
        `mutation ${i} threw ${e}`,
      );
      continue;
    }
    accepted++;
    const span = image.segments.reduce((n, s) => n + s.memsz, 0);
    if (span <= 0x40000) loadElf(mem, bytes, image);
  }
  assert(accepted > 0 && accepted < 2000, `accepted ${accepted} of 2000 mutations`);
});

function loaded(opts: FixtureOptions): [Memory, ElfImage] {
  const bytes = buildElf(opts).bytes;
  const image = parseElf(bytes, "prog");
  const mem = new Memory();
  loadElf(mem, bytes, image);
  return [mem, image];
}

Deno.test("loadElf() maps segments with their permissions and zeroes the bss", () => {
  const [mem] = loaded(MINIMAL);
  assertEquals(mem.read(TEXT, 0x100), TEXT_BYTES);
  assertEquals(mem.read(DATA, 0x40), DATA_BYTES);
  assertEquals(mem.read(DATA + 0x40, 0x1fc0), new Uint8Array(0x1fc0));
  assertEquals(mem.perm[TEXT >>> 12] & 7, PROT_READ | PROT_EXEC);
  assertEquals(mem.perm[DATA >>> 12] & 7, PROT_READ | PROT_WRITE);
  assertEquals(mem.perm[(DATA >>> 12) + 1] & 7, PROT_READ | PROT_WRITE);
  assertEquals(mem.perm[(DATA >>> 12) + 2] & PAGE_MAPPED, 0);
  assertEquals(mem.perm[(TEXT >>> 12) - 1] & PAGE_MAPPED, 0);
});

Deno.test("loadElf() loads the same memory when the program headers are in reverse order", () => {
  const [forward] = loaded(MINIMAL);
  const [reverse] = loaded({ ...MINIMAL, segments: MINIMAL.segments.toReversed() });
  assertEquals(reverse.read(TEXT, 0x4000), forward.read(TEXT, 0x4000));
  assertEquals(reverse.perm.slice(0, 0x20), forward.perm.slice(0, 0x20));
});

Deno.test("loadElf() gives a page shared by two segments the union of their permissions", () => {
  const text = new Uint8Array(0x1800).fill(0x13);
  const data = new Uint8Array(0x100).fill(0x77);
  const segments = [
    { vaddr: TEXT, flags: PF_R | PF_X, data: text },
    { vaddr: TEXT + 0x1800, flags: PF_R | PF_W, data, memsz: 0x1000 },
  ];
  for (const order of [segments, segments.toReversed()]) {
    const [mem] = loaded({ entry: ENTRY, segments: order });
    assertEquals(mem.read(TEXT, 0x1800), text);
    assertEquals(mem.read(TEXT + 0x1800, 0x100), data);
    assertEquals(mem.read(TEXT + 0x1900, 0xf00), new Uint8Array(0xf00));
    assertEquals(mem.perm[0x10] & 7, PROT_READ | PROT_EXEC);
    assertEquals(mem.perm[0x11] & 7, PROT_READ | PROT_WRITE | PROT_EXEC);
    assertEquals(mem.perm[0x12] & 7, PROT_READ | PROT_WRITE);
  }
});

interface InitialStack {
  argc: number;
  argv: string[];
  env: string[];
  auxv: Map<number, number>;
}

function readStack(mem: Memory, sp: number): InitialStack {
  const word = (addr: number) => mem.load32(addr, 0) >>> 0;
  const strings = (at: number): [string[], number] => {
    const out: string[] = [];
    for (; word(at) !== 0; at += 4) out.push(mem.readCString(word(at)) ?? "<bad>");
    return [out, at + 4];
  };
  const argc = word(sp);
  const [argv, envAt] = strings(sp + 4);
  const [env, auxAt] = strings(envAt);
  const auxv = new Map<number, number>();
  for (let at = auxAt;; at += 8) {
    auxv.set(word(at), word(at + 4));
    if (word(at) === 0) break;
  }
  return { argc, argv, env, auxv };
}

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
  assertEquals(mem.perm[(STACK_TOP - STACK_SIZE) / 4096 - 1] & PAGE_MAPPED, 0);
  assertEquals(mem.perm[(STACK_TOP - STACK_SIZE) / 4096] & PROT_EXEC, 0);
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
        const qemuAux = (type: number) => words(qemuStack)[auxvSlot(qemuStack, type) + 1];
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

/** Index in words(stack) of the auxv entry of `type`, for a stack dumped from sp up. */
function auxvSlot(stack: Uint8Array, type: number): number {
  const w = words(stack);
  let i = w[0] + 2; // past argc, argv[] and its NULL
  while (w[i] !== 0) i++;
  for (i++; w[i] !== type; i += 2) assert(w[i] !== 0 && i < w.length, `no auxv entry ${type}`);
  return i;
}

function words(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length >>> 2 }, (_, i) => view.getUint32(4 * i, true));
}

Deno.test("symbolAt() finds the symbol containing an address", () => {
  const symbols = [
    { name: "_start", addr: 0x100, size: 0, isFunc: true },
    { name: "label", addr: 0x108, size: 0, isFunc: false },
    { name: "main", addr: 0x200, size: 0x20, isFunc: true },
    { name: "helper", addr: 0x220, size: 0x10, isFunc: true },
    { name: "table", addr: 0x1000, size: 0x100, isFunc: false },
    { name: "entry", addr: 0x1010, size: 0x10, isFunc: false },
  ];
  const cases: [number, string | undefined][] = [
    [0x0ff, undefined],
    [0x100, "_start"],
    [0x1fe, "_start"], // size 0: runs up to the next function
    [0x200, "main"],
    [0x21f, "main"],
    [0x22f, "helper"],
    [0x230, undefined],
    [0x1000, "table"],
    [0x1014, "entry"], // the innermost of nested objects
    [0x1020, "table"],
    [0x1100, undefined],
  ];
  for (const [addr, name] of cases) assertEquals(symbolAt(symbols, addr)?.name, name, hex(addr));
  assertEquals(symbolAt([], 0x100), undefined);
});

function hex(n: number): string {
  return "0x" + n.toString(16);
}

const HELLO = new URL("../examples/build/hello.elf", import.meta.url);
const hello = await Deno.readFile(HELLO).catch(() => undefined);

Deno.test({
  name: "parseElf() reads symbols and entry of examples/build/hello.elf when it is built",
  ignore: hello === undefined,
  fn() {
    const image = parseElf(hello!, "hello.elf");
    const names = new Set(image.symbols.map((s) => s.name));
    assert(names.has("main") && names.has("_start"), [...names].join(" "));
    const start = image.symbols.find((s) => s.name === "_start")!;
    assertEquals(start.addr, image.entry);
    assertEquals(symbolAt(image.symbols, image.entry)?.name, "_start");
    const main = image.symbols.find((s) => s.name === "main")!;
    assertEquals(symbolAt(image.symbols, main.addr + 2)?.name, "main");
    const mem = new Memory();
    loadElf(mem, hello!, image);
    assert(mem.check(image.entry, 4, PROT_EXEC));
    assertEquals(mem.read(image.phdrAddr, 4), hello!.slice(52, 56));
    const sp = setupStack(mem, image, { argv: ["hello.elf"], env: [] });
    assertEquals(readStack(mem, sp).argv, ["hello.elf"]);
  },
});

// Keep the instruction helpers honest: they are the fixture program's only assembler.
Deno.test("buildElf() fixture encoders produce the RV32I words binutils does", () => {
  assertEquals(
    words(code([rv.auipc(5, 0), rv.sw(5, 2, -8), rv.addi(11, 2, -8), rv.lui(12, 0x40801)])),
    [0x00000297, 0xfe512c23, 0xff810593, 0x40801637],
  );
});

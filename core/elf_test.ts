import { assert, assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { type ElfImage, loadElf, parseElf, symbolAt } from "./elf.ts";
import {
  buildElf,
  DATA,
  DATA_BYTES,
  ENTRY,
  loaded,
  MINIMAL,
  patch,
  PF_R,
  PF_W,
  PF_X,
  readStack,
  TEXT,
  TEXT_BYTES,
} from "./_elf_fixtures.ts";
import { Memory, PAGE_MAPPED, PROT_EXEC, PROT_READ, PROT_WRITE } from "./memory.ts";
import { setupStack } from "./stack.ts";

function minimal(): Uint8Array {
  return buildElf(MINIMAL).bytes;
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
  const size = dataAt[0]! + TEXT_BYTES.length; // one segment
  const bytes = patch(pie, [PH0 + 4, 4, 0], [PH0 + 16, 4, size], [PH0 + 20, 4, size]);
  const image = parseElf(bytes, "pie");
  assertEquals(image.loadBias, 0x400000);
  assertEquals(image.entry, 0x400080);
  assertEquals(image.phdrAddr, 0x400034);
  assertEquals(image.segments[0]?.vaddr, 0x400000);
  assertEquals(image.symbols.map((s) => [s.name, s.addr]), [["_start", 0x400080]]);
});

Deno.test("parseElf() accepts e_flags when they say no RVC or TSO", () => {
  for (const flags of [0, 1, 0x10, 0x11]) {
    assertEquals(parseElf(patch(minimal(), [36, 4, flags]), "prog").entry, ENTRY);
  }
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
  const head = [0, 0x100] as const, tail = [original.length - 0x100, original.length] as const;
  const random = prng(0x5eed);
  const mem = new Memory(); // reused: small images only, so re-mapping clears little
  let accepted = 0;
  for (let i = 0; i < 2000; i++) {
    const bytes = original.slice();
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f++) {
      const [lo, hi] = random() < 0.8 ? (random() < 0.5 ? head : tail) : [0, bytes.length];
      const at = lo + Math.floor(random() * (hi - lo)); // in [lo, hi)
      bytes[at] = random() < 0.5 ? Math.floor(random() * 256) : bytes[at]! ^ (1 << (i % 8));
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

Deno.test("loadElf() maps segments with their permissions and zeroes the bss", () => {
  const [mem] = loaded(MINIMAL);
  assertEquals(mem.read(TEXT, 0x100), TEXT_BYTES);
  assertEquals(mem.read(DATA, 0x40), DATA_BYTES);
  assertEquals(mem.read(DATA + 0x40, 0x1fc0), new Uint8Array(0x1fc0));
  // perm covers every page of the address space.
  assertEquals(mem.perm[TEXT >>> 12]! & 7, PROT_READ | PROT_EXEC);
  assertEquals(mem.perm[DATA >>> 12]! & 7, PROT_READ | PROT_WRITE);
  assertEquals(mem.perm[(DATA >>> 12) + 1]! & 7, PROT_READ | PROT_WRITE);
  assertEquals(mem.perm[(DATA >>> 12) + 2]! & PAGE_MAPPED, 0);
  assertEquals(mem.perm[(TEXT >>> 12) - 1]! & PAGE_MAPPED, 0);
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
    assertEquals(mem.perm[0x10]! & 7, PROT_READ | PROT_EXEC);
    assertEquals(mem.perm[0x11]! & 7, PROT_READ | PROT_WRITE | PROT_EXEC);
    assertEquals(mem.perm[0x12]! & 7, PROT_READ | PROT_WRITE);
  }
});

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

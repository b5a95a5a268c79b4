import { assertEquals } from "@std/assert";
import { parseElf, symbolAt } from "./elf.ts";
import { buildElf, DATA, ENTRY, MINIMAL, patch, TEXT } from "./_elf_fixtures.ts";

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

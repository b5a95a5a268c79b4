import { assertEquals, assertThrows } from "@std/assert";
import { parseArgs } from "./_args.ts";
import type { ArgSpecs, PluginArgs } from "./api.ts";

const SPEC = {
  inline: { type: "bool", default: false },
  limit: { type: "int", min: 0, default: 20 },
  size: { type: "int", min: 1, max: 4096 },
  addr: { type: "int", radix: 16, multiple: true },
  sort: { type: "enum", values: ["reads", "writes"], default: "rw" },
  match: { type: "string", multiple: true },
  out: { type: "string" },
  pair: { type: "custom", parse: (v: string) => v.split(":").map(Number) },
} as const satisfies ArgSpecs;

const args = (text: string): PluginArgs =>
  text === "" ? [] : text.split(",").map((kv) => kv.split("=") as [string, string]);

Deno.test("parseArgs() reads each kind of value, with defaults and repeats", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["", { inline: false, limit: 20, addr: [], sort: "rw", match: [] }],
    ["inline=on,limit=0", { inline: true, limit: 0 }],
    ["inline=yes,inline=off", { inline: false }],
    ["size=4096,out=a.txt", { size: 4096, out: "a.txt" }],
    ["addr=100ce,addr=0x10094", { addr: [0x100ce, 0x10094] }],
    ["sort=writes,match=add,match=lw", { sort: "writes", match: ["add", "lw"] }],
    ["pair=3:4", { pair: [3, 4] }],
  ];
  const defaults = { ...parseArgs([], SPEC) };
  for (const [text, expected] of cases) {
    assertEquals(parseArgs(args(text), SPEC), { ...defaults, ...expected }, text);
  }
});

Deno.test("parseArgs() refuses unknown keys listing the known ones, and bad values", () => {
  const cases: [string, string][] = [
    [
      "bogus=1",
      'Unknown argument "bogus": expected inline, limit, size, addr, sort, match, out or pair',
    ],
    ["inline=1", 'Cannot parse "inline=1": expected on or off'],
    ["limit=-1", 'Cannot parse "limit=-1": expected a non-negative integer'],
    ["limit=1e3", 'Cannot parse "limit=1e3": expected a non-negative integer'],
    ["size=0", 'Cannot parse "size=0": expected an integer from 1 to 4096'],
    ["addr=main", 'Cannot parse "addr=main": expected a hex integer'],
    ["sort=rw", 'Cannot parse "sort=rw": expected reads or writes'],
  ];
  for (const [text, message] of cases) {
    const e = assertThrows(() => parseArgs(args(text), SPEC), TypeError, message, text);
    assertEquals(e.message, message);
  }
  assertThrows(() => parseArgs(args("x=1"), {}), TypeError, "the plugin takes none");
});

Deno.test("parseArgs() refuses a missing required key and types the result", () => {
  const spec = { outfile: { type: "string", required: true } } as const;
  assertThrows(() => parseArgs([], spec), TypeError, 'no "outfile" given');
  const { outfile }: { outfile: string } = parseArgs(args("outfile=x"), spec);
  assertEquals(outfile, "x");
});

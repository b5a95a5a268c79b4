import { assertEquals, assertThrows } from "@std/assert";
import { parseQppDts } from "./dts.ts";

const DTS = `// a comment with QppRegistry { in it
declare global {
  interface QppRegistry {
    plugin_a: {
      version: 3;
      functions: {
        /** Doubles x. More text. */
        func_1: (x: number) => number;
        pick: (a: { b: string; c: (d: number) => void }, e?: Array<number>) => string | undefined,
      };
      callbacks: {
        /**
         * Runs; really.
         */
        on_some_event: (
          x: number,
          flag: boolean,
        ) => void;
      };
    };
  }
}
export {};`;

Deno.test("parseQppDts() reads version, functions and callbacks with their parameters", () => {
  assertEquals(parseQppDts(DTS, "x.d.ts"), [{
    name: "plugin_a",
    version: 3,
    functions: [
      { name: "func_1", params: "x: number", returns: "number", arity: 1, doc: "Doubles x." },
      {
        name: "pick",
        params: "a: { b: string; c: (d: number) => void }, e?: Array<number>",
        returns: "string | undefined",
        arity: 2,
        doc: undefined,
      },
    ],
    callbacks: [
      {
        name: "on_some_event",
        params: "x: number, flag: boolean",
        returns: "void",
        arity: 2,
        doc: "Runs; really.",
      },
    ],
  }]);
});

Deno.test("parseQppDts() rejects what is not an interface entry, naming the source", () => {
  const cases: [string, string][] = [
    ["export {};", "declares no interface QppRegistry"],
    ["interface QppRegistry { a: number }", 'entry "a" is not an object'],
    ["interface QppRegistry { a: { functions: {} } }", "no numeric version"],
    ["interface QppRegistry { a: { version: 1; functions: { f: number } } }", "not a function"],
    ["interface QppRegistry { a: { version: 1; functions: number } }", "not an object type"],
    ["interface QppRegistry { a: { version: 1 }", 'unbalanced "{"'],
  ];
  for (const [text, phrase] of cases) {
    const e = assertThrows(() => parseQppDts(text, "bad.d.ts"), SyntaxError, phrase);
    assertEquals((e as Error).message.startsWith('Cannot read "bad.d.ts"'), true, text);
  }
});

import { assertEquals, assertThrows } from "@std/assert";
import type { QppInterface } from "./dts.ts";
import {
  QppCallbackError,
  QppCallError,
  QppLinker,
  QppLinkError,
  type QppPlugin,
} from "./linker.ts";

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;

const IFACE: QppInterface = {
  name: "prov",
  version: 1,
  functions: [{ name: "twice", params: "x: number", returns: "number", arity: 1 }],
  callbacks: [{ name: "on_x", params: "x: number", returns: "void", arity: 1 }],
};

function provider(functions: Record<string, AnyFn> = { twice: (x: number) => 2 * x }): QppPlugin {
  return {
    name: "prov",
    stem: "prov",
    source: "file:///p/prov.ts",
    uses: new Map(),
    provides: {
      version: 1,
      functions: new Map(Object.entries(functions)),
      iface: IFACE,
      dtsSource: "file:///p/prov.d.ts",
    },
  };
}

const consumer = (name: string, version = 1): QppPlugin => ({
  name,
  stem: name,
  source: `file:///p/${name}.ts`,
  uses: new Map([["prov", version]]),
});

/** A linker with the provider and consumers `a` and `b` linked, the callback created. */
function linked() {
  const linker = new QppLinker();
  const order = linker.link([consumer("a"), consumer("b"), provider()]);
  const run = linker.apiFor("prov").createCb("prov" as never, "on_x" as never) as AnyFn;
  return { linker, order, run, a: linker.apiFor("a"), b: linker.apiFor("b") };
}

Deno.test("QppLinker.link() orders providers before their consumers, else keeps the order", () => {
  assertEquals(linked().order.map((p) => p.name), ["prov", "a", "b"]);
});

Deno.test("QppLinker callbacks run by priority, then in registration order", () => {
  const { run, a, b } = linked();
  const seen: string[] = [];
  const reg = (api: typeof a, tag: string, priority?: number) =>
    api.regCb("prov" as never, "on_x" as never, ((x: number) => seen.push(`${tag}${x}`)) as never, {
      priority,
    });
  reg(b, "b");
  reg(a, "a");
  reg(a, "high", 5);
  reg(b, "b2");
  run(1);
  assertEquals(seen, ["high1", "b1", "a1", "b21"]);
});

Deno.test("QppLinker.apiFor().unregCb() and forget() remove registrations", () => {
  const { linker, run, a, b } = linked();
  let n = 0;
  const f = () => n++;
  a.regCb("prov" as never, "on_x" as never, f as never);
  b.regCb("prov" as never, "on_x" as never, f as never);
  assertEquals(a.unregCb("prov" as never, "on_x" as never, f as never), true);
  assertEquals(a.unregCb("prov" as never, "on_x" as never, f as never), false);
  run(0);
  linker.forget("b");
  run(0);
  assertEquals(n, 1);
});

Deno.test("QppLinker functions are the provider's, and their errors name both plugins", () => {
  const { a } = linked();
  const fns = a.use("prov" as never) as Record<string, AnyFn>;
  assertEquals(fns.twice!(21), 42);
  assertThrows(() => fns.nope, TypeError, 'Cannot call prov.nope from plugin "a"');
  assertEquals(Object.keys(fns), ["twice"]);
  const failing = new QppLinker();
  failing.link([
    provider({
      twice: () => {
        throw new Error("bad");
      },
    }),
    consumer("c"),
  ]);
  const c = failing.apiFor("c").use("prov" as never) as Record<string, AnyFn>;
  assertThrows(() => c.twice!(1), QppCallError, 'prov.twice, called by plugin "c", threw: bad');
});

Deno.test("QppLinker runner reports a throwing callback with both plugins", () => {
  const { run, b } = linked();
  b.regCb(
    "prov" as never,
    "on_x" as never,
    (() => {
      throw new Error("no");
    }) as never,
  );
  assertThrows(
    () => run(1),
    QppCallbackError,
    'callback prov.on_x registered by plugin "b" threw: no',
  );
});

Deno.test("QppLinker rejects what does not fit, naming the plugins", () => {
  const cases: [() => void, string][] = [
    [
      () => new QppLinker().link([consumer("a")]),
      'Cannot link plugin "a": plugin "prov" is not loaded',
    ],
    [() => new QppLinker().link([consumer("a", 2), provider()]), "it needs prov version 2"],
    [
      () => new QppLinker().link([provider({})]),
      "its .d.ts declares twice, which it does not export",
    ],
    [
      () => new QppLinker().link([provider({ twice: () => 0, extra: () => 0 })]),
      "it exports extra, which its .d.ts does not declare",
    ],
    [() => linked().a.use("other" as never), "its qppUses does not name it"],
    [
      () => linked().a.regCb("prov" as never, "on_y" as never, (() => {}) as never),
      'declares no callback "on_y"',
    ],
    [
      () => linked().linker.apiFor("prov").createCb("prov" as never, "on_y" as never),
      "does not declare it",
    ],
    [
      () => linked().linker.apiFor("a").createCb("a" as never, "on_x" as never),
      "exports no qppVersion",
    ],
    [() => {
      const l = new QppLinker();
      l.link([provider()]);
      l.installed("prov");
    }, "declares callback on_x, which its install did not create"],
  ];
  for (const [fn, message] of cases) assertThrows(fn, QppLinkError, message);
});

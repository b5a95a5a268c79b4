/**
 * profiler: instructions per function, inclusive and exclusive, built on callstack (QPP), with
 * flame graphs and traces.
 *
 * Usage: `--plugin plugins/profiler.ts[,folded=PATH][,svg=PATH][,trace=PATH][,top=N]`
 *
 * Counts every executed instruction against the stack of functions it ran in, exactly: the
 * folded counts add up to the instructions the guest executed. At exit it prints
 * `profiler: N instructions in M functions`, then the `top` (default 10) functions by inclusive
 * count as `inclusive exclusive function`, and writes, in the current directory unless the
 * arguments give other paths (an empty path writes no file):
 * - `profile.folded`: folded stacks, one line per stack, `_start;main;f 1234` (read by
 *   flamegraph.pl, speedscope, inferno);
 * - `profile.svg`: a flame graph of them, drawn by the plugin itself;
 * - with `trace=PATH` only: a Chrome trace (trace-event JSON, read by Perfetto and
 *   chrome://tracing) with a begin and an end event per call, whose timestamps count guest
 *   instructions (shown as microseconds).
 * @module
 */

import type { PluginApi, PluginArgs, QppUses } from "../mod.ts";
import type {} from "./callstack.d.ts";
import { flameGraphSvg, type FlameNode } from "./_flamegraph.ts";

export const apiVersion = 2;
/** profiler uses version 1 of callstack's interface. */
export const qppUses = { callstack: 1 } satisfies QppUses;

interface Node extends FlameNode {
  readonly parent: Node | undefined;
  readonly children: Map<string, Node>;
  /** The children by the address called: no symbol lookup on each call. */
  readonly byTarget: Map<number, Node>;
}

const node = (name: string, parent: Node | undefined): Node => ({
  name,
  parent,
  self: 0,
  children: new Map(),
  byTarget: new Map(),
});

/** Trace events are written in chunks of about this many characters. */
const TRACE_CHUNK = 1 << 16;

export function install(api: PluginApi, args: PluginArgs): void {
  const opts = api.parseArgs(args, {
    folded: { type: "string", default: "profile.folded" },
    svg: { type: "string", default: "profile.svg" },
    trace: { type: "string", default: "" },
    top: { type: "int", min: 0, default: 10 },
  });
  const callstack = api.qpp.use("callstack");
  const folded = opts.folded ? api.createOutputFile(opts.folded) : undefined;
  const svg = opts.svg ? api.createOutputFile(opts.svg) : undefined;
  const trace = opts.trace ? api.createOutputFile(opts.trace) : undefined;

  const root = node(callstack.stackNames()[0]!, undefined);
  let current = root;
  /** Instructions counted so far: each block's count when it starts. */
  let counted = 0;
  let events = "", first = true;
  const event = (ph: "B" | "E", name: string) => {
    if (!trace) return;
    events += `${first ? "" : ",\n"}{"name":${JSON.stringify(name)},"cat":"call","ph":"${ph}",` +
      `"ts":${counted},"pid":1,"tid":1}`;
    first = false;
    if (events.length > TRACE_CHUNK) {
      trace.write(events);
      events = "";
    }
  };
  if (trace) {
    trace.write(
      `{"otherData":{"ts":"guest instructions"},` +
        `"traceEvents":[\n`,
    );
    event("B", root.name);
  }

  api.qpp.regCb("callstack", "on_call", (_site, target) => {
    let child = current.byTarget.get(target);
    if (!child) {
      const name = callstack.symbolize(target);
      child = current.children.get(name);
      if (!child) current.children.set(name, child = node(name, current));
      current.byTarget.set(target, child);
    }
    current = child;
    event("B", child.name);
  });
  api.qpp.regCb("callstack", "on_ret", () => {
    if (!current.parent) return;
    event("E", current.name);
    current = current.parent;
  });

  const onBlock = (_vcpu: number, udata: unknown) => {
    const n = udata as number;
    current.self += n;
    counted += n;
  };
  api.onTbTrans((tb) => tb.onExec(onBlock, tb.nInsns));

  // A block cut short (a fault, the exit) counted instructions that did not run: settle with
  // the exact count then, against the function that was running. Like QEMU's plugins, count a
  // faulting instruction as executed, though it does not retire.
  let faults = 0;
  const settle = () => {
    const executed = api.readRegister("instreth") * 2 ** 32 + (api.readRegister("instret") >>> 0) +
      faults;
    current.self += executed - counted;
    counted = executed;
  };
  api.onDiscontinuity((_vcpu, kind) => {
    if (kind !== "exception") return;
    faults++;
    settle();
  });

  api.onExit(() => {
    settle();
    if (folded) {
      const lines: string[] = [];
      const walk = (n: Node, path: string) => {
        if (n.self > 0) lines.push(`${path} ${n.self}`);
        for (const c of n.children.values()) walk(c, `${path};${c.name}`);
      };
      walk(root, root.name);
      folded.write(lines.sort().join("\n") + "\n");
      folded.close();
    }
    if (svg) {
      svg.write(flameGraphSvg(root, `${api.programPath}: guest instructions`, "instructions"));
      svg.close();
    }
    if (trace) {
      for (let n: Node | undefined = current; n; n = n.parent) event("E", n.name);
      trace.write(events + "\n]}\n");
      trace.close();
    }
    api.outs(report(root, opts.top));
  });
}

/** The exit report: totals, then the top functions by inclusive count. */
function report(root: Node, top: number): string {
  const self = new Map<string, number>(), incl = new Map<string, number>();
  const active = new Map<string, number>();
  const walk = (n: Node): number => {
    // A recursive function's inclusive count is its outermost frames' only.
    const outer = !active.get(n.name);
    active.set(n.name, (active.get(n.name) ?? 0) + 1);
    let total = n.self;
    for (const c of n.children.values()) total += walk(c);
    active.set(n.name, active.get(n.name)! - 1);
    self.set(n.name, (self.get(n.name) ?? 0) + n.self);
    if (outer) incl.set(n.name, (incl.get(n.name) ?? 0) + total);
    return total;
  };
  const total = walk(root);
  let out = `profiler: ${total} instructions in ${self.size} functions\n`;
  out += `${"inclusive".padStart(12)} ${"exclusive".padStart(12)}  function\n`;
  const rows = [...incl].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, top);
  for (const [name, n] of rows) {
    out += `${String(n).padStart(12)} ${String(self.get(name)).padStart(12)}  ${name}\n`;
  }
  return out;
}

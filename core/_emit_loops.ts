/**
 * Control flow between the blocks of a region (core/emit.ts). Each block's code names its jumps
 * inside the region with {@linkcode gotoMark}; here they become jumps between the `case`s of the
 * region's `loop: for (;;) switch (L)`, except inside loops, which become JS loops.
 *
 * A jump through the `switch` merges every register local at its head and dispatches again: a
 * loop of three blocks (bench_core's CRC) ran 2.3x slower so than as a plain `for (;;)` in V8.
 * So the `case` of a loop's head holds a copy of the whole loop, structured after "Beyond
 * Relooper" (N. Ramsey, ICFP 2022): `lH: for (;;) { ... }`, where a jump back to the head is
 * `continue lH`, a block that one jump reaches is emitted in place of that jump, a block that
 * several reach follows a labelled block they `break` out of, and a jump out of the loop goes
 * back to the `switch`. The loop's other blocks keep their own cases for entries into its middle
 * (the region's entry, returns, gcc's loops entered after a first iteration copied before them),
 * which reach the head through the `switch` once.
 *
 * Only loops without loops inside are copied: a loop whose body holds a `do while` block (an
 * inner loop already a JS loop) stays as cases. Copying such nests (bench_matmul's) ran 5-20%
 * slower in V8, where its loop runs in one long call through on-stack replacement.
 * @module
 */

/** Placeholder for a jump to block `k` of the region. */
export function gotoMark(k: number): string {
  return `/*goto ${k}*/`;
}

const GOTO = /\/\*goto (\d+)\*\//g;
const GOTO_AT_END = /\/\*goto (\d+)\*\/\s*$/;

/** Blocks of the region that the code of a block jumps to, each once. */
function jumpTargets(code: string): number[] {
  return [...new Set([...code.matchAll(GOTO)].map((m) => Number(m[1])))];
}

/**
 * The `case`s of the region's `switch (L)`, block `i` (whose code is `code[i]`) as `case i`.
 * @param doLoops whether each block is a `do while` loop (a block that branches to itself)
 */
export function regionCases(code: readonly string[], doLoops: readonly boolean[]): string[] {
  const succs = code.map(jumpTargets);
  const loops = regionLoops(new Set(code.keys()), succs, doLoops);
  return code.map((c, i) => {
    const body = loops.get(i);
    if (body) return `case ${i}:\n${loopCode(code, succs, i, body)}`;
    // The last jump of a block falls into the next case when that is its target.
    const fall = c.match(GOTO_AT_END);
    const end = fall && Number(fall[1]) === i + 1 ? c.lastIndexOf("/*goto") : c.length;
    return `case ${i}: ${c.slice(0, end).replace(GOTO, (_, k) => `L = ${k}; continue loop;`)}${
      end < c.length ? `L = ${i + 1};` : ""
    }`;
  });
}

/**
 * The loops to copy: by head, the blocks of the loop (the head included). A loop is a set of
 * blocks that all reach each other (a block's jump to itself is a `do while` inside its code,
 * not counted); its head, a block without which they jump among themselves without a cycle,
 * the one most of them jump to. A loop with no such block has loops inside: those are copied.
 */
function regionLoops(
  within: ReadonlySet<number>,
  succs: readonly number[][],
  doLoops: readonly boolean[],
): Map<number, Set<number>> {
  const loops = new Map<number, Set<number>>();
  // Blocks reachable from `from` in one jump or more, without jumps of a block to itself.
  const reached = (from: number) => {
    const seen = new Set<number>(), work = [from];
    while (work.length > 0) {
      const b = work.pop()!;
      for (const s of succs[b]!) {
        if (s !== b && within.has(s) && !seen.has(s)) seen.add(s), work.push(s);
      }
    }
    return seen;
  };
  const done = new Set<number>();
  for (const x of within) {
    if (done.has(x)) continue;
    const fromX = reached(x);
    const scc = new Set([x, ...[...fromX].filter((y) => reached(y).has(x))]);
    for (const y of scc) done.add(y);
    if (scc.size < 2) continue;
    const jumpsInto = (h: number) =>
      [...scc].filter((y) => y !== h && succs[y]!.includes(h)).length;
    const heads = [...scc].sort((a, b) => jumpsInto(b) - jumpsInto(a));
    // A loop with a `do while` inside is not innermost.
    const inner = [...scc].some((b) => doLoops[b]);
    const head = inner ? undefined : heads.find((h) => !hasCycle(scc, h, succs));
    if (head !== undefined) loops.set(head, scc);
    else {
      const rest = new Set(scc);
      rest.delete(heads[0]!);
      for (const [h, body] of regionLoops(rest, succs, doLoops)) loops.set(h, body);
    }
  }
  return loops;
}

/** Whether `body` without `head` has a cycle other than a block's jump to itself. */
function hasCycle(body: Set<number>, head: number, succs: readonly number[][]): boolean {
  const state = new Map<number, 1 | 2>(); // 1: on the path, 2: done
  const visit = (b: number): boolean => {
    state.set(b, 1);
    for (const s of succs[b]!) {
      if (s === b || s === head || !body.has(s)) continue;
      if (state.get(s) === 1 || (!state.has(s) && visit(s))) return true;
    }
    state.set(b, 2);
    return false;
  };
  return [...body].some((b) => b !== head && !state.has(b) && visit(b));
}

/** The loop headed by `head` with blocks `body`, as `lH: for (;;) { ... }`. */
function loopCode(
  code: readonly string[],
  succs: readonly number[][],
  head: number,
  body: Set<number>,
): string {
  // Forward jumps inside the loop form a graph without cycles: order it, find dominators.
  const forward = (x: number) => succs[x]!.filter((y) => y !== head && y !== x && body.has(y));
  const order: number[] = [], seen = new Set<number>();
  const visit = (b: number) => {
    seen.add(b);
    for (const s of forward(b)) if (!seen.has(s)) visit(s);
    order.push(b);
  };
  visit(head);
  order.reverse(); // reverse postorder: every block after the blocks that jump to it
  const rpo = new Map(order.map((b, i) => [b, i]));
  const preds = new Map(order.map((b) => [b, order.filter((x) => forward(x).includes(b))]));
  const idom = new Map<number, number>();
  for (const b of order.slice(1)) {
    // In reverse postorder, the nearest common dominator of the predecessors.
    let d = preds.get(b)![0]!;
    for (const p of preds.get(b)!.slice(1)) {
      let q = p;
      while (d !== q) {
        while (rpo.get(d)! > rpo.get(q)!) d = idom.get(d)!;
        while (rpo.get(q)! > rpo.get(d)!) q = idom.get(q)!;
      }
    }
    idom.set(b, d);
  }
  const isMerge = (y: number) => preds.get(y)!.length >= 2;
  const jump = (x: number, y: number): string => {
    if (y === head) return `continue l${head};`;
    if (y === x || !body.has(y)) return `L = ${y}; continue loop;`;
    return isMerge(y) ? `break b${y};` : tree(y); // one jump enters it: here
  };
  // L names the running block, for the catch handler.
  const node = (x: number) =>
    `L = ${x};\n${code[x]!.replace(GOTO, (_, k: string) => jump(x, Number(k)))}`;
  /** Block x's code in labelled blocks, one per merge child, each followed by that child's code. */
  const within = (x: number, merges: number[]): string => {
    if (merges.length === 0) return node(x);
    const [y, ...rest] = merges as [number, ...number[]];
    return `b${y}: {\n${within(x, rest)}\n}\n${tree(y)}`;
  };
  const tree = (x: number): string => {
    const merges = order.filter((y) => idom.get(y) === x && isMerge(y))
      .sort((a, b) => rpo.get(b)! - rpo.get(a)!);
    return within(x, merges);
  };
  return `l${head}: for (;;) {\n${tree(head)}\n}`;
}

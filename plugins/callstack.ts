/**
 * callstack: follows the guest's calls and returns by the RISC-V conventions, as PANDA's
 * callstack_instr does for x86, and offers them to other plugins through QPP (callstack.d.ts):
 * `on_call`/`on_ret` callbacks and `depth()`, `functions(n)`, `callers(n)`, `stackNames()`,
 * `symbolize(pc)`.
 *
 * Usage: `--plugin plugins/callstack.ts[,trace=on]` — prints nothing unless `trace=on`, which
 * logs each call and return: `call 0xSITE -> name (depth N)` and `ret 0xSITE -> 0xTARGET (depth N)`.
 *
 * What counts as what:
 * - a call is `jal`/`jalr` (and `c.jal`, `c.jalr`) linking `ra` or `t0` (millicode such as
 *   `__riscv_save_N` links `t0`); the new frame returns to the instruction after it;
 * - a return is `jalr zero, 0(ra)` or `0(t0)` (`ret`, `jr t0`): it leaves the innermost frame whose
 *   return address is the target, with every frame above it; when no frame returns there (a
 *   `longjmp`), it leaves the frames until one whose function contains the target;
 * - a signal handler is entered as if called from the interrupted instruction, and returns to the
 *   signal trampoline;
 * - a tail call is a jump without link (`j`, `jr`, `tail`) to the first instruction of a function
 *   symbol: it replaces the innermost frame, keeping its return address.
 * @module
 */

import type { PluginApi, PluginArgs, QppCheck } from "../mod.ts";
import type {} from "./callstack.d.ts";

export const apiVersion = 2;
/** The version of callstack's interface (callstack.d.ts). */
export const qppVersion = 1;

const _qppCheck: QppCheck<"callstack", typeof import("./callstack.ts")> = true;

/** A frame: the function entered, where it returns, the call that made it. */
interface Frame {
  readonly fn: number;
  readonly ret: number;
  readonly site: number;
}

/** A control transfer found at translation: what its exec callback needs. */
interface Transfer {
  readonly kind: "call" | "ret" | "jump";
  readonly pc: number;
  readonly next: number;
  /** Register holding the target (jalr), or -1 for a direct target. */
  readonly rs1: string | undefined;
  readonly imm: number;
}

/** The plugin's state (a module instance per plugin name; install resets it). */
const state = {
  stack: [] as Frame[],
  name: (_pc: number): string | undefined => undefined,
  symbolize: (pc: number): string => hex(pc),
};

const hex = (v: number) => "0x" + (v >>> 0).toString(16);

/** Number of frames on the stack now (1 in the entry function). */
export function depth(): number {
  return state.stack.length;
}

/** Entry addresses of the `n` innermost functions, innermost first. */
export function functions(n: number): number[] {
  const s = state.stack, out: number[] = [];
  for (let i = s.length - 1; i >= 0 && out.length < n; i--) out.push(s[i]!.fn);
  return out;
}

/** Addresses of the calls that made the `n` innermost frames, innermost first. */
export function callers(n: number): number[] {
  const s = state.stack, out: number[] = [];
  for (let i = s.length - 1; i >= 0 && out.length < n; i--) out.push(s[i]!.site);
  return out;
}

/** The names of the functions on the stack, outermost first. */
export function stackNames(): string[] {
  return state.stack.map((f) => state.name(f.fn) ?? hex(f.fn));
}

/** `pc` as `symbol+0xoffset`, or as hex when no symbol covers it. */
export function symbolize(pc: number): string {
  return state.symbolize(pc);
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { trace } = api.parseArgs(args, { trace: { type: "bool", default: false } });
  const funcs = new Map<number, string>();
  for (const s of api.symbols()) if (s.isFunc && !funcs.has(s.addr)) funcs.set(s.addr, s.name);
  state.name = (pc) => funcs.get(pc) ?? api.symbolAt(pc)?.name;
  state.symbolize = (pc) => {
    const s = api.symbolAt(pc);
    return s ? (pc === s.addr ? s.name : `${s.name}+0x${(pc - s.addr).toString(16)}`) : hex(pc);
  };
  const stack: Frame[] = state.stack = [
    { fn: api.entryCode(), ret: -1, site: -1 },
  ];
  const onCall = api.qpp.createCb("callstack", "on_call");
  const onRet = api.qpp.createCb("callstack", "on_ret");

  const target = (t: Transfer) =>
    t.rs1 === undefined ? t.imm : ((api.readRegister(t.rs1) + t.imm) & ~1) >>> 0;

  const call = (site: number, fn: number, ret: number) => {
    stack.push({ fn, ret, site });
    if (trace) api.outs(`call ${hex(site)} -> ${state.symbolize(fn)} (depth ${stack.length})\n`);
    onCall(site, fn, stack.length);
  };
  const leave = (site: number, to: number) => {
    stack.pop();
    if (trace) api.outs(`ret ${hex(site)} -> ${hex(to)} (depth ${stack.length})\n`);
    onRet(site, to, stack.length);
  };

  const exec = (_vcpu: number, udata: unknown) => {
    const t = udata as Transfer, to = target(t);
    if (t.kind === "call") {
      call(t.pc, to, t.next);
    } else if (t.kind === "ret") {
      let at = stack.length - 1;
      while (at > 0 && stack[at]!.ret !== to) at--;
      if (at === 0) {
        // No frame returns there: an unwind, to the innermost frame whose function has `to`.
        const fn = api.symbolAt(to)?.addr;
        for (at = stack.length - 1; at >= 0 && stack[at]!.fn !== fn;) at--;
        at = at < 0 ? stack.length : at + 1;
      }
      while (stack.length > at) leave(t.pc, to);
    } else if (funcs.has(to) && stack.length > 1) {
      const top = stack[stack.length - 1]!;
      leave(t.pc, to);
      call(t.pc, to, top.ret);
    }
  };

  // A signal handler starts like a call from the interrupted instruction; its return goes to
  // the signal trampoline, which delivery left in ra.
  api.onDiscontinuity((_vcpu, kind, from, to) => {
    if (kind !== "hostcall" && to !== 0) call(from, to, api.readRegister("ra") >>> 0);
  });

  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      const t = classify(insn.vaddr, insn.bytes);
      // A direct jump matters only when it lands on a function's first instruction.
      if (t && !(t.kind === "jump" && t.rs1 === undefined && !funcs.has(t.imm))) {
        // Only an indirect target is read from a register, which costs a register sync.
        insn.onExec(exec, t, { flags: t.rs1 === undefined ? "none" : "r" });
      }
    }
  });
}

/** The call, return or jump at `pc`, if the instruction is one. */
function classify(pc: number, bytes: Uint8Array): Transfer | undefined {
  const next = pc + bytes.length;
  const linkKind = (rd: number, rs1: number | undefined): Transfer["kind"] | undefined =>
    rd === 1 || rd === 5 ? "call" : rd !== 0 ? undefined : rs1 === 1 || rs1 === 5 ? "ret" : "jump";
  if (bytes.length === 4) {
    const w = (bytes[0]! | bytes[1]! << 8 | bytes[2]! << 16 | bytes[3]! << 24) >>> 0;
    const op = w & 0x7f, rd = (w >>> 7) & 31, rs1 = (w >>> 15) & 31;
    if (op === 0x6f) {
      const imm = ((w >> 31) << 20) | (w & 0xff000) | ((w >>> 9) & 0x800) |
        ((w >>> 20) & 0x7fe);
      const kind = linkKind(rd, undefined);
      return kind && { kind, pc, next, rs1: undefined, imm: (pc + imm) >>> 0 };
    }
    if (op === 0x67 && ((w >>> 12) & 7) === 0) {
      const kind = linkKind(rd, rs1);
      // `jalr zero, 8(ra)` is not a plain return: count only offset 0 as one.
      const imm = w >> 20;
      if (kind === "ret" && imm !== 0) return { kind: "jump", pc, next, rs1: `x${rs1}`, imm };
      return kind && { kind, pc, next, rs1: `x${rs1}`, imm };
    }
    return undefined;
  }
  const h = bytes[0]! | bytes[1]! << 8, f3 = h >>> 13, quadrant = h & 3;
  if (quadrant === 1 && (f3 === 1 || f3 === 5)) { // c.jal (RV32), c.j
    const imm = (((h >> 12) & 1) << 11) | (((h >> 11) & 1) << 4) | (((h >> 9) & 3) << 8) |
      (((h >> 8) & 1) << 10) | (((h >> 7) & 1) << 6) | (((h >> 6) & 1) << 7) |
      (((h >> 3) & 7) << 1) | (((h >> 2) & 1) << 5);
    const offset = (imm << 20) >> 20;
    const kind = linkKind(f3 === 1 ? 1 : 0, undefined)!;
    return { kind, pc, next, rs1: undefined, imm: (pc + offset) >>> 0 };
  }
  if (quadrant === 2 && f3 === 4 && ((h >>> 2) & 31) === 0) { // c.jr, c.jalr
    const rs1 = (h >>> 7) & 31;
    if (rs1 === 0) return undefined;
    const kind = linkKind((h >>> 12) & 1 ? 1 : 0, rs1)!;
    return { kind, pc, next, rs1: `x${rs1}`, imm: 0 };
  }
  return undefined;
}

/**
 * The plugin API inside a sandboxed plugin's Worker: the same {@linkcode PluginApi} a plugin gets
 * in-process, forwarding to rvplug what only rvplug can do. Registrations become wire records
 * (see {@linkcode WireReg}) that rvplug applies to its own API; callbacks run here when their
 * events arrive.
 * @module
 */

import { regNumber } from "../../cpu.ts";
// The Worker loads these modules on every start: they import little beyond themselves.
import { type ElfSymbol, symbolAt } from "../../_elf_symbols.ts";
import { syscallName } from "../../syscalls/numbers.ts";
import { parseArgs } from "../_args.ts";
import { createOutputFile } from "../_output.ts";
import { MAX_SITES } from "./_channel.ts";
import { hex } from "../../errors.ts";
import {
  type CbFlags,
  type Condition,
  type DecodedInsn,
  type DisconKind,
  type ExecCallback,
  type GuestSymbol,
  type MemCallback,
  memIsSigned,
  memIsStore,
  type MemRw,
  memSizeShift,
  parseBool,
  type PluginApi,
  type RegisterOptions,
  type Scoreboard,
  type Tb,
  type TbInsn,
} from "../api.ts";

/** What the proxy needs from the Worker's channel. */
export interface ProxyEnv {
  readonly name: string;
  readonly version: number;
  readonly programPath: string;
  readonly code: { start: number; end: number; entry: number };
  readonly registerNames: string[];
  /** Names of the CSRs a plugin may read (from rvplug: the ISA's modules stay out of the Worker). */
  readonly csrNames: readonly string[];
  /** The program's symbols, sorted by address. */
  readonly symbols: GuestSymbol[];
  readonly arena: SharedArrayBuffer;
  /**
   * Whether the plugin uses other plugins (QPP): its callbacks then run while rvplug waits, so
   * that they can call them.
   */
  readonly usesQpp: boolean;
  /** Sends a message to rvplug, in order with everything sent before. */
  send(msg: OutMessage): void;
  /** Asks rvplug while it waits for the current call; undefined outside calls. */
  request?: (msg: Request) => unknown;
}

/** Messages of the outbox. */
export type OutMessage =
  | { t: "out"; s: string }
  | { t: "reg"; k: ApiEvent; ahead?: boolean }
  | { t: "forget" }
  | { t: "exit"; status: number }
  | {
    t: "imported";
    uses?: Record<string, number>;
    qppVersion?: unknown;
    /** A provider's QPP functions: name and number of parameters. */
    functions: [string, number][];
  }
  | { t: "installed" }
  | {
    t: "fail";
    error: { name: string; message: string; stack?: string };
    pc?: number;
    /** Set when the plugin failed while loading: importing it, or in its `install`. */
    load?: "import" | "install";
  };

/** Requests during a call. */
export type Request =
  | { q: "rr"; name: string }
  | { q: "wr"; name: string; value: number }
  | { q: "pc"; pc: number }
  | { q: "rm"; vaddr: number; len: number }
  | { q: "cs"; vaddr: number; max?: number }
  | { q: "decoded"; b: number }
  | { q: "wm"; vaddr: number; bytes: number[] }
  | { q: "disas"; b: number }
  | { q: "qppUse"; provider: string }
  | { q: "qppCall"; provider: string; fn: string; args: unknown[] }
  | { q: "qppReg"; provider: string; cb: string; id: number; priority?: number }
  | { q: "qppUnreg"; provider: string; cb: string; id: number }
  | { q: "qppCreate"; self: string; cb: string }
  | { q: "qppRun"; id: number; args: unknown[] }
  | { q: "sym"; b: number };

/** vCPU-level events a plugin registers for. */
export type ApiEvent =
  | "tb"
  | "vinit"
  | "vexit"
  | "sys"
  | "sysret"
  | "filter"
  | "discon"
  | "flush"
  | "exit";

/** A scoreboard on the wire: byte offset in the arena and length. */
export type WireBoard = [offset: number, length: number];

/** A registration made in `onTbTrans`, for rvplug to apply to the block (`at` -1) or insn `at`. */
export type WireReg =
  | {
    at: number;
    k: "x";
    id: number;
    flags: CbFlags;
    prio: number;
    sync: boolean;
    cond?: { op: Condition["op"]; sb: WireBoard; i: number; imm: number };
  }
  | { at: number; k: "a" | "s"; sb: WireBoard; i: number; imm: number }
  | {
    at: number;
    k: "m";
    id: number;
    flags: CbFlags;
    prio: number;
    sync: boolean;
    rw: MemRw;
    /** How many of vaddr and value the callback reads: the words its ring records carry. */
    words: MemWords;
  }
  | { at: number; k: "mi"; sb: WireBoard; i: number; imm: number; rw: MemRw };

/** A block shown to `onTbTrans`: its address and its instructions' address, size and bytes. */
export interface WireTb {
  vaddr: number;
  insns: [vaddr: number, size: number, word: number][];
}

/** Thrown through the plugin's callback by `api.exit`. */
export class ExitRequest {
  constructor(readonly status: number) {}
}

const enum Access {
  None = 0,
  Read = 1,
  Write = 2,
}

/** Words of a memory record after its header: 0 (neither), 1 (vaddr) or 2 (vaddr, value). */
export type MemWords = 0 | 1 | 2;

interface Site {
  readonly fn: (...args: never[]) => unknown;
  readonly udata: unknown;
  readonly pc: number;
  readonly access: Access;
}

/**
 * How many of a memory callback's `vaddr` and `value` it can read: what its parameter list
 * declares, unless it may read more (rest or default parameters, `arguments`, a native or bound
 * function), then both: the words its records carry after their header.
 */
export function memWords(fn: (...args: never[]) => unknown): MemWords {
  const src = Function.prototype.toString.call(fn);
  const simpleArrow = /^\s*(async\s+)?[\w$]+\s*=>/.test(src);
  const params = simpleArrow ? "" : src.slice(0, src.indexOf(")") + 1);
  if (
    fn.length >= 4 || params.includes("=") || params.includes("...") ||
    src.includes("arguments") || src.includes("[native code]")
  ) return 2;
  return Math.max(0, fn.length - 2) as MemWords;
}

/** The proxy and what the Worker's loop calls on it. */
export interface Proxy {
  readonly api: PluginApi;
  /** Callback sites by id. */
  readonly sites: Site[];
  /** Runs exec site `id` with the access it was registered with. */
  exec(id: number): void;
  /** Runs memory site `id`. */
  mem(id: number, info: number, vaddr: number, value: number): void;
  /**
   * Runs the `onTbTrans` callbacks on `tbs` (each callback on all of them, in turn); returns
   * what they registered in each. `at` learns the block being shown, for errors.
   */
  tb(tbs: readonly WireTb[], at: (vaddr: number) => void): WireReg[][];
  /** Runs the QPP callback the plugin registered as `id`. */
  qppCallback(id: number, args: unknown[]): void;
  /** Runs the callbacks of a vCPU-level event; returns a filter's result. */
  event(k: ApiEvent, args: number[], kind?: DisconKind): number | undefined;
}

/** Creates the proxy API of one plugin. */
export function createProxy(env: ProxyEnv): Proxy {
  const lists: Record<ApiEvent, ((...args: never[]) => unknown)[]> = {
    tb: [],
    vinit: [],
    vexit: [],
    sys: [],
    sysret: [],
    filter: [],
    discon: [],
    flush: [],
    exit: [],
  };
  const sites: Site[] = [];
  let access = Access.None;
  /**
   * Set once the plugin uses inline operations or conditions, or QPP: its callbacks then run in
   * step with the guest, while rvplug waits.
   */
  let exact = env.usesQpp;
  const arena = env.arena;
  let arenaTop = 0;

  /** Whether every `onTbTrans` callback takes blocks ahead (rvplug is told when it changes). */
  let tbAhead = true;
  const register = (k: ApiEvent, fn: (...args: never[]) => unknown, ahead = false) => {
    const first = lists[k].push(fn) === 1;
    if (k === "tb" && (first || (tbAhead && !ahead))) {
      tbAhead &&= ahead;
      env.send({ t: "reg", k, ahead: tbAhead });
    } else if (first) env.send({ t: "reg", k });
  };
  const need = (want: Access, what: string) => {
    if (access < want) {
      const flags = want === Access.Write ? '"rw"' : '"r" or "rw"';
      throw new TypeError(`Cannot ${what}: the callback was not registered with flags ${flags}`);
    }
  };
  const ask = (msg: Request, what: string): unknown => {
    if (!env.request) {
      throw new TypeError(
        `Cannot ${what}: plugin "${env.name}" runs sandboxed, and this callback runs after ` +
          `the guest moved on; register it with flags "r"`,
      );
    }
    return env.request(msg);
  };
  const checkName = (name: string, action: string) => {
    if (name === "pc" && action === "read") return;
    if (action === "read" && env.csrNames.includes(name)) return;
    if (regNumber(name) < 0) {
      throw new TypeError(`Cannot ${action} register "${name}": no such register`);
    }
  };
  const board = (sb: Scoreboard, index: number, what: string): WireBoard => {
    if (!(sb instanceof Float64Array) || sb.buffer !== arena) {
      throw new TypeError(`Cannot ${what}: the scoreboard was not made by newScoreboard`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= sb.length) {
      throw new RangeError(`Cannot ${what}: index ${index} is not in the scoreboard`);
    }
    return [sb.byteOffset, sb.length];
  };
  const withAccess = (a: Access, fn: () => void) => {
    const saved = access;
    access = a;
    try {
      fn();
    } finally {
      access = saved;
    }
  };
  const accessOf = (flags: CbFlags) =>
    flags === "rw" ? Access.Write : flags === "r" ? Access.Read : Access.None;
  const checkRw = (rw: MemRw): MemRw => {
    if (rw !== "r" && rw !== "w" && rw !== "rw") {
      throw new TypeError(`Cannot register a memory callback for "${rw}": expected r, w or rw`);
    }
    return rw;
  };

  const tbHandle = (wire: WireTb, b: number, regs: WireReg[]): { handle: Tb; close(): void } => {
    let open = true;
    let disas: string[] | undefined, symbols: (string | null)[] | undefined;
    let decoded: DecodedInsn[] | undefined;
    const check = () => {
      if (!open) {
        throw new TypeError(
          `Cannot use the TB handle of ${hex(wire.vaddr)}: it is valid only inside onTbTrans`,
        );
      }
    };
    const site = (
      fn: (...args: never[]) => unknown,
      udata: unknown,
      pc: number,
      o?: RegisterOptions,
    ) => {
      if (sites.length >= MAX_SITES) {
        throw new RangeError(
          `Cannot register a callback: a sandboxed plugin can have ${MAX_SITES} at most`,
        );
      }
      return sites.push({ fn, udata, pc, access: accessOf(o?.flags ?? "none") }) - 1;
    };
    const exec =
      (at: number, pc: number) =>
      (cb: ExecCallback, udata?: unknown, o?: RegisterOptions, cond?: Condition) => {
        check();
        const flags = o?.flags ?? "none";
        let wc: Extract<WireReg, { k: "x" }>["cond"];
        if (cond) {
          exact = true;
          wc = {
            op: cond.op,
            sb: board(cond.scoreboard, cond.index, "add a conditional callback"),
            i: cond.index,
            imm: cond.imm,
          };
        }
        const id = site(cb, udata, pc, o);
        regs.push({
          at,
          k: "x",
          id,
          flags,
          prio: o?.priority ?? 0,
          sync: flags !== "none",
          cond: wc,
        });
      };
    const inline = (at: number, k: "a" | "s") => (sb: Scoreboard, i: number, imm: number) => {
      check();
      regs.push({ at, k, sb: board(sb, i, "add an inline op"), i, imm });
      exact = true;
    };
    const insn = (k: number): TbInsn => {
      check();
      if (!Number.isInteger(k) || k < 0 || k >= wire.insns.length) {
        throw new RangeError(`Cannot get instruction ${k}: the TB has ${wire.insns.length}`);
      }
      const [pc, size, word] = wire.insns[k]!; // k is in range (checked above)
      const bytes = new Uint8Array(size);
      for (let b = 0; b < size; b++) bytes[b] = (word >>> (8 * b)) & 0xff;
      const onExec = exec(k, pc);
      return {
        vaddr: pc,
        size,
        bytes,
        disas: () => {
          check();
          disas ??= env.request!({ q: "disas", b }) as string[];
          return disas[k]!; // one per instruction
        },
        decoded: () => {
          check();
          decoded ??= env.request!({ q: "decoded", b }) as DecodedInsn[];
          return structuredClone(decoded[k]!);
        },
        symbol: () => {
          check();
          symbols ??= env.request!({ q: "sym", b }) as (string | null)[];
          return symbols[k] ?? undefined;
        },
        onExec: (cb, udata, o) => onExec(cb, udata, o),
        onExecCond: (cb, cond, udata, o) => onExec(cb, udata, o, cond),
        inlineAdd: inline(k, "a"),
        inlineStore: inline(k, "s"),
        onMem: (cb: MemCallback, rw: MemRw, udata?: unknown, o?: RegisterOptions) => {
          check();
          const flags = o?.flags ?? "none";
          checkRw(rw);
          const id = site(cb, udata, pc, o);
          regs.push({
            at: k,
            k: "m",
            id,
            flags,
            prio: o?.priority ?? 0,
            sync: flags !== "none",
            rw,
            words: memWords(cb),
          });
        },
        memInlineAdd: (sb, i, imm, rw) => {
          check();
          regs.push({
            at: k,
            k: "mi",
            sb: board(sb, i, "add an inline op"),
            i,
            imm,
            rw: checkRw(rw),
          });
          exact = true;
        },
      };
    };
    const onExec = exec(-1, wire.vaddr);
    const handle: Tb = {
      vaddr: wire.vaddr,
      nInsns: wire.insns.length,
      insn,
      onExec: (cb, udata, o) => onExec(cb, udata, o),
      onExecCond: (cb, cond, udata, o) => onExec(cb, udata, o, cond),
      inlineAdd: inline(-1, "a"),
      inlineStore: inline(-1, "s"),
    };
    return { handle, close: () => (open = false) };
  };

  const forget = () => {
    for (const list of Object.values(lists)) list.length = 0;
    tbAhead = true;
    env.send({ t: "forget" });
  };

  // QPP goes through rvplug's registry, while rvplug waits for the plugin: a plugin that uses
  // others or runs callbacks has all its callbacks run in step (see `exact`).
  const qppCbs: (((...args: never[]) => unknown) | undefined)[] = [];
  const qpp = {
    use(provider: string) {
      const names = ask({ q: "qppUse", provider }, `use plugin "${provider}"`) as string[];
      const handle: Record<string, (...args: unknown[]) => unknown> = {};
      for (const fn of names) {
        handle[fn] = (...args: unknown[]) =>
          ask({ q: "qppCall", provider, fn, args }, `call ${provider}.${fn}`);
      }
      return handle;
    },
    createCb(self: string, cb: string) {
      const id = ask({ q: "qppCreate", self, cb }, `create callback ${self}.${cb}`) as number;
      exact = true;
      return (...args: unknown[]) => void ask({ q: "qppRun", id, args }, `run ${self}.${cb}`);
    },
    regCb(
      provider: string,
      cb: string,
      fn: (...args: never[]) => unknown,
      o?: { priority?: number },
    ) {
      if (typeof fn !== "function") {
        throw new TypeError(`Cannot register for ${provider}.${cb}: not a function`);
      }
      const id = qppCbs.push(fn) - 1;
      ask(
        { q: "qppReg", provider, cb, id, priority: o?.priority },
        `register for ${provider}.${cb}`,
      );
    },
    unregCb(provider: string, cb: string, fn: (...args: never[]) => unknown) {
      const id = qppCbs.indexOf(fn);
      if (id < 0) return false;
      qppCbs[id] = undefined;
      return ask(
        { q: "qppUnreg", provider, cb, id },
        `unregister from ${provider}.${cb}`,
      ) as boolean;
    },
  } as unknown as PluginApi["qpp"];
  const api: PluginApi = {
    qpp,
    name: env.name,
    version: env.version,
    programPath: env.programPath,
    startCode: () => env.code.start,
    endCode: () => env.code.end,
    entryCode: () => env.code.entry,
    outs: (text) => env.send({ t: "out", s: String(text) }),
    newScoreboard(size) {
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new RangeError(`Cannot create a scoreboard of size ${size}`);
      }
      const end = arenaTop + size * 8;
      if (end > arena.byteLength) {
        arena.grow(Math.min(arena.maxByteLength, Math.max(end, arena.byteLength * 2, 1 << 16)));
      }
      const sb = new Float64Array(arena, arenaTop, size);
      arenaTop = end;
      return sb;
    },
    onTbTrans: (cb, o) => register("tb", cb, o?.ahead === true),
    onVcpuInit: (cb) => register("vinit", cb),
    onVcpuExit: (cb) => register("vexit", cb),
    onSyscall: (cb) => register("sys", cb),
    onSyscallReturn: (cb) => register("sysret", cb),
    onSyscallFilter: (cb) => register("filter", cb),
    onDiscontinuity: (cb) => register("discon", cb),
    onFlush: (cb) => register("flush", cb),
    onExit: (cb) => register("exit", cb),
    readRegister(name) {
      checkName(name, "read");
      need(Access.Read, `read register "${name}"`);
      return ask({ q: "rr", name }, `read register "${name}"`) as number;
    },
    registerNames: () => [...env.registerNames],
    writeRegister(name, value) {
      checkName(name, "write");
      need(Access.Write, `write register "${name}"`);
      ask({ q: "wr", name, value }, `write register "${name}"`);
    },
    setPc(pc) {
      need(Access.Write, "set the pc");
      ask({ q: "pc", pc }, "set the pc");
    },
    readMemory(vaddr, len) {
      const what = `read ${len} bytes at ${hex(vaddr)}`;
      return new Uint8Array(ask({ q: "rm", vaddr, len }, what) as number[]);
    },
    readCString(vaddr, max) {
      return ask({ q: "cs", vaddr, max }, `read a string at ${hex(vaddr)}`) as string;
    },
    symbols: () => env.symbols.map((s) => ({ ...s })),
    symbolAt(vaddr) {
      const s = symbolAt(env.symbols as ElfSymbol[], vaddr);
      return s && { name: s.name, addr: s.addr, size: s.size, isFunc: s.isFunc };
    },
    syscallName,
    parseArgs,
    createOutputFile,
    writeMemory(vaddr, bytes) {
      need(Access.Write, `write memory at ${hex(vaddr)}`);
      ask({ q: "wm", vaddr, bytes: [...bytes] }, `write memory at ${hex(vaddr)}`);
    },
    parseBool,
    memSizeShift,
    memIsSigned,
    memIsStore,
    exit(status) {
      throw new ExitRequest(status);
    },
    reset(cb) {
      forget();
      cb?.();
    },
    uninstall(cb) {
      forget();
      cb?.();
    },
  };

  return {
    api,
    sites,
    exec(id) {
      // Called as plain functions, so that stack traces name them as the plugin did.
      const s = sites[id]!, fn = s.fn as ExecCallback;
      if (s.access === Access.None) fn(0, s.udata);
      else withAccess(s.access, () => fn(0, s.udata));
    },
    mem(id, info, vaddr, value) {
      const s = sites[id]!, fn = s.fn as MemCallback;
      if (s.access === Access.None) fn(0, info, vaddr >>> 0, value >>> 0, s.udata);
      else withAccess(s.access, () => fn(0, info, vaddr >>> 0, value >>> 0, s.udata));
    },
    tb(wires, at) {
      const regs = wires.map((): WireReg[] => []);
      for (const cb of lists.tb) {
        wires.forEach((wire, b) => {
          at(wire.vaddr);
          const h = tbHandle(wire, b, regs[b]!);
          try {
            (cb as (tb: Tb) => void)(h.handle);
          } finally {
            h.close();
          }
        });
      }
      if (exact) {
        for (const r of regs.flat()) if (r.k === "x" || r.k === "m") r.sync = true;
      }
      return regs;
    },
    qppCallback(id, args) {
      const fn = qppCbs[id] as ((...args: unknown[]) => unknown) | undefined;
      fn?.(...args);
    },
    event(k, args, kind) {
      let ret: number | undefined;
      const a = k === "flush" ? Access.None : k === "exit" ? Access.Read : Access.Write;
      withAccess(a, () => {
        for (const cb of lists[k].slice()) {
          const fn = cb as (...args: unknown[]) => unknown;
          const r = k === "discon"
            ? fn(0, kind, ...args)
            : k === "flush" || k === "exit"
            ? fn()
            : fn(0, ...args);
          if (k === "filter" && r !== undefined) {
            ret = r as number;
            break;
          }
        }
      });
      return ret;
    },
  };
}

/**
 * The plugin host: keeps what each plugin registered, builds the instrumentation of each block
 * the translator compiles, and runs the vCPU-level callbacks (syscalls, exit...).
 *
 * Ordering: callbacks at the same point run by priority (higher first), then in the command-line
 * order of their plugins.
 * @module
 */

import { ABI_NAMES, type CpuState, regNumber } from "../cpu.ts";
import { symbolAt } from "../elf.ts";
import type { ElfSymbol } from "../elf.ts";
import { GuestExit, GuestFault, hex } from "../errors.ts";
import { disassemble } from "../isa/disasm.ts";
import { CSR, readCsr, timeTicks } from "../isa/zicsr.ts";
import type { Memory } from "../memory.ts";
import { PROT_READ } from "../memory.ts";
import type { Block } from "../region.ts";
import {
  type CbFlags,
  type Condition,
  type DisconKind,
  type ExecCallback,
  type MemCallback,
  memIsSigned,
  memIsStore,
  type MemRw,
  memSizeShift,
  parseBool,
  PLUGIN_API_VERSION,
  type PluginApi,
  type RegisterOptions,
  type Scoreboard,
  type Tb,
  type TbInsn,
} from "./api.ts";
import { QppLinker } from "../../qpp/linker.ts";
import type { BlockSites, ExecSite, InlineOp, InsnSites, MemInlineSite, MemSite } from "./sites.ts";

/** An exception thrown by a plugin: stops the run, naming the plugin and the guest pc. */
export class PluginError extends Error {
  /** Name of the plugin whose callback threw. */
  readonly plugin: string;
  /** Guest pc when it threw. */
  readonly pc: number;

  constructor(plugin: string, pc: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`Plugin "${plugin}" failed at pc ${hex(pc)}: ${why}`, { cause });
    this.name = "PluginError";
    this.plugin = plugin;
    this.pc = pc;
  }
}

/** What the host needs from the machine. */
export interface HostMachine {
  readonly cpu: CpuState;
  readonly mem: Memory;
  readonly programPath: string;
  symbols(): readonly ElfSymbol[];
  log(text: string): void;
  /** Drops all translated code so that it is instrumented anew. */
  flushCode(): void;
  /** Instructions retired so far, exact inside callbacks too. */
  instret(): number;
  /** The loaded program's code range and entry point. */
  code(): { start: number; end: number; entry: number };
}

interface Plugin {
  readonly name: string;
  readonly order: number;
}

interface Reg<F> {
  readonly plugin: Plugin;
  readonly fn: F;
  readonly priority: number;
}

type SyscallCb = (vcpu: number, num: number, ...args: number[]) => void;
type FilterCb = (vcpu: number, num: number, ...args: number[]) => number | undefined;
type DisconCb = (vcpu: number, kind: DisconKind, fromPc: number, toPc: number) => void;

/** Register access allowed to the callback running now. */
const enum Access {
  None = 0,
  Read = 1,
  Write = 2,
}

/** Adds `reg` keeping the list sorted by priority, stable (first registered first). */
function insertByPriority<T extends { priority: number; plugin: Plugin }>(list: T[], reg: T): void {
  const at = list.findIndex((r) =>
    r.priority < reg.priority || (r.priority === reg.priority && r.plugin.order > reg.plugin.order)
  );
  if (at < 0) list.push(reg);
  else list.splice(at, 0, reg);
}

/** The plugins of one machine. */
export class PluginHost {
  #m: HostMachine;
  #plugins: Plugin[] = [];
  #tbTrans: Reg<(tb: Tb) => void>[] = [];
  #vcpuInit: Reg<(vcpu: number) => void>[] = [];
  #vcpuExit: Reg<(vcpu: number) => void>[] = [];
  #syscall: Reg<SyscallCb>[] = [];
  #syscallReturn: Reg<(vcpu: number, num: number, ret: number) => void>[] = [];
  #filter: Reg<FilterCb>[] = [];
  #discon: Reg<DisconCb>[] = [];
  #flush: Reg<() => void>[] = [];
  #exit: Reg<() => void>[] = [];
  /** Every callback site compiled, by id: who registered it and where it runs. */
  #sites: { plugin: Plugin; pc: number; retired: number }[] = [];
  #access = Access.None;
  /** The QPP registry: links plugins that use each other and keeps their callbacks. */
  readonly qpp: QppLinker = new QppLinker();

  constructor(machine: HostMachine) {
    this.#m = machine;
  }

  /** Whether any plugin instruments translated code. */
  get instruments(): boolean {
    return this.#tbTrans.length > 0;
  }

  /** Whether any plugin watches syscalls. */
  get watchesSyscalls(): boolean {
    return this.#syscall.length + this.#syscallReturn.length + this.#filter.length +
        this.#discon.length > 0;
  }

  /** Names of the plugins loaded, in load order. */
  get names(): string[] {
    return this.#plugins.map((p) => p.name);
  }

  /** Registers a plugin named `name` and returns the API object its `install` receives. */
  createApi(name: string): PluginApi {
    if (this.#plugins.some((p) => p.name === name)) {
      throw new TypeError(`Cannot load plugin "${name}": a plugin of that name is loaded already`);
    }
    const plugin: Plugin = { name, order: this.#plugins.length };
    this.#plugins.push(plugin);
    return this.#api(plugin);
  }

  /** The instrumentation plugins ask for in `block`, or undefined when there is none. */
  instrument(block: Block): BlockSites | undefined {
    if (this.#tbTrans.length === 0) return undefined;
    const sites: BlockSites = {
      entry: [],
      insns: block.insns.map((): InsnSites => ({ exec: [], mem: [] })),
    };
    const priorities = new Map<object, number>();
    for (const reg of this.#tbTrans) {
      const tb = this.#tbHandle(reg.plugin, block, sites, priorities);
      try {
        this.#guard(reg.plugin, block.pc, () => reg.fn(tb.handle));
      } finally {
        tb.close();
      }
    }
    const byPriority = (a: object, b: object) =>
      (priorities.get(b) ?? 0) - (priorities.get(a) ?? 0);
    sites.entry.sort(byPriority);
    for (const s of sites.insns) {
      s.exec.sort(byPriority);
      s.mem.sort(byPriority);
    }
    const empty = sites.entry.length === 0 &&
      sites.insns.every((s) => s.exec.length === 0 && s.mem.length === 0);
    return empty ? undefined : sites;
  }

  /** Instructions of its block retired when site `id` runs (for instret after an exception). */
  siteRetired(id: number): number {
    return this.#sites[id].retired;
  }

  /** The exception to throw for `e`, raised by the callback at site `id`. */
  siteError(e: unknown, id: number): unknown {
    if (e instanceof GuestExit || e instanceof GuestFault || e instanceof PluginError) return e;
    const site = this.#sites[id];
    return new PluginError(site.plugin.name, site.pc, e);
  }

  /** Runs the vCPU-init callbacks. */
  vcpuInit(): void {
    for (const r of this.#vcpuInit) this.#vcpuCall(r, () => r.fn(0));
  }

  /** Runs the vCPU-exit callbacks, then the atexit ones. */
  exit(): void {
    for (const r of this.#vcpuExit) this.#vcpuCall(r, () => r.fn(0));
    for (const r of this.#exit) this.#vcpuCall(r, () => r.fn(), Access.Read);
  }

  /**
   * Runs the syscall callbacks around `perform`: entry callbacks, filters (the first number a
   * filter returns replaces the syscall), then return callbacks.
   * @returns the syscall's result
   */
  syscall(num: number, args: readonly number[], perform: () => number): number {
    const [a0, a1, a2, a3, a4, a5] = args;
    for (const r of this.#syscall) this.#vcpuCall(r, () => r.fn(0, num, a0, a1, a2, a3, a4, a5));
    let ret: number | undefined;
    for (const r of this.#filter) {
      ret = this.#vcpuCall(r, () => r.fn(0, num, a0, a1, a2, a3, a4, a5));
      if (ret !== undefined) break;
    }
    ret = ret === undefined ? perform() : ret | 0;
    for (const r of this.#syscallReturn) this.#vcpuCall(r, () => r.fn(0, num, ret));
    return ret;
  }

  /** Runs the discontinuity callbacks. */
  discontinuity(kind: DisconKind, fromPc: number, toPc: number): void {
    for (const r of this.#discon) this.#vcpuCall(r, () => r.fn(0, kind, fromPc, toPc));
  }

  /** Runs the flush callbacks (translated code was dropped). */
  flushed(): void {
    for (const r of this.#flush) this.#vcpuCall(r, () => r.fn(), Access.None);
  }

  #vcpuCall<T>(reg: Reg<unknown>, fn: () => T, access = Access.Write): T {
    const saved = this.#access;
    this.#access = access;
    try {
      return this.#guard(reg.plugin, this.#m.cpu.pc, fn);
    } finally {
      this.#access = saved;
    }
  }

  #guard<T>(plugin: Plugin, pc: number, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof GuestExit || e instanceof PluginError) throw e;
      throw new PluginError(plugin.name, pc, e);
    }
  }

  /** Wraps a callback that reads or writes registers so the API allows it while it runs. */
  #withAccess<F extends (...args: never[]) => void>(fn: F, flags: CbFlags): F {
    if (flags === "none") return fn;
    const access = flags === "rw" ? Access.Write : Access.Read;
    return ((...args: Parameters<F>) => {
      const saved = this.#access;
      this.#access = access;
      try {
        fn(...args);
      } finally {
        this.#access = saved;
      }
    }) as F;
  }

  #site(plugin: Plugin, pc: number, retired: number): number {
    return this.#sites.push({ plugin, pc, retired }) - 1;
  }

  #tbHandle(
    plugin: Plugin,
    block: Block,
    sites: BlockSites,
    priorities: Map<object, number>,
  ): { handle: Tb; close(): void } {
    let open = true;
    const check = () => {
      if (!open) {
        throw new TypeError(
          `Cannot use the TB handle of ${hex(block.pc)}: it is valid only inside onTbTrans`,
        );
      }
    };
    const add = <T extends object>(list: T[], item: T, options?: RegisterOptions) => {
      check();
      priorities.set(item, options?.priority ?? 0);
      list.push(item);
    };
    const execSite = (
      fn: ExecCallback,
      udata: unknown,
      options: RegisterOptions | undefined,
      pc: number,
      retired: number,
      cond?: Condition,
    ): ExecSite => {
      const flags = options?.flags ?? "none";
      return {
        kind: "exec",
        fn: this.#withAccess(fn, flags),
        udata,
        flags,
        cond,
        id: this.#site(plugin, pc, retired),
      };
    };
    const inlineOp = (kind: "add" | "store", sb: Scoreboard, index: number, imm: number) => {
      check();
      if (
        !(sb instanceof Float64Array) || !Number.isInteger(index) || index < 0 || index >= sb.length
      ) {
        throw new RangeError(`Cannot add an inline op: index ${index} is not in the scoreboard`);
      }
      return { kind, scoreboard: sb, index, imm } satisfies InlineOp;
    };
    const insnHandle = (k: number): TbInsn => {
      check();
      if (!Number.isInteger(k) || k < 0 || k >= block.insns.length) {
        throw new RangeError(`Cannot get instruction ${k}: the TB has ${block.insns.length}`);
      }
      const insn = block.insns[k], pc = block.pcs[k], s = sites.insns[k];
      return {
        vaddr: pc,
        size: insn.size,
        bytes: this.#m.mem.read(pc, insn.size),
        disas: () => (check(), disassemble(insn, pc)),
        symbol: () => (check(), symbolAt(this.#m.symbols() as ElfSymbol[], pc)?.name),
        onExec: (cb, udata, o) => add(s.exec, execSite(cb, udata, o, pc, k), o),
        onExecCond: (cb, cond, udata, o) => add(s.exec, execSite(cb, udata, o, pc, k, cond), o),
        inlineAdd: (sb, i, imm) => add(s.exec, inlineOp("add", sb, i, imm)),
        inlineStore: (sb, i, imm) => add(s.exec, inlineOp("store", sb, i, imm)),
        onMem: (cb: MemCallback, rw: MemRw, udata?: unknown, o?: RegisterOptions) => {
          const flags = o?.flags ?? "none";
          const site: MemSite = {
            kind: "mem",
            fn: this.#withAccess(cb, flags),
            udata,
            flags,
            rw: checkRw(rw),
            id: this.#site(plugin, pc, k + 1),
          };
          add(s.mem, site, o);
        },
        memInlineAdd: (sb, i, imm, rw) => {
          const site: MemInlineSite = {
            kind: "memInline",
            op: inlineOp("add", sb, i, imm),
            rw: checkRw(rw),
          };
          add(s.mem, site);
        },
      };
    };
    const handle: Tb = {
      vaddr: block.pc,
      nInsns: block.insns.length,
      insn: insnHandle,
      onExec: (cb, udata, o) => add(sites.entry, execSite(cb, udata, o, block.pc, 0), o),
      onExecCond: (cb, cond, udata, o) =>
        add(sites.entry, execSite(cb, udata, o, block.pc, 0, cond), o),
      inlineAdd: (sb, i, imm) => add(sites.entry, inlineOp("add", sb, i, imm)),
      inlineStore: (sb, i, imm) => add(sites.entry, inlineOp("store", sb, i, imm)),
    };
    return { handle, close: () => (open = false) };
  }

  #api(plugin: Plugin): PluginApi {
    const m = this.#m, cpu = m.cpu;
    const reg = <F>(list: Reg<F>[], fn: F) => insertByPriority(list, { plugin, fn, priority: 0 });
    const need = (access: Access, what: string) => {
      if (this.#access < access) {
        const flags = access === Access.Write ? '"rw"' : '"r" or "rw"';
        throw new TypeError(`Cannot ${what}: the callback was not registered with flags ${flags}`);
      }
    };
    const regIndex = (name: string, action: string) => {
      const n = regNumber(name);
      if (n < 0) throw new TypeError(`Cannot ${action} register "${name}": no such register`);
      return n;
    };
    const forget = () => {
      for (
        const list of [
          this.#tbTrans,
          this.#vcpuInit,
          this.#vcpuExit,
          this.#syscall,
          this.#syscallReturn,
          this.#filter,
          this.#discon,
          this.#flush,
          this.#exit,
        ] as Reg<unknown>[][]
      ) {
        for (let i = list.length - 1; i >= 0; i--) if (list[i].plugin === plugin) list.splice(i, 1);
      }
      this.qpp.forget(plugin.name);
      m.flushCode();
    };
    return {
      name: plugin.name,
      version: PLUGIN_API_VERSION,
      programPath: m.programPath,
      qpp: this.qpp.apiFor(plugin.name),
      startCode: () => m.code().start,
      endCode: () => m.code().end,
      entryCode: () => m.code().entry,
      outs: (text) => m.log(text),
      newScoreboard(size) {
        if (!Number.isSafeInteger(size) || size < 0) {
          throw new RangeError(`Cannot create a scoreboard of size ${size}`);
        }
        return new Float64Array(new SharedArrayBuffer(size * 8));
      },
      onTbTrans: (cb) => reg(this.#tbTrans, cb),
      onVcpuInit: (cb) => reg(this.#vcpuInit, cb),
      onVcpuExit: (cb) => reg(this.#vcpuExit, cb),
      onSyscall: (cb) => reg(this.#syscall, cb),
      onSyscallReturn: (cb) => reg(this.#syscallReturn, cb),
      onSyscallFilter: (cb) => reg(this.#filter, cb),
      onDiscontinuity: (cb) => reg(this.#discon, cb),
      onFlush: (cb) => reg(this.#flush, cb),
      onExit: (cb) => reg(this.#exit, cb),
      readRegister(name) {
        const csr = (CSR as Record<string, number>)[name];
        const n = name === "pc" || csr !== undefined ? -1 : regIndex(name, "read");
        need(Access.Read, `read register "${name}"`);
        if (csr !== undefined) return readCsr(csr, m.instret(), timeTicks)!;
        return n < 0 ? cpu.pc : cpu.x[n];
      },
      registerNames: () => ["pc", ...ABI_NAMES, ...Object.keys(CSR)],
      writeRegister(name, value) {
        const n = regIndex(name, "write");
        need(Access.Write, `write register "${name}"`);
        if (n !== 0) cpu.x[n] = value;
      },
      setPc(pc) {
        need(Access.Write, "set the pc");
        cpu.pc = pc >>> 0;
      },
      readMemory(vaddr, len) {
        if (!m.mem.check(vaddr, len, PROT_READ)) {
          throw new RangeError(`Cannot read ${len} bytes at ${hex(vaddr)}: not readable`);
        }
        return m.mem.read(vaddr, len);
      },
      writeMemory(vaddr, bytes) {
        need(Access.Write, `write memory at ${hex(vaddr)}`);
        if (!m.mem.check(vaddr, bytes.length, 0)) {
          throw new RangeError(`Cannot write ${bytes.length} bytes at ${hex(vaddr)}: not mapped`);
        }
        m.mem.write(vaddr, bytes);
      },
      parseBool,
      memSizeShift,
      memIsSigned,
      memIsStore,
      exit(status) {
        throw new GuestExit(status & 0xff);
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
  }
}

function checkRw(rw: MemRw): MemRw {
  if (rw !== "r" && rw !== "w" && rw !== "rw") {
    throw new TypeError(`Cannot register a memory callback for "${rw}": expected r, w or rw`);
  }
  return rw;
}

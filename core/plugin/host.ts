/**
 * The plugin host: keeps the plugins of one machine, builds the instrumentation of each block
 * the translator compiles, and runs the vCPU-level callbacks (syscalls, exit...).
 *
 * Its parts: the callbacks by event (./_registry.ts), the TB and instruction handles and the
 * table of compiled callback sites (./_handles.ts), and the API object (./_api_object.ts).
 *
 * Ordering: callbacks at the same point run by priority (higher first), then in the command-line
 * order of their plugins.
 * @module
 */

import { symbolAt } from "../elf.ts";
import type { ElfSymbol } from "../elf.ts";
import { blamePlugin, GuestExit, GuestFault, PluginError } from "../errors.ts";
import type { Block } from "../region.ts";
import { Access, AccessGate } from "./_access.ts";
import { createPluginApi, type HostMachine } from "./_api_object.ts";
import { type HandleContext, SiteTable, tbHandle } from "./_handles.ts";
import { CallbackRegistry, type Plugin, type Reg } from "./_registry.ts";
import type { DisconKind, PluginApi, Tb } from "./api.ts";
import type { BlockSites, InsnSites } from "./sites.ts";
import { QppLinker } from "../../qpp/linker.ts";

export type { HostMachine } from "./_api_object.ts";

/** a0..a5 of a syscall: the machine always passes all six. */
type SyscallArgs = readonly [number, number, number, number, number, number];

/** The plugins of one machine. */
export class PluginHost {
  #m: HostMachine;
  #plugins: Plugin[] = [];
  #callbacks = new CallbackRegistry();
  #sites = new SiteTable();
  #access = new AccessGate();
  #handles: HandleContext;
  /** The first site id of the block being instrumented, while one is. */
  #instrumenting: number | undefined;
  /** The exit callbacks run so far: each runs once. */
  #exited = new Set<Reg<unknown>>();
  /** The QPP registry: links plugins that use each other and keeps their callbacks. */
  readonly qpp: QppLinker = new QppLinker();

  /** The host of `machine`'s plugins, none loaded yet. */
  constructor(machine: HostMachine) {
    this.#m = machine;
    this.#handles = {
      sites: this.#sites,
      access: this.#access,
      read: (vaddr, len) => machine.mem.read(vaddr, len),
      symbolName: (vaddr) => symbolAt(machine.symbols() as ElfSymbol[], vaddr)?.name,
    };
  }

  /** Whether any plugin instruments translated code. */
  get instruments(): boolean {
    return this.#callbacks.has("tbTrans");
  }

  /** Whether any plugin watches syscalls. */
  get watchesSyscalls(): boolean {
    const c = this.#callbacks;
    return c.has("syscall") || c.has("syscallReturn") || c.has("syscallFilter") ||
      c.has("discontinuity");
  }

  /** Names of the plugins loaded, in load order. */
  get names(): string[] {
    return this.#plugins.map((p) => p.name);
  }

  /** Number of callback sites of translated code kept (for tests of their freeing). */
  get siteCount(): number {
    return this.#sites.size;
  }

  /** Registers a plugin named `name` and returns the API object its `install` receives. */
  createApi(name: string): PluginApi {
    if (this.#plugins.some((p) => p.name === name)) {
      throw new TypeError(`Cannot load plugin "${name}": a plugin of that name is loaded already`);
    }
    const plugin: Plugin = { name, order: this.#plugins.length };
    this.#plugins.push(plugin);
    return createPluginApi({
      machine: this.#m,
      registry: this.#callbacks,
      access: this.#access,
      qpp: this.qpp.apiFor(name),
      forget: (p) => {
        this.#callbacks.forget(p);
        this.qpp.forget(p.name);
        this.#m.flushCode();
      },
    }, plugin);
  }

  /** Whether every translation callback accepts blocks before they run (`ahead`). */
  get instrumentsAhead(): boolean {
    return this.#callbacks.of("tbTrans").every((r) => r.ahead());
  }

  /**
   * The instrumentation plugins ask for in each of `blocks` (one, or a region's with
   * {@linkcode instrumentsAhead}): undefined for a block with none (for the translator).
   * @ignore
   */
  instrument(blocks: readonly Block[]): (BlockSites | undefined)[] {
    // Translation happens between regions: no code of a flush before now is running.
    this.#sites.collect();
    const regs = this.#callbacks.of("tbTrans");
    if (regs.length === 0) return blocks.map(() => undefined);
    this.#instrumenting = this.#sites.next;
    const all = blocks.map((block): BlockSites => ({
      entry: [],
      insns: block.insns.map((): InsnSites => ({ exec: [], mem: [] })),
    }));
    const priorities = new Map<object, number>();
    try {
      for (const reg of regs) {
        const tbs = blocks.map((b, i) =>
          tbHandle(this.#handles, reg.plugin, b, all[i]!, priorities)
        );
        try {
          blamePlugin(reg.plugin.name, blocks[0]!.pc, () => reg.fn(tbs.map((tb) => tb.handle)));
        } finally {
          for (const tb of tbs) tb.close();
        }
      }
    } finally {
      this.#instrumenting = undefined;
    }
    const byPriority = (a: object, b: object) =>
      (priorities.get(b) ?? 0) - (priorities.get(a) ?? 0);
    return all.map((sites) => {
      sites.entry.sort(byPriority);
      for (const s of sites.insns) {
        s.exec.sort(byPriority);
        s.mem.sort(byPriority);
      }
      const empty = sites.entry.length === 0 &&
        sites.insns.every((s) => s.exec.length === 0 && s.mem.length === 0);
      return empty ? undefined : sites;
    });
  }

  /**
   * Registers `fn` to see the blocks of each translation together, for plugin `name` (a
   * sandboxed plugin's proxy: one round trip per call); `ahead` says whether it accepts
   * blocks before they run.
   * @ignore
   */
  onTbTransBlocks(name: string, fn: (tbs: readonly Tb[]) => void, ahead: () => boolean): void {
    const plugin = this.#plugins.find((p) => p.name === name);
    if (!plugin) throw new TypeError(`Cannot register for plugin "${name}": not loaded`);
    this.#callbacks.add("tbTrans", plugin, fn, { ahead });
  }

  /** Instructions of its block retired when site `id` runs (for instret after an exception). */
  siteRetired(id: number): number {
    return this.#sites.get(id).retired;
  }

  /** The exception to throw for `e`, raised by the callback at site `id`. */
  siteError(e: unknown, id: number): unknown {
    if (e instanceof GuestExit || e instanceof GuestFault || e instanceof PluginError) return e;
    const site = this.#sites.get(id);
    return new PluginError(site.plugin.name, site.pc, e);
  }

  /** Runs the vCPU-init callbacks. */
  vcpuInit(): void {
    for (const r of this.#callbacks.of("vcpuInit")) this.#vcpuCall(r, () => r.fn(0));
  }

  /**
   * Runs the vCPU-exit callbacks, then the atexit ones, each once: after a plugin failed (even in
   * one of these), a later call runs those not yet run, so the other plugins' reports are kept.
   * @param skip a plugin whose callbacks not to run (the one that failed)
   */
  exit(skip?: string): void {
    const run = (r: Reg<unknown>, call: () => void) => {
      if (this.#exited.has(r) || r.plugin.name === skip) return;
      this.#exited.add(r);
      call();
    };
    for (const r of this.#callbacks.of("vcpuExit")) run(r, () => this.#vcpuCall(r, () => r.fn(0)));
    for (const r of this.#callbacks.of("exit")) {
      run(r, () => this.#vcpuCall(r, () => r.fn(), Access.Read));
    }
  }

  /**
   * Runs the syscall callbacks around `perform`: entry callbacks, filters (the first number a
   * filter returns replaces the syscall), then return callbacks, which see the result in a0 and
   * may change it there.
   * @returns the syscall's result, as the return callbacks left it in a0
   */
  syscall(num: number, args: readonly number[], perform: () => number): number {
    const [a0, a1, a2, a3, a4, a5] = args as SyscallArgs;
    const c = this.#callbacks, x = this.#m.cpu.x;
    for (const r of c.of("syscall")) this.#vcpuCall(r, () => r.fn(0, num, a0, a1, a2, a3, a4, a5));
    let ret: number | undefined;
    for (const r of c.of("syscallFilter")) {
      ret = this.#vcpuCall(r, () => r.fn(0, num, a0, a1, a2, a3, a4, a5));
      if (ret !== undefined) break;
    }
    ret = ret === undefined ? perform() : ret | 0;
    const returns = c.of("syscallReturn");
    if (returns.length === 0) return ret;
    x[10] = ret;
    for (const r of returns) this.#vcpuCall(r, () => r.fn(0, num, ret));
    return x[10];
  }

  /** Runs the discontinuity callbacks. */
  discontinuity(kind: DisconKind, fromPc: number, toPc: number): void {
    for (const r of this.#callbacks.of("discontinuity")) {
      this.#vcpuCall(r, () => r.fn(0, kind, fromPc, toPc));
    }
  }

  /** Runs the flush callbacks (translated code was dropped), and frees the dropped code's sites. */
  flushed(): void {
    // Sites of the block being instrumented now survive: its region is compiled after this.
    this.#sites.dropBelow(this.#instrumenting ?? this.#sites.next);
    for (const r of this.#callbacks.of("flush")) this.#vcpuCall(r, () => r.fn(), Access.None);
  }

  #vcpuCall<T>(reg: Reg<unknown>, fn: () => T, access = Access.Write): T {
    return this.#access.run(access, () => blamePlugin(reg.plugin.name, this.#m.cpu.pc, fn));
  }
}

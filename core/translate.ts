/**
 * The translation cache: compiles regions (core/region.ts, core/emit.ts) into JS functions, finds
 * them by entry pc, and drops them when the guest writes to their code.
 * @module
 */

import type { CpuState } from "./cpu.ts";
import { type BlockInstrumentation, emitRegion } from "./emit.ts";
import { type BlockSites, type InlineAdds, inlineAdds } from "./plugin/sites.ts";
import { type Block, discoverBlock } from "./region.ts";
import { GuestFault, hex } from "./errors.ts";
import type { Memory } from "./memory.ts";
import { PAGE_CODE, PAGE_SHIFT } from "./memory.ts";
import { MAX_PROFILED_TARGETS, planRegion, type RegionPlan, type RegionProfile } from "./region.ts";
import { CodeWrite, type Runtime } from "./_runtime.ts";

/** What builds the plugin instrumentation of blocks (core/plugin/host.ts). */
export interface Instrumenter {
  /** Runs `onTbTrans` on `blocks`; returns the sites of each, undefined for none. */
  sites(blocks: readonly Block[]): (BlockSites | undefined)[];
  /** Whether plugins accept a region's blocks before they run (all at once). */
  readonly ahead: boolean;
}

/** A translated region: call it to run guest code from its entry; it returns the next pc. */
export type RegionFn = () => number;

/**
 * Runs the block at `cpu.pc` in the interpreter and returns the next pc, telling `onIndirect`
 * of an indirect jump that ends it.
 */
export type ColdRunner = (
  onIndirect: (pc: number, target: number) => void,
  maxInsns?: number,
) => number;

/** A block's key in the instrumentation kept: a pc may start blocks of different lengths. */
const blockKey = (b: Block) => `${b.pc}:${b.insns.length}`;

/** A block run cold while plugins are loaded: its length, and its inline adds. */
interface ColdBlock {
  readonly n: number;
  readonly adds: readonly InlineAdds[];
}

interface Region {
  readonly plan: RegionPlan;
  readonly fn: RegionFn;
}

/**
 * Default of {@linkcode Translator.coldRuns}: region entries run in the interpreter before they
 * are compiled, when a cold runner is set. A
 * `new Function` costs about a millisecond; a block in the interpreter a few microseconds: code
 * run only a few times (start-up, large programs) is cheaper to interpret. Measured on the bench
 * guests (tests/bench).
 */
export const COLD_RUNS = 64;
/**
 * Cold runs of a region entry before where it goes on to is noted (for
 * {@linkcode RegionProfile.share}): code run only a few times is not worth the bookkeeping
 * (bench_code, 2000 functions run a few times each, took 1.25x as long when every run was noted).
 */
const NOTED_AFTER_RUNS = 8;
/** Places a block went on to that are noted: a branch has two, a jump table more. */
const NOTED_TARGETS = 4;

/** Names the generated code sees besides its constants, in the order the factory takes them. */
const FACTORY_PARAMS = [
  "rt",
  "state",
  "cpu",
  "x",
  "u8",
  "i8",
  "u16",
  "i16",
  "i32",
  "perm",
] as const;

/** The translation cache: regions by entry pc, two-level by page, and per page who covers it. */
export class Translator {
  #mem: Memory;
  #cpu: CpuState;
  #rt: Runtime;
  /** Regions by entry: `#byPage[pc >>> 12][(pc & 0xfff) >>> 1]`. */
  #byPage: (Array<Region | undefined> | undefined)[] = [];
  /** The region {@linkcode lookup} returned last: the one running, while one runs. */
  #current: Region | undefined;
  /** Regions whose code lies on each page, for invalidation. */
  #onPage = new Map<number, Set<Region>>();
  /** Blocks and regions translated so far, and blocks run in the interpreter. */
  readonly stats = { regions: 0, blocks: 0, invalidations: 0, coldBlocks: 0 };
  /**
   * Set, a region entry seen fewer than {@linkcode coldRuns} times runs with it instead of being
   * compiled, and regions are planned with what cold runs showed. With plugins, only a block
   * they instrument with nothing but inline adds runs cold: the adds are made here.
   */
  coldRunner: ColdRunner | undefined;
  /** Times a region entry runs with {@linkcode coldRunner} before it is compiled. */
  coldRuns: number = COLD_RUNS;
  /** Region entries run cold so far, and how many times. */
  #coldCounts = new Map<number, number>();
  /** Targets of indirect jumps that ran cold, by jump pc, most recent first. */
  #targets = new Map<number, number[]>();
  /** Where cold blocks went on to, and how often: by block pc, `[pc, count, pc, count...]`. */
  #next = new Map<number, number[]>();
  #profile: RegionProfile = {
    targets: (pc) => this.#targets.get(pc) ?? [],
    share: (from, to) => {
      const seen = this.#next.get(from);
      if (!seen) return undefined;
      let all = 0, n = -1;
      for (let i = 0; i < seen.length; i += 2) {
        all += seen[i + 1]!;
        if (seen[i] === to) n = seen[i + 1]!;
      }
      // A target past the four noted (of a jump table) is not known to be rare.
      if (n < 0 && seen.length >= 2 * NOTED_TARGETS) return undefined;
      return Math.max(n, 0) / all;
    },
  };
  #noteIndirect = (pc: number, target: number) => {
    let list = this.#targets.get(pc);
    if (!list) this.#targets.set(pc, list = []);
    if (list[0] === target) return;
    const at = list.indexOf(target);
    if (at >= 0) list.splice(at, 1);
    list.unshift(target);
    if (list.length > MAX_PROFILED_TARGETS) list.pop();
  };
  /** Whether the block about to run cold has run often enough to note where it goes. */
  #noteNext = false;
  /** Notes that a cold run of the block at `from` went on to `to`, if it is to be noted. */
  #noted(from: number, to: number): number {
    if (!this.#noteNext) return to;
    const seen = this.#next.get(from);
    if (!seen) this.#next.set(from, [to, 1]);
    else {
      let i = 0;
      while (i < seen.length && seen[i] !== to) i += 2;
      if (i < seen.length) seen[i + 1]!++;
      else if (i < 2 * NOTED_TARGETS) seen.push(to, 1);
    }
    return to;
  }
  #runCold: RegionFn = () => {
    const from = this.#cpu.pc;
    return this.#noted(from, this.coldRunner!(this.#noteIndirect));
  };
  /** Cold blocks by pc, with plugins: their length and adds, or null to compile them now. */
  #coldBlocks = new Map<number, ColdBlock | null>();
  /** The block about to run cold, with plugins. */
  #cold: ColdBlock = { n: 0, adds: [] };
  /**
   * Runs a block as QEMU cuts it, with its inline adds: all of them first (a syscall or exit in
   * it may read them), less those of the instructions that did not run after all.
   */
  #runColdAdding: RegionFn = () => {
    const { n, adds } = this.#cold, cpu = this.#cpu, before = cpu.instret, from = cpu.pc;
    for (const a of adds) a.scoreboard[a.index]! += a.upTo[n]!;
    let ran = n;
    try {
      const pc = this.#noted(from, this.coldRunner!(this.#noteIndirect, n));
      ran = cpu.instret - before;
      return pc;
    } catch (e) {
      // A faulting instruction counts (its adds come first); what else throws ends the block.
      if (e instanceof GuestFault) ran = cpu.instret - before + 1;
      throw e;
    } finally {
      // Fewer instructions ran: a fault, or code rewritten since it was shown.
      if (ran !== n) { for (const a of adds) a.scoreboard[a.index]! += a.upTo[ran]! - a.upTo[n]!; }
    }
  };

  /** Called with each region planned, before it is compiled (for `-d in_asm`). */
  onPlan: ((plan: RegionPlan) => void) | undefined;
  /**
   * Debugger breakpoints: regions leave before them (see planRegion). Whoever changes the set
   * invalidates the pages of the addresses it added or removed.
   */
  breakpoints: ReadonlySet<number> | undefined;
  /** Builds the plugin instrumentation of blocks: runs `onTbTrans`. */
  instrument: Instrumenter | undefined;
  /** Instrumentation of the blocks that have run, by `pc:length`, built once per block. */
  #sites = new Map<string, BlockSites | undefined>();
  /** Regions that leave at a block because it had not run, by that block's pc. */
  #waiting = new Map<number, Set<Region>>();

  constructor(mem: Memory, cpu: CpuState, rt: Runtime) {
    this.#mem = mem;
    this.#cpu = cpu;
    this.#rt = rt;
  }

  /** The region entered at `pc`, translating it if needed (or the cold runner). */
  lookup(pc: number): RegionFn {
    const region = this.#byPage[pc >>> PAGE_SHIFT]?.[(pc & 0xfff) >>> 1];
    if (region) return (this.#current = region).fn;
    if (this.coldRunner) {
      const runs = this.#coldCounts.get(pc) ?? 0;
      const block = runs >= this.coldRuns
        ? null
        : this.instrument
        ? this.#coldBlock(pc)
        : undefined;
      if (block !== null) {
        this.#coldCounts.set(pc, runs + 1);
        this.stats.coldBlocks++;
        this.#noteNext = runs >= NOTED_AFTER_RUNS;
        if (!block) return this.#runCold;
        this.#cold = block;
        return this.#runColdAdding;
      }
      this.#coldCounts.delete(pc);
    }
    return (this.#current = this.#translate(pc)).fn;
  }

  /**
   * The block at `pc` about to run cold, shown to plugins first, with its adds; null if it must
   * be compiled (its instrumentation is more than inline adds, or it is not executable).
   */
  #coldBlock(pc: number): ColdBlock | null {
    let cold = this.#coldBlocks.get(pc);
    if (cold !== undefined) return cold;
    cold = null;
    try {
      // Plugins that take blocks ahead see the region the block would start, in one call.
      const blocks = this.instrument!.ahead
        ? planRegion(this.#mem, pc, undefined, this.breakpoints).blocks
        : [discoverBlock(this.#mem, pc, undefined, this.breakpoints)];
      this.#show(blocks);
      const b = blocks[0]!; // the entry block comes first
      const adds = inlineAdds(this.#sites.get(blockKey(b)), b.insns.length);
      if (adds) cold = { n: b.insns.length, adds };
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
    }
    this.#coldBlocks.set(pc, cold);
    return cold;
  }

  /**
   * What a write to `[addr, addr + len)` by a store at `pc` (none for other writes) does to the
   * code of the region running (or last run). Only a change to the store's own block ends it
   * at once, as QEMU ends a TB; a block further on is left before it runs.
   */
  codeWriteHits(addr: number, len: number, pc?: number): CodeWrite {
    const end = addr + len;
    const hit = this.#current?.plan.blocks.filter((b) => addr < b.end && b.pc < end) ?? [];
    if (hit.length === 0) return CodeWrite.None;
    const here = pc === undefined || hit.some((b) => b.pc <= pc && pc < b.end);
    return here ? CodeWrite.Here : CodeWrite.Later;
  }

  /**
   * Translates, without caching, the region at `pc` with blocks of at most `maxInsns`
   * instructions, so that an instruction limit falls on a block boundary.
   */
  lookupLimited(pc: number, maxInsns: number): RegionFn {
    return (this.#current = this.#compile(planRegion(this.#mem, pc, maxInsns, this.breakpoints)))
      .fn;
  }

  #translate(pc: number): Region {
    const profile = this.coldRunner ? this.#profile : undefined;
    const region = this.#compile(planRegion(this.#mem, pc, undefined, this.breakpoints, profile));
    (this.#byPage[pc >>> PAGE_SHIFT] ??= new Array(2048))[(pc & 0xfff) >>> 1] = region;
    return region;
  }

  #compile(plan: RegionPlan): Region {
    const pc = plan.entry;
    this.onPlan?.(plan);
    const instrumentation = this.#instrumentation(plan);
    const { body, consts } = emitRegion(plan, instrumentation);
    const constNames = consts.map((_, i) => `c${i}`);
    const factory = new Function(
      ...FACTORY_PARAMS,
      ...constNames,
      `return function region_${hex(pc)}() {\n${body}\n};`,
    );
    const m = this.#mem;
    const fn = factory(
      this.#rt.calls,
      this.#rt.state,
      this.#cpu,
      this.#cpu.x,
      m.u8,
      m.i8,
      m.u16,
      m.i16,
      m.i32,
      m.perm,
      ...consts,
    );
    const region: Region = { plan, fn };
    instrumentation?.forEach((sites, i) => {
      if (sites !== "unseen") return;
      const pc = plan.blocks[i]!.pc;
      if (!this.#waiting.has(pc)) this.#waiting.set(pc, new Set());
      this.#waiting.get(pc)!.add(region);
    });
    for (const page of plan.pages) {
      let set = this.#onPage.get(page);
      if (!set) this.#onPage.set(page, set = new Set());
      set.add(region);
      m.perm[page]! |= PAGE_CODE;
    }
    this.stats.regions++;
    this.stats.blocks += plan.blocks.length;
    return region;
  }

  /**
   * The instrumentation of each block of `plan`. Plugins see a block (`onTbTrans`) once, when
   * it is a region's entry, that is when it is about to run; other blocks they have not seen
   * are "unseen". A block seen for the first time re-plans the regions waiting for it. Plugins
   * that take blocks `ahead` see all the region's new blocks at once, and none is unseen.
   */
  #instrumentation(plan: RegionPlan): BlockInstrumentation[] | undefined {
    const instrument = this.instrument;
    if (!instrument) return undefined;
    this.#show(instrument.ahead ? plan.blocks : plan.blocks.slice(0, 1));
    return plan.blocks.map((b) => {
      const key = blockKey(b);
      return this.#sites.has(key) ? this.#sites.get(key) : "unseen";
    });
  }

  /**
   * Shows plugins those of `blocks` they have not seen, in one call, and keeps what they asked
   * for. A write to their code shows them the new code (see invalidatePage).
   */
  #show(blocks: readonly Block[]): void {
    const fresh = blocks.filter((b) => !this.#sites.has(blockKey(b)));
    if (fresh.length === 0) return;
    this.instrument!.sites(fresh).forEach((sites, i) => {
      const b = fresh[i]!;
      this.#sites.set(blockKey(b), sites);
      this.#mem.perm[b.pc >>> PAGE_SHIFT]! |= PAGE_CODE;
      this.#mem.perm[(b.end - 1) >>> PAGE_SHIFT]! |= PAGE_CODE;
      for (const r of this.#waiting.get(b.pc) ?? []) this.#drop(r);
      this.#waiting.delete(b.pc);
    });
  }

  /** Removes a region from the cache (it may still finish running). */
  #drop(r: Region): void {
    const slots = this.#byPage[r.plan.entry >>> PAGE_SHIFT];
    const slot = (r.plan.entry & 0xfff) >>> 1;
    if (slots?.[slot] === r) slots[slot] = undefined;
    for (const p of r.plan.pages) this.#onPage.get(p)?.delete(r);
  }

  /** Drops every region with code on `page` (the guest wrote to it). */
  invalidatePage(page: number): void {
    const regions = this.#onPage.get(page);
    this.#mem.perm[page]! &= ~PAGE_CODE;
    // Blocks starting on the page, or on the one before (a first instruction may cross).
    const near = (pc: number) => (pc >>> PAGE_SHIFT) === page || (pc >>> PAGE_SHIFT) === page - 1;
    for (const key of this.#sites.keys()) if (near(Number.parseInt(key))) this.#sites.delete(key);
    for (const pc of this.#coldBlocks.keys()) if (near(pc)) this.#coldBlocks.delete(pc);
    if (!regions) return;
    this.#onPage.delete(page);
    for (const r of regions) {
      this.stats.invalidations++;
      this.#drop(r);
    }
  }

  /** Drops all translations (plugin reset, code cache flush). */
  flush(): void {
    for (const page of this.#onPage.keys()) this.#mem.perm[page]! &= ~PAGE_CODE;
    this.#onPage.clear();
    this.#byPage = [];
    this.#sites.clear();
    this.#waiting.clear();
    this.#coldCounts.clear();
    this.#coldBlocks.clear();
    this.#targets.clear();
    this.#next.clear();
  }
}

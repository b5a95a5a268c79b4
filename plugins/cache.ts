/**
 * cache: simulates L1 instruction and data caches, and optionally a unified L2, like QEMU's
 * contrib/plugins/cache.c, and reports the miss rates and the instructions that miss most.
 *
 * Usage: `--plugin plugins/cache.ts[,dcachesize=N][,dassoc=A][,dblksize=B][,icachesize=N]
 * [,iassoc=A][,iblksize=B][,l2=on|off][,l2cachesize=N][,l2assoc=A][,l2blksize=B]
 * [,evict=lru|fifo|rand][,limit=N][,cores=N]`
 *
 * Defaults as QEMU: L1 caches of 16 KiB, 8-way, 64-byte blocks; an L2 (when `l2=on` or any
 * `l2*` size is given) of 2 MiB, 16-way, 64-byte blocks; LRU eviction; the top 32 instructions.
 * Each executed instruction is one fetch at its address; each memory access is one data access
 * at its address, whatever its size; L1 misses go to the L2. Prints
 * `core #, data accesses, data misses, dmiss rate, insn accesses, insn misses, imiss rate`
 * (and the L2 columns), then `address, data misses, instruction` and
 * `address, fetch misses, instruction` (and `address, L2 misses, instruction`) lists.
 * @module
 */

import type { PluginApi, PluginArgs, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

type Policy = "lru" | "fifo" | "rand";

/** One set-associative cache; block `i` of set `s` is at index `s * assoc + i`. */
interface Cache {
  assoc: number;
  blkShift: number;
  setMask: number;
  tagMask: number;
  tags: Uint32Array;
  valid: Uint8Array;
  /** LRU: the generation of each block's last use, and each set's generation counter. */
  lruGen: Float64Array;
  setGen: Float64Array;
  /** FIFO: each set's block indices, oldest first. */
  fifo: number[][];
  accesses: number;
  misses: number;
}

/** A cache's accesses and misses. */
type Counts = readonly [accesses: number, misses: number];

interface Geometry {
  size: number;
  assoc: number;
  blksize: number;
}

const isPow2 = (n: number) => (n & (n - 1)) === 0;

function newCache(name: string, { size, assoc, blksize }: Geometry): Cache {
  const why = size % blksize !== 0
    ? "cache size must be divisible by block size"
    : size % (blksize * assoc) !== 0
    ? "cache size must be divisible by set size (assoc * block size)"
    : !isPow2(blksize) || !isPow2(size / (blksize * assoc))
    ? "block size and number of sets must be powers of two"
    : undefined;
  if (why) throw new RangeError(`Cannot build the ${name} from the given parameters: ${why}`);
  const sets = size / (blksize * assoc), blkShift = Math.log2(blksize);
  const setMask = ((sets - 1) << blkShift) >>> 0;
  return {
    assoc,
    blkShift,
    setMask,
    tagMask: ~(setMask | (blksize - 1)) >>> 0,
    tags: new Uint32Array(sets * assoc),
    valid: new Uint8Array(sets * assoc),
    lruGen: new Float64Array(sets * assoc),
    setGen: new Float64Array(sets),
    fifo: Array.from({ length: sets }, () => []),
    accesses: 0,
    misses: 0,
  };
}

/**
 * Looks `addr` up in `c`, fills its block on a miss, counts; returns whether it hit. Runs on every
 * access: its indexes (a masked set, blocks `base` to `base + assoc - 1`) are in range, unchecked.
 */
function access(c: Cache, policy: Policy, addr: number): boolean {
  const tag = (addr & c.tagMask) >>> 0, set = (addr & c.setMask) >>> c.blkShift;
  const base = set * c.assoc;
  c.accesses++;
  for (let i = base; i < base + c.assoc; i++) {
    if (c.valid[i] && c.tags[i] === tag) {
      if (policy === "lru") c.lruGen[i] = c.setGen[set]!++;
      return true;
    }
  }
  c.misses++;
  let blk = c.valid.subarray(base, base + c.assoc).indexOf(0);
  if (blk < 0) {
    if (policy === "rand") blk = Math.floor(Math.random() * c.assoc);
    else if (policy === "fifo") blk = c.fifo[set]!.shift()!;
    else {
      blk = 0;
      for (let i = 1; i < c.assoc; i++) if (c.lruGen[base + i]! < c.lruGen[base + blk]!) blk = i;
    }
  }
  if (policy === "lru") c.lruGen[base + blk] = c.setGen[set]!++;
  else if (policy === "fifo") c.fifo[set]!.push(blk);
  c.tags[base + blk] = tag;
  c.valid[base + blk] = 1;
  return false;
}

interface Options {
  d: Geometry;
  i: Geometry;
  l2: Geometry | undefined;
  policy: Policy;
  limit: number;
  cores: number;
}

function parseArgs(api: PluginApi, args: PluginArgs): Options {
  const count = (fallback: number) => ({ type: "int", min: 1, default: fallback }) as const;
  const o = api.parseArgs(args, {
    dcachesize: count(16384),
    dassoc: count(8),
    dblksize: count(64),
    icachesize: count(16384),
    iassoc: count(8),
    iblksize: count(64),
    l2: { type: "bool" },
    l2cachesize: { type: "int", min: 1 },
    l2assoc: { type: "int", min: 1 },
    l2blksize: { type: "int", min: 1 },
    evict: { type: "enum", values: ["lru", "fifo", "rand"], default: "lru" },
    limit: count(32),
    cores: count(1),
  });
  const l2 = {
    size: o.l2cachesize ?? 2097152,
    assoc: o.l2assoc ?? 16,
    blksize: o.l2blksize ?? 64,
  };
  // An L2 size given turns the L2 on, unless l2=off comes after it.
  let useL2 = false;
  for (const [key] of args) {
    if (key.startsWith("l2") && key !== "l2") useL2 = true;
    else if (key === "l2") useL2 = o.l2 ?? false;
  }
  return {
    d: { size: o.dcachesize, assoc: o.dassoc, blksize: o.dblksize },
    i: { size: o.icachesize, assoc: o.iassoc, blksize: o.iblksize },
    l2: useL2 ? l2 : undefined,
    policy: o.evict,
    limit: o.limit,
    cores: o.cores,
  };
}

/** An instruction and the misses it caused. */
interface InsnData {
  addr: number;
  disas: string;
  symbol: string | undefined;
  dmisses: number;
  imisses: number;
  l2misses: number;
}

/** `x` as printf's `%.4f`: toFixed breaks exact ties (odd multiples of 1/32) away from zero. */
function fixed4(x: number): string {
  if (!Number.isInteger(x * 32) || (x * 32) % 2 === 0) return x.toFixed(4);
  const n = Math.floor(x * 1e4);
  return ((n % 2 === 0 ? n : n + 1) / 1e4).toFixed(4);
}

export function install(api: PluginApi, args: PluginArgs): void {
  const opts = parseArgs(api, args);
  const { policy, cores } = opts;
  // State: the caches of each core and what each instruction (by address) missed.
  const range = (f: () => Cache) => Array.from({ length: cores }, f);
  const dcaches = range(() => newCache("dcache", opts.d));
  const icaches = range(() => newCache("icache", opts.i));
  const l2caches = opts.l2 ? range(() => newCache("L2 cache", opts.l2!)) : undefined;
  const insns = new Map<number, InsnData>();

  api.onTbTrans((tb) => {
    for (let k = 0; k < tb.nInsns; k++) {
      const insn = tb.insn(k);
      let data = insns.get(insn.vaddr);
      if (!data) {
        const [disas, symbol] = [insn.disas(), insn.symbol()];
        data = { addr: insn.vaddr, disas, symbol, dmisses: 0, imisses: 0, l2misses: 0 };
        insns.set(insn.vaddr, data);
      }
      insn.onMem(onMemAccess, "rw", data);
      insn.onExec(onInsnExec, data);
    }
  });

  // Per access and per instruction: `core` (modulo `cores`) indexes the caches unchecked.
  function onMemAccess(vcpu: VcpuIndex, _info: number, vaddr: number, _v: number, udata: unknown) {
    const insn = udata as InsnData, core = vcpu % cores;
    if (access(dcaches[core]!, policy, vaddr)) return;
    insn.dmisses++;
    if (l2caches && !access(l2caches[core]!, policy, vaddr)) insn.l2misses++;
  }

  function onInsnExec(vcpu: VcpuIndex, udata: unknown): void {
    const insn = udata as InsnData, core = vcpu % cores;
    if (access(icaches[core]!, policy, insn.addr)) return;
    insn.imisses++;
    if (l2caches && !access(l2caches[core]!, policy, insn.addr)) insn.l2misses++;
  }

  function statsLine(d: Counts, i: Counts, l2: Counts): string {
    const rate = ([accesses, misses]: Counts) => accesses ? misses / accesses * 100 : 0;
    let line = `${String(d[0]).padEnd(14)} ${String(d[1]).padEnd(12)} ${
      fixed4(rate(d)).padStart(9)
    }%  ${String(i[0]).padEnd(14)} ${String(i[1]).padEnd(12)} ${fixed4(rate(i)).padStart(9)}%`;
    if (l2[0] && l2[1]) {
      line += `  ${String(l2[0]).padEnd(12)} ${String(l2[1]).padEnd(11)} ${
        fixed4(rate(l2)).padStart(10)
      }%`;
    }
    return line + "\n";
  }

  function topList(title: string, all: InsnData[], misses: (d: InsnData) => number): string {
    all.sort((a, b) => misses(b) - misses(a));
    return all.slice(0, opts.limit).reduce(
      (out, d) =>
        out +
        `0x${d.addr.toString(16)}${d.symbol ? ` (${d.symbol})` : ""}, ${misses(d)}, ${d.disas}\n`,
      `address, ${title}, instruction\n`,
    );
  }

  api.onExit(() => {
    const counts = (c: Cache | undefined): Counts => c ? [c.accesses, c.misses] : [0, 0];
    let rep = "core #, data accesses, data misses, dmiss rate, insn accesses, insn misses, " +
      `imiss rate${l2caches ? ", l2 accesses, l2 misses, l2 miss rate" : ""}\n`;
    for (let c = 0; c < cores; c++) {
      rep += String(c).padEnd(8) +
        statsLine(counts(dcaches[c]), counts(icaches[c]), counts(l2caches?.[c]));
    }
    if (cores > 1) {
      const sum = (cs: Cache[] | undefined) =>
        (cs ?? []).map(counts).reduce<Counts>(([a, m], [a2, m2]) => [a + a2, m + m2], [0, 0]);
      rep += "sum".padEnd(8) + statsLine(sum(dcaches), sum(icaches), sum(l2caches));
    }
    api.outs(rep + "\n");
    // Ties keep address order; each sort is stable, as QEMU's list sort.
    const all = [...insns.values()].sort((a, b) => a.addr - b.addr);
    let top = topList("data misses", all, (d) => d.dmisses);
    top += "\n" + topList("fetch misses", all, (d) => d.imisses);
    if (l2caches) top += "\n" + topList("L2 misses", all, (d) => d.l2misses);
    api.outs(top);
  });
}

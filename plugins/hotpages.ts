/**
 * hotpages: the pages that saw the most memory accesses, like QEMU's contrib/plugins/hotpages.c
 * (7.2).
 *
 * Usage: `--plugin plugins/hotpages.ts[,sortby=reads|writes|address][,io=on|off][,pagesize=N]`
 *
 * Prints at exit `Addr, RCPUs, Reads, WCPUs, Writes`, then one line per page
 * `0x%016x, 0x%04x, reads, 0x%04x, writes` (the CPU columns are bit masks of the vCPUs that read
 * or wrote: 0x0001 or 0x0000 here). Pages come most accessed (reads + writes) first, or by
 * `sortby` reads or writes, or by descending address; ties by address here (QEMU leaves them in
 * hash order). As in QEMU, at most 50 lines, never the last page of the sorted list, and none
 * when only one page was touched. `io=on` counts only accesses to I/O memory, of which user mode
 * has none. `pagesize` (decimal, default 4096) sets the page granularity. An atomic
 * read-modify-write counts as a read and a write.
 * @module
 */

import type { MemInfo, PluginApi, PluginArgs, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

type SortBy = "rw" | "reads" | "writes" | "address";

interface PageCounters {
  pageAddress: number;
  cpuRead: number;
  cpuWrite: number;
  reads: number;
  writes: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { sortby: sortBy, io, pagesize: pageSize } = api.parseArgs(args, {
    sortby: { type: "enum", values: ["reads", "writes", "address"], default: "rw" },
    io: { type: "bool", default: false },
    pagesize: { type: "int", min: 1, max: 2 ** 31, default: 4096 },
  });
  // State: counters by page address.
  const pages = new Map<number, PageCounters>();
  const pageMask = ~(pageSize - 1);

  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) tb.insn(i).onMem(onAccess, "rw");
  });

  function onAccess(vcpu: VcpuIndex, info: MemInfo, vaddr: number): void {
    if (io) return; // user mode has no I/O memory
    const page = (vaddr & pageMask) >>> 0;
    let count = pages.get(page);
    if (!count) {
      count = { pageAddress: page, cpuRead: 0, cpuWrite: 0, reads: 0, writes: 0 };
      pages.set(page, count);
    }
    if (api.memIsStore(info)) {
      count.writes++;
      count.cpuWrite |= 1 << vcpu;
    } else {
      count.reads++;
      count.cpuRead |= 1 << vcpu;
    }
  }

  const key: Record<SortBy, (p: PageCounters) => number> = {
    rw: (p) => p.reads + p.writes,
    reads: (p) => p.reads,
    writes: (p) => p.writes,
    address: (p) => p.pageAddress,
  };

  api.onExit(() => {
    let out = "Addr, RCPUs, Reads, WCPUs, Writes\n";
    const k = key[sortBy];
    const sorted = [...pages.values()]
      .sort((a, b) => k(b) - k(a) || a.pageAddress - b.pageAddress);
    // QEMU stops before the last list element: `i < limit && it->next`.
    for (const p of sorted.slice(0, Math.min(50, sorted.length - 1))) {
      const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;
      out += `0x${p.pageAddress.toString(16).padStart(16, "0")}, ${hex4(p.cpuRead)}, ` +
        `${p.reads}, ${hex4(p.cpuWrite)}, ${p.writes}\n`;
    }
    api.outs(out);
  });
}

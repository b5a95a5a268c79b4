/**
 * The handles `onTbTrans` callbacks receive ({@linkcode Tb}, {@linkcode TbInsn}), which record
 * what plugins ask to run into a block's {@linkcode BlockSites}, and the table of the callback
 * sites compiled into translated code.
 * @module
 */

import { ABI_NAMES } from "../cpu.ts";
import { hex } from "../errors.ts";
import { disassemble } from "../isa/disasm.ts";
import type { Insn } from "../isa/insn.ts";
import type { Block } from "../region.ts";
import type { AccessGate } from "./_access.ts";
import type { Plugin } from "./_registry.ts";
import type {
  Condition,
  DecodedInsn,
  ExecCallback,
  MemCallback,
  MemRw,
  RegisterOptions,
  Scoreboard,
  Tb,
  TbInsn,
} from "./api.ts";
import type { BlockSites, ExecSite, InlineOp, InsnSites, MemInlineSite, MemSite } from "./sites.ts";

/** Who registered a callback site and where it runs. */
export interface SiteInfo {
  readonly plugin: Plugin;
  /** Guest pc of its block or instruction. */
  readonly pc: number;
  /** Instructions of its block retired when it runs. */
  readonly retired: number;
}

/**
 * Every callback site compiled into translated code, by id. Ids only grow; the sites of code that
 * was dropped are freed by {@linkcode SiteTable.collect}.
 */
export class SiteTable {
  #sites: SiteInfo[] = [];
  /** Id of `#sites[0]`. */
  #base = 0;
  /** Sites below this id belong to dropped code. */
  #dropBelow = 0;

  /** The id the next site gets. */
  get next(): number {
    return this.#base + this.#sites.length;
  }

  /** Number of sites kept. */
  get size(): number {
    return this.#sites.length;
  }

  /** Adds a site; returns its id. */
  add(site: SiteInfo): number {
    return this.#base + this.#sites.push(site) - 1;
  }

  /** The site `id`. */
  get(id: number): SiteInfo {
    // Ids come from add(); a dropped site's callbacks are gone with its code.
    return this.#sites[id - this.#base]!;
  }

  /** Marks the sites below `id` as dropped (their code was flushed); collect() frees them. */
  dropBelow(id: number): void {
    this.#dropBelow = Math.max(this.#dropBelow, id);
  }

  /**
   * Frees the dropped sites. Call it only where no dropped code can be running: a region that
   * was flushed by one of its own callbacks still finishes, and still reports its sites.
   */
  collect(): void {
    if (this.#dropBelow <= this.#base) return;
    this.#sites.splice(0, this.#dropBelow - this.#base);
    this.#base = this.#dropBelow;
  }
}

/** What the handles need from the host. */
export interface HandleContext {
  readonly sites: SiteTable;
  readonly access: AccessGate;
  /** A copy of `len` bytes of guest memory at `vaddr`. */
  read(vaddr: number, len: number): Uint8Array;
  /** The name of the symbol containing `vaddr`. */
  symbolName(vaddr: number): string | undefined;
}

/**
 * The {@linkcode Tb} handle of `block` for `plugin`: what it registers goes into `sites`, with
 * its priority in `priorities`. The handle throws once `close` is called.
 */
export function tbHandle(
  ctx: HandleContext,
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
      fn: ctx.access.wrap(fn, flags),
      udata,
      flags,
      cond,
      id: ctx.sites.add({ plugin, pc, retired }),
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
    // k is in range (checked above).
    const insn = block.insns[k]!, pc = block.pcs[k]!, s: InsnSites = sites.insns[k]!;
    return {
      vaddr: pc,
      size: insn.size,
      bytes: ctx.read(pc, insn.size),
      disas: () => (check(), disassemble(insn, pc)),
      decoded: () => (check(), decodedInsn(insn, pc)),
      symbol: () => (check(), ctx.symbolName(pc)),
      onExec: (cb, udata, o) => add(s.exec, execSite(cb, udata, o, pc, k), o),
      onExecCond: (cb, cond, udata, o) => add(s.exec, execSite(cb, udata, o, pc, k, cond), o),
      inlineAdd: (sb, i, imm) => add(s.exec, inlineOp("add", sb, i, imm)),
      inlineStore: (sb, i, imm) => add(s.exec, inlineOp("store", sb, i, imm)),
      onMem: (cb: MemCallback, rw: MemRw, udata?: unknown, o?: RegisterOptions) => {
        const flags = o?.flags ?? "none";
        const site: MemSite = {
          kind: "mem",
          fn: ctx.access.wrap(cb, flags),
          udata,
          flags,
          rw: checkRw(rw),
          id: ctx.sites.add({ plugin, pc, retired: k + 1 }),
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

function checkRw(rw: MemRw): MemRw {
  if (rw !== "r" && rw !== "w" && rw !== "rw") {
    throw new TypeError(`Cannot register a memory callback for "${rw}": expected r, w or rw`);
  }
  return rw;
}

/** Which of rd, rs1, rs2 each operand layout reads and writes. */
const REG_USE: Record<Insn["def"]["format"], { reads: ("rs1" | "rs2")[]; writes: boolean }> = {
  R: { reads: ["rs1", "rs2"], writes: true },
  I: { reads: ["rs1"], writes: true },
  S: { reads: ["rs1", "rs2"], writes: false },
  B: { reads: ["rs1", "rs2"], writes: false },
  U: { reads: [], writes: true },
  J: { reads: [], writes: true },
  load: { reads: ["rs1"], writes: true },
  jalr: { reads: ["rs1"], writes: true },
  shift: { reads: ["rs1"], writes: true },
  csr: { reads: ["rs1"], writes: true },
  csri: { reads: [], writes: true },
  amo: { reads: ["rs1", "rs2"], writes: true },
  lr: { reads: ["rs1"], writes: true },
  none: { reads: [], writes: false },
};

/** The {@linkcode DecodedInsn} of `insn` at `pc`. */
export function decodedInsn(insn: Insn, pc: number): DecodedInsn {
  const text = disassemble(insn, pc);
  const space = text.indexOf(" ");
  const mnemonic = space < 0 ? text : text.slice(0, space);
  // Operands end where the target comment starts.
  const ops = space < 0 ? "" : text.slice(space).split("#")[0]!.trim();
  const use = REG_USE[insn.def.format];
  const reads = [...new Set(use.reads.map((r) => insn[r]))].filter((n) => n !== 0);
  return {
    mnemonic,
    operands: ops === "" ? [] : ops.split(","),
    // Register fields hold 0..31, all named.
    regsRead: reads.map((n) => ABI_NAMES[n]!),
    regsWritten: use.writes && insn.rd !== 0 ? [ABI_NAMES[insn.rd]!] : [],
  };
}

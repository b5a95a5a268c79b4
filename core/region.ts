/**
 * Region discovery: which guest blocks one translated JS function covers.
 *
 * A block ends where QEMU's RISC-V translator ends a TB (so per-block plugin counts agree with
 * QEMU's): after a branch, jump, trap, CSR access or fence.i; before an instruction that would not
 * lie wholly on the page of the block's first instruction; after {@linkcode MAX_BLOCK_INSNS}.
 * A region is the entry block plus the blocks reachable from it by direct control flow (branch
 * targets, fall-through, jump targets, return sites of calls), and by indirect jumps to where
 * they went when the code ran cold (see {@linkcode RegionProfile}) unless it holds a loop,
 * breadth first, up to a size limit, leaving out paths that cold runs rarely took.
 * @module
 */

import { GuestFault } from "./errors.ts";
import { fetchFaultAddress, fetchInsn } from "./isa/decode.ts";
import type { Insn } from "./isa/insn.ts";
import type { Memory } from "./memory.ts";
import { PAGE_SHIFT } from "./memory.ts";

/** QEMU's TCG_MAX_INSNS: no TB holds more instructions. */
export const MAX_BLOCK_INSNS = 512;
/**
 * Size limits of a region. Measured on the bench guests (tests/bench): 8 blocks ran 1.2-1.6x
 * faster than 32 or 64 (every block transition merges all register locals at the loop head, so
 * big regions spill), and faster than 4 on call-heavy code (more exits to the dispatcher).
 */
export const MAX_REGION_BLOCKS = 8;
export const MAX_REGION_INSNS = 2048;

/** One guest basic block, as QEMU would cut it. */
export interface Block {
  /** Guest address of the first instruction. */
  readonly pc: number;
  readonly insns: readonly Insn[];
  /** Guest address of each instruction. */
  readonly pcs: readonly number[];
  /** Address after the last instruction. */
  readonly end: number;
}

/**
 * What running cold code (in the interpreter) showed: where indirect jumps went, and where
 * blocks went on to. Regions planned with it take in the targets of indirect jumps (returns to a
 * caller, `switch` jump tables), so that such jumps stay inside the region, and leave out the
 * paths that cold runs rarely took, so that the region's few blocks go to the hot ones.
 */
export interface RegionProfile {
  /** Targets seen of the indirect jump at `pc`, most recent first. */
  targets(pc: number): readonly number[];
  /**
   * The share of the (warm) cold runs of the block at `from` that went on to `to`; undefined
   * when none was noted.
   */
  share(from: number, to: number): number | undefined;
}

/**
 * A successor that fewer of its block's cold runs went on to is left out of the region (it may
 * come in through another block). Measured on the bench guests (tests/bench): bench_core 0.89x
 * the time, bench_matmul 0.86-0.94x, the others unchanged.
 */
const RARE_SHARE = 0.05;

/** Indirect-jump targets a profile keeps per jump: a `switch` with more goes on by exits. */
export const MAX_PROFILED_TARGETS = 32;
/** Return sites (of a `jalr` through ra) a region takes in: the callers seen last. */
const MAX_PROFILED_RETURNS = 2;

/** The blocks of one region, the entry block first. */
export interface RegionPlan {
  readonly entry: number;
  readonly blocks: readonly Block[];
  /** Guest pages the region's code lies on. */
  readonly pages: readonly number[];
}

/**
 * Decodes the block starting at `pc`. It ends before any instruction at an address in `stops`
 * (debugger breakpoints) other than its first.
 * @throws GuestFault (segv) when `pc` itself is not executable
 */
export function discoverBlock(
  mem: Memory,
  pc: number,
  maxInsns = MAX_BLOCK_INSNS,
  stops?: ReadonlySet<number>,
): Block {
  pc >>>= 0;
  const page = pc >>> PAGE_SHIFT;
  const insns: Insn[] = [], pcs: number[] = [];
  let at = pc;
  while (insns.length < maxInsns) {
    const insn = fetchInsn(mem, at);
    if (!insn) {
      if (insns.length === 0) throw new GuestFault("segv", pc, fetchFaultAddress(mem, pc));
      break;
    }
    // Only the first instruction may leave the block's first page (QEMU's rule for TBs).
    if (insns.length > 0 && ((at + insn.size - 1) >>> PAGE_SHIFT) !== page) break;
    if (insns.length > 0 && stops?.has(at)) break;
    insns.push(insn);
    pcs.push(at);
    at = (at + insn.size) >>> 0;
    if (insn.def.flow !== "next") break;
  }
  return { pc, insns, pcs, end: at };
}

/** Whether `b` ends with a branch back to its own start. */
export function isSelfLoop(b: Block): boolean {
  const last = b.insns[b.insns.length - 1]!;
  return last.def.flow === "branch" && ((b.pcs[b.pcs.length - 1]! + last.imm) >>> 0) === b.pc;
}

/** Successors of a block worth pulling into the same region. */
function successors(b: Block, profile: RegionProfile | undefined): number[] {
  // A block has at least one instruction.
  const last = b.insns[b.insns.length - 1]!;
  const lastPc = b.pcs[b.pcs.length - 1]!;
  const direct = directSuccessors(b, last, lastPc);
  if (!profile || last.def.flow !== "indirect") return direct;
  // A return goes back to the callers seen last; a jump table to any of its cases.
  const seen = profile.targets(lastPc);
  return [...direct, ...(last.rs1 === 1 ? seen.slice(0, MAX_PROFILED_RETURNS) : seen)];
}

function directSuccessors(b: Block, last: Insn, lastPc: number): number[] {
  switch (last.def.flow) {
    case "next":
      return [b.end];
    case "branch":
      return [(lastPc + last.imm) >>> 0, b.end];
    case "jump":
      // A call (jal ra): the callee, and the return site its `ret` will come back to.
      return last.rd !== 0 ? [(lastPc + last.imm) >>> 0, b.end] : [(lastPc + last.imm) >>> 0];
    case "indirect":
      return last.rd !== 0 ? [b.end] : [];
    default:
      return [];
  }
}

/**
 * Orders blocks so that each is followed by the block it falls through to, where that is in the
 * region: the emitter then lets control fall into the next `case` instead of looping back to
 * the `switch` (which merges every register local). The entry block stays first.
 */
function fallThroughOrder(blocks: Block[]): Block[] {
  const byPc = new Map(blocks.map((b) => [b.pc, b]));
  const placed = new Set<Block>(), order: Block[] = [];
  for (let b of blocks) {
    while (b && !placed.has(b)) {
      placed.add(b);
      order.push(b);
      b = byPc.get(b.end)!;
    }
  }
  return order;
}

/**
 * Plans the region entered at `entry`, its blocks cut at `maxBlockInsns` instructions (QEMU
 * likewise cuts TBs short to stop at an exact instruction count). No instruction at an address
 * in `stops` is in the region but at its entry: the region leaves there, so that the run loop
 * can stop at a breakpoint. With a `profile`, indirect jumps bring in the targets they had.
 */
export function planRegion(
  mem: Memory,
  entry: number,
  maxBlockInsns = MAX_BLOCK_INSNS,
  stops?: ReadonlySet<number>,
  profile?: RegionProfile,
): RegionPlan {
  const first = discoverBlock(mem, entry, maxBlockInsns, stops);
  const blocks = [first];
  const seen = new Set([first.pc]);
  let insnCount = first.insns.length;
  // A region with a loop spends its time there: the targets of indirect jumps would only add
  // blocks whose registers the loop's compiled code must keep too (bench_hash: 0.90x without).
  let looping = isSelfLoop(first);
  for (let i = 0; i < blocks.length && blocks.length < MAX_REGION_BLOCKS; i++) {
    const from = blocks[i]!;
    for (const next of successors(from, looping ? undefined : profile)) {
      if (seen.has(next) || blocks.length >= MAX_REGION_BLOCKS || stops?.has(next)) continue;
      // Rare paths stay out; so does a call's return site (its block goes on to the callee),
      // unless the callee's return brings it in.
      if ((profile?.share(from.pc, next) ?? 1) < RARE_SHARE) continue;
      seen.add(next);
      let b: Block;
      try {
        b = discoverBlock(mem, next, maxBlockInsns, stops);
      } catch {
        continue; // not executable: the region exits there and the fault happens if it runs
      }
      if (insnCount + b.insns.length > MAX_REGION_INSNS) continue;
      insnCount += b.insns.length;
      blocks.push(b);
      looping ||= isSelfLoop(b);
    }
  }
  const pages = new Set<number>();
  for (const b of blocks) {
    pages.add(b.pc >>> PAGE_SHIFT);
    pages.add(((b.end - 1) >>> 0) >>> PAGE_SHIFT);
  }
  return { entry: entry >>> 0, blocks: fallThroughOrder(blocks), pages: [...pages] };
}

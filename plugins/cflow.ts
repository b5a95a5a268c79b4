/**
 * cflow: tracks where control flow leaves the straight path, like QEMU's
 * contrib/plugins/cflow.c: each block entered other than by falling through from the previous
 * one counts as a branch of the previous block's last instruction, or as an early exit of the
 * last instruction executed when that one was not the end of its block (a fault).
 *
 * Usage: `--plugin plugins/cflow.ts[,sort=hottest|early|exceptions][,nottaken=on|off]`
 *
 * Prints `collected N control flow nodes in the hash table` (N counts every instruction
 * translated, as QEMU's does), then the top 10 nodes that branched, sorted by branches
 * (`hottest`, the default), by early exits (`early`) or by number of destinations
 * (`exceptions`, QEMU's name): `  addr: 0xADDR SYMBOL: DISAS (branch|sync fault)`, then
 * `    early exits N` when there were some, `    branches N` and `      to 0xDEST (N)` for each
 * destination. `nottaken=on` (an rvplug addition; off keeps QEMU's output) also counts the times
 * a node's block ended by falling through to the next one, as `    not taken N`.
 * @module
 */

import type { PluginApi, PluginArgs, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

/** How many nodes the report lists (QEMU's `topn`). */
const TOPN = 10;

/** Slots of the scoreboard: the state of the running vCPU. The callbacks, which run per block,
 * read them unchecked. */
const TB_PC = 0, END_BLOCK = 1, PC_AFTER_BLOCK = 2, LAST_PC = 3;

/** An instruction where control flow may leave the straight path. */
interface Node {
  addr: number;
  disas: string;
  symbol: string | undefined;
  /** Destinations in order of first use, with counts. */
  dests: Map<number, number>;
  destCount: number;
  earlyExits: number;
  notTaken: number;
  /** Times translated in the middle of a block. */
  midCount: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { sort, nottaken: notTaken } = api.parseArgs(args, {
    sort: { type: "enum", values: ["hottest", "early", "exceptions"], default: "hottest" },
    nottaken: { type: "bool", default: false },
  });
  // State: the scoreboard the translated code keeps up to date, the nodes by address.
  const state = api.newScoreboard(4);
  const nodes = new Map<number, Node>();

  api.onTbTrans((tb) => {
    const pc = tb.vaddr, last = tb.insn(tb.nInsns - 1);
    tb.inlineStore(state, TB_PC, pc);
    if (notTaken) tb.onExec(onBlock);
    else tb.onExecCond(onBranched, { op: "ne", scoreboard: state, index: PC_AFTER_BLOCK, imm: pc });
    // Set on the first instruction, after the check above has read the previous block's values.
    const first = tb.insn(0);
    first.inlineStore(state, END_BLOCK, last.vaddr);
    first.inlineStore(state, PC_AFTER_BLOCK, last.vaddr + last.size);
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      // QEMU makes a node of every instruction, not only of the last (hence N above).
      let node = nodes.get(insn.vaddr);
      if (!node) {
        node = newNode(insn.vaddr);
        node.disas = insn.disas();
        node.symbol = insn.symbol();
      }
      if (i < tb.nInsns - 1) node.midCount++;
      insn.inlineStore(state, LAST_PC, insn.vaddr);
    }
  });

  function newNode(addr: number): Node {
    const node: Node = {
      addr,
      disas: "",
      symbol: undefined,
      dests: new Map(),
      destCount: 0,
      earlyExits: 0,
      notTaken: 0,
      midCount: 0,
    };
    nodes.set(addr, node);
    return node;
  }

  function onBlock(vcpu: VcpuIndex): void {
    if (state[PC_AFTER_BLOCK] !== state[TB_PC]) onBranched(vcpu);
    else if (state[LAST_PC] === state[END_BLOCK]) {
      const node = nodes.get(state[LAST_PC]!);
      if (node) node.notTaken++;
    }
  }

  function onBranched(_vcpu: VcpuIndex): void {
    const lpc = state[LAST_PC]!, pc = state[TB_PC]!;
    if (!lpc) return; // the first block
    const node = nodes.get(lpc) ?? newNode(lpc);
    if (lpc !== state[END_BLOCK]) {
      node.earlyExits++;
      if (!node.midCount) node.midCount++;
    }
    node.dests.set(pc, (node.dests.get(pc) ?? 0) + 1);
    node.destCount++;
  }

  api.onExit(() => {
    let out = `collected ${nodes.size} control flow nodes in the hash table\n`;
    const key = (n: Node) =>
      sort === "hottest" ? n.destCount : sort === "early" ? n.earlyExits : n.dests.size;
    const branched = [...nodes.values()].filter((n) => n.destCount > 0);
    // QEMU leaves ties in hash order; here they go by address.
    for (const n of branched.sort((a, b) => key(b) - key(a) || a.addr - b.addr).slice(0, TOPN)) {
      out += `  addr: 0x${n.addr.toString(16)} ${n.symbol ?? "(null)"}: ${n.disas} (${
        n.midCount ? "sync fault" : "branch"
      })\n`;
      if (n.earlyExits) out += `    early exits ${n.earlyExits}\n`;
      out += `    branches ${n.destCount}\n`;
      for (const [dest, count] of n.dests) out += `      to 0x${dest.toString(16)} (${count})\n`;
      if (notTaken) out += `    not taken ${n.notTaken}\n`;
    }
    api.outs(out);
  });
}

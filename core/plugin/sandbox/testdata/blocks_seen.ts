/**
 * Test plugin: prints each block `onTbTrans` shows it, in order, with its first instruction's
 * disassembly and symbol, then how often each ran. `ahead=on` asks for blocks ahead of their
 * first run, so that a sandboxed run sees a region's blocks in one call.
 * @module
 */

import type { PluginApi, PluginArgs } from "../../../../mod.ts";

export const apiVersion = 2;

export function install(api: PluginApi, args: PluginArgs): void {
  const { ahead } = api.parseArgs(args, { ahead: { type: "bool", default: false } });
  const seen: string[] = [];
  const runs = new Map<number, number>();
  api.onTbTrans((tb) => {
    const first = tb.insn(0);
    seen.push(`${tb.vaddr.toString(16)} ${first.symbol() ?? "?"}: ${first.disas()}`);
    tb.onExec((_vcpu, pc) => runs.set(pc as number, (runs.get(pc as number) ?? 0) + 1), tb.vaddr);
  }, { ahead });
  api.onExit(() => {
    const counts = [...runs].map(([pc, n]) => `${pc.toString(16)} x${n}`);
    api.outs(`seen:\n${seen.join("\n")}\nran:\n${counts.join("\n")}\n`);
  });
}

/**
 * insn: counts executed instructions, like QEMU's tests/tcg/plugins/insn.c (7.2).
 *
 * Usage: `--plugin plugins/insn.ts[,inline=on|off][,sizes=on|off][,match=PREFIX...]`
 *
 * Prints at exit, as QEMU does: `insns: N` with `inline=on` (the default here; QEMU's is off),
 * `cpu 0 insns: N` and `total insns: N` with `inline=off` (one callback per instruction), or
 * with `sizes=on` a histogram of the sizes of the instructions translated (not executed, as in
 * QEMU), `len S bytes: N insns`, instead of the count. Each `match=PREFIX` (repeatable) traces
 * every execution of an instruction whose disassembly starts with PREFIX:
 * `0xADDR, 'DISAS', H hits, M match hits, Δ+D since last match, A avg insns/match`, where H
 * counts executions of that translation, M of the match, D instructions since the previous match
 * and A their mean (QEMU 7.2 measures D only with `inline=off`; here it is exact in both modes).
 * @module
 */

import type { PluginApi, PluginArgs, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

/** A match: its prefix and statistics. */
interface Match {
  prefix: string;
  hits: number;
  lastHit: number;
  totalDelta: number;
}

/** A translated instruction that matched. */
interface MatchedInsn {
  match: Match;
  vaddr: number;
  disas: string;
  hits: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { inline, sizes, match: prefixes } = api.parseArgs(args, {
    inline: { type: "bool", default: true },
    sizes: { type: "bool", default: false },
    match: { type: "string", multiple: true },
  });
  // State: the executed-instruction count, sizes of translated instructions, the matches.
  const counts = api.newScoreboard(1);
  const sizeCounts: number[] = [];
  const matches: Match[] = prefixes.map((prefix) => ({
    prefix,
    hits: 0,
    lastHit: 0,
    totalDelta: 0,
  }));

  // Counts when code runs, except `sizes`, which counts what was translated: only then must
  // blocks be seen as they are about to run.
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      if (inline) insn.inlineAdd(counts, 0, 1);
      else insn.onExec(onInsn);
      if (sizes) sizeCounts[insn.size] = (sizeCounts[insn.size] ?? 0) + 1;
      if (matches.length === 0) continue;
      const disas = insn.disas();
      for (const match of matches) {
        if (!disas.startsWith(match.prefix)) continue;
        const record: MatchedInsn = { match, vaddr: insn.vaddr, disas, hits: 0 };
        insn.onExec(onMatch, record);
      }
    }
  }, { ahead: !sizes });

  // Per instruction: a fixed index within the scoreboard's size, unchecked.
  function onInsn(): void {
    counts[0]!++;
  }

  function onMatch(_vcpu: VcpuIndex, udata: unknown): void {
    const rec = udata as MatchedInsn, m = rec.match;
    rec.hits++;
    const now = counts[0]!;
    const delta = now - m.lastHit;
    m.hits++;
    m.totalDelta += delta;
    m.lastHit = now;
    api.outs(
      `0x${rec.vaddr.toString(16)}, '${rec.disas}', ${rec.hits} hits, ${m.hits} match hits, ` +
        `Δ+${delta} since last match, ${Math.floor(m.totalDelta / m.hits)} avg insns/match\n`,
    );
  }

  api.onExit(() => {
    if (sizes) {
      let out = "";
      sizeCounts.forEach((n, size) => n && (out += `len ${size} bytes: ${n} insns\n`));
      api.outs(out);
    } else if (inline) {
      api.outs(`insns: ${counts[0]}\n`);
    } else {
      api.outs(`${counts[0] ? `cpu 0 insns: ${counts[0]}\n` : ""}total insns: ${counts[0]}\n`);
    }
  });
}

/**
 * howvec: a histogram of executed instructions by class, like QEMU's contrib/plugins/howvec.c,
 * with a class table for RV32IMAC (QEMU has none for RISC-V and counts every opcode apart).
 *
 * Usage: `--plugin plugins/howvec.ts[,inline=on|off][,verbose=on|off][,count=CLASS...]`
 *
 * Prints `Instruction Classes:` and a `Class: NAME (N hits)` line per class that ran (every class
 * with `verbose=on`). `count=CLASS` counts the opcodes of a class one by one and lists the top 50
 * under `Individual Instructions:`; `count=!CLASS` stops counting a class. CLASS is the short
 * name in the table below (`load`, `cbranch`...). `inline=on` adds to a scoreboard in the
 * translated code; `off` (the default, as in QEMU) makes one callback per instruction. The
 * opcode of a compressed instruction is its 16 bits, zero-extended.
 * @module
 */

import type { PluginApi, PluginArgs, Scoreboard, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

type CountType = "class" | "individual" | "none";

/** A class: the opcodes `op` for which `(op & mask) === pattern` for one of `match`. */
interface InsnClass {
  readonly name: string;
  readonly opt: string;
  readonly match: readonly (readonly [mask: number, pattern: number])[];
  what: CountType;
}

/**
 * RV32IMAC classes; the first that matches wins, so exact matches come before their major
 * opcode. Compressed masks include the upper 16 bits, which are zero for them.
 */
function riscvClasses(): InsnClass[] {
  const c = (name: string, opt: string, ...match: [number, number][]): InsnClass => ({
    name,
    opt,
    match,
    what: "class",
  });
  return [
    c("Loads", "load", [0x7f, 0x03]),
    c("Stores", "store", [0x7f, 0x23]),
    c("Cond Branches", "cbranch", [0x7f, 0x63]),
    c("JAL", "jal", [0x7f, 0x6f]),
    c("JALR", "jalr", [0x7f, 0x67]),
    c("LUI", "lui", [0x7f, 0x37]),
    c("AUIPC", "auipc", [0x7f, 0x17]),
    c("ALU (imm)", "alui", [0x7f, 0x13]),
    c("Mul/Div", "muldiv", [0xfe00007f, 0x02000033]),
    c("ALU (reg)", "alur", [0x7f, 0x33]),
    c("LR/SC", "lrsc", [0xf000007f, 0x1000002f]),
    c("AMO", "amo", [0x7f, 0x2f]),
    c("Fence", "fence", [0x7f, 0x0f]),
    c("ECALL", "ecall", [0xffffffff, 0x00000073]),
    c("EBREAK", "ebreak", [0xffffffff, 0x00100073]),
    c("CSR/System", "system", [0x7f, 0x73]),
    // c.lw/c.lwsp and c.sw/c.swsp differ only in quadrant bit 1.
    c("C Loads", "cload", [0xffffe001, 0x4000]),
    c("C Stores", "cstore", [0xffffe001, 0xc000]),
    c("C Branches", "cbranchc", [0xffffc003, 0xc001]),
    c("C J/JAL", "cj", [0xffff6003, 0x2001]),
    c("C EBREAK", "cebreak", [0xffffffff, 0x9002]),
    c("C JR/JALR", "cjr", [0xffffe07f, 0x8002]),
    c(
      "C ALU",
      "calu",
      [0xffffe003, 0x0000], // c.addi4spn
      [0xffff0003, 0x0001], // the rest of quadrant 1
      [0xffffe003, 0x0002], // c.slli
      [0xffffe003, 0x8002], // c.mv, c.add
    ),
    { name: "Unclassified", opt: "unclas", match: [[0, 0]], what: "individual" },
  ];
}

/** How many individually counted opcodes the report lists (QEMU's `limit`). */
const LIMIT = 50;

/** Parses `count=CLASS` (count its opcodes one by one) or `count=!CLASS` (do not count it). */
function countOption(classes: InsnClass[], key: string, value: string): () => void {
  const none = value.startsWith("!");
  const cls = classes.find((c) => c.opt === (none ? value.slice(1) : value));
  if (!cls) {
    const names = classes.map((c) => c.opt).join(", ");
    throw new TypeError(`Cannot parse "${key}=${value}": expected one of ${names}`);
  }
  return () => (cls.what = none ? "none" : "individual");
}

/** An opcode counted on its own. */
interface InsnRecord {
  disas: string;
  opcode: number;
  cls: InsnClass;
  count: Scoreboard;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const classes = riscvClasses();
  const { inline, verbose, count } = api.parseArgs(args, {
    inline: { type: "bool", default: false },
    verbose: { type: "bool", default: false },
    count: {
      type: "custom",
      multiple: true,
      parse: (value, key) => countOption(classes, key, value),
    },
  });
  for (const apply of count) apply();
  // State: one counter per class, one scoreboard per individually counted opcode.
  const classCounts = api.newScoreboard(classes.length);
  const records = new Map<number, InsnRecord>();

  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      const opcode = insn.bytes.reduceRight((v, b) => v * 256 + b, 0);
      const k = classes.findIndex((c) => c.match.some(([m, p]) => ((opcode & m) >>> 0) === p));
      const cls = classes[k];
      // Unreachable: the last class, Unclassified, matches every opcode.
      if (!cls) throw new Error(`howvec: no class matches opcode 0x${opcode.toString(16)}`);
      let board: Scoreboard, index: number;
      if (cls.what === "none") continue;
      if (cls.what === "class") [board, index] = [classCounts, k];
      else {
        let rec = records.get(opcode);
        if (!rec) {
          rec = { disas: insn.disas(), opcode, cls, count: api.newScoreboard(1) };
          records.set(opcode, rec);
        }
        [board, index] = [rec.count, 0];
      }
      if (inline) insn.inlineAdd(board, index, 1);
      else insn.onExec(onInsn, [board, index]);
    }
  });

  function onInsn(_vcpu: VcpuIndex, udata: unknown): void {
    const [board, index] = udata as [Scoreboard, number];
    board[index]!++; // per instruction: an index within the board, unchecked
  }

  api.onExit(() => {
    let report = "Instruction Classes:\n";
    classes.forEach((cls, k) => {
      const name = cls.name.padEnd(24);
      if (cls.what === "individual") report += `Class: ${name}\tcounted individually\n`;
      else if (cls.what === "none") report += `Class: ${name}\tnot counted\n`;
      else if (classCounts[k] || verbose) report += `Class: ${name}\t(${classCounts[k]} hits)\n`;
    });
    // QEMU leaves ties in hash order; here they go by opcode.
    const recs = [...records.values()].sort((a, b) =>
      b.count[0]! - a.count[0]! || a.opcode - b.opcode
    );
    // As QEMU: the list needs two records and never shows the last one.
    if (recs.length > 1) {
      report += "Individual Instructions:\n";
      for (const rec of recs.slice(0, Math.min(LIMIT, recs.length - 1))) {
        const op = rec.opcode.toString(16).padStart(8, "0");
        report += `Instr: ${rec.disas.padEnd(24)}\t(${
          rec.count[0]
        } hits)\t(op=0x${op}/${rec.cls.name})\n`;
      }
    }
    api.outs(report);
  });
}

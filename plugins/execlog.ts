/**
 * execlog: logs each executed instruction with its memory accesses and, on request, the
 * registers it changed, like QEMU's contrib/plugins/execlog.c (the version with `reg=`).
 *
 * Usage: `--plugin plugins/execlog.ts[,ifilter=PREFIX...][,afilter=ADDR...][,reg=GLOB...]
 * [,rdisas=on|off]`
 *
 * Each line is `0, 0xPC, 0xOPCODE, "DISAS"` followed by `, load, 0xADDR` or `, store, 0xADDR`
 * for each memory access and `, NAME -> 0xVALUE` for each tracked register whose value changed.
 * A line is written when the next logged instruction starts (or at exit), so it is complete.
 * The opcode is the instruction's bytes, zero-extended (`0x4501` for a compressed `li`).
 * `ifilter=PREFIX` logs only instructions whose disassembly starts with PREFIX and
 * `afilter=ADDR` (hex) only the one at ADDR; both repeat and combine. `reg=GLOB` (repeatable,
 * `*` and `?` as wildcards) tracks the registers it matches (`x0`-`x31` by ABI name, and `pc`);
 * `rdisas=on` checks them only after instructions whose operands name a tracked register.
 * @module
 */

import type { PluginApi, PluginArgs, VcpuIndex } from "../mod.ts";

export const apiVersion = 2;

/** A glob (`*`, `?`) as an anchored regular expression. */
function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${body}$`);
}

/** A tracked register and the value last seen. */
interface Register {
  name: string;
  last: number;
}

export function install(api: PluginApi, args: PluginArgs): void {
  const { ifilter: prefixes, afilter: addrs, reg: regGlobs, rdisas } = api.parseArgs(args, {
    ifilter: { type: "string", multiple: true },
    afilter: { type: "int", radix: 16, multiple: true },
    reg: { type: "string", multiple: true },
    rdisas: { type: "bool", default: false },
  });
  const filtering = prefixes.length > 0 || addrs.length > 0;
  // QEMU lists the general registers first, then pc.
  const allNames = api.registerNames().filter((n) => n !== "pc").concat("pc");
  const tracked = allNames.filter((n) => regGlobs.some((g) => globRegExp(g).test(n)));
  for (const glob of regGlobs) {
    if (!allNames.some((n) => globRegExp(glob).test(n))) {
      throw new TypeError(`Cannot track register "${glob}": no register matches`);
    }
  }
  const tracking = tracked.length > 0;
  // State: the line of the instruction executing now, and the tracked registers.
  let lastExec = "";
  const registers: Register[] = [];

  api.onVcpuInit(() => {
    for (const name of tracked) registers.push({ name, last: api.readRegister(name) >>> 0 });
  });

  api.onTbTrans((tb) => {
    let skip = filtering;
    let checkThis = tracking, checkNext = false;
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      const disas = insn.disas();
      if (skip && prefixes.some((p) => disas.startsWith(p))) {
        skip = false;
        checkNext = tracking;
      }
      if (skip && addrs.includes(insn.vaddr)) skip = false;
      if (rdisas && tracking) {
        // As QEMU: look for a register name anywhere after the mnemonic.
        const space = disas.indexOf(" ");
        checkNext = space >= 0 && tracked.some((r) => disas.slice(space).includes(r));
        if (checkNext) skip = false;
      }
      if (skip) {
        if (checkThis) insn.onExec(onRegsOnly, undefined, { flags: "r" });
      } else {
        const opcode = insn.bytes.reduceRight((v, b) => v * 256 + b, 0);
        const line = `0x${insn.vaddr.toString(16)}, 0x${opcode.toString(16)}, "${disas}"`;
        insn.onMem(onMem, "rw");
        if (checkThis) insn.onExec(onInsnWithRegs, line, { flags: "r" });
        else insn.onExec(onInsn, line);
        skip = filtering;
      }
      if (rdisas && tracking) checkThis = checkNext;
    }
  });

  function checkRegs(): void {
    for (const reg of registers) {
      const value = api.readRegister(reg.name) >>> 0;
      if (value === reg.last) continue;
      lastExec += `, ${reg.name} -> 0x${value.toString(16).padStart(8, "0")}`;
      reg.last = value;
    }
  }

  function onInsn(vcpu: VcpuIndex, line: unknown): void {
    if (lastExec) api.outs(lastExec + "\n");
    lastExec = `${vcpu}, ${line}`;
  }

  function onInsnWithRegs(vcpu: VcpuIndex, line: unknown): void {
    if (lastExec) {
      checkRegs();
      api.outs(lastExec + "\n");
    }
    lastExec = `${vcpu}, ${line}`;
  }

  function onRegsOnly(): void {
    if (lastExec) {
      checkRegs();
      api.outs(lastExec + "\n");
    }
    lastExec = "";
  }

  function onMem(_vcpu: VcpuIndex, info: number, vaddr: number): void {
    lastExec += `, ${api.memIsStore(info) ? "store" : "load"}, 0x${
      vaddr.toString(16).padStart(8, "0")
    }`;
  }

  // As QEMU, the last instruction is written without its register changes.
  api.onExit(() => api.outs(lastExec + "\n"));
}

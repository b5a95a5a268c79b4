/**
 * A test plugin that uses every member of the plugin API and prints what it saw, so that the
 * sandboxed proxy can be compared with the in-process API.
 * @module
 */

import type { PluginApi, PluginArgs } from "../../../../mod.ts";

export const apiVersion = 2;

export function install(api: PluginApi, args: PluginArgs): void {
  const opts = api.parseArgs(args, { out: { type: "string", required: true } });
  const say = (s: string) => api.outs(s + "\n");
  const entry = api.entryCode();
  say(`${api.name} v${api.version} ${api.programPath.split("/").pop()}`);
  say(`code ${api.startCode()}..${api.endCode()} entry ${entry}`);
  say(`registers ${api.registerNames().length}, symbols ${api.symbols().length}`);
  say(`at entry: ${JSON.stringify(api.symbolAt(entry))}; syscall 64 is ${api.syscallName(64)}`);
  let blocks = 0, mems = 0, discons = 0;
  const sb = api.newScoreboard(2);
  api.onTbTrans((tb) => {
    tb.inlineAdd(sb, 0, tb.nInsns);
    if (blocks++ >= 3) return;
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      say(`${insn.vaddr} ${[...insn.bytes]} ${insn.disas()} ${insn.symbol()}`);
      say(`  ${JSON.stringify(insn.decoded())}`);
      insn.onMem(
        (_v, info, vaddr, value) => {
          if (mems++ < 5) {
            const sp = api.readRegister("sp");
            say(`mem ${info} ${vaddr} ${value} sp ${sp} ${[...api.readMemory(sp, 4)]}`);
          }
        },
        "rw",
        undefined,
        { flags: "r" },
      );
    }
    tb.onExec((_v, pc) => say(`block ${pc} a0 ${api.readRegister("a0")}`), tb.vaddr, {
      flags: "r",
    });
  });
  api.onVcpuInit(() => say(`init pc ${api.readRegister("pc")}`));
  api.onSyscall((_v, num, a0, a1, a2) => {
    say(`syscall ${api.syscallName(num)} ${a0} ${a1} ${a2} a7 ${api.readRegister("a7")}`);
    if (num === 64 && a2 > 0) {
      api.writeMemory(a1, new TextEncoder().encode("J"));
      say(`  text ${JSON.stringify(api.readCString(a1, a2 + 1))}`);
    }
  });
  api.onSyscallFilter((_v, num) => (num === 172 ? 4242 : undefined));
  api.onSyscallReturn((_v, num, ret) => say(`return ${num} ${ret}`));
  api.onDiscontinuity(() => discons++);
  api.onVcpuExit(() => say(`exit: ${sb[0]} insns, ${mems} accesses, ${discons} discontinuities`));
  api.onExit(() => {
    const f = api.createOutputFile(opts.out);
    f.write(`insns ${sb[0]}\n`);
    f.close();
  });
}

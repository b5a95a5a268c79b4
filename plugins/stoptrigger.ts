/**
 * stoptrigger: ends the run after a number of instructions or on reaching an address, like
 * QEMU's contrib/plugins/stoptrigger.c.
 *
 * Usage: `--plugin plugins/stoptrigger.ts,icount=N[:CODE]` and/or `addr=ADDR[:CODE]` (repeatable)
 * — with `icount`, exactly N instructions run and the run ends before the next one with
 * `icount reached at 0xPC, exiting` (PC: the instruction that did not run); with `addr`, the run
 * ends just before the instruction at ADDR executes, with `0xADDR reached, exiting`. The exit
 * status is CODE (default 0). Numbers are decimal, `0x` hexadecimal or `0` octal, as in QEMU.
 *
 * The stop ends the run as the guest's exit would: other plugins still write their reports
 * (QEMU's version calls exit() and skips them). The machine's pc and registers are those before
 * the instruction that did not run.
 * @module
 */

import type { PluginApi, PluginArgs } from "../mod.ts";

export const apiVersion = 2;

/** Parses an unsigned integer as C's `strtoull(s, NULL, 0)` does, but strictly; NaN if not one. */
function parseNumber(text: string): number {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text, 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  return /^[1-9][0-9]*$/.test(text) ? parseInt(text, 10) : NaN;
}

/** Parses `VALUE[:CODE]`; the exit status is CODE modulo 256, as exit() makes it. */
function parseTrigger(key: string, value: string): [number, number] {
  const colon = value.indexOf(":");
  const what = parseNumber(colon < 0 ? value : value.slice(0, colon));
  const code = colon < 0 ? 0 : parseNumber(value.slice(colon + 1));
  if (!Number.isSafeInteger(what) || !Number.isSafeInteger(code)) {
    throw new TypeError(`Cannot parse "${key}=${value}": expected a number, then :status or not`);
  }
  return [what, code & 0xff];
}

export function install(api: PluginApi, args: PluginArgs): void {
  // State: the instruction limit and its status, the addresses and theirs.
  const opts = api.parseArgs(args, {
    icount: {
      type: "custom",
      parse(value, key) {
        const trigger = parseTrigger(key, value);
        if (trigger[0] < 1) {
          throw new RangeError(`Cannot parse "${key}=${value}": the count must be positive`);
        }
        return trigger;
      },
    },
    addr: { type: "custom", multiple: true, parse: (value, key) => parseTrigger(key, value) },
  });
  const [icount, icountCode] = opts.icount ?? [0, 0];
  const addrs = new Map<number, number>(opts.addr.map(([addr, code]) => [addr >>> 0, code]));
  if (icount === 0 && addrs.size === 0) {
    throw new TypeError('Cannot stop: give an "icount" or an "addr" argument');
  }
  const count = api.newScoreboard(1);

  // Translate callback: count each instruction before it runs, and stop at the one past the
  // limit (the count then includes it, hence N + 1); stop at each trigger address.
  api.onTbTrans((tb) => {
    for (let i = 0; i < tb.nInsns; i++) {
      const insn = tb.insn(i);
      if (icount > 0) {
        insn.inlineAdd(count, 0, 1);
        const cond = { op: "eq", scoreboard: count, index: 0, imm: icount + 1 } as const;
        // "r": the machine's pc and registers are written back before the stop.
        insn.onExecCond(icountReached, cond, insn.vaddr, { flags: "r" });
      }
      if (addrs.has(insn.vaddr)) insn.onExec(addressReached, insn.vaddr, { flags: "r" });
    }
  });

  // Exec callbacks.
  function icountReached(_vcpu: number, pc: unknown): void {
    api.outs(`icount reached at 0x${(pc as number).toString(16)}, exiting\n`);
    api.exit(icountCode);
  }
  function addressReached(_vcpu: number, pc: unknown): void {
    api.outs(`0x${(pc as number).toString(16)} reached, exiting\n`);
    api.exit(addrs.get(pc as number)!);
  }
}

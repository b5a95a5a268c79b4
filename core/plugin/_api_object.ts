/**
 * The API object each plugin's `install` receives: registrations go to the registry, register
 * and memory access goes to the machine, checked against the running callback's access.
 * @module
 */

import { ABI_NAMES, type CpuState, regNumber } from "../cpu.ts";
import { type ElfSymbol, symbolAt } from "../elf.ts";
import { blamePlugin, GuestExit, hex } from "../errors.ts";
import { CSR, readCsr, timeTicks } from "../isa/zicsr.ts";
import type { Memory } from "../memory.ts";
import { PROT_READ } from "../memory.ts";
import { syscallName } from "../syscalls/numbers.ts";
import { Access, type AccessGate } from "./_access.ts";
import { parseArgs } from "./_args.ts";
import { createOutputFile } from "./_output.ts";
import type { CallbackRegistry, Plugin } from "./_registry.ts";
import {
  type GuestSymbol,
  memIsSigned,
  memIsStore,
  memSizeShift,
  parseBool,
  PLUGIN_API_VERSION,
  type PluginApi,
  type Tb,
} from "./api.ts";

import type { QppApi } from "../../qpp/types.ts";

/** What the host needs from the machine. */
export interface HostMachine {
  readonly cpu: CpuState;
  readonly mem: Memory;
  readonly programPath: string;
  /** The program's symbols, sorted by address. */
  symbols(): readonly ElfSymbol[];
  log(text: string): void;
  /** Drops all translated code so that it is instrumented anew. */
  flushCode(): void;
  /** Instructions retired so far, exact inside callbacks too. */
  instret(): number;
  /** The loaded program's code range and entry point. */
  code(): { start: number; end: number; entry: number };
}

/** What the API object works with. */
export interface ApiContext {
  readonly machine: HostMachine;
  readonly registry: CallbackRegistry;
  readonly access: AccessGate;
  /** The plugin's `api.qpp`. */
  readonly qpp: QppApi;
  /** Removes the plugin's callbacks and flushes translated code. */
  forget(plugin: Plugin): void;
}

const copySymbol = (s: ElfSymbol): GuestSymbol => ({
  name: s.name,
  addr: s.addr,
  size: s.size,
  isFunc: s.isFunc,
});

/** General register numbers by every name `readRegister` takes for them: x0..x31, ABI names, fp. */
const GPR_BY_NAME: ReadonlyMap<string, number> = new Map([
  ...ABI_NAMES.map((_, i): [string, number] => [`x${i}`, i]),
  ...ABI_NAMES.map((n, i): [string, number] => [n, i]),
  ["fp", 8],
]);

/** The API object of `plugin`. */
export function createPluginApi(ctx: ApiContext, plugin: Plugin): PluginApi {
  const { machine: m, registry, access } = ctx, cpu = m.cpu;
  const regIndex = (name: string, action: string) => {
    const n = regNumber(name);
    if (n < 0) throw new TypeError(`Cannot ${action} register "${name}": no such register`);
    return n;
  };
  return {
    name: plugin.name,
    version: PLUGIN_API_VERSION,
    programPath: m.programPath,
    qpp: ctx.qpp,
    startCode: () => m.code().start,
    endCode: () => m.code().end,
    entryCode: () => m.code().entry,
    outs: (text) => m.log(text),
    newScoreboard(size) {
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new RangeError(`Cannot create a scoreboard of size ${size}`);
      }
      return new Float64Array(new SharedArrayBuffer(size * 8));
    },
    onTbTrans(cb, options) {
      const ahead = options?.ahead === true;
      const each = (tbs: readonly Tb[]) => {
        for (const tb of tbs) blamePlugin(plugin.name, tb.vaddr, () => cb(tb));
      };
      registry.add("tbTrans", plugin, each, { ahead: () => ahead });
    },
    onVcpuInit: (cb) => registry.add("vcpuInit", plugin, cb),
    onVcpuExit: (cb) => registry.add("vcpuExit", plugin, cb),
    onSyscall: (cb) => registry.add("syscall", plugin, cb),
    onSyscallReturn: (cb) => registry.add("syscallReturn", plugin, cb),
    onSyscallFilter: (cb) => registry.add("syscallFilter", plugin, cb),
    onDiscontinuity: (cb) => registry.add("discontinuity", plugin, cb),
    onFlush: (cb) => registry.add("flush", plugin, cb),
    onExit: (cb) => registry.add("exit", plugin, cb),
    readRegister(name) {
      // The common case first, without building strings: a general register, access granted.
      const x = GPR_BY_NAME.get(name);
      if (x !== undefined && access.level >= Access.Read) return cpu.x[x]!;
      const csr = (CSR as Record<string, number>)[name];
      const n = name === "pc" || csr !== undefined ? -1 : regIndex(name, "read");
      access.need(Access.Read, `read register "${name}"`);
      if (csr !== undefined) return readCsr(csr, m.instret(), timeTicks)!;
      return n < 0 ? cpu.pc : cpu.x[n]!;
    },
    registerNames: () => ["pc", ...ABI_NAMES, ...Object.keys(CSR)],
    writeRegister(name, value) {
      const n = regIndex(name, "write");
      access.need(Access.Write, `write register "${name}"`);
      if (n !== 0) cpu.x[n] = value;
    },
    setPc(pc) {
      access.need(Access.Write, "set the pc");
      cpu.pc = pc >>> 0;
    },
    readMemory(vaddr, len) {
      if (!m.mem.check(vaddr, len, PROT_READ)) {
        throw new RangeError(`Cannot read ${len} bytes at ${hex(vaddr)}: not readable`);
      }
      return m.mem.read(vaddr, len);
    },
    readCString(vaddr, max = 4096) {
      const s = m.mem.readCString(vaddr, max);
      if (s === undefined) {
        throw new RangeError(
          `Cannot read a string at ${hex(vaddr)}: no NUL in ${max} readable bytes`,
        );
      }
      return s;
    },
    writeMemory(vaddr, bytes) {
      access.need(Access.Write, `write memory at ${hex(vaddr)}`);
      if (!m.mem.check(vaddr, bytes.length, 0)) {
        throw new RangeError(`Cannot write ${bytes.length} bytes at ${hex(vaddr)}: not mapped`);
      }
      m.mem.write(vaddr, bytes);
    },
    symbols: () => m.symbols().map(copySymbol),
    symbolAt(vaddr) {
      const s = symbolAt(m.symbols() as ElfSymbol[], vaddr);
      return s && copySymbol(s);
    },
    syscallName,
    parseBool,
    parseArgs,
    createOutputFile,
    memSizeShift,
    memIsSigned,
    memIsStore,
    exit(status) {
      throw new GuestExit(status & 0xff);
    },
    reset(cb) {
      ctx.forget(plugin);
      cb?.();
    },
    uninstall(cb) {
      ctx.forget(plugin);
      cb?.();
    },
  };
}

/**
 * A machine: one RV32 hart in a Linux user-mode process. Loads a static ELF and runs it with the
 * translator (default) or the reference interpreter.
 *
 * The hot loop, translated mode:
 *
 *     for (;;) {
 *       rt.budget = insns left before --max-insns (capped)
 *       cpu.pc = translator.lookup(cpu.pc)()    // run a region; it returns the next pc
 *     }
 *
 * It ends by exception: GuestExit (exit syscall, fatal signal) or GuestFault (SIGSEGV...).
 * @module
 */

import { createRuntime, type Runtime } from "./_runtime.ts";
import { CpuState, regNumber } from "./cpu.ts";
import { loadElf as mapSegments, parseElf, symbolAt } from "./elf.ts";
import { formatInAsmBlock } from "./isa/disasm.ts";
import type { ElfSymbol } from "./elf.ts";
import { GuestExit, GuestFault, hex, SIGNAL_OF_FAULT } from "./errors.ts";
import { PluginHost } from "./plugin/host.ts";
import { step } from "./interp.ts";
import type { Hart } from "./isa/insn.ts";
import { readCsr, timeTicks } from "./isa/zicsr.ts";
import { Memory, PROT_EXEC, PROT_READ } from "./memory.ts";
import type { BlockSites } from "./plugin/sites.ts";
import { type Block, MAX_BLOCK_INSNS } from "./region.ts";
import { setupStack } from "./stack.ts";
import { signalName } from "./signals.ts";
import { type GuestIo, LinuxSyscalls } from "./syscalls/mod.ts";
import { Translator } from "./translate.ts";

/** Options of {@linkcode Machine}. */
export interface MachineOptions {
  /** Execution engine. @default {"translate"} */
  engine?: "translate" | "interp";
  /** Stop after this many instructions. @default {Infinity} */
  maxInsns?: number;
  /** Standard streams of the guest. @default {Deno's stdin, stdout and stderr} */
  io?: GuestIo;
  /** Receives one line per syscall, in qemu-riscv32 `-strace` format. */
  strace?: (line: string) => void;
  /**
   * Receives the disassembly of each block when it is about to run for the first time since it
   * was translated, as qemu `-d in_asm` logs it (blocks translated ahead that never run are not).
   */
  inAsm?: (text: string) => void;
  /** Receives plugin output (`api.outs`). @default {writes to stderr} */
  log?: (text: string) => void;
  /** Host path of the program, for `/proc/self/exe` and plugins. @default {"program"} */
  exePath?: string;
}

/** Options of {@linkcode Machine.load}. */
export interface LoadOptions {
  /** Arguments, `argv[0]` included. @default {[name]} */
  argv?: string[];
  /** Environment as `NAME=value` strings. @default {[]} */
  env?: string[];
  /** File name for messages and `/proc/self/exe`. @default {"program"} */
  name?: string;
}

/** How a run ended. */
export interface RunResult {
  /** `exit`: the guest exited; `signal`: a fatal signal; `max-insns`: the instruction limit. */
  reason: "exit" | "signal" | "max-insns";
  /** Exit status as a shell sees it: the guest's, or 128 + signal. */
  status: number;
  /** The fatal signal, if any. */
  signal?: number;
  /** The fault that raised the signal, if one did. */
  fault?: GuestFault;
  /** Instructions retired. */
  instret: number;
}

/** One RV32IMAC Linux user-mode process. */
export class Machine {
  /** The hart's registers and pc. */
  readonly cpu: CpuState = new CpuState();
  /** Guest memory. */
  readonly mem: Memory = new Memory();
  /**
   * The Linux syscall layer (internal).
   * @ignore
   */
  readonly syscalls: LinuxSyscalls;
  /**
   * The translation cache (internal).
   * @ignore
   */
  readonly translator: Translator;
  /** Plugins: load them with `loadPlugin(machine.plugins, spec)` before {@linkcode run}. */
  readonly plugins: PluginHost;
  /** Symbols of the loaded program, sorted by address. */
  symbols: ElfSymbol[] = [];
  #engine: "translate" | "interp";
  #maxInsns: number;
  #rt: Runtime;
  #hart: Hart;
  #strace: ((line: string) => void) | undefined;
  #code = { start: 0, end: 0, entry: 0 };
  #inAsm: ((text: string) => void) | undefined;

  /** A machine with nothing loaded; load a program with {@linkcode Machine.load}. */
  constructor(options: MachineOptions = {}) {
    this.#engine = options.engine ?? "translate";
    this.#maxInsns = options.maxInsns ?? Infinity;
    this.#strace = options.strace;
    this.syscalls = new LinuxSyscalls(this.mem, this.cpu, {
      io: options.io,
      strace: options.strace,
      exePath: options.exePath,
    });
    const log = options.log ??
      ((text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text)));
    this.plugins = new PluginHost({
      cpu: this.cpu,
      mem: this.mem,
      programPath: options.exePath ?? "program",
      symbols: () => this.symbols,
      log,
      flushCode: () => {
        this.translator.flush();
        this.plugins.flushed();
      },
      instret: () => this.cpu.instret + this.#rt.ic,
      code: () => this.#code,
    });
    this.#rt = createRuntime(this.mem, this.cpu, {
      ecall: (pc, next) => this.#syscall(pc, next),
      siteRetired: (site) => this.plugins.siteRetired(site),
      siteError: (e, site) => this.plugins.siteError(e, site),
    });
    this.translator = new Translator(this.mem, this.cpu, this.#rt);
    this.#inAsm = options.inAsm;
    this.mem.onCodeWrite = (page, addr, len) => {
      // The running region leaves only if its own code changed; QEMU does not end a TB
      // either for a write elsewhere on its page.
      if (this.translator.overlapsCurrent(addr, len)) this.#rt.codeWritten = true;
      this.translator.invalidatePage(page);
    };
    const cpu = this.cpu;
    this.#hart = {
      cpu,
      mem: this.mem,
      ecall: (pc) => void this.#syscall(pc, pc + 4),
      readCsr: (csr, pc) => {
        const v = readCsr(csr, cpu.instret, timeTicks);
        if (v === undefined) throw new GuestFault("ill", pc, pc);
        return v;
      },
    };
  }

  /**
   * Loads a static RV32 ELF executable and prepares its stack, as Linux `execve` would.
   * @throws TypeError or RangeError when the file is not a loadable RV32 executable
   */
  load(bytes: Uint8Array, options: LoadOptions = {}): void {
    const name = options.name ?? "program";
    const image = parseElf(bytes, name);
    mapSegments(this.mem, bytes, image);
    const sp = setupStack(this.mem, image, {
      argv: options.argv ?? [name],
      env: options.env ?? [],
      execfn: name,
    });
    this.cpu.x[2] = sp;
    this.cpu.pc = image.entry;
    this.syscalls.brk = image.brk;
    this.symbols = image.symbols;
    const text = image.segments.filter((s) => s.prot & PROT_EXEC);
    this.#code = {
      start: Math.min(...text.map((s) => s.vaddr)),
      end: Math.max(...text.map((s) => s.vaddr + s.filesz)),
      entry: image.entry,
    };
  }

  /**
   * Runs the guest until it exits, dies of a signal, or reaches the instruction limit.
   * @throws PluginError when a plugin callback throws
   */
  run(): RunResult {
    const plugins = this.plugins;
    if (this.#engine === "interp" && plugins.names.length > 0) {
      throw new TypeError("Cannot run plugins with --interp: plugins instrument translated code");
    }
    this.translator.instrument = this.#instrumenter();
    let result: RunResult;
    try {
      plugins.vcpuInit();
      if (this.#engine === "interp") this.#interpret(this.#maxInsns);
      else this.#translate();
      result = { reason: "max-insns", status: 0, instret: this.cpu.instret };
    } catch (e) {
      if (e instanceof GuestExit) {
        const { status, signal } = e;
        result = { reason: signal ? "signal" : "exit", status, signal, instret: this.cpu.instret };
      } else if (e instanceof GuestFault) {
        this.cpu.pc = e.pc;
        const signal = SIGNAL_OF_FAULT[e.kind];
        this.#strace?.(faultLine(e, this.mem.check(e.addr, 1, 0)));
        plugins.discontinuity("exception", e.pc, 0);
        result = {
          reason: "signal",
          status: 128 + signal,
          signal,
          fault: e,
          instret: this.cpu.instret,
        };
      } else {
        throw e;
      }
    }
    plugins.exit();
    return result;
  }

  /**
   * Reads the ELF file at `path` and {@linkcode load}s it; `options.name` defaults to `path`.
   * @throws Deno's errors when the file cannot be read; TypeError or RangeError as `load`
   */
  loadFile(path: string | URL, options: LoadOptions = {}): void {
    const name = options.name ?? String(path);
    this.load(Deno.readFileSync(path), { ...options, name });
  }

  /**
   * Copies `len` bytes of guest memory at `addr`.
   * @throws RangeError when part of the range is not mapped readable
   */
  readMemory(addr: number, len: number): Uint8Array {
    if (!this.mem.check(addr, len, PROT_READ)) {
      throw new RangeError(`Cannot read ${len} bytes at ${hex(addr)}: not mapped readable`);
    }
    return this.mem.read(addr, len);
  }

  /** Reads a register by name (`pc`, `x0`..`x31`, ABI names). */
  readRegister(name: string): number {
    if (name === "pc") return this.cpu.pc;
    const n = regNumber(name);
    if (n < 0) throw new TypeError(`Cannot read register "${name}": no such register`);
    return this.cpu.x[n];
  }

  /**
   * What the translator calls for each block about to run for the first time: plugins'
   * `onTbTrans`, then the `-d in_asm` log (QEMU logs a TB after its plugins saw it).
   */
  #instrumenter(): ((block: Block) => BlockSites | undefined) | undefined {
    const plugins = this.plugins, log = this.#inAsm;
    const instrument = plugins.instruments ? (b: Block) => plugins.instrument(b) : undefined;
    if (!log) return instrument;
    return (b) => {
      const sites = instrument?.(b);
      log(formatInAsmBlock(b.insns, b.pcs, symbolAt(this.symbols, b.pc)?.name));
      return sites;
    };
  }

  #interpret(until: number): void {
    const cpu = this.cpu, hart = this.#hart;
    while (cpu.instret < until) step(hart);
  }

  #translate(): void {
    const cpu = this.cpu, rt = this.#rt, translator = this.translator, max = this.#maxInsns;
    for (;;) {
      const left = max - cpu.instret;
      if (left <= 0) return;
      rt.budget = Math.min(left, 2 ** 30);
      // Near the limit a whole block may not fit: run blocks cut to what is left.
      const region = left < MAX_BLOCK_INSNS
        ? translator.lookupLimited(cpu.pc, left)
        : translator.lookup(cpu.pc);
      cpu.pc = region();
    }
  }

  /** Runs the syscall of the ecall at `pc`; returns where to continue (a plugin may redirect). */
  #syscall(pc: number, next: number): number {
    const cpu = this.cpu, x = cpu.x;
    const num = x[17], args = [x[10], x[11], x[12], x[13], x[14], x[15]];
    cpu.pc = pc;
    const plugins = this.plugins;
    if (!plugins.watchesSyscalls) {
      x[10] = this.syscalls.call(num, args, pc);
      return next;
    }
    let performed = false;
    x[10] = plugins.syscall(num, args, () => {
      performed = true;
      return this.syscalls.call(num, args, pc);
    });
    if (!performed) this.syscalls.traceFiltered(num, args, x[10]);
    const to = cpu.pc === pc ? next : cpu.pc;
    plugins.discontinuity("hostcall", pc, to);
    return to;
  }
}

/**
 * The line qemu -strace prints when a fault raises a signal. si_code 2 (SEGV_ACCERR) says the page
 * was mapped but forbade the access; 1 (SEGV_MAPERR, ILL_ILLOPC...) covers the rest.
 */
function faultLine(f: GuestFault, mapped: boolean): string {
  const name = signalName(SIGNAL_OF_FAULT[f.kind]);
  const code = f.kind === "segv" && mapped ? 2 : 1;
  return `--- ${name} {si_signo=${name}, si_code=${code}, si_addr=${hex(f.addr)}} ---`;
}

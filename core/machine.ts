/**
 * A machine: one RV32 hart in a Linux user-mode process. Loads a static ELF and runs it with the
 * translator (default) or the reference interpreter.
 *
 * The hot loop, translated mode:
 *
 *     for (;;) {
 *       state.budget = insns left before --max-insns (capped)
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
import { type HostEvents, SignalDelivery, SignalStop } from "./signal_delivery.ts";
import { mapSigtramp } from "./signal_frame.ts";
import { SYS } from "./syscalls/numbers.ts";
import { DebugState, type WatchHit, type WatchKind, WatchTrap } from "./debug.ts";
import { GuestExit, GuestFault, hex, SIGNAL_OF_FAULT } from "./errors.ts";
import { PluginHost } from "./plugin/host.ts";
import { step, stepBlock } from "./interp.ts";
import type { Hart } from "./isa/insn.ts";
import { readCsr, timeTicks } from "./isa/zicsr.ts";
import { Memory, PAGE_SHIFT, PROT_EXEC, PROT_READ } from "./memory.ts";
import { MAX_BLOCK_INSNS } from "./region.ts";
import { setupStack } from "./stack.ts";
import { signalName } from "./signals.ts";
import { ERRNO_SIGRETURN, type GuestIo, LinuxSyscalls } from "./syscalls/mod.ts";
import { COLD_RUNS, type Instrumenter, Translator } from "./translate.ts";

/** Instructions between two looks for host signals (Ctrl-C) and the interval timer. */
const POLL_INSNS = 1 << 22;
/** The same while the interval timer runs: its signals come every few milliseconds. */
const POLL_INSNS_TIMER = 1 << 16;
/**
 * Most instructions a region runs before it returns (see Machine's #budgetCap): a loop that
 * never leaves its region sees Ctrl-C within this many (a few tens of milliseconds); returning
 * this rarely costs nothing measurable on the bench guests.
 */
const BUDGET_CAP = 2 ** 26;
/** The same while the interval timer runs: a few milliseconds. */
const BUDGET_CAP_TIMER = 1 << 20;

/** Options of {@linkcode Machine}. */
export interface MachineOptions {
  /** Execution engine. @default {"translate"} */
  engine?: "translate" | "interp";
  /** Stop after this many instructions. @default {Infinity} */
  maxInsns?: number;
  /**
   * Times a region entry runs in the interpreter before it is compiled (translated engine, no
   * plugins, no `inAsm`): code that runs only a few times costs less interpreted than compiled.
   * 0 compiles every region at its first entry. @default {COLD_RUNS}
   */
  coldRuns?: number;
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
  /**
   * Host signals (SIGINT, SIGTERM...) to deliver to the guest: a poll returning one, or 0, which
   * runs between translated regions (every million or so instructions) and while the guest
   * waits; or {@linkcode HostEvents} (core/host_signals.ts), which also wake a guest blocked in a
   * sleep, rt_sigsuspend or a read of stdin (its reader then replaces `io.stdin`).
   * @default {never one}
   */
  hostSignal?: (() => number) | HostEvents;
  /** Called every few million instructions with the count so far (a progress display). */
  onPoll?: (instret: number) => void;
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

/** Options of {@linkcode Machine.run}. */
export interface RunOptions {
  /**
   * Pause (reason `paused`) after about this many instructions: translated code pauses at the
   * first exit from a region after them (cheap: no region is cut short for it). @default {Infinity}
   */
  insns?: number;
  /**
   * After a `signal-stop`: the signal to deliver as the run goes on (0: none, the held one is
   * dropped), as a debugger's continue-with-signal. @default {the held signal}
   */
  signal?: number;
}

/**
 * How a run ended or paused. `exit`, `signal` and `max-insns` end the run for good (plugins'
 * exit callbacks have run); the others pause it, and {@linkcode Machine.run} or
 * {@linkcode Machine.step} go on from there.
 */
export interface RunResult {
  /**
   * `exit`: the guest exited; `signal`: a fatal signal; `max-insns`: the instruction limit;
   * `breakpoint`: pc reached a breakpoint (its instruction has not run); `watchpoint`: an
   * instruction accessed a watched range (it has run); `step`: one instruction ran;
   * `paused`: the `insns` of {@linkcode RunOptions} ran; `signal-stop`: a signal was about to
   * be delivered while {@linkcode Machine.stopAtSignals} is set (`signal` says which).
   */
  reason:
    | "exit"
    | "signal"
    | "max-insns"
    | "breakpoint"
    | "watchpoint"
    | "step"
    | "paused"
    | "signal-stop";
  /** Exit status as a shell sees it: the guest's, or 128 + signal. */
  status: number;
  /** The fatal signal, if any; for a `signal-stop`, the signal held back. */
  signal?: number;
  /** The fault that raised the signal, if one did. */
  fault?: GuestFault;
  /** Instructions retired. */
  instret: number;
  /** For a `watchpoint` stop: the watchpoint, and the address the instruction accessed. */
  watch?: WatchHit;
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
  #coldRuns: number;
  #rt: Runtime;
  #hart: Hart;
  #strace: ((line: string) => void) | undefined;
  #code = { start: 0, end: 0, entry: 0 };
  #inAsm: ((text: string) => void) | undefined;
  #debug = new DebugState();
  #signals: SignalDelivery;
  /** Instruction count at which the run loop next looks for timers and host signals. */
  #nextPoll = 0;
  /** Where #translate returns (a syscall that starts the interval timer brings it forward). */
  #pause = 0;
  /**
   * Most instructions a region runs before it returns: large, as a region entered again in
   * the middle of a loop is a worse one; small while the interval timer runs, for its signals.
   */
  #budgetCap = BUDGET_CAP;
  #onPoll: ((instret: number) => void) | undefined;
  #started = false;
  /** The result that ended the run, once it has ended. */
  #final: RunResult | undefined;

  /** A machine with nothing loaded; load a program with {@linkcode Machine.load}. */
  constructor(options: MachineOptions = {}) {
    this.#engine = options.engine ?? "translate";
    this.#maxInsns = options.maxInsns ?? Infinity;
    // -d in_asm logs blocks as they are translated, as QEMU does: all of them, none run cold.
    this.#coldRuns = options.inAsm ? 0 : options.coldRuns ?? COLD_RUNS;
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
      instret: () => this.cpu.instret + this.#rt.state.pendingInsns,
      code: () => this.#code,
    });
    this.#rt = createRuntime(this.mem, this.cpu, {
      ecall: (pc, next) => this.#syscall(pc, next),
      siteRetired: (site) => this.plugins.siteRetired(site),
      siteError: (e, site) => this.plugins.siteError(e, site),
    });
    this.translator = new Translator(this.mem, this.cpu, this.#rt);
    this.translator.breakpoints = this.#debug.breakpoints;
    this.#signals = new SignalDelivery(
      this.mem,
      this.cpu,
      this.syscalls,
      (kind, from, to) => this.plugins.discontinuity(kind, from, to),
      options.hostSignal,
    );
    this.syscalls.waitForSignal = () => this.#signals.wait();
    this.#inAsm = options.inAsm;
    this.#onPoll = options.onPoll;
    this.mem.onCodeWrite = (page, addr, len, pc) => {
      // The running region leaves only if its own code changed; QEMU does not end a TB
      // either for a write elsewhere on its page.
      const hit = this.translator.codeWriteHits(addr, len, pc);
      if (hit > this.#rt.state.codeWritten) this.#rt.state.codeWritten = hit;
      this.translator.invalidatePage(page);
    };
    const cpu = this.cpu;
    this.#hart = {
      cpu,
      mem: this.mem,
      ecall: (pc) => this.#syscall(pc, pc + 4),
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
    mapSigtramp(this.mem);
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
   * Runs the guest until it exits, dies of a signal, reaches the instruction limit, or stops
   * at a breakpoint or watchpoint (or after `options.insns` instructions). Once the run has
   * ended, returns the same result again.
   * @throws PluginError when a plugin callback throws
   */
  run(options: RunOptions = {}): RunResult {
    if (this.#final) return this.#final;
    const plugins = this.plugins;
    if (this.#engine === "interp" && plugins.names.length > 0) {
      throw new TypeError("Cannot run plugins with --interp: plugins instrument translated code");
    }
    const cpu = this.cpu;
    const pauseAt = cpu.instret + (options.insns ?? Infinity);
    let resume = true, held = true;
    return this.#guard(() => {
      if (held) {
        held = false;
        this.#signals.resume(options.signal);
      }
      // Regions run on between looks at timers and host signals (a compare per region exit).
      for (;;) {
        const max = this.#maxInsns, until = Math.min(pauseAt, this.#nextPoll);
        if (this.#debug.active) {
          const stop = this.#runDebug(Math.min(max, until), resume);
          if (stop) return stop;
        } else if (this.#engine === "interp") this.#interpret(Math.min(max, until));
        else {
          this.#pause = until;
          this.#translate(max);
        }
        resume = false;
        if (cpu.instret >= max || cpu.instret >= pauseAt) return undefined;
        if (cpu.instret >= this.#nextPoll) {
          this.#onPoll?.(cpu.instret);
          this.#signals.poll();
          this.#nextPoll = cpu.instret +
            (this.#signals.timerRunning ? POLL_INSNS_TIMER : POLL_INSNS);
          this.#budgetCap = this.#signals.timerRunning ? BUDGET_CAP_TIMER : BUDGET_CAP;
        }
      }
    });
  }

  /**
   * Runs one instruction (the one at a breakpoint too), then stops with reason `step`, unless
   * the run ends or a watchpoint fires.
   * @throws PluginError when a plugin callback throws
   */
  step(signal?: number): RunResult {
    if (this.#final) return this.#final;
    let first = true;
    return this.#guard(() => {
      if (first) {
        first = false;
        this.#signals.resume(signal);
      }
      return this.#stepOne();
    }, true);
  }

  /**
   * While set, a signal about to be delivered (a fault's too) stops the run with reason
   * `signal-stop` first, as qemu-user stops for gdb; the next {@linkcode run} or
   * {@linkcode step} delivers it, or the signal its `signal` option names. Clearing it drops
   * the signal a stop holds, as qemu-user does when gdb detaches.
   */
  get stopAtSignals(): boolean {
    return this.#signals.stopAtSignals;
  }

  set stopAtSignals(on: boolean) {
    this.#signals.stopAtSignals = on;
  }

  /**
   * Set by a debugger: polled with host signals, also in blocking calls; true stops the run with
   * reason `signal-stop` and SIGINT, nothing held (gdb's interrupt).
   */
  set debuggerInterrupt(poll: (() => boolean) | undefined) {
    this.#signals.debuggerInterrupt = poll;
  }

  /**
   * Sets a breakpoint: {@linkcode run} stops before the instruction at `pc` (unless it starts
   * there). Regions of translated code end at breakpoints; code without any runs as fast as ever.
   * @returns false if one was already set there
   */
  addBreakpoint(pc: number): boolean {
    const bps = this.#debug.breakpoints;
    if (bps.has(pc >>> 0)) return false;
    bps.add(pc >>> 0);
    this.translator.invalidatePage(pc >>> PAGE_SHIFT);
    return true;
  }

  /** Removes a breakpoint; false if none was set at `pc`. */
  removeBreakpoint(pc: number): boolean {
    if (!this.#debug.breakpoints.delete(pc >>> 0)) return false;
    this.translator.invalidatePage(pc >>> PAGE_SHIFT);
    return true;
  }

  /**
   * Sets a watchpoint on `[addr, addr + len)`: an instruction that writes (or reads, or
   * accesses) it stops the run after it. While any is set the guest runs in the interpreter,
   * one instruction at a time, and plugins do not see those instructions.
   * @returns false if the same one was already set
   */
  addWatchpoint(addr: number, len: number, kind: WatchKind = "write"): boolean {
    if (!(len > 0)) throw new RangeError(`Cannot watch ${len} bytes: expected a positive length`);
    return this.#debug.addWatch({ addr: addr >>> 0, len, kind });
  }

  /** Removes a watchpoint set by {@linkcode addWatchpoint}; false if it was not set. */
  removeWatchpoint(addr: number, len: number, kind: WatchKind = "write"): boolean {
    return this.#debug.removeWatch({ addr: addr >>> 0, len, kind });
  }

  /** The result that ended the run, or undefined while it can go on. */
  get ended(): RunResult | undefined {
    return this.#final;
  }

  /**
   * Ends the run where it stands (a debugger's kill), as if the guest had exited with `status`:
   * plugins' exit callbacks run.
   */
  end(status = 0): RunResult {
    if (this.#final) return this.#final;
    this.#started = true;
    this.#final = { reason: "exit", status, instret: this.cpu.instret };
    this.plugins.exit();
    return this.#final;
  }

  /**
   * Runs `body` (which returns a stop, or undefined when it ran to its pause point) and turns
   * how it ended into a result; the run's first call starts the plugins, its end stops them.
   */
  #guard(body: () => RunResult | undefined, once = false): RunResult {
    const plugins = this.plugins, cpu = this.cpu;
    this.translator.instrument = this.#instrumenter();
    let result: RunResult;
    for (;;) {
      try {
        if (!this.#started) {
          this.#started = true;
          plugins.vcpuInit();
        }
        const stop = body();
        if (stop) return stop;
        if (cpu.instret < this.#maxInsns) {
          return { reason: "paused", status: 0, instret: cpu.instret };
        }
        result = { reason: "max-insns", status: 0, instret: cpu.instret };
      } catch (e) {
        if (e instanceof SignalStop) return this.#signalStop(e);
        if (e instanceof GuestExit) {
          const { status, signal } = e;
          result = { reason: signal ? "signal" : "exit", status, signal, instret: cpu.instret };
        } else if (e instanceof GuestFault) {
          try {
            if (this.#signals.fault(e)) {
              // The handler runs: go on (a single step stops there).
              if (once) return { reason: "step", status: 0, instret: cpu.instret };
              continue;
            }
          } catch (exit) {
            if (exit instanceof SignalStop) return this.#signalStop(exit);
            if (!(exit instanceof GuestExit)) throw exit;
            const { status, signal } = exit;
            result = { reason: "signal", status, signal, instret: cpu.instret };
            break;
          }
          cpu.pc = e.pc;
          const signal = SIGNAL_OF_FAULT[e.kind];
          this.#strace?.(faultLine(e, this.mem.check(e.addr, 1, 0)));
          plugins.discontinuity("exception", e.pc, 0);
          result = {
            reason: "signal",
            status: 128 + signal,
            signal,
            fault: e,
            instret: cpu.instret,
          };
        } else {
          throw e;
        }
      }
      break;
    }
    this.#final = result;
    plugins.exit();
    return result;
  }

  /** A stop before a signal: the registers as the guest resumes, which an unwind may have spoilt. */
  #signalStop(stop: SignalStop): RunResult {
    const cpu = this.cpu, regs = stop.regs;
    if (regs) {
      for (let i = 1; i < 32; i++) cpu.x[i] = regs[i]!;
      cpu.pc = regs[32]!;
    }
    return { reason: "signal-stop", status: 0, signal: stop.signo, instret: cpu.instret };
  }

  /** One instruction: through translated code when plugins instrument it, else interpreted. */
  #stepOne(): RunResult | undefined {
    const cpu = this.cpu;
    if (this.#debug.watchpoints.length > 0) {
      const hit = this.#debug.stepWatched(this.#hart);
      if (hit) return { reason: "watchpoint", status: 0, instret: cpu.instret, watch: hit };
    } else if (this.#engine === "translate" && this.translator.instrument) {
      this.#rt.state.budget = 1;
      cpu.pc = this.translator.lookupLimited(cpu.pc, 1)();
    } else {
      step(this.#hart);
    }
    return cpu.instret < this.#maxInsns
      ? { reason: "step", status: 0, instret: cpu.instret }
      : undefined;
  }

  /**
   * The run loop while breakpoints or watchpoints are set. A run that starts (`resume`) at a
   * breakpoint runs its instruction: it is resuming from there.
   */
  #runDebug(until: number, resume: boolean): RunResult | undefined {
    const cpu = this.cpu, state = this.#rt.state, translator = this.translator;
    const debug = this.#debug;
    // The cold runner does not stop at breakpoints: every region is compiled, leaving before them.
    translator.coldRunner = undefined;
    let resuming = resume && debug.breakpoints.has(cpu.pc);
    while (cpu.instret < until) {
      if (!resuming && debug.breakpoints.has(cpu.pc)) {
        return { reason: "breakpoint", status: 0, instret: cpu.instret };
      }
      if (this.#engine === "interp" || resuming) {
        resuming = false;
        const stop = this.#stepOne();
        if (stop?.reason === "watchpoint") return stop;
        continue;
      }
      const left = until - cpu.instret;
      state.budget = Math.min(left, 2 ** 30);
      const region = left < MAX_BLOCK_INSNS
        ? translator.lookupLimited(cpu.pc, left)
        : translator.lookup(cpu.pc);
      const stop = this.#runWatched(region);
      if (stop) return stop;
    }
    return undefined;
  }

  /**
   * Runs a region with the watched pages hidden (core/debug.ts): an access that hits a
   * watchpoint leaves it before it happens, and that instruction runs in the interpreter.
   */
  #runWatched(region: () => number): RunResult | undefined {
    const debug = this.#debug, cpu = this.cpu;
    if (debug.watchpoints.length === 0) {
      cpu.pc = region();
      return undefined;
    }
    debug.hideWatchedPages(this.mem);
    try {
      cpu.pc = region();
      return undefined;
    } catch (e) {
      if (!(e instanceof WatchTrap)) throw e;
      debug.revealWatchedPages();
      cpu.pc = e.pc;
      const stop = this.#stepOne();
      return stop?.reason === "watchpoint" ? stop : undefined;
    } finally {
      debug.revealWatchedPages();
    }
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
    return this.cpu.x[n]!;
  }

  /**
   * What the translator calls for each block about to run for the first time (or a region's
   * blocks, when plugins take them ahead): plugins' `onTbTrans`, then the `-d in_asm` log (QEMU
   * logs a TB after its plugins saw it, and only blocks about to run).
   */
  #instrumenter(): Instrumenter | undefined {
    const plugins = this.plugins, log = this.#inAsm, instruments = plugins.instruments;
    if (!instruments && !log) return undefined;
    return {
      get ahead() {
        return !log && plugins.instrumentsAhead;
      },
      sites: (blocks) => {
        const sites = instruments ? plugins.instrument(blocks) : blocks.map(() => undefined);
        for (const b of blocks) {
          log?.(formatInAsmBlock(b.insns, b.pcs, symbolAt(this.symbols, b.pc)?.name));
        }
        return sites;
      },
    };
  }

  #interpret(until: number): void {
    const cpu = this.cpu, hart = this.#hart;
    while (cpu.instret < until) step(hart);
  }

  /**
   * Runs translated code up to exactly `max` instructions, or to the first region exit after
   * `#pause` (a compare per exit: regions are not cut short for it, but a loop inside one
   * region leaves only at its budget).
   */
  #translate(max: number): void {
    const cpu = this.cpu, state = this.#rt.state, translator = this.translator, hart = this.#hart;
    // Cold code runs in the interpreter (exact for counts, faults and self-modifying code
    // alike), but for blocks plugins instrument with more than inline adds (see
    // Translator.coldRunner).
    const cold = this.#coldRuns > 0
      ? (onIndirect: (pc: number, target: number) => void, maxInsns = Infinity) =>
        stepBlock(hart, Math.min(state.budget, maxInsns), onIndirect)
      : undefined;
    translator.coldRunner = cold;
    translator.coldRuns = this.#coldRuns;
    for (;;) {
      const left = max - cpu.instret;
      if (left <= 0 || cpu.instret >= this.#pause) return;
      state.budget = Math.min(left, this.#budgetCap);
      // Near the limit a whole block may not fit: run blocks cut to what is left.
      const region = left >= MAX_BLOCK_INSNS
        ? translator.lookup(cpu.pc)
        : cold && !translator.instrument
        ? () => cold(() => {})
        : translator.lookupLimited(cpu.pc, left);
      cpu.pc = region();
    }
  }

  /**
   * Runs the syscall of the ecall at `pc`; returns where to continue: `next`, or where a plugin
   * redirected, rt_sigreturn restored, or a signal handler starts.
   */
  #syscall(pc: number, next: number): number {
    // Syscalls, plugins and signal delivery see the true permissions of watched pages.
    const hidden = this.#debug.revealWatchedPages();
    const to = this.#syscallBody(pc, next);
    if (hidden) this.#debug.hideWatchedPages(this.mem);
    return to;
  }

  #syscallBody(pc: number, next: number): number {
    const cpu = this.cpu, x = cpu.x;
    const num = x[17]!, args = [x[10]!, x[11]!, x[12]!, x[13]!, x[14]!, x[15]!];
    cpu.pc = pc;
    const plugins = this.plugins;
    const watched = plugins.watchesSyscalls;
    let performed = !watched;
    const ret = watched
      ? plugins.syscall(num, args, () => {
        performed = true;
        return this.syscalls.call(num, args, pc);
      })
      : this.syscalls.call(num, args, pc);
    if (!performed) this.syscalls.traceFiltered(num, args, ret);
    let to: number;
    if (num === SYS.rt_sigreturn && ret === -ERRNO_SIGRETURN) {
      to = cpu.pc; // the registers came back from the signal frame, a0 with them
    } else {
      x[10] = ret;
      to = cpu.pc === pc ? next : cpu.pc;
    }
    if (watched) plugins.discontinuity("hostcall", pc, to);
    // Look at a new interval timer soon, not at the next rare poll.
    if (num === SYS.setitimer) this.#nextPoll = this.#pause = 0;
    if (!this.#signals.pending) return to;
    cpu.pc = to;
    this.#signals.deliverPending();
    return cpu.pc;
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

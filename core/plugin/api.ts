/**
 * The plugin API: what a plugin sees. Plugins import types only from this module (through
 * `mod.ts`); the host (core/plugin/host.ts) implements them.
 *
 * A plugin is an ES module exporting `install(api, args)` and, optionally, the `apiVersion` it
 * was written for. Names and semantics follow QEMU's TCG plugin API (include/qemu/qemu-plugin.h).
 *
 * Version history:
 * - 1: translation-time TB/instruction inspection; TB, instruction and memory callbacks
 *   (plain and conditional); inline add/store on scoreboards; syscall entry, return and filter;
 *   discontinuities; vCPU init/exit, flush, atexit, uninstall, reset; register and memory reads and
 *   writes, set-pc.
 *
 * Lifetimes: a {@linkcode Tb} or {@linkcode TbInsn} handle is valid only during the `onTbTrans`
 * callback that received it; any use afterwards throws a `TypeError`. Callback arguments are plain
 * numbers. Scoreboards are owned by the host and live until the run ends.
 * @module
 */

/** The plugin API version this rvplug implements. */
export const PLUGIN_API_VERSION = 1;

/** Index of a virtual CPU (always 0: rvplug runs one hart). */
export type VcpuIndex = number;

/**
 * Register access a callback needs (QEMU's `qemu_plugin_cb_flags`). The translator writes the
 * guest registers back to memory before an `"r"` or `"rw"` callback and reloads them after an
 * `"rw"` one; a `"none"` callback costs only the call.
 */
export type CbFlags = "none" | "r" | "rw";

/** Comparison of a conditional callback: run when `scoreboard[index] <cond> imm`. */
export type CondOp = "always" | "never" | "eq" | "ne" | "lt" | "le" | "gt" | "ge";

/** Which memory accesses a memory callback sees (QEMU's `qemu_plugin_mem_rw`). */
export type MemRw = "r" | "w" | "rw";

/**
 * A scoreboard: counters owned by the host, updated by inline operations without a call.
 * A Float64Array counts exactly up to 2^53; it is backed by a SharedArrayBuffer.
 */
export type Scoreboard = Float64Array;

/** Options of a registration. */
export interface RegisterOptions {
  /** Register access the callback needs. @default {"none"} */
  flags?: CbFlags;
  /**
   * Order among callbacks at the same point: higher runs first; equal priorities run in
   * command-line order of their plugins. @default {0}
   */
  priority?: number;
}

/** A condition for conditional callbacks. */
export interface Condition {
  op: CondOp;
  scoreboard: Scoreboard;
  index: number;
  imm: number;
}

/** Runs at execution: vCPU index and the user data given at registration. */
export type ExecCallback = (vcpu: VcpuIndex, udata: unknown) => void;

/**
 * Runs after a memory access: `info` is a {@linkcode MemInfo} number, `vaddr` the address, `value`
 * the bytes loaded or stored (zero-extended, as an unsigned number).
 */
export type MemCallback = (
  vcpu: VcpuIndex,
  info: MemInfo,
  vaddr: number,
  value: number,
  udata: unknown,
) => void;

/**
 * Packed description of a memory access, as QEMU's `qemu_plugin_meminfo_t`:
 * bits 0-1 log2 of the size, bit 2 sign-extended load, bit 3 store. Decode it with
 * {@linkcode memSizeShift}, {@linkcode memIsSigned}, {@linkcode memIsStore}.
 */
export type MemInfo = number;

/** log2 of the access size in bytes (0: byte, 1: half-word, 2: word). */
export function memSizeShift(info: MemInfo): number {
  return info & 3;
}
/** Whether the access is a sign-extending load. */
export function memIsSigned(info: MemInfo): boolean {
  return (info & 4) !== 0;
}
/** Whether the access is a store (AMOs are both load and store and report as stores). */
export function memIsStore(info: MemInfo): boolean {
  return (info & 8) !== 0;
}
/** Packs a {@linkcode MemInfo}. */
export function memInfo(sizeShift: number, signed: boolean, store: boolean): MemInfo {
  return sizeShift | (signed ? 4 : 0) | (store ? 8 : 0);
}

/** An instruction of a TB being translated. Valid only inside `onTbTrans`. */
export interface TbInsn {
  /** Guest address. */
  readonly vaddr: number;
  /** Size in bytes (2 or 4). */
  readonly size: number;
  /** The instruction bytes (a copy). */
  readonly bytes: Uint8Array;
  /**
   * Disassembly in qemu-riscv32's layout, without its address and encoding columns: the
   * mnemonic padded to 24 columns, then the operands (`"addi                    a0,a0,1"`,
   * `"ret"`). QEMU's `qemu_plugin_insn_disas` also starts with the encoding; use
   * {@linkcode TbInsn.bytes} for that.
   */
  disas(): string;
  /** Name of the ELF symbol containing the instruction, if any. */
  symbol(): string | undefined;
  /** Runs `cb` each time the instruction is about to execute. */
  onExec(cb: ExecCallback, udata?: unknown, options?: RegisterOptions): void;
  /** Like {@linkcode onExec}, only when `cond` holds at that time. */
  onExecCond(cb: ExecCallback, cond: Condition, udata?: unknown, options?: RegisterOptions): void;
  /** Adds `imm` to `scoreboard[index]` each time the instruction is about to execute. */
  inlineAdd(scoreboard: Scoreboard, index: number, imm: number): void;
  /** Stores `imm` into `scoreboard[index]` each time the instruction is about to execute. */
  inlineStore(scoreboard: Scoreboard, index: number, imm: number): void;
  /** Runs `cb` after each memory access of the instruction that `rw` selects. */
  onMem(cb: MemCallback, rw: MemRw, udata?: unknown, options?: RegisterOptions): void;
  /** Adds `imm` to `scoreboard[index]` after each memory access that `rw` selects. */
  memInlineAdd(scoreboard: Scoreboard, index: number, imm: number, rw: MemRw): void;
}

/** A translation block (a guest basic block) being translated. Valid only inside `onTbTrans`. */
export interface Tb {
  /** Guest address of the first instruction. */
  readonly vaddr: number;
  /** Number of instructions. */
  readonly nInsns: number;
  /** The `i`-th instruction. */
  insn(i: number): TbInsn;
  /** Runs `cb` each time the block is entered. */
  onExec(cb: ExecCallback, udata?: unknown, options?: RegisterOptions): void;
  /** Like {@linkcode onExec}, only when `cond` holds at that time. */
  onExecCond(cb: ExecCallback, cond: Condition, udata?: unknown, options?: RegisterOptions): void;
  /** Adds `imm` to `scoreboard[index]` each time the block is entered. */
  inlineAdd(scoreboard: Scoreboard, index: number, imm: number): void;
  /** Stores `imm` into `scoreboard[index]` each time the block is entered. */
  inlineStore(scoreboard: Scoreboard, index: number, imm: number): void;
}

/**
 * Kinds of discontinuity (QEMU v6): `exception` for a fault delivered to a signal handler (or
 * ending the guest), `interrupt` for any other signal delivered to a handler, `hostcall` for ecall.
 */
export type DisconKind = "exception" | "interrupt" | "hostcall";

/** Arguments a plugin was given on the command line: `--plugin path,key=value,...`. */
export type PluginArgs = ReadonlyArray<readonly [key: string, value: string]>;

/**
 * The API object a plugin's `install` receives.
 *
 * Note: rvplug translates a few blocks ahead of execution (a region), and the same block may be
 * translated into several regions, so `onTbTrans` can see a block that never runs, or a block
 * more than once. Count executions with exec callbacks or inline ops, not in `onTbTrans`.
 */
export interface PluginApi {
  /** The plugin's own name: its file name without the extension (QPP's CURRENT_PLUGIN). */
  readonly name: string;
  /** The API version of the host. */
  readonly version: number;
  /** Path of the guest program. */
  readonly programPath: string;

  /** Start of the program's code: the lowest executable segment address (`qemu_plugin_start_code`). */
  startCode(): number;
  /** End of the program's code: the end of its executable segments' file bytes. */
  endCode(): number;
  /** The program's entry point (`qemu_plugin_entry_code`). */
  entryCode(): number;
  /** Writes text to the log: stderr, or the `-D` file (QEMU's `qemu_plugin_outs`). */
  outs(text: string): void;
  /** A new scoreboard of `size` counters, all 0. */
  newScoreboard(size: number): Scoreboard;

  /** Runs `cb` for every TB translated; see {@linkcode Tb} for what it may register. */
  onTbTrans(cb: (tb: Tb) => void): void;
  /** Runs when the vCPU starts. */
  onVcpuInit(cb: (vcpu: VcpuIndex) => void): void;
  /** Runs when the vCPU stops. */
  onVcpuExit(cb: (vcpu: VcpuIndex) => void): void;
  /** Runs before each syscall with its number and its six arguments. */
  onSyscall(cb: (vcpu: VcpuIndex, num: number, ...args: number[]) => void): void;
  /** Runs after each syscall with its number and result. */
  onSyscallReturn(cb: (vcpu: VcpuIndex, num: number, ret: number) => void): void;
  /**
   * Runs before each syscall; returning a number skips the syscall and makes that its result.
   * Filters run in priority order; the first to return a number wins.
   */
  onSyscallFilter(
    cb: (vcpu: VcpuIndex, num: number, ...args: number[]) => number | undefined,
  ): void;
  /** Runs when control leaves the straight path through a trap, with the pc before and after. */
  onDiscontinuity(
    cb: (vcpu: VcpuIndex, kind: DisconKind, fromPc: number, toPc: number) => void,
  ): void;
  /** Runs when translated code is flushed. */
  onFlush(cb: () => void): void;
  /** Runs once when the guest exits (after vCPU exit). */
  onExit(cb: () => void): void;

  /**
   * Reads a register by name: `pc`, `x0`..`x31`, ABI names such as `a0`, and the user CSRs
   * `cycle`, `time`, `instret` and their `h` halves (as the guest would read them there).
   * Allowed in callbacks registered with flags `"r"` or `"rw"` and in vCPU, syscall and
   * discontinuity callbacks; throws a `TypeError` elsewhere.
   */
  readRegister(name: string): number;
  /** Names of the readable registers. */
  registerNames(): string[];
  /** Writes a register (not x0, not pc: see {@linkcode setPc}). Needs flags `"rw"`. */
  writeRegister(name: string, value: number): void;
  /** Redirects execution to `pc` when the callback returns. Needs flags `"rw"`. */
  setPc(pc: number): void;
  /** Reads guest memory; throws a `RangeError` for unmapped or unreadable addresses. */
  readMemory(vaddr: number, len: number): Uint8Array;
  /** Writes guest memory; throws a `RangeError` for unmapped addresses. Needs flags `"rw"`. */
  writeMemory(vaddr: number, bytes: Uint8Array): void;
  /** Parses a boolean argument like QEMU's `qemu_plugin_bool_parse`; see {@linkcode parseBool}. */
  parseBool(key: string, value: string): boolean;
  /** log2 of the size of an access; see {@linkcode memSizeShift}. */
  memSizeShift(info: MemInfo): number;
  /** Whether an access is a sign-extending load. */
  memIsSigned(info: MemInfo): boolean;
  /** Whether an access is a store. */
  memIsStore(info: MemInfo): boolean;
  /** Ends the run as if the guest had called exit(status). */
  exit(status: number): never;
  /** Removes all this plugin's callbacks and re-translates code without them; then runs `cb`. */
  reset(cb?: () => void): void;
  /** Uninstalls the plugin: removes its callbacks, then runs `cb`. */
  uninstall(cb?: () => void): void;
}

/** What a plugin module exports. */
export interface PluginModule {
  /** Called once at load time, before the guest starts. */
  install(api: PluginApi, args: PluginArgs): void | Promise<void>;
  /** The API version the plugin was written for. @default {1} */
  apiVersion?: number;
}

/**
 * Parses a boolean argument the way QEMU's `qemu_plugin_bool_parse` does: `on`/`true`/`yes` and
 * `off`/`false`/`no`.
 * @throws TypeError naming the key when the value is anything else
 */
export function parseBool(key: string, value: string): boolean {
  if (["on", "true", "yes"].includes(value)) return true;
  if (["off", "false", "no"].includes(value)) return false;
  throw new TypeError(`Cannot parse "${key}=${value}": expected on or off`);
}

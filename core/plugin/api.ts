/**
 * The plugin API: what a plugin sees. Plugins import it from `mod.ts` (types, and the few pure
 * functions below); the host (core/plugin/host.ts) implements it. Names and semantics follow
 * QEMU's TCG plugin API, `include/qemu/qemu-plugin.h`; where rvplug differs, the call says so.
 *
 * A plugin is an ES module exporting `install(api, args)` and the `apiVersion` it was written
 * for (see {@linkcode PluginModule}). rvplug loads a plugin written for any version from
 * {@linkcode PLUGIN_API_MIN_VERSION} to {@linkcode PLUGIN_API_VERSION}, as QEMU does.
 *
 * ## Version history
 * - 2: the ELF symbol table and the symbol of an address ({@linkcode PluginApi.symbols},
 *   {@linkcode PluginApi.symbolAt}); {@linkcode PluginApi.readCString}; the decoded instruction
 *   ({@linkcode TbInsn.decoded}: mnemonic, operands, registers read and written);
 *   {@linkcode PluginApi.syscallName}; the declarative argument parser
 *   {@linkcode PluginApi.parseArgs}; output files ({@linkcode PluginApi.createOutputFile}).
 *   `writeRegister("a0", ...)` in an `onSyscallReturn` callback now sets the syscall's result
 *   (it had no effect). `onTbTrans` sees only blocks about to run.
 * - 1: translation-time TB/instruction inspection; TB, instruction and memory callbacks
 *   (plain and conditional); inline add/store on scoreboards; syscall entry, return and filter;
 *   discontinuities; vCPU init/exit, flush, atexit, uninstall, reset; register and memory reads and
 *   writes, set-pc.
 *
 * ## Handle lifetimes
 * A {@linkcode Tb} or {@linkcode TbInsn} handle is valid only during the `onTbTrans` callback
 * that received it; any use afterwards throws a `TypeError` (QEMU leaves it undefined). Keep the
 * numbers you need (`vaddr`, `size`...) or pass them as `udata`.
 *
 * ## Ownership
 * Everything the API returns is the plugin's own: `bytes`, {@linkcode PluginApi.readMemory},
 * {@linkcode PluginApi.symbols} and the decoded instruction are copies, never views of guest
 * memory or of rvplug's tables, so changing them changes nothing else. Scoreboards are the
 * exception: the host keeps them and updates them in place (that is their point).
 *
 * ## Numbers
 * Every number is a JavaScript number. Registers, syscall numbers, arguments and results are
 * **signed int32** (`-1` for 0xffffffff; `x >>> 0` makes one unsigned), as is the `value` given
 * to {@linkcode PluginApi.writeRegister} (taken modulo 2^32). Addresses (`pc`, `vaddr`, symbol
 * addresses, the discontinuity pcs) are **unsigned** (0 to 2^32 - 1). A memory callback's value
 * is the accessed bytes zero-extended (unsigned).
 *
 * @example A plugin counting executed instructions, run on a guest by hand
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Machine, type PluginApi, type PluginArgs } from "../../mod.ts";
 *
 * // The plugin module would export these two.
 * const apiVersion = 2;
 * function install(api: PluginApi, args: PluginArgs): void {
 *   const { inline } = api.parseArgs(args, { inline: { type: "bool", default: true } });
 *   const count = api.newScoreboard(1);
 *   api.onTbTrans((tb) => {
 *     const n = tb.nInsns; // the handle dies when this callback returns: keep numbers
 *     if (inline) tb.inlineAdd(count, 0, n);
 *     else tb.onExec(() => (count[0]! += n));
 *   });
 *   api.onExit(() => api.outs(`insns: ${count[0]}\n`));
 * }
 *
 * // What `--plugin count.ts,inline=off` does with it.
 * let log = "";
 * const quiet = { stdin: () => null, stdout: () => {}, stderr: () => {} };
 * const machine = new Machine({ log: (text) => (log += text), io: quiet });
 * machine.loadFile("examples/build/hello.elf", { argv: ["hello"] });
 * assertEquals(apiVersion, 2);
 * install(machine.plugins.createApi("count"), [["inline", "off"]]);
 * const { instret } = machine.run();
 * assertEquals(log, `insns: ${instret}\n`);
 * ```
 * @module
 */

import type { QppApi } from "../../qpp/types.ts";

/** The plugin API version this rvplug implements. */
export const PLUGIN_API_VERSION = 2;

/** The oldest plugin API version this rvplug still loads. */
export const PLUGIN_API_MIN_VERSION = 1;

/** Index of a virtual CPU (always 0: rvplug runs one hart). */
export type VcpuIndex = number;

/**
 * Register access a callback needs (QEMU's `qemu_plugin_cb_flags`). The translator writes the
 * guest registers back to memory before an `"r"` or `"rw"` callback and reloads them after an
 * `"rw"` one; a `"none"` callback costs only the call, and may not read registers.
 */
export type CbFlags = "none" | "r" | "rw";

/** Comparison of a conditional callback: run when `scoreboard[index] <cond> imm`. */
export type CondOp = "always" | "never" | "eq" | "ne" | "lt" | "le" | "gt" | "ge";

/** Which memory accesses a memory callback sees (QEMU's `qemu_plugin_mem_rw`). */
export type MemRw = "r" | "w" | "rw";

/**
 * A scoreboard: counters owned by the host, updated by inline operations without a call
 * (QEMU's `qemu_plugin_scoreboard`). A Float64Array counts exactly up to 2^53; it is backed by a
 * SharedArrayBuffer. The plugin reads and writes it freely; it lives until the run ends.
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

/** Options of {@linkcode PluginApi.onTbTrans}. */
export interface TbTransOptions {
  /**
   * Also show blocks before they run: a block's region (the blocks rvplug compiles into one
   * function) is shown whole when its first block is about to run, so the callback may see
   * blocks that never run. Worth it for plugins that act only when code runs (inline operations,
   * exec and memory callbacks): rvplug then compiles each region once, instead of again for
   * each of its blocks as they first run, and a sandboxed plugin gets one round trip per region.
   * In effect only when every `onTbTrans` callback of every plugin asks for it, and without
   * `-d in_asm`. rvplug's own option; QEMU has none. @default {false}
   */
  ahead?: boolean;
}

/** A condition for conditional callbacks: `scoreboard[index] <op> imm`. */
export interface Condition {
  /** The comparison. */
  op: CondOp;
  /** The scoreboard read when the instruction or block is about to run. */
  scoreboard: Scoreboard;
  /** The counter of `scoreboard` compared. */
  index: number;
  /** The number it is compared with. */
  imm: number;
}

/**
 * Runs at execution (QEMU's `qemu_plugin_vcpu_udata_cb_t`).
 * @param vcpu the vCPU index (0)
 * @param udata the user data given at registration, as it was given (not a copy)
 */
export type ExecCallback = (vcpu: VcpuIndex, udata: unknown) => void;

/**
 * Runs after a memory access (QEMU's `qemu_plugin_vcpu_mem_cb_t`).
 * @param vcpu the vCPU index (0)
 * @param info the access: size, sign, load or store; decode it with {@linkcode memSizeShift},
 * {@linkcode memIsSigned}, {@linkcode memIsStore}
 * @param vaddr the address accessed (unsigned)
 * @param value the bytes loaded or stored, zero-extended (unsigned, up to 2^32 - 1)
 * @param udata the user data given at registration
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

/**
 * The size of an access (QEMU's `qemu_plugin_mem_size_shift`).
 * @param info the access, as a memory callback receives it
 * @returns log2 of the size in bytes: 0 byte, 1 half-word, 2 word
 */
export function memSizeShift(info: MemInfo): number {
  return info & 3;
}
/**
 * Whether an access sign-extends (QEMU's `qemu_plugin_mem_is_sign_extended`).
 * @param info the access, as a memory callback receives it
 * @returns true for `lb` and `lh`
 */
export function memIsSigned(info: MemInfo): boolean {
  return (info & 4) !== 0;
}
/**
 * Whether an access is a store (QEMU's `qemu_plugin_mem_is_store`).
 * @param info the access, as a memory callback receives it
 * @returns true for stores; AMOs are both load and store and report as stores
 */
export function memIsStore(info: MemInfo): boolean {
  return (info & 8) !== 0;
}
/**
 * Packs a {@linkcode MemInfo}.
 * @param sizeShift log2 of the size in bytes (0 to 2)
 * @param signed whether the load sign-extends
 * @param store whether the access is a store
 * @returns the packed description
 */
export function memInfo(sizeShift: number, signed: boolean, store: boolean): MemInfo {
  return sizeShift | (signed ? 4 : 0) | (store ? 8 : 0);
}

/**
 * An instruction, decoded: what plugins used to take from `core/isa/`. A copy: the plugin may
 * keep it after `onTbTrans` returns.
 */
export interface DecodedInsn {
  /**
   * The mnemonic as {@linkcode TbInsn.disas} prints it: pseudo-instructions by their own name
   * (`ret`, `li`, `mv`), compressed instructions by their 32-bit expansion (`addi`, not `c.addi`).
   */
  readonly mnemonic: string;
  /** The operands as `disas` prints them, without the target comment: `["a0", "8(sp)"]`. */
  readonly operands: readonly string[];
  /**
   * ABI names of the registers the instruction reads as operands (`zero` left out). Implicit
   * ones are not listed: an `ecall` reads a7 and a0-a5 and writes a0 by the syscall ABI.
   */
  readonly regsRead: readonly string[];
  /** ABI names of the registers it writes (`zero` left out): its rd, if any. */
  readonly regsWritten: readonly string[];
}

/**
 * An instruction of a TB being translated (QEMU's `qemu_plugin_insn`). Valid only inside the
 * `onTbTrans` callback that got it from {@linkcode Tb.insn}: every method throws a `TypeError`
 * afterwards.
 */
export interface TbInsn {
  /** Guest address (unsigned; `qemu_plugin_insn_vaddr`). */
  readonly vaddr: number;
  /** Size in bytes: 2 (compressed) or 4 (`qemu_plugin_insn_size`). */
  readonly size: number;
  /** The instruction bytes, little-endian (a copy; `qemu_plugin_insn_data`). */
  readonly bytes: Uint8Array;
  /**
   * Disassembly in qemu-riscv32's layout, without its address and encoding columns: the
   * mnemonic padded to 24 columns, then the operands (`"addi                    a0,a0,1"`,
   * `"ret"`). QEMU's `qemu_plugin_insn_disas` also starts with the encoding; use
   * {@linkcode TbInsn.bytes} for that.
   * @returns a new string
   * @throws TypeError after `onTbTrans` returned
   */
  disas(): string;
  /**
   * The decoded instruction: mnemonic, operands, registers read and written.
   * @returns a new object each call
   * @throws TypeError after `onTbTrans` returned
   * @example
   * ```ts
   * import type { PluginApi } from "../../mod.ts";
   *
   * // Counts the instructions that write the stack pointer.
   * export function install(api: PluginApi): void {
   *   const count = api.newScoreboard(1);
   *   api.onTbTrans((tb) => {
   *     for (let i = 0; i < tb.nInsns; i++) {
   *       const insn = tb.insn(i);
   *       if (insn.decoded().regsWritten.includes("sp")) insn.inlineAdd(count, 0, 1);
   *     }
   *   });
   *   api.onExit(() => api.outs(`sp writes: ${count[0]}\n`));
   * }
   * ```
   */
  decoded(): DecodedInsn;
  /**
   * Name of the ELF symbol containing the instruction (`qemu_plugin_insn_symbol`).
   * @returns the name, or `undefined` when no symbol covers it (or the ELF has no symbols)
   * @throws TypeError after `onTbTrans` returned
   */
  symbol(): string | undefined;
  /**
   * Runs `cb` each time the instruction is about to execute
   * (`qemu_plugin_register_vcpu_insn_exec_cb`).
   * @param cb the callback
   * @param udata passed to `cb` as it is
   * @param options register access and priority
   * @throws TypeError after `onTbTrans` returned
   */
  onExec(cb: ExecCallback, udata?: unknown, options?: RegisterOptions): void;
  /**
   * Like {@linkcode TbInsn.onExec}, only when `cond` holds at that time
   * (`qemu_plugin_register_vcpu_insn_exec_cond_cb`).
   * @param cb the callback
   * @param cond the condition on a scoreboard counter
   * @param udata passed to `cb` as it is
   * @param options register access and priority
   * @throws TypeError after `onTbTrans` returned
   */
  onExecCond(cb: ExecCallback, cond: Condition, udata?: unknown, options?: RegisterOptions): void;
  /**
   * Adds `imm` to `scoreboard[index]` each time the instruction is about to execute, without a
   * call (`qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu` with `ADD_U64`).
   * @param scoreboard from {@linkcode PluginApi.newScoreboard}
   * @param index the counter
   * @param imm the number added
   * @throws RangeError when `index` is not in the scoreboard; TypeError after `onTbTrans`
   */
  inlineAdd(scoreboard: Scoreboard, index: number, imm: number): void;
  /**
   * Stores `imm` into `scoreboard[index]` each time the instruction is about to execute.
   * @param scoreboard from {@linkcode PluginApi.newScoreboard}
   * @param index the counter
   * @param imm the number stored
   * @throws RangeError when `index` is not in the scoreboard; TypeError after `onTbTrans`
   */
  inlineStore(scoreboard: Scoreboard, index: number, imm: number): void;
  /**
   * Runs `cb` after each memory access of the instruction that `rw` selects
   * (`qemu_plugin_register_vcpu_mem_cb`). An access that faults does not run it.
   * @param cb the callback
   * @param rw which accesses: loads, stores or both
   * @param udata passed to `cb` as it is
   * @param options register access and priority
   * @throws TypeError for a bad `rw`, or after `onTbTrans` returned
   */
  onMem(cb: MemCallback, rw: MemRw, udata?: unknown, options?: RegisterOptions): void;
  /**
   * Adds `imm` to `scoreboard[index]` after each memory access that `rw` selects
   * (`qemu_plugin_register_vcpu_mem_inline_per_vcpu`).
   * @param scoreboard from {@linkcode PluginApi.newScoreboard}
   * @param index the counter
   * @param imm the number added
   * @param rw which accesses: loads, stores or both
   * @throws RangeError when `index` is not in the scoreboard; TypeError for a bad `rw` or after
   * `onTbTrans` returned
   */
  memInlineAdd(scoreboard: Scoreboard, index: number, imm: number, rw: MemRw): void;
}

/**
 * A translation block, a guest basic block, being translated (QEMU's `qemu_plugin_tb`). Valid
 * only inside the `onTbTrans` callback that received it: every method throws a `TypeError`
 * afterwards.
 */
export interface Tb {
  /** Guest address of the first instruction (unsigned; `qemu_plugin_tb_vaddr`). */
  readonly vaddr: number;
  /** Number of instructions (`qemu_plugin_tb_n_insns`). */
  readonly nInsns: number;
  /**
   * The `i`-th instruction (`qemu_plugin_tb_get_insn`).
   * @param i from 0 to `nInsns - 1`
   * @returns its handle, valid as long as this one
   * @throws RangeError when `i` is out of range; TypeError after `onTbTrans` returned
   */
  insn(i: number): TbInsn;
  /**
   * Runs `cb` each time the block is entered (`qemu_plugin_register_vcpu_tb_exec_cb`).
   * @param cb the callback
   * @param udata passed to `cb` as it is
   * @param options register access and priority
   * @throws TypeError after `onTbTrans` returned
   */
  onExec(cb: ExecCallback, udata?: unknown, options?: RegisterOptions): void;
  /**
   * Like {@linkcode Tb.onExec}, only when `cond` holds at that time
   * (`qemu_plugin_register_vcpu_tb_exec_cond_cb`).
   * @param cb the callback
   * @param cond the condition on a scoreboard counter
   * @param udata passed to `cb` as it is
   * @param options register access and priority
   * @throws TypeError after `onTbTrans` returned
   */
  onExecCond(cb: ExecCallback, cond: Condition, udata?: unknown, options?: RegisterOptions): void;
  /**
   * Adds `imm` to `scoreboard[index]` each time the block is entered, without a call.
   * @param scoreboard from {@linkcode PluginApi.newScoreboard}
   * @param index the counter
   * @param imm the number added
   * @throws RangeError when `index` is not in the scoreboard; TypeError after `onTbTrans`
   */
  inlineAdd(scoreboard: Scoreboard, index: number, imm: number): void;
  /**
   * Stores `imm` into `scoreboard[index]` each time the block is entered.
   * @param scoreboard from {@linkcode PluginApi.newScoreboard}
   * @param index the counter
   * @param imm the number stored
   * @throws RangeError when `index` is not in the scoreboard; TypeError after `onTbTrans`
   */
  inlineStore(scoreboard: Scoreboard, index: number, imm: number): void;
}

/**
 * Kinds of discontinuity (QEMU v6): `exception` for a fault delivered to a signal handler (or
 * ending the guest), `interrupt` for any other signal delivered to a handler, `hostcall` for ecall.
 */
export type DisconKind = "exception" | "interrupt" | "hostcall";

/** Arguments a plugin was given on the command line: `--plugin path,key=value,...`. */
export type PluginArgs = ReadonlyArray<readonly [key: string, value: string]>;

/** A symbol of the guest program's ELF symbol table (`.symtab`). */
export interface GuestSymbol {
  /** The symbol's name, never empty. */
  readonly name: string;
  /** Its address (unsigned; load bias applied). */
  readonly addr: number;
  /** Its size in bytes; 0 when the object file did not say (hand-written assembly, labels). */
  readonly size: number;
  /** Whether it is a function (`STT_FUNC`). */
  readonly isFunc: boolean;
}

/**
 * How {@linkcode PluginApi.parseArgs} reads one key. Every kind takes `multiple: true` (the key
 * may repeat; the result is an array of the values in order, `[]` without any) and `required:
 * true` (the key must be given). Otherwise a repeated key keeps its last value and a missing
 * one is `default`, or `undefined` without a default.
 *
 * - `bool`: `on`/`true`/`yes` or `off`/`false`/`no`, as {@linkcode parseBool};
 * - `int`: a decimal integer (`radix: 16`: hex, with or without `0x`), from `min` to `max`;
 * - `string`: any text;
 * - `enum`: one of `values`;
 * - `custom`: what `parse` returns for the text; it throws to refuse it.
 */
export type ArgSpec =
  | ArgCommon<boolean> & { readonly type: "bool" }
  | ArgCommon<number> & {
    readonly type: "int";
    readonly min?: number;
    readonly max?: number;
    readonly radix?: 10 | 16;
  }
  | ArgCommon<string> & { readonly type: "string" }
  | ArgCommon<string> & { readonly type: "enum"; readonly values: readonly string[] }
  | ArgCommon<unknown> & {
    readonly type: "custom";
    readonly parse: (value: string, key: string) => unknown;
  };

/** What every {@linkcode ArgSpec} may say. */
export interface ArgCommon<T> {
  /** The value when the key is not given. */
  readonly default?: T;
  /** The key may repeat: the result is the array of its values. */
  readonly multiple?: boolean;
  /** The key must be given. */
  readonly required?: boolean;
}

/** The keys a plugin takes, each with how to read it. */
export type ArgSpecs = Readonly<Record<string, ArgSpec>>;

/** The type of the value of one {@linkcode ArgSpec}. */
export type ArgValue<S extends ArgSpec> = S extends { type: "bool" } ? boolean
  : S extends { type: "int" } ? number
  : S extends { type: "enum"; values: readonly (infer V)[] } ? V
  : S extends { type: "custom"; parse: (value: string, key: string) => infer R } ? R
  : string;

/** What {@linkcode PluginApi.parseArgs} returns for `S`: one property per key. */
export type ParsedArgs<S extends ArgSpecs> = {
  -readonly [K in keyof S]: S[K] extends { multiple: true } ? ArgValue<S[K]>[]
    : S[K] extends { required: true } ? ArgValue<S[K]>
    : S[K] extends { default: infer D } ? ArgValue<S[K]> | D
    : ArgValue<S[K]> | undefined;
};

/** A file a plugin writes its report to, from {@linkcode PluginApi.createOutputFile}. */
export interface OutputFile {
  /** The path it was created at. */
  readonly path: string;
  /**
   * Writes `data` at the end of the file, all of it (strings as UTF-8).
   * @param data the text or bytes
   * @throws TypeError when the file is closed, or the write fails
   */
  write(data: string | Uint8Array): void;
  /** Closes the file; closing it again does nothing. */
  close(): void;
}

/**
 * The API object a plugin's `install` receives: one per plugin, valid for the whole run (it may
 * be kept and used from callbacks). rvplug runs one vCPU and calls every callback on the thread
 * that runs the guest, one at a time.
 *
 * When callbacks run: `onTbTrans` when a block is about to run for the first time since it was
 * last translated (so a block that never runs is never shown, unless the plugin asks for blocks
 * `ahead`), and again only after its code was flushed (a write to its page,
 * {@linkcode PluginApi.reset}); count executions with exec
 * callbacks or inline operations, not in `onTbTrans`. A throw in any callback stops the run with
 * a `PluginError` naming the plugin and the guest pc (exit status 3 on the command line).
 */
export interface PluginApi {
  /** The plugin's own name: its file name without the extension (QPP's CURRENT_PLUGIN). */
  readonly name: string;
  /** The API version of the host: {@linkcode PLUGIN_API_VERSION}. */
  readonly version: number;
  /** Path of the guest program, as given on the command line. */
  readonly programPath: string;
  /** Calls into other plugins and callbacks between plugins (QPP); see {@linkcode QppApi}. */
  readonly qpp: QppApi;

  /**
   * Start of the program's code (`qemu_plugin_start_code`).
   * @returns the lowest executable segment address (unsigned)
   */
  startCode(): number;
  /**
   * End of the program's code (`qemu_plugin_end_code`).
   * @returns the end of its executable segments' file bytes (unsigned, exclusive)
   */
  endCode(): number;
  /**
   * The program's entry point (`qemu_plugin_entry_code`).
   * @returns its address (unsigned)
   */
  entryCode(): number;
  /**
   * Writes text to the log: stderr, or the `-D` file (`qemu_plugin_outs`). No newline is added.
   * @param text the text
   */
  outs(text: string): void;
  /**
   * A new scoreboard (`qemu_plugin_scoreboard_new`).
   * @param size the number of counters
   * @returns the scoreboard, all counters 0
   * @throws RangeError when `size` is not a non-negative safe integer
   */
  newScoreboard(size: number): Scoreboard;

  /**
   * Runs `cb` for every block about to run for the first time
   * (`qemu_plugin_register_vcpu_tb_trans_cb`), or, with `ahead`, for every block compiled.
   * The handle it gets is valid only while `cb` runs: register callbacks and inline operations
   * on it then.
   * @param cb the callback
   * @param options whether it may see blocks ahead of their first run
   * @example Count the blocks executed, and those that start a function
   * ```ts
   * import { assert } from "@std/assert";
   * import { Machine } from "../../mod.ts";
   *
   * const machine = new Machine({ io: { stdin: () => null, stdout: () => {}, stderr: () => {} } });
   * machine.loadFile("examples/build/hello.elf");
   * const api = machine.plugins.createApi("blocks");
   * const blocks = api.newScoreboard(2);
   * api.onTbTrans((tb) => {
   *   tb.inlineAdd(blocks, 0, 1);
   *   if (api.symbolAt(tb.vaddr)?.addr === tb.vaddr) tb.inlineAdd(blocks, 1, 1);
   * });
   * machine.run();
   * const [all = 0, starts = 0] = blocks;
   * assert(all > starts && starts > 0);
   * ```
   */
  onTbTrans(cb: (tb: Tb) => void, options?: TbTransOptions): void;
  /**
   * Runs `cb` when the vCPU starts, before the first instruction (`..._vcpu_init_cb`). It may
   * read and write registers.
   * @param cb the callback, given the vCPU index
   */
  onVcpuInit(cb: (vcpu: VcpuIndex) => void): void;
  /**
   * Runs `cb` when the vCPU stops: the guest exited, died of a signal, or reached the instruction
   * limit (`..._vcpu_exit_cb`). Runs before the `onExit` callbacks.
   * @param cb the callback, given the vCPU index
   */
  onVcpuExit(cb: (vcpu: VcpuIndex) => void): void;
  /**
   * Runs `cb` before each syscall (`qemu_plugin_register_vcpu_syscall_cb`). It may read and write
   * registers; the syscall runs with the arguments it was given here, whatever `cb` writes.
   * @param cb the callback, given the syscall number (a7) and the six arguments (a0-a5), all
   * signed int32
   * @example Log each syscall by name
   * ```ts
   * import type { PluginApi } from "../../mod.ts";
   *
   * export function install(api: PluginApi): void {
   *   api.onSyscall((_vcpu, num, a0) => {
   *     api.outs(`${api.syscallName(num) ?? num}(${a0}, ...)\n`);
   *   });
   * }
   * ```
   */
  onSyscall(cb: (vcpu: VcpuIndex, num: number, ...args: number[]) => void): void;
  /**
   * Runs `cb` after each syscall that returns (`..._vcpu_syscall_ret_cb`); `exit` and
   * `exit_group` do not. When `cb` runs, a0 already holds the result: writing a0 with
   * {@linkcode PluginApi.writeRegister} changes the result the guest sees, and the return
   * callbacks after it get `ret` as it was before (QEMU's own has no such means).
   * @param cb the callback, given the syscall number and its result (signed int32; `-errno`
   * on failure)
   * @example Tell the guest its first write wrote 1 byte: its stdio writes the rest again
   * ```ts
   * import { assert } from "@std/assert";
   * import { Machine } from "../../mod.ts";
   *
   * let out = "";
   * const stdout = (b: Uint8Array) => (out += new TextDecoder().decode(b));
   * const machine = new Machine({ io: { stdin: () => null, stdout, stderr: () => {} } });
   * machine.loadFile("examples/build/hello.elf");
   * const api = machine.plugins.createApi("short");
   * let first = true;
   * api.onSyscallReturn((_vcpu, num) => {
   *   if (api.syscallName(num) === "write" && first) api.writeRegister("a0", 1), first = false;
   * });
   * machine.run();
   * assert(out.startsWith("Hello from RISC-V!\n") && out.includes("\nello from RISC-V!\n"));
   * ```
   */
  onSyscallReturn(cb: (vcpu: VcpuIndex, num: number, ret: number) => void): void;
  /**
   * Runs `cb` before each syscall, after the `onSyscall` callbacks (QEMU 9's
   * `qemu_plugin_register_vcpu_syscall_filter_cb`). Returning a number skips the syscall and
   * makes that number (as int32) its result; returning `undefined` lets it run. Filters run in
   * priority order; the first to return a number wins, and the others do not run. The return
   * callbacks run either way.
   * @param cb the filter, given the syscall number and six arguments (signed int32)
   */
  onSyscallFilter(
    cb: (vcpu: VcpuIndex, num: number, ...args: number[]) => number | undefined,
  ): void;
  /**
   * Runs `cb` when control leaves the straight path through a trap
   * (`qemu_plugin_register_vcpu_discon_cb`): after each syscall (`hostcall`, from the ecall to
   * where execution goes on) and at a fault (`exception`, to 0).
   * @param cb the callback, given the kind and the pcs before and after (unsigned)
   */
  onDiscontinuity(
    cb: (vcpu: VcpuIndex, kind: DisconKind, fromPc: number, toPc: number) => void,
  ): void;
  /**
   * Runs `cb` when translated code is flushed (`qemu_plugin_register_flush_cb`): after a
   * {@linkcode PluginApi.reset} or {@linkcode PluginApi.uninstall}. It may not touch registers.
   * @param cb the callback
   */
  onFlush(cb: () => void): void;
  /**
   * Runs `cb` once when the run ends, after the `onVcpuExit` callbacks
   * (`qemu_plugin_register_atexit_cb`).
   * It may read registers. Write reports here.
   * @param cb the callback
   */
  onExit(cb: () => void): void;

  /**
   * Reads a register by name (`qemu_plugin_read_register`): `pc`, `x0`..`x31`, ABI names such
   * as `a0` (and `fp`), and the user CSRs `cycle`, `time`, `instret` and their `h` halves (as the
   * guest would read them there). Allowed in callbacks registered with flags `"r"` or `"rw"` and
   * in vCPU, syscall, discontinuity and exit callbacks.
   * @param name the register's name
   * @returns its value: signed int32 for `x0`..`x31` and the CSRs, unsigned for `pc`
   * @throws TypeError for an unknown name, or where register access is not allowed
   */
  readRegister(name: string): number;
  /**
   * The names {@linkcode PluginApi.readRegister} takes (`qemu_plugin_get_registers`).
   * @returns a new array: `pc`, the 32 ABI names, the CSRs
   */
  registerNames(): string[];
  /**
   * Writes a register (`qemu_plugin_write_register`): `x0`..`x31` or an ABI name; a write to x0
   * is dropped. Needs flags `"rw"`, or a vCPU, syscall or discontinuity callback. In
   * `onSyscallReturn`, writing a0 sets the syscall's result.
   * @param name the register's name (not pc: see {@linkcode PluginApi.setPc})
   * @param value the value, taken modulo 2^32 (signed or unsigned alike)
   * @throws TypeError for an unknown name, or where register writes are not allowed
   */
  writeRegister(name: string, value: number): void;
  /**
   * Redirects execution to `pc` when the callback returns (`qemu_plugin_set_pc`). Needs flags
   * `"rw"`, or a vCPU, syscall or discontinuity callback.
   * @param pc the new pc, taken modulo 2^32
   * @throws TypeError where register writes are not allowed
   */
  setPc(pc: number): void;
  /**
   * Reads guest memory (`qemu_plugin_read_memory_vaddr`). Allowed anywhere.
   * @param vaddr the address (unsigned)
   * @param len the number of bytes
   * @returns a copy of the bytes
   * @throws RangeError when part of the range is unmapped or unreadable
   */
  readMemory(vaddr: number, len: number): Uint8Array;
  /**
   * Reads a NUL-terminated string from guest memory, as UTF-8 (invalid bytes become U+FFFD).
   * @param vaddr the address of its first byte (unsigned)
   * @param max the most bytes to read, the NUL included (4096 when not given)
   * @returns the string, without its NUL
   * @throws RangeError when it runs into an unreadable byte, or has no NUL in `max` bytes
   * @example Log the path of each `openat` (56)
   * ```ts
   * import type { PluginApi } from "../../mod.ts";
   *
   * export function install(api: PluginApi): void {
   *   api.onSyscall((_vcpu, num, _dirfd, path) => {
   *     if (num === 56) api.outs(`open ${api.readCString(path >>> 0)}\n`);
   *   });
   * }
   * ```
   */
  readCString(vaddr: number, max?: number): string;
  /**
   * Writes guest memory (`qemu_plugin_write_memory_vaddr`), whatever the page's protection
   * (as a debugger would). Writing to a page that holds translated code drops that code, so
   * later executions run the new bytes and `onTbTrans` sees their blocks again. Code running
   * when the write happens (the current block, and the blocks translated with it) keeps its
   * old instructions until control leaves it. Needs flags `"rw"`, or a vCPU, syscall or
   * discontinuity callback.
   * @param vaddr the address (unsigned)
   * @param bytes the bytes, copied
   * @throws RangeError when part of the range is unmapped; TypeError where writes are not allowed
   */
  writeMemory(vaddr: number, bytes: Uint8Array): void;
  /**
   * The ELF symbol table of the guest program.
   * @returns a copy, sorted by address; empty for a stripped program
   */
  symbols(): GuestSymbol[];
  /**
   * The ELF symbol containing an address: the sized symbol that spans it, or a function of
   * unknown size that starts before it with no function in between.
   * @param vaddr the address (unsigned)
   * @returns a copy of the symbol, or `undefined` when none covers `vaddr`
   */
  symbolAt(vaddr: number): GuestSymbol | undefined;
  /**
   * The riscv32 Linux name of a syscall number, as QEMU's `-strace` spells it (`write`,
   * `mmap2`, `clock_gettime64`).
   * @param num the syscall number (a7)
   * @returns the name, or `undefined` for a number riscv32 does not have
   */
  syscallName(num: number): string | undefined;
  /**
   * Parses a boolean argument like `qemu_plugin_bool_parse`; see {@linkcode parseBool}.
   * @param key the argument's key, for the error message
   * @param value its value
   * @returns true for `on`/`true`/`yes`, false for `off`/`false`/`no`
   * @throws TypeError for any other value
   */
  parseBool(key: string, value: string): boolean;
  /**
   * Parses the plugin's arguments against the keys it takes.
   * @param args the arguments `install` received
   * @param spec each key the plugin takes, and how to read its value
   * @returns one property per key of `spec`
   * @throws TypeError for an unknown key (the message lists the known ones), a value that does
   * not parse (naming `key=value` and what was expected), or a missing required key
   * @example
   * ```ts
   * import { assertEquals, assertThrows } from "@std/assert";
   * import { Machine } from "../../mod.ts";
   *
   * const api = new Machine().plugins.createApi("p");
   * const spec = {
   *   inline: { type: "bool", default: false },
   *   limit: { type: "int", min: 0, default: 20 },
   *   sort: { type: "enum", values: ["hottest", "coldest"], default: "hottest" },
   *   match: { type: "string", multiple: true },
   *   outfile: { type: "string", required: true },
   * } as const;
   * // --plugin p.ts,outfile=x.txt,match=add,inline=on,match=lw
   * const opts = api.parseArgs(
   *   [["outfile", "x.txt"], ["match", "add"], ["inline", "on"], ["match", "lw"]],
   *   spec,
   * );
   * // Typed { inline: boolean; limit: number; sort: "hottest" | "coldest"; match: string[];
   * // outfile: string }
   * assertEquals(opts, {
   *   inline: true,
   *   limit: 20,
   *   sort: "hottest",
   *   match: ["add", "lw"],
   *   outfile: "x.txt",
   * });
   * assertThrows(
   *   () => api.parseArgs([["outfile", "x"], ["limt", "3"]], spec),
   *   TypeError,
   *   'Unknown argument "limt": expected inline, limit, sort, match or outfile',
   * );
   * ```
   */
  parseArgs<const S extends ArgSpecs>(args: PluginArgs, spec: S): ParsedArgs<S>;
  /**
   * Creates (or truncates) a file for the plugin's output, at once: call it from `install`, so
   * that a bad path fails before the guest runs. Close it when done, usually in `onExit`.
   * @param path the file's path, relative to the working directory
   * @returns the file, empty
   * @throws TypeError when it cannot be created, with the system's reason
   */
  createOutputFile(path: string): OutputFile;
  /** log2 of the size of an access; see {@linkcode memSizeShift}. */
  memSizeShift(info: MemInfo): number;
  /** Whether an access is a sign-extending load; see {@linkcode memIsSigned}. */
  memIsSigned(info: MemInfo): boolean;
  /** Whether an access is a store; see {@linkcode memIsStore}. */
  memIsStore(info: MemInfo): boolean;
  /**
   * Ends the run as if the guest had called `exit(status)`: the vCPU-exit and exit callbacks
   * still run. Throws to unwind, so nothing after it in the callback runs.
   * @param status the exit status, taken modulo 256
   */
  exit(status: number): never;
  /**
   * Removes all this plugin's callbacks and drops all translated code, so that blocks are
   * translated and shown to `onTbTrans` callbacks anew (`qemu_plugin_reset`). Synchronous,
   * unlike QEMU's: the callbacks are gone and `cb` has run when it returns. Callbacks compiled
   * into the code running now (the current block, and the blocks translated with it) may still
   * run until control leaves it.
   * @param cb runs once everything is removed
   */
  reset(cb?: () => void): void;
  /**
   * Uninstalls the plugin (`qemu_plugin_uninstall`): as {@linkcode PluginApi.reset}, synchronous
   * too. The API object stays usable for reads.
   * @param cb runs once everything is removed
   */
  uninstall(cb?: () => void): void;
}

/** What a plugin module exports. */
export interface PluginModule {
  /**
   * Called once at load time, before the guest starts. An exception (or a rejected promise)
   * refuses the plugin: the command line reports it with the plugin's name and exits with 1.
   * @param api the plugin's API object
   * @param args its `key=value` arguments, in command-line order
   */
  install(api: PluginApi, args: PluginArgs): void | Promise<void>;
  /**
   * The API version the plugin was written for, from {@linkcode PLUGIN_API_MIN_VERSION} to
   * {@linkcode PLUGIN_API_VERSION}. @default {1}
   */
  apiVersion?: number;
}

/**
 * Parses a boolean argument the way QEMU's `qemu_plugin_bool_parse` does.
 * @param key the argument's key, for the error message
 * @param value its value
 * @returns true for `on`/`true`/`yes`, false for `off`/`false`/`no`
 * @throws TypeError naming the key when the value is anything else
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseBool } from "./api.ts";
 *
 * assertEquals(parseBool("inline", "on"), true);
 * assertEquals(parseBool("inline", "no"), false);
 * ```
 */
export function parseBool(key: string, value: string): boolean {
  if (["on", "true", "yes"].includes(value)) return true;
  if (["off", "false", "no"].includes(value)) return false;
  throw new TypeError(`Cannot parse "${key}=${value}": expected on or off`);
}

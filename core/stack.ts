/**
 * The initial process stack: maps the stack below `STACK_TOP` and lays out argc, argv,
 * envp and the auxiliary vector the way Linux and qemu-riscv32 do, for an executable parsed by
 * `parseElf()` in ./elf.ts.
 *
 * Every problem with the arguments is a user mistake, reported as a `TypeError` (a string the guest
 * cannot see) or a `RangeError` (too long, or `random` of the wrong size), with a one-line message.
 * @module
 */

import type { ElfImage } from "./elf.ts";
import { STACK_SIZE, STACK_TOP } from "./address_map.ts";
import { type Memory, PAGE_SIZE, PROT_READ, PROT_WRITE } from "./memory.ts";

/** `AT_HWCAP` for RV32IMAC: one bit per single-letter extension, bit = letter - 'A'. qemu reports
 * 0x112d (it adds F and D, which rvplug does not emulate). */
export const HWCAP_RV32IMAC = hwcap("IMAC");

/** Options of {@linkcode setupStack}. */
export interface StackOptions {
  /** Program arguments; `argv[0]` is the program name as the guest sees it. */
  argv: string[];
  /** Environment, as `NAME=value` strings, in the order the guest sees them. */
  env: string[];
  /** Path for `AT_EXECFN` (the file name given to execve).
   * @default {argv[0] ?? ""} */
  execfn?: string;
  /** The 16 bytes `AT_RANDOM` points to.
   * @default {16 bytes from crypto.getRandomValues()} */
  random?: Uint8Array;
  /** Value of `AT_UID` and `AT_EUID`.
   * @default {0} */
  uid?: number;
  /** Value of `AT_GID` and `AT_EGID`.
   * @default {0} */
  gid?: number;
}

/** Linux caps argv plus envp at a quarter of the stack limit (fs/exec.c, get_arg_page). */
const MAX_ARG_BYTES = STACK_SIZE / 4;
/** qemu-riscv32 ends the strings a host pointer (8 bytes) below the stack top; Linux on an RV32
 * machine leaves 4. We follow qemu so that the guest's sp is the same under both. */
const STACK_TOP_GAP = 8;

/**
 * Maps the stack and lays out the initial process stack as Linux does for RISC-V.
 *
 * From `STACK_TOP` down: 8 bytes of padding (as qemu-riscv32), the `AT_EXECFN` string,
 * the environment strings, the argument strings, the 16 `AT_RANDOM` bytes (16-byte aligned),
 * then, at the 16-byte aligned sp: argc, argv[], NULL, envp[], NULL and the auxiliary vector
 * (`AT_PHDR`, `AT_PHENT`, `AT_PHNUM`, `AT_PAGESZ`, `AT_BASE`, `AT_FLAGS`, `AT_ENTRY`, `AT_UID`,
 * `AT_EUID`, `AT_GID`, `AT_EGID`, `AT_HWCAP`, `AT_CLKTCK`, `AT_RANDOM`, `AT_SECURE`, `AT_EXECFN`,
 * `AT_NULL`, in qemu-riscv32's order). For the same argv, env and file name the sp is the one
 * qemu-riscv32 7.2 gives, and the stack bytes differ only in `AT_HWCAP` and the random bytes.
 *
 * @param mem the guest memory; the stack pages are mapped read/write
 * @param image the parsed executable (for `AT_PHDR`, `AT_PHNUM`, `AT_ENTRY`)
 * @param opts argv, env and the other values the guest sees
 * @returns the initial sp
 * @throws {TypeError} when a string contains a NUL character
 * @throws {RangeError} when the strings take more than 2 MiB, or `random` is not 16 bytes
 *
 * @example Starting a program with arguments
 * ```ts ignore
 * import { Memory } from "./memory.ts";
 * import { loadElf, parseElf } from "./elf.ts";
 * import { setupStack } from "./stack.ts";
 *
 * const bytes = await Deno.readFile("examples/build/hello.elf");
 * const image = parseElf(bytes, "hello.elf");
 * const mem = new Memory();
 * loadElf(mem, bytes, image);
 * const sp = setupStack(mem, image, { argv: ["hello", "world"], env: ["LANG=C"] });
 * ```
 */
export function setupStack(mem: Memory, image: ElfImage, opts: StackOptions): number {
  const random = opts.random ?? crypto.getRandomValues(new Uint8Array(16));
  if (random.length !== 16) {
    throw new RangeError(`Cannot set up the stack: random must be 16 bytes, got ${random.length}`);
  }
  const encoder = new TextEncoder();
  const encode = (s: string, what: string): Uint8Array => {
    if (s.includes("\0")) {
      throw new TypeError(`Cannot pass ${what} to the guest: it contains a NUL character`);
    }
    return encoder.encode(s + "\0");
  };
  const argv = opts.argv.map((s, i) => encode(s, `argv[${i}]`));
  const env = opts.env.map((s, i) => encode(s, `env[${i}]`));
  const execfn = encode(opts.execfn ?? opts.argv[0] ?? "", "execfn");
  const stringBytes = [...argv, ...env, execfn].reduce((n, b) => n + b.length, 0);
  const argBytes = stringBytes + 4 * (argv.length + env.length + 2);
  if (argBytes > MAX_ARG_BYTES) {
    throw new RangeError(
      `Cannot set up the stack: argument list too long: ${argBytes} bytes of arguments and ` +
        `environment, more than the ${MAX_ARG_BYTES / 2 ** 20} MiB limit`,
    );
  }

  // Strings go from the top down: execfn, then env and argv, each list last string first, so that
  // argv[0] ends up lowest (copy_strings in fs/exec.c).
  let p = STACK_TOP - STACK_TOP_GAP;
  const block: [number, Uint8Array][] = [];
  const push = (b: Uint8Array): number => {
    p -= b.length;
    block.push([p, b]);
    return p;
  };
  const execfnAddr = push(execfn);
  const envAddrs = env.toReversed().map(push).reverse();
  const argvAddrs = argv.toReversed().map(push).reverse();
  const randomAddr = (p & ~15) - 16;
  block.push([randomAddr, random]);

  const uid = opts.uid ?? 0;
  const gid = opts.gid ?? 0;
  // deno-fmt-ignore
  const auxv = [
    3, image.phdrAddr, // AT_PHDR
    4, image.phent, // AT_PHENT
    5, image.phnum, // AT_PHNUM
    6, PAGE_SIZE, // AT_PAGESZ
    7, 0, // AT_BASE: no interpreter
    8, 0, // AT_FLAGS
    9, image.entry, // AT_ENTRY
    11, uid, // AT_UID
    12, uid, // AT_EUID
    13, gid, // AT_GID
    14, gid, // AT_EGID
    16, HWCAP_RV32IMAC, // AT_HWCAP
    17, 100, // AT_CLKTCK: USER_HZ
    25, randomAddr, // AT_RANDOM
    23, 0, // AT_SECURE
    31, execfnAddr, // AT_EXECFN
    0, 0, // AT_NULL
  ];
  const words = [argv.length, ...argvAddrs, 0, ...envAddrs, 0, ...auxv];
  const sp = (randomAddr - 4 * words.length) & ~15;

  const area = new Uint8Array(STACK_TOP - sp);
  const view = new DataView(area.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w >>> 0, true));
  for (const [addr, b] of block) area.set(b, addr - sp);
  mem.map(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE);
  mem.write(sp, area);
  return sp;
}

function hwcap(letters: string): number {
  let bits = 0;
  for (const c of letters) bits |= 1 << (c.charCodeAt(0) - 65);
  return bits;
}

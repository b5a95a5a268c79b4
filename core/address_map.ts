/**
 * The guest address map, chosen to match qemu-riscv32 7.2 on a 64-bit host:
 *
 * ```
 * 0x00010000  typical ET_EXEC text (ET_DYN_BASE for ET_DYN)
 *   ...       data, bss, then the program break (brk) growing up
 * 0x40000000  STACK_GUARD: guard page, never mapped
 * 0x40001000  stack (STACK_SIZE, read/write), growing down from
 * 0x40801000  STACK_TOP; strings end 8 bytes below it, as in qemu
 * 0x60000000  MMAP_BASE: mappings without a usable hint, growing up
 * 0xfffff000  ADDRESS_LIMIT: the top page is never mapped
 * ```
 * @module
 */

/** Size of the guest address space in bytes (32-bit addresses). */
export const ADDRESS_SPACE = 2 ** 32;

/** Guest addresses end here: the top page stays unmapped so that every segment end and the
 * program break fit in 32 bits. */
export const ADDRESS_LIMIT = 0xfffff000;

/** Load bias of ET_DYN (static-pie) files: where their first page goes, as in the kernel's
 * `ELF_ET_DYN_BASE` for 32-bit targets without randomization. */
export const ET_DYN_BASE = 0x00400000;

/** One past the highest stack address. qemu-riscv32 7.2 puts its 8 MiB stack (plus a guard page
 * below it) at the first free address from 0x40000000, which for a program linked low is this. */
export const STACK_TOP = 0x40801000;

/** Size of the stack mapping in bytes (qemu's and Linux's default `ulimit -s`). */
export const STACK_SIZE = 8 * 1024 * 1024;

/** Lowest address reserved for the stack: an unmapped guard page (4 KiB) below the stack mapping. */
export const STACK_GUARD = STACK_TOP - STACK_SIZE - 0x1000;

/**
 * Where mappings without a usable address hint start (growing up), well above the program, its
 * heap, and the stack.
 */
export const MMAP_BASE = 0x60000000;

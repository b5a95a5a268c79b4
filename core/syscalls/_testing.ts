/**
 * Test helpers for the syscall layer: a guest with mapped buffers, captured streams and a
 * captured strace, and a temporary directory.
 * @module
 */

import { CpuState } from "../cpu.ts";
import { Memory, PAGE_SIZE, PROT_READ, PROT_WRITE } from "../memory.ts";
import { type GuestIo, LinuxSyscalls, type SyscallOptions } from "./mod.ts";

/** Read and write access. */
export const RW = PROT_READ | PROT_WRITE;
/** Four read-write pages for buffers and strings. */
export const BUF = 0x10000;
/** A read-only page. */
export const RO = 0x20000;
/** An address with nothing mapped. */
export const UNMAPPED = 0x30000;
/** The initial program break of {@linkcode guest}. */
export const HEAP = 0x100000;
/** UTF-8 encoder. */
export const encoder: TextEncoder = new TextEncoder();
/** UTF-8 decoder. */
export const decoder: TextDecoder = new TextDecoder();

/** A guest process under test. */
export interface Guest {
  /** Its memory. */
  mem: Memory;
  /** Its syscalls. */
  sys: LinuxSyscalls;
  /** What it wrote to stdout, one entry per write. */
  stdout: string[];
  /** What it wrote to stderr, one entry per write. */
  stderr: string[];
  /** The strace lines. */
  strace: string[];
  /** Stores a NUL-terminated string at `addr` and returns `addr`. */
  str(addr: number, s: string): number;
  /** A view of a copy of `len` guest bytes at `addr`. */
  view(addr: number, len: number): DataView;
}

/**
 * Creates a guest with {@linkcode BUF} (four pages, read-write) and {@linkcode RO} (one page,
 * read-only) mapped, and the break at {@linkcode HEAP}.
 * @param options syscall options, and `input`: the chunks each stdin read returns
 * @returns the guest
 */
export function guest(options: SyscallOptions & { input?: string[] } = {}): Guest {
  const mem = new Memory();
  mem.map(BUF, 4 * PAGE_SIZE, RW);
  mem.map(RO, PAGE_SIZE, PROT_READ);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const strace: string[] = [];
  const input = [...(options.input ?? [])];
  const io: GuestIo = {
    stdin: (buf) => {
      const chunk = input.shift();
      if (chunk === undefined) return null;
      const bytes = encoder.encode(chunk);
      buf.set(bytes.subarray(0, buf.length));
      return Math.min(bytes.length, buf.length);
    },
    stdout: (bytes) => stdout.push(decoder.decode(bytes)),
    stderr: (bytes) => stderr.push(decoder.decode(bytes)),
  };
  const sys = new LinuxSyscalls(mem, new CpuState(), {
    io,
    strace: (line) => strace.push(line),
    ...options,
  });
  sys.brk = HEAP;
  return {
    mem,
    sys,
    stdout,
    stderr,
    strace,
    str(addr, s) {
      mem.write(addr, encoder.encode(s + "\0"));
      return addr;
    },
    view: (addr, len) => new DataView(mem.read(addr, len).buffer),
  };
}

/**
 * Runs `f` with a new temporary directory, removed afterwards.
 * @param f the test body
 */
export function withTempDir(f: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync();
  try {
    f(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

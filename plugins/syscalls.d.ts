/**
 * The QPP interface of syscalls (plugins/syscalls.ts): riscv32 Linux syscalls decoded, with
 * callbacks per syscall as PANDA's syscalls2 offers them. Every callback gets the pc of the
 * `ecall` first; `_return` callbacks get the result (`ret`, negative errno on failure) and the
 * entry's arguments. Numbers are signed int32 unless said otherwise; addresses are unsigned.
 * @module
 */

declare global {
  interface QppRegistry {
    syscalls: {
      version: 1;
      functions: {
        /** The name of syscall `num` as `qemu-riscv32 -strace` spells it, if it has one. */
        syscallName: (num: number) => string | undefined;
        /** The number of the syscall named `name`, if there is one. */
        syscallNumber: (name: string) => number | undefined;
        /** The errno name of a result (`ENOENT` for -2), or undefined when it is no error. */
        errnoName: (ret: number) => string | undefined;
        /** The call as `name(arg,...)`, strings read from guest memory, as `-strace` lays it out. */
        formatCall: (num: number, args: readonly number[]) => string;
      };
      callbacks: {
        /** Before every syscall, with its number and its six arguments. */
        on_all_sys_enter: (pc: number, num: number, args: readonly number[]) => void;
        /** After every syscall that returns, with its result and its six arguments. */
        on_all_sys_return: (
          pc: number,
          num: number,
          ret: number,
          args: readonly number[],
        ) => void;
        /** openat: `path` read from guest memory ("" when unreadable). */
        on_sys_openat_enter: (
          pc: number,
          dirfd: number,
          path: string,
          flags: number,
          mode: number,
        ) => void;
        /** openat returned `ret` (the new descriptor, or -errno). */
        on_sys_openat_return: (
          pc: number,
          ret: number,
          dirfd: number,
          path: string,
          flags: number,
          mode: number,
        ) => void;
        /** read of up to `count` bytes into `buf`. */
        on_sys_read_enter: (pc: number, fd: number, buf: number, count: number) => void;
        /** read returned `ret`; `bytes` are the bytes read (empty on error or end of file). */
        on_sys_read_return: (pc: number, ret: number, fd: number, bytes: Uint8Array) => void;
        /** write of `bytes` (a copy of the guest's buffer) to `fd`. */
        on_sys_write_enter: (pc: number, fd: number, bytes: Uint8Array) => void;
        /** write returned `ret` (bytes written, or -errno). */
        on_sys_write_return: (pc: number, ret: number, fd: number, bytes: Uint8Array) => void;
        /** close of `fd`. */
        on_sys_close_enter: (pc: number, fd: number) => void;
        /** close returned `ret`. */
        on_sys_close_return: (pc: number, ret: number, fd: number) => void;
        /** mmap2 (offset in 4096-byte pages). */
        on_sys_mmap2_enter: (
          pc: number,
          addr: number,
          len: number,
          prot: number,
          flags: number,
          fd: number,
          pgoff: number,
        ) => void;
        /** mmap2 returned `ret`: the address mapped (unsigned), or -errno. */
        on_sys_mmap2_return: (pc: number, ret: number, addr: number, len: number) => void;
        /** brk asking for the break at `addr` (0: the current one). */
        on_sys_brk_enter: (pc: number, addr: number) => void;
        /** brk returned the break `ret` (unsigned). */
        on_sys_brk_return: (pc: number, ret: number, addr: number) => void;
        /** exit (of the thread): never returns. */
        on_sys_exit_enter: (pc: number, status: number) => void;
        /** exit_group: never returns. */
        on_sys_exit_group_enter: (pc: number, status: number) => void;
      };
    };
  }
}

export {};

import { assert, assertEquals } from "@std/assert";
import { SYS } from "./numbers.ts";
import { CLOCK, FUTEX, TIMER_ABSTIME } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { BUF, guest, RO, UNMAPPED } from "./_testing.ts";

const WORD = BUF + 0x100; // a futex word holding 5
const TS = BUF + 0x200; // struct __kernel_timespec

/** Stores `ns` at TS as a struct __kernel_timespec (tv_nsec may be out of range). */
function timespec(g: ReturnType<typeof guest>, sec: bigint, nsec: bigint): number {
  const v = new DataView(new ArrayBuffer(16));
  v.setBigInt64(0, sec, true);
  v.setBigInt64(8, nsec, true);
  g.mem.write(TS, new Uint8Array(v.buffer));
  return TS;
}

function futexGuest() {
  const g = guest();
  g.mem.write(WORD, new Uint8Array([5, 0, 0, 0]));
  return g;
}

Deno.test("call() wakes nobody and returns 0 when futex_time64 gets FUTEX_WAKE", () => {
  const g = futexGuest();
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAKE, 1, 0, 0, 0], 0), 0);
  const privateWake = FUTEX.WAKE | FUTEX.PRIVATE_FLAG;
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, privateWake, 9, 0, 0, 0], 0), 0);
  assertEquals(
    g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAKE_BITSET, 1, 0, 0, 0], 0),
    -ERRNO.EINVAL,
  );
  assertEquals(g.sys.call(SYS.futex_time64, [WORD + 2, FUTEX.WAKE, 1, 0, 0, 0], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.futex_time64, [0, FUTEX.WAKE, 1, 0, 0, 0], 0), -ERRNO.EFAULT);
  assertEquals(g.strace, Array(5).fill(`${Deno.pid} Unknown syscall 422`));
});

Deno.test("call() returns -EAGAIN when futex_time64 waits on a word that differs from val", () => {
  const g = futexGuest();
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAIT, 4, 0, 0, 0], 0), -ERRNO.EAGAIN);
  const bitset = FUTEX.WAIT_BITSET | FUTEX.PRIVATE_FLAG;
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, bitset, 6, 0, 0, -1], 0), -ERRNO.EAGAIN);
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, bitset, 5, 0, 0, 0], 0), -ERRNO.EINVAL);
});

Deno.test("call() sleeps out the timeout and returns -ETIMEDOUT when futex_time64 waits with one", () => {
  const g = futexGuest();
  const start = performance.now();
  const ts = timespec(g, 0n, 20_000_000n);
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAIT, 5, ts, 0, 0], 0), -ERRNO.ETIMEDOUT);
  assert(performance.now() - start >= 19, "slept 20 ms");
  // FUTEX_WAIT_BITSET takes an absolute time: one in the past returns at once.
  const bitset = FUTEX.WAIT_BITSET | FUTEX.CLOCK_REALTIME;
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, bitset, 5, ts, 0, -1], 0), -ERRNO.ETIMEDOUT);
  assertEquals(
    g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAIT | FUTEX.CLOCK_REALTIME, 5, ts], 0),
    -ERRNO.ENOSYS,
  );
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAIT, 5, UNMAPPED], 0), -ERRNO.EFAULT);
  const bad = timespec(g, 0n, 1_000_000_000n);
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAIT, 5, bad], 0), -ERRNO.EINVAL);
});

Deno.test("call() returns 0 at once, a spurious wake-up, when futex_time64 would wait for ever", () => {
  const g = futexGuest();
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAIT, 5, 0, 0, 0], 0), 0);
  const bitset = FUTEX.WAIT_BITSET | FUTEX.PRIVATE_FLAG;
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, bitset, 5, 0, 0, -1], 0), 0);
});

Deno.test("call() updates the second word when futex_time64 gets FUTEX_WAKE_OP", () => {
  const g = futexGuest();
  const word2 = WORD + 4;
  g.mem.write(word2, new Uint8Array([0x10, 0, 0, 0]));
  // FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 0), then FUTEX_OP_OR with 1 << 8.
  const add3 = (1 << 28) | (3 << 12);
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAKE_OP, 1, 1, word2, add3], 0), 0);
  assertEquals(g.view(word2, 4).getInt32(0, true), 0x13);
  const orBit8 = ((8 | 2) << 28) | (8 << 12);
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAKE_OP, 1, 1, word2, orBit8], 0), 0);
  assertEquals(g.view(word2, 4).getInt32(0, true), 0x113);
  assertEquals(
    g.sys.call(SYS.futex_time64, [WORD, FUTEX.WAKE_OP, 1, 1, RO, add3], 0),
    -ERRNO.EFAULT,
  );
  assertEquals(
    g.sys.call(SYS.futex_time64, [WORD, FUTEX.CMP_REQUEUE, 1, 1, word2, 4], 0),
    -ERRNO.EAGAIN,
  );
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.CMP_REQUEUE, 1, 1, word2, 5], 0), 0);
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, FUTEX.LOCK_PI, 0, 0, 0, 0], 0), -ERRNO.ENOSYS);
  assertEquals(g.sys.call(SYS.futex_time64, [WORD, 99, 0, 0, 0, 0], 0), -ERRNO.ENOSYS);
});

Deno.test("call() sleeps for the request when clock_nanosleep_time64 gets a valid one", () => {
  const g = guest();
  let start = performance.now();
  const ts = timespec(g, 0n, 20_000_000n);
  assertEquals(g.sys.call(SYS.clock_nanosleep_time64, [CLOCK.MONOTONIC, 0, ts, 0], 0), 0);
  assert(performance.now() - start >= 19, "slept 20 ms");
  // An absolute time already past returns at once.
  start = performance.now();
  assertEquals(
    g.sys.call(SYS.clock_nanosleep_time64, [CLOCK.REALTIME, TIMER_ABSTIME, ts, 0], 0),
    0,
  );
  assert(performance.now() - start < 1000);
  const bad = timespec(g, 0n, -1n);
  assertEquals(
    g.sys.call(SYS.clock_nanosleep_time64, [CLOCK.MONOTONIC, 0, bad, 0], 0),
    -ERRNO.EINVAL,
  );
  assertEquals(
    g.sys.call(SYS.clock_nanosleep_time64, [CLOCK.MONOTONIC, 0, 0, 0], 0),
    -ERRNO.EFAULT,
  );
  timespec(g, 0n, 1n);
  assertEquals(g.sys.call(SYS.clock_nanosleep_time64, [99, 0, ts, 0], 0), -ERRNO.EINVAL);
  const coarse = CLOCK.REALTIME_COARSE;
  assertEquals(g.sys.call(SYS.clock_nanosleep_time64, [coarse, 0, ts, 0], 0), -ERRNO.EOPNOTSUPP);
  assertEquals(g.strace.at(-1), `${Deno.pid} Unknown syscall 407`);
});

Deno.test("call() returns -ENOSYS when the guest calls nanosleep, which riscv32 lacks", () => {
  const g = guest();
  // riscv32 has no nanosleep (101): its libcs use clock_nanosleep_time64.
  assertEquals(g.sys.call(101, [timespec(g, 0n, 1n), 0], 0), -ERRNO.ENOSYS);
  assertEquals(g.strace[0], `${Deno.pid} Unknown syscall 101`);
});

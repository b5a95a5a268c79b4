import { assertEquals } from "@std/assert";
import { SYS } from "./numbers.ts";
import { SS } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { BUF, guest, RO, UNMAPPED } from "./_testing.ts";

const SS_NEW = BUF + 0x100;
const SS_OLD = BUF + 0x200;

/** Stores a stack_t at SS_NEW and returns its address. */
function stack(g: ReturnType<typeof guest>, sp: number, flags: number, size: number): number {
  const v = new DataView(new ArrayBuffer(12));
  [sp, flags, size].forEach((n, i) => v.setUint32(4 * i, n, true));
  g.mem.write(SS_NEW, new Uint8Array(v.buffer));
  return SS_NEW;
}

function old(g: ReturnType<typeof guest>): number[] {
  return [0, 4, 8].map((i) => g.view(SS_OLD + i, 4).getUint32(0, true));
}

Deno.test("call() keeps the alternate stack and reports the old one when sigaltstack sets one", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.sigaltstack, [0, SS_OLD], 0), 0);
  assertEquals(old(g), [0, SS.DISABLE, 0]);
  assertEquals(g.sys.call(SYS.sigaltstack, [stack(g, 0x50000, 0, 8192), SS_OLD], 0), 0);
  assertEquals(old(g), [0, SS.DISABLE, 0]);
  assertEquals(g.sys.call(SYS.sigaltstack, [stack(g, 0x60000, SS.AUTODISARM, 4096), SS_OLD], 0), 0);
  assertEquals(old(g), [0x50000, 0, 8192]);
  assertEquals(g.sys.call(SYS.sigaltstack, [stack(g, 0, SS.DISABLE, 0), SS_OLD], 0), 0);
  assertEquals(old(g), [0x60000, SS.AUTODISARM, 4096]);
  assertEquals(g.sys.call(SYS.sigaltstack, [0, SS_OLD], 0), 0);
  assertEquals(old(g), [0, SS.DISABLE, 0]);
  assertEquals(g.strace[0], `${Deno.pid} sigaltstack((nil),0x${SS_OLD.toString(16)}) = 0`);
});

Deno.test("call() returns -ENOMEM, -EINVAL or -EFAULT when sigaltstack gets a bad stack", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.sigaltstack, [stack(g, 0x50000, 0, 100), 0], 0), -ERRNO.ENOMEM);
  assertEquals(g.sys.call(SYS.sigaltstack, [stack(g, 0x50000, 5, 8192), 0], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.sigaltstack, [UNMAPPED, 0], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.sigaltstack, [0, RO], 0), -ERRNO.EFAULT);
  assertEquals(g.sys.call(SYS.sigaltstack, [0, SS_OLD], 0), 0);
  assertEquals(old(g), [0, SS.DISABLE, 0]);
});

import { assertEquals } from "@std/assert";
import { PAGE_SIZE } from "../memory.ts";
import { SYS } from "./numbers.ts";
import { MADV, MAP } from "./_abi.ts";
import { ERRNO } from "./_errno.ts";
import { BUF, guest, HEAP, RW } from "./_testing.ts";

Deno.test("call() zeroes anonymous pages and keeps others when madvise gets MADV_DONTNEED", () => {
  const g = guest();
  const anon = g.sys.call(SYS.mmap2, [0, 2 * PAGE_SIZE, RW, MAP.PRIVATE | MAP.ANONYMOUS, -1, 0], 0);
  g.sys.call(SYS.brk, [HEAP + PAGE_SIZE], 0);
  for (const addr of [anon, anon + PAGE_SIZE, HEAP, BUF]) g.mem.write(addr, new Uint8Array([7]));
  assertEquals(g.sys.call(SYS.madvise, [anon, 1, MADV.DONTNEED], 0), 0);
  assertEquals(g.sys.call(SYS.madvise, [HEAP, PAGE_SIZE, MADV.DONTNEED], 0), 0);
  assertEquals(g.sys.call(SYS.madvise, [BUF, PAGE_SIZE, MADV.DONTNEED], 0), 0);
  // The first page of the mapping and the heap are fresh again; the second page and BUF (which
  // the test mapped as a loader would) keep their bytes.
  assertEquals([anon, anon + PAGE_SIZE, HEAP, BUF].map((a) => g.mem.u8[a]), [0, 7, 0, 7]);
  assertEquals(g.strace.at(-1), `${Deno.pid} madvise(0x00010000,4096,MADV_DONTNEED) = 0`);
});

Deno.test("call() accepts every advice and checks only the range when madvise gets a hint", () => {
  const g = guest();
  assertEquals(g.sys.call(SYS.madvise, [BUF, PAGE_SIZE, MADV.WILLNEED], 0), 0);
  assertEquals(g.sys.call(SYS.madvise, [BUF, PAGE_SIZE, 100], 0), 0);
  assertEquals(g.sys.call(SYS.madvise, [0x40000000, PAGE_SIZE, MADV.FREE], 0), 0);
  assertEquals(g.sys.call(SYS.madvise, [BUF + 1, PAGE_SIZE, MADV.NORMAL], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.madvise, [BUF + 1, 0, MADV.NORMAL], 0), -ERRNO.EINVAL);
  assertEquals(g.sys.call(SYS.madvise, [BUF, 0, 100], 0), 0);
  assertEquals(g.sys.call(SYS.madvise, [BUF, -1, MADV.FREE], 0), -ERRNO.EINVAL);
  const pid = Deno.pid;
  assertEquals(g.strace.slice(0, 2), [
    `${pid} madvise(0x00010000,4096,MADV_WILLNEED) = 0`,
    `${pid} madvise(0x00010000,4096,0x64) = 0`,
  ]);
  assertEquals(
    g.strace.at(-1),
    `${pid} madvise(0x00010000,-1,MADV_FREE) = -1 errno=22 (Invalid argument)`,
  );
});

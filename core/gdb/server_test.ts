import { assert, assertEquals, assertMatch } from "@std/assert";
import { Machine } from "../machine.ts";
import { MAX_PACKET } from "./packet.ts";
import { serveGdb } from "./server.ts";

const elf = (name: string) => new URL(`../../examples/build/${name}.elf`, import.meta.url);

/** A machine served on a free port, and a raw connection to it. */
async function attach(name = "debuggee", slice?: number) {
  let stdout = "";
  const m = new Machine({
    io: {
      stdin: () => null,
      stdout: (b) => void (stdout += new TextDecoder().decode(b)),
      stderr: () => {},
    },
  });
  m.loadFile(elf(name));
  const port = Promise.withResolvers<number>();
  const served = serveGdb(m, { port: 0, onListen: port.resolve, slice });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: await port.promise });
  let pending = "";
  const buf = new Uint8Array(65536);
  /** Reads until `done(text)` holds for what arrived since the last call. */
  const read = async (done: (s: string) => boolean) => {
    while (!done(pending)) {
      const n = await conn.read(buf);
      if (n === null) break;
      pending += String.fromCharCode(...buf.subarray(0, n));
    }
    const s = pending;
    pending = "";
    return s;
  };
  const raw = (s: string) => conn.write(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  /** Sends a well-formed packet, returns the reply's payload. */
  const ask = async (payload: string) => {
    let sum = 0;
    for (const c of payload) sum += c.charCodeAt(0);
    await raw(`$${payload}#${(sum & 0xff).toString(16).padStart(2, "0")}`);
    const got = await read((s) => /^\+\$[^#]*#[0-9a-f]{2}$/.test(s));
    await raw("+");
    return got.slice(2, -3);
  };
  return { m, conn, raw, read, ask, served, stdout: () => stdout };
}

Deno.test("serveGdb() answers malformed and hostile packets without failing", async () => {
  const { conn, raw, read, ask, served } = await attach();
  const cases: [string, string | RegExp][] = [
    ["Qunknown", ""],
    ["vMustReplyEmpty", ""],
    ["mzz,4", "E01"],
    ["m10000", "E01"],
    ["m0,4", "E14"],
    ["Z0,zz,4", "E01"],
    ["Z0", "E01"],
    ["G1234", "E01"],
    ["P99=00000000", "E14"],
    ["p", "E01"],
    ["p123456789", "E01"],
    ["M10000,2:zz", "E01"],
    ["M0,1:00", "E14"],
    ["qXfer:features:read:nosuch.xml:0,ffb", "E00"],
    ["vCont;x", "E01"],
    ["Z9,10000,4", ""],
    ["?", /^T05thread:p01\.01;$/],
    ["qSupported:xmlRegisters=i386", /PacketSize=1000;qXfer:features:read\+/],
  ];
  for (const [packet, expected] of cases) {
    const got = await ask(packet);
    if (typeof expected === "string") assertEquals(got, expected, packet);
    else assertMatch(got, expected, packet);
  }
  // A huge read is cut to a packet's worth.
  assertEquals((await ask("m10000,ffffffff")).length, MAX_PACKET);
  await raw("$g#00"); // bad checksum
  assertEquals(await read((s) => s.length >= 1), "-");
  await raw("$" + "m".repeat(MAX_PACKET * 8) + "#00"); // far too long
  assertEquals(await read((s) => s.length >= 1), "-");
  await raw("\x00\xff garbage");
  assertEquals((await ask("p20")).length, 8); // still answering: pc
  conn.close(); // goes away without detaching
  assertEquals(await served, undefined);
});

Deno.test("serveGdb() lets the run go on when the debugger disconnects", async () => {
  const { m, conn, ask, served, stdout } = await attach();
  const main = m.symbols.find((s) => s.name === "main")!.addr.toString(16);
  assertEquals(await ask(`Z0,${main},4`), "OK");
  assertEquals(await ask("vCont;c:p1.-1"), "T05thread:p01.01;");
  assertEquals(m.cpu.pc.toString(16), main);
  conn.close();
  assertEquals(await served, undefined);
  const r = m.run(); // the breakpoint went with the debugger
  assertEquals([r.reason, r.status], ["exit", 0]);
  assertEquals(stdout(), "debug me: total=10 counter=6\n");
});

Deno.test("serveGdb() reads and writes registers and memory, and steps", async () => {
  const { m, ask, served } = await attach();
  const g = await ask("g");
  assertEquals(g.length, 33 * 8);
  const pc = m.cpu.pc;
  assertEquals(g.slice(32 * 8), await ask("p20"));
  assertEquals(await ask("P5=78563412"), "OK");
  assertEquals(m.cpu.x[5], 0x12345678);
  assertEquals(await ask("G" + g), "OK");
  assertEquals(m.cpu.x[5], 0);
  const sp = m.cpu.x[2]! >>> 0;
  assertEquals(await ask(`M${sp.toString(16)},2:abcd`), "OK");
  assertEquals(await ask(`m${sp.toString(16)},2`), "abcd");
  assertEquals(await ask(`X${(sp + 2).toString(16)},2:\x7d\x03\x01`), "OK"); // escaped '#'
  assertEquals([...m.readMemory(sp + 2, 2)], [0x23, 0x01]);
  assertEquals(await ask("s"), "T05thread:p01.01;");
  assertEquals(m.cpu.instret, 1);
  assert(m.cpu.pc !== pc);
  assertEquals(await ask("vCont;c"), "W00");
  assertEquals((await served)?.reason, "exit");
});

Deno.test("serveGdb() stops a running guest at the debugger's interrupt", async () => {
  const { m, raw, read, served } = await attach("bench_interp", 10_000);
  await raw("$c#63");
  await read((s) => s === "+");
  await new Promise((r) => setTimeout(r, 50));
  await raw("\x03");
  const stop = await read((s) => /#[0-9a-f]{2}$/.test(s));
  assertEquals(stop.slice(0, -3), "$T02thread:p01.01;");
  await raw("+");
  assert(m.cpu.instret > 0);
  assertEquals(m.ended, undefined);
  await raw("$k#6b");
  await read((s) => s === "+");
  assertEquals((await served)?.reason, "exit");
});

Deno.test("serveGdb(): a debugger that goes away at a signal stop drops the signal, as qemu", async () => {
  const { m, conn, ask, served, stdout } = await attach("signals"); // mode "handler"
  assertEquals(await ask("vCont;c"), "T1ethread:p01.01;"); // SIGUSR1 from kill
  conn.close();
  assertEquals(await served, undefined);
  assertEquals(m.run().status, 0);
  assertEquals(
    stdout(),
    "kill = 0\nhandler 10: signo=10 code=-6 from-self=1 mask-in-handler=200 saved-mask=0\n" +
      "tgkill = 0\nmask after = 0, handled 1\n",
  );
});

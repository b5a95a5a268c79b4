import { assertEquals } from "@std/assert";
import { encodePacket, MAX_PACKET, PacketReader } from "./packet.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);

Deno.test("encodePacket() checksums and escapes, and PacketReader reads it back", () => {
  assertEquals(text(encodePacket("OK")), "$OK#9a");
  assertEquals(text(encodePacket("")), "$#00");
  const tricky = "a$b#c}d*e";
  assertEquals(text(encodePacket(tricky)), "$a}\x04b}\x03c}]d}\x0ae#51");
  assertEquals(new PacketReader().push(encodePacket(tricky)), [{ kind: "packet", data: tricky }]);
});

Deno.test("PacketReader.push() reports events as the debugger's bytes arrive", () => {
  const cases: [string, string, unknown[]][] = [
    ["a packet in two pieces", "$g#6", [{ kind: "packet", data: "g" }]],
    ["acks and an interrupt", "+-\x03", [
      { kind: "ack", ok: true },
      { kind: "ack", ok: false },
      { kind: "interrupt" },
    ]],
    ["a bad checksum", "$g#00", [{ kind: "bad" }]],
    ["a checksum that is not hex", "$g#zz", [{ kind: "bad" }]],
    ["a packet cut by another", "$m0$g#67", [{ kind: "bad" }, { kind: "packet", data: "g" }]],
    ["run-length encoding", "$0* #7a", [{ kind: "packet", data: "0000" }]],
  ];
  for (const [what, input, events] of cases) {
    const r = new PacketReader();
    const got = what === "a packet in two pieces"
      ? [...r.push(bytes(input)), ...r.push(bytes("7"))]
      : r.push(bytes(input));
    assertEquals(got, events, what);
  }
});

Deno.test("PacketReader.push() rejects a packet longer than MAX_PACKET and recovers", () => {
  const r = new PacketReader();
  const huge = "$" + "m".repeat(MAX_PACKET * 4) + "#00";
  assertEquals(r.push(bytes(huge)), [{ kind: "bad" }]);
  assertEquals(r.push(encodePacket("?")), [{ kind: "packet", data: "?" }]);
});

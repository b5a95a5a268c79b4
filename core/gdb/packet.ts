/**
 * Framing of the GDB remote serial protocol: `$payload#cs` packets with a modulo-256 checksum,
 * `}`-escaping, run-length encoding from the debugger, acknowledgements and the interrupt byte.
 * @module
 */

/** The largest packet accepted or sent, in bytes of payload (the `PacketSize` announced). */
export const MAX_PACKET = 4096;

/** Something the debugger sent. */
export type Incoming =
  | { readonly kind: "packet"; readonly data: string }
  /** A packet that was malformed (bad checksum, too long): answer with `-`. */
  | { readonly kind: "bad" }
  /** `+` or `-`: the debugger acknowledged (or rejected) our last packet. */
  | { readonly kind: "ack"; readonly ok: boolean }
  /** The interrupt byte (Ctrl-C in gdb). */
  | { readonly kind: "interrupt" };

/** Splits the debugger's byte stream into {@linkcode Incoming} events. */
export class PacketReader {
  #state: "idle" | "data" | "escape" | "run" | "cs1" | "cs2" = "idle";
  #data: number[] = [];
  #sum = 0;
  #cs = "";
  #overflow = false;

  /** Feeds bytes; returns the events they complete. */
  push(bytes: Uint8Array): Incoming[] {
    const out: Incoming[] = [];
    for (const b of bytes) {
      switch (this.#state) {
        case "idle":
          if (b === 0x24 /* $ */) this.#start();
          else if (b === 0x2b || b === 0x2d) out.push({ kind: "ack", ok: b === 0x2b });
          else if (b === 0x03) out.push({ kind: "interrupt" });
          break; // anything else between packets is noise
        case "data":
        case "escape":
        case "run":
          this.#sum = (this.#sum + b) & 0xff;
          if (this.#state === "escape") {
            this.#add(b ^ 0x20);
            this.#state = "data";
          } else if (this.#state === "run") {
            // `X*n`: X repeated n - 29 more times.
            const last = this.#data[this.#data.length - 1] ?? 0;
            for (let i = 29; i < b; i++) this.#add(last);
            this.#state = "data";
          } else if (b === 0x2a /* * */ && this.#data.length > 0) {
            this.#state = "run";
          } else if (b === 0x23 /* # */) {
            this.#sum = (this.#sum - b) & 0xff;
            this.#state = "cs1";
          } else if (b === 0x7d /* } */) {
            this.#state = "escape";
          } else if (b === 0x24) {
            this.#start(); // a new packet before the end of this one: drop this one
            out.push({ kind: "bad" });
          } else {
            this.#add(b);
          }
          break;
        case "cs1":
          this.#cs = String.fromCharCode(b);
          this.#state = "cs2";
          break;
        case "cs2": {
          this.#state = "idle";
          const cs = Number.parseInt(this.#cs + String.fromCharCode(b), 16);
          if (this.#overflow || cs !== this.#sum) out.push({ kind: "bad" });
          else out.push({ kind: "packet", data: String.fromCharCode(...this.#data) });
          this.#data = [];
          break;
        }
      }
    }
    return out;
  }

  #start(): void {
    this.#state = "data";
    this.#data = [];
    this.#sum = 0;
    this.#overflow = false;
  }

  #add(b: number): void {
    if (this.#data.length < MAX_PACKET) this.#data.push(b);
    else this.#overflow = true;
  }
}

/** Frames `payload` (a latin1 string) as `$payload#cs`, escaping `$`, `#`, `}` and `*`. */
export function encodePacket(payload: string): Uint8Array {
  const bytes: number[] = [0x24];
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i) & 0xff;
    if (c === 0x24 || c === 0x23 || c === 0x7d || c === 0x2a) {
      bytes.push(0x7d, c ^ 0x20);
      sum += 0x7d + (c ^ 0x20);
    } else {
      bytes.push(c);
      sum += c;
    }
  }
  const cs = (sum & 0xff).toString(16).padStart(2, "0");
  bytes.push(0x23, cs.charCodeAt(0), cs.charCodeAt(1));
  return new Uint8Array(bytes);
}

import { assert, assertEquals, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { decode, INSTRUCTIONS } from "./decode.ts";
import { disassemble, formatInAsmBlock, formatInAsmLine } from "./disasm.ts";

const PC = 0x10000;

/** [encoding, expected disassembly at PC, what it is]; expectations copied from qemu-riscv32 7.2. */
const CASES: readonly [number, string, string][] = [
  // R
  [0x00c58533, "add                     a0,a1,a2", "add (R)"],
  [0x40c58533, "sub                     a0,a1,a2", "sub (R)"],
  [0x02c5c533, "div                     a0,a1,a2", "div (R, M extension)"],
  [0x00c00533, "add                     a0,zero,a2", "add from zero (no pseudo)"],
  [0x40c00533, "neg                     a0,a2", "sub from zero"],
  [0x0005a4b3, "sltz                    s1,a1", "slt against zero"],
  [0x00c024b3, "sgtz                    s1,a2", "slt of zero"],
  [0x01e03e33, "snez                    t3,t5", "sltu of zero"],
  // I
  [0x80058513, "addi                    a0,a1,-2048", "addi with the lowest immediate"],
  [0x00500513, "addi                    a0,zero,5", "addi from zero (QEMU has no li)"],
  [0x00058513, "mv                      a0,a1", "addi of 0"],
  [0x00000513, "mv                      a0,zero", "addi zero of 0"],
  [0x00000013, "nop", "addi zero,zero,0"],
  [0x00358013, "addi                    zero,a1,3", "addi to zero"],
  [0x0015b513, "seqz                    a0,a1", "sltiu of 1"],
  [0xfff5c513, "not                     a0,a1", "xori of -1"],
  [0x0ff5f513, "andi                    a0,a1,255", "andi (I)"],
  // shift
  [0x01f59513, "slli                    a0,a1,31", "slli (shift)"],
  [0x41f5d513, "srai                    a0,a1,31", "srai (shift)"],
  // load, S
  [0xfc040503, "lb                      a0,-64(s0)", "lb (load)"],
  [0x00442503, "lw                      a0,4(s0)", "lw (load)"],
  [0xfea41e23, "sh                      a0,-4(s0)", "sh (S)"],
  // B
  [0x00b50263, "beq                     a0,a1,4                 # 0x10004", "beq (B)"],
  [0x00b51263, "bne                     a0,a1,4                 # 0x10004", "bne (B)"],
  [0x00b54263, "bgt                     a1,a0,4                 # 0x10004", "blt, swapped"],
  [0x00b55263, "ble                     a1,a0,4                 # 0x10004", "bge, swapped"],
  [0x00b56263, "bgtu                    a1,a0,4                 # 0x10004", "bltu, swapped"],
  [0x00b57263, "bleu                    a1,a0,4                 # 0x10004", "bgeu, swapped"],
  [0x00050263, "beqz                    a0,4                    # 0x10004", "beq against zero"],
  [0x00051263, "bnez                    a0,4                    # 0x10004", "bne against zero"],
  [0x00054263, "bltz                    a0,4                    # 0x10004", "blt against zero"],
  [0x00055263, "bgez                    a0,4                    # 0x10004", "bge against zero"],
  [0x00a04263, "bgtz                    a0,4                    # 0x10004", "blt of zero"],
  [0x00a05263, "blez                    a0,4                    # 0x10004", "bge of zero"],
  [0xfe029ee3, "bnez                    t0,-4                   # 0xfffc", "a backward branch"],
  // U
  [0x12345537, "lui                     a0,305418240", "lui (U)"],
  [0x80000637, "lui                     a2,-2147483648", "lui of the sign bit"],
  [0x00001417, "auipc                   s0,4096                 # 0x11000", "auipc (U)"],
  [0xfffff717, "auipc                   a4,-4096                # 0xf000", "auipc backwards"],
  // J
  [0x004000ef, "jal                     ra,4                    # 0x10004", "jal (J)"],
  [0x0040006f, "j                       4                       # 0x10004", "jal to zero"],
  [0x7ab012ef, "jal                     t0,8106                 # 0x11faa", "jal to t0"],
  [0xfffff06f, "j                       -2                      # 0xfffe", "a backward j"],
  // jalr
  [0x00428367, "jalr                    t1,t0,4", "jalr (jalr)"],
  [0x000280e7, "jalr                    ra,t0,0", "jalr to ra"],
  [0x00008067, "ret", "jalr zero,0(ra)"],
  [0x00408067, "ret", "jalr zero,4(ra) (QEMU ignores the offset)"],
  [0x00028067, "jr                      t0", "jalr zero,0(t0)"],
  [0xffc28067, "jalr                    zero,t0,-4", "jalr zero with an offset"],
  // csr, csri
  [0xc0002573, "rdcycle                 a0", "csrrs a0,cycle,zero"],
  [0xc0102073, "rdtime                  zero", "csrrs zero,time,zero"],
  [0xc0202573, "rdinstret               a0", "csrrs a0,instret,zero"],
  [0xc8002573, "rdcycleh                a0", "csrrs a0,cycleh,zero"],
  [0xc8102573, "rdtimeh                 a0", "csrrs a0,timeh,zero"],
  [0xc8202573, "rdinstreth              a0", "csrrs a0,instreth,zero"],
  [0xc0103573, "csrrc                   a0,time,zero", "csrrc (csr)"],
  [0xc0059573, "csrrw                   a0,cycle,a1", "csrrw (csr)"],
  [0x30002573, "csrrs                   a0,mstatus,zero", "a machine CSR by name"],
  [0x7c002573, "csrrs                   a0,0x7c0,zero", "an unnamed CSR in hex"],
  [0x00159573, "fsflags                 a0,a1", "csrrw to fflags"],
  [0x00302573, "frcsr                   a0", "csrrs from fcsr"],
  [0xc0206573, "csrrsi                  a0,instret,0", "csrrsi (csri)"],
  [0xc8007573, "csrrci                  a0,cycleh,0", "csrrci (csri)"],
  [0x0020d573, "fsrmi                   a0,1", "csrrwi to frm"],
  // amo, lr
  [0x08b4252f, "amoswap.w               a0,a1,(s0)", "amoswap.w (amo)"],
  [0x04b4252f, "amoadd.w.aq             a0,a1,(s0)", "amoadd.w with aq"],
  [0x22b4252f, "amoxor.w.rl             a0,a1,(s0)", "amoxor.w with rl"],
  [0x66b4252f, "amoand.w.aq.rl          a0,a1,(s0)", "amoand.w with aq and rl"],
  [0xe0b4202f, "amomaxu.w               zero,a1,(s0)", "amomaxu.w (amo)"],
  [0x18c425af, "sc.w                    a1,a2,(s0)", "sc.w (amo)"],
  [0x1004252f, "lr.w                    a0,(s0)", "lr.w (lr)"],
  [0x1604252f, "lr.w.aq.rl              a0,(s0)", "lr.w with aq and rl"],
  // none
  [0x00000073, "ecall", "ecall (none)"],
  [0x00100073, "ebreak", "ebreak (none)"],
  [0x0000100f, "fence.i", "fence.i (none)"],
  [0x0ff0000f, "fence                   iorw,iorw", "fence (none)"],
  [0x0330000f, "fence                   rw,rw", "fence rw,rw"],
  [0x0840000f, "fence                   i,o", "fence i,o"],
  [0x8330000f, "fence                   rw,rw", "fence.tso"],
  [0x0100000f, "fence                   w,", "pause (an empty successor set)"],
  [0x00000000, "illegal", "the zero word"],
  [0xffffffff, "illegal", "the all-ones word"],
  [0x0000007b, "illegal", "an unknown opcode"],
  // Compressed: QEMU prints the 32-bit expansion.
  [0x0048, "addi                    a0,sp,4", "c.addi4spn"],
  [0x4008, "lw                      a0,0(s0)", "c.lw"],
  [0xc048, "sw                      a0,4(s0)", "c.sw"],
  [0x0001, "nop", "c.nop"],
  [0x0505, "addi                    a0,a0,1", "c.addi"],
  [0x1501, "addi                    a0,a0,-32", "c.addi with a negative immediate"],
  [0x2009, "jal                     ra,2                    # 0x10002", "c.jal"],
  [0x4595, "addi                    a1,zero,5", "c.li"],
  [0x4581, "mv                      a1,zero", "c.li of 0"],
  [0x7139, "addi                    sp,sp,-64", "c.addi16sp"],
  [0x6605, "lui                     a2,4096", "c.lui"],
  [0x767d, "lui                     a2,-4096", "c.lui with a negative immediate"],
  [0x8285, "srli                    a3,a3,1", "c.srli"],
  [0x86fd, "srai                    a3,a3,31", "c.srai"],
  [0x9b7d, "andi                    a4,a4,-1", "c.andi"],
  [0x8d0d, "sub                     a0,a0,a1", "c.sub"],
  [0x8d2d, "xor                     a0,a0,a1", "c.xor"],
  [0x8d4d, "or                      a0,a0,a1", "c.or"],
  [0x8d6d, "and                     a0,a0,a1", "c.and"],
  [0xa009, "j                       2                       # 0x10002", "c.j"],
  [0xc109, "beqz                    a0,2                    # 0x10002", "c.beqz"],
  [0xe109, "bnez                    a0,2                    # 0x10002", "c.bnez"],
  [0x050e, "slli                    a0,a0,3", "c.slli"],
  [0x557e, "lw                      a0,252(sp)", "c.lwsp"],
  [0x8282, "jr                      t0", "c.jr"],
  [0x8082, "ret", "c.jr ra"],
  [0x852e, "mv                      a0,a1", "c.mv"],
  [0x9002, "ebreak", "c.ebreak"],
  [0x9282, "jalr                    ra,t0,0", "c.jalr"],
  [0x952e, "add                     a0,a0,a1", "c.add"],
  [0xc02a, "sw                      a0,0(sp)", "c.swsp"],
  [0x0000, "illegal", "c.unimp (the zero halfword)"],
  // HINTs: QEMU executes them all, but its disassembler calls those with a zero immediate illegal.
  [0x0501, "illegal", "c.addi a0,0"],
  [0x0502, "illegal", "c.slli a0,0"],
  [0x8101, "illegal", "c.srli s0,0"],
  [0x8501, "illegal", "c.srai s0,0"],
  [0x0015, "addi                    zero,zero,5", "c.addi zero,5"],
  [0x4015, "addi                    zero,zero,5", "c.li zero,5"],
  [0x6005, "lui                     zero,4096", "c.lui zero,1"],
  [0x802e, "mv                      zero,a1", "c.mv zero,a1"],
  [0x902e, "add                     zero,zero,a1", "c.add zero,a1"],
  // Reserved in RV32C: rvplug decodes them as illegal (as QEMU executes them), though QEMU's
  // disassembler names some (`slli zero,zero,32`, `lw zero,0(sp)`, `jr zero`, `fld`...).
  [0x1002, "illegal", "c.slli with shamt[5] set"],
  [0x4002, "illegal", "c.lwsp to zero"],
  [0x8002, "illegal", "c.jr zero"],
  [0x2000, "illegal", "c.fld"],
];

for (const [raw, expected, what] of CASES) {
  const mnemonic = expected.split(" ")[0];
  Deno.test(`disassemble() prints ${mnemonic} for ${what}`, () => {
    assertEquals(disassemble(decode(raw), PC), expected);
  });
}

Deno.test("disassemble() wraps a target below zero as QEMU's 64-bit arithmetic does", () => {
  assertEquals(
    disassemble(decode(0xff5ff06f), 0x4), // j -12
    "j                       -12                     # 0xfffffffffffffff8",
  );
});

Deno.test("formatInAsmLine() pads compressed and 32-bit encodings to one column", () => {
  assertEquals(
    formatInAsmLine(decode(0x00004197), 0x10094),
    "0x00010094:  00004197          auipc                   gp,16384                # 0x14094",
  );
  assertEquals(
    formatInAsmLine(decode(0x850a), 0x1009c),
    "0x0001009c:  850a              mv                      a0,sp",
  );
});

Deno.test("formatInAsmLine() keeps QEMU's trailing padding after operand-less mnemonics", () => {
  assertEquals(
    formatInAsmLine(decode(0x8082), 0x11bb4),
    "0x00011bb4:  8082              ret" + " ".repeat(21),
  );
  assertEquals(
    formatInAsmLine(decode(0), 0x10000),
    "0x00010000:  0000              illegal" + " ".repeat(17),
  );
}); // deno-fmt-ignore

Deno.test("formatInAsmLine() prints addresses above 2^31 unsigned", () => {
  assertEquals(
    formatInAsmLine(decode(0x00000073), 0xfffffffc),
    "0xfffffffc:  00000073          ecall                   ",
  );
});

Deno.test("formatInAsmBlock() prints an empty symbol when there is none", () => {
  assertEquals(
    formatInAsmBlock([decode(0x00100073)], [0x10000], undefined),
    "----------------\nIN: \n0x00010000:  00100073          ebreak                  \n\n",
  );
});

Deno.test("formatInAsmBlock() throws when instructions and addresses differ in number", () => {
  assertThrows(() => formatInAsmBlock([decode(0x8082)], [], "f"), RangeError, "1 instructions");
});

// Differential tests: assemble guest programs, run them under qemu-riscv32 -d in_asm, and check
// that every block QEMU logs is what formatInAsmBlock() prints for the same instructions.

const CC = "riscv64-unknown-elf-gcc";
const QEMU = "qemu-riscv32";
const CFLAGS = [
  "-march=rv32imac_zicsr_zifencei",
  "-mabi=ilp32",
  "-nostdlib",
  "-static",
  "-Wl,-Ttext=0x10000",
];

async function runs(cmd: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(cmd, { args: ["--version"], stdout: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

const toolsFound = await Promise.all([runs(CC), runs(QEMU)]);
const skipReason = [CC, QEMU].filter((_, k) => !toolsFound[k]).join(" and ");
if (skipReason) {
  console.log(`Skipping the qemu-riscv32 differential tests: ${skipReason} not found`);
}

/**
 * A program that touches every RV32IMAC instruction (and the pseudo-instruction forms QEMU prints)
 * and exits with status 0. Every instruction is executed, since QEMU only logs blocks it
 * translates: branches go to the next instruction whether taken or not, jumps to the next label.
 */
const EVERYTHING = `
  .option norvc
  la s0, buf
  addi s0, s0, 64
  lui a0, 0x12345
  lui a1, 0xfffff
  lui a2, 0x80000
  lui a3, 0
  auipc a4, 0
  auipc a4, 0xfffff
  addi a0, a1, -2048
  addi a0, a1, 2047
  addi a0, zero, 5
  addi a0, a1, 0
  addi zero, zero, 0
  addi zero, a1, 3
  addi a0, zero, 0
  slti a0, a1, -1
  sltiu a0, a1, 1
  sltiu a0, a1, -1
  xori a0, a1, -1
  xori a0, a1, 5
  ori a0, a1, 0x7f
  andi a0, a1, 0xff
  slli a0, a1, 0
  slli a0, a1, 31
  srli a0, a1, 7
  srai a0, a1, 31
  add a0, a1, a2
  add a0, zero, a2
  sub a0, a1, a2
  sub a0, zero, a2
  sll t0, t1, t2
  slt s1, a1, a2
  slt s1, a1, zero
  slt s1, zero, a2
  sltu t3, t4, t5
  sltu t3, zero, t5
  xor s2, s3, s4
  srl s5, s6, s7
  sra s8, s9, s10
  or s11, t6, gp
  and tp, a6, a7
  mul a0, a1, a2
  mulh a0, a1, a2
  mulhsu a0, a1, a2
  mulhu a0, a1, a2
  div a0, a1, a2
  divu a0, a1, a2
  rem a0, a1, a2
  remu a0, a1, a2
  lb a0, -64(s0)
  lh a0, 2(s0)
  lw a0, 4(s0)
  lbu a0, 63(s0)
  lhu a0, -2(s0)
  sb a0, 1(s0)
  sh a0, -4(s0)
  sw a0, 0(s0)
  lr.w a0, (s0)
  sc.w a1, a2, (s0)
  lr.w.aq a0, (s0)
  sc.w.rl a1, a2, (s0)
  lr.w.aqrl a0, (s0)
  amoswap.w a0, a1, (s0)
  amoadd.w.aq a0, a1, (s0)
  amoxor.w.rl a0, a1, (s0)
  amoand.w.aqrl a0, a1, (s0)
  amoor.w a0, a1, (s0)
  amomin.w a0, a1, (s0)
  amomax.w a0, a1, (s0)
  amominu.w a0, a1, (s0)
  amomaxu.w zero, a1, (s0)
  fence
  fence rw, rw
  fence r, r
  fence w, w
  fence i, o
  fence.tso
  .word 0x0100000f /* pause */
  fence.i
  rdcycle a0
  rdtime a0
  rdinstret a0
  rdcycleh a0
  rdtimeh a0
  rdinstreth a0
  csrrc a0, time, zero
  csrrsi a0, instret, 0
  csrrci a0, cycleh, 0
  csrrs zero, time, zero
  beq a0, a1, 1f
1: bne a0, a1, 1f
1: blt a0, a1, 1f
1: bge a0, a1, 1f
1: bltu a0, a1, 1f
1: bgeu a0, a1, 1f
1: beq a0, zero, 1f
1: bne a0, zero, 1f
1: blt a0, zero, 1f
1: bge a0, zero, 1f
1: blt zero, a0, 1f
1: bge zero, a0, 1f
1: bltu zero, a0, 1f
1: bgeu zero, a0, 1f
1: beq zero, zero, 1f
  .word 0
1: addi t0, zero, 3
2: addi t0, t0, -1
  bnez t0, 2b
  jal ra, 1f
1: jal zero, 1f
1: la t0, 1f
  jalr ra, 0(t0)
1: la t0, 1f
  jalr zero, 0(t0)
1: la t0, 1f - 4
  jalr t1, 4(t0)
1: la t0, 1f + 4
  jalr zero, -4(t0)
1: la ra, 1f
  ret
1: la ra, 1f - 4
  jalr zero, 4(ra)
1: la t0, 1f
  jalr t0, 0(t0)
1:
  .option rvc
  c.addi4spn a0, sp, 4
  c.addi4spn s1, sp, 1020
  c.lw a0, 0(s0)
  c.lw a5, 124(s0)
  c.sw a0, 4(s0)
  c.nop
  c.addi a0, 1
  c.addi a0, -32
  c.li a1, 5
  c.li a1, -32
  c.li a1, 0
  c.addi16sp sp, -64
  c.addi16sp sp, 64
  c.lui a2, 1
  c.lui a2, 0xfffff
  c.srli a3, 1
  c.srai a3, 31
  c.andi a4, -1
  c.sub a0, a1
  c.xor a0, a1
  c.or a0, a1
  c.and a0, a1
  c.slli a0, 3
  c.lwsp a0, 0(sp)
  c.lwsp a0, 252(sp)
  c.swsp a0, 0(sp)
  c.mv a0, a1
  c.add a0, a1
  .2byte 0x0501 /* c.addi a0,0 */
  .2byte 0x0502 /* c.slli a0,0 */
  .2byte 0x8101 /* c.srli s0,0 */
  .2byte 0x8501 /* c.srai s0,0 */
  .2byte 0x802e /* c.mv zero,a1 */
  .2byte 0x4015 /* c.li zero,5 */
  .2byte 0x6005 /* c.lui zero,1 */
  .2byte 0x902e /* c.add zero,a1 */
  .2byte 0x0015 /* c.addi zero,5 */
  c.beqz a0, 1f
1: c.bnez a0, 1f
1: c.j 1f
1: c.jal 1f
1: la t0, 1f
  c.jr t0
1: la t0, 1f
  c.jalr t0
1: la ra, 1f
  c.jr ra
1: c.li a0, 3
2: c.addi a0, -1
  c.bnez a0, 2b
  .option norvc
`;

/** Guest programs: name, body, and whether the program ends with a fatal signal. */
const PROGRAMS: readonly { name: string; body: string; dies: boolean }[] = [
  { name: "a program using every instruction", body: EVERYTHING, dies: false },
  {
    name: "floating-point CSR accesses",
    body: [
      "csrrw a0, fflags, a1",
      "csrrw a0, frm, a1",
      "csrrw a0, fcsr, a1",
      "csrrs a0, fcsr, zero",
      "csrrs a0, frm, zero",
      "csrrs a0, fflags, zero",
      "csrrwi a0, frm, 1",
      "csrrwi a0, fflags, 3",
      "csrrsi a0, fflags, 3",
      "csrrs a0, fflags, a1",
    ].join("\n"),
    dies: false,
  },
  // Each of these raises SIGILL or SIGTRAP, after QEMU has logged its block.
  { name: "ebreak", body: "ebreak", dies: true },
  { name: "c.ebreak", body: "c.ebreak", dies: true },
  { name: "the zero word", body: ".word 0", dies: true },
  { name: "c.unimp", body: ".2byte 0", dies: true },
  { name: "a write to cycle", body: "csrrw a0, cycle, a1", dies: true },
  { name: "an immediate write to time", body: "csrrwi a0, time, 5", dies: true },
  { name: "a read of mstatus", body: "csrrs a0, mstatus, zero", dies: true },
  { name: "a read of an unnamed CSR", body: "csrrs a0, 0x7c0, zero", dies: true },
];

const SOURCE = (body: string) => `
  .text
  .globl _start
  .type _start, @function
_start:
${body}
  addi a0, zero, 0
  addi a7, zero, 93
  ecall
  .size _start, . - _start
  .data
  .balign 8
buf: .space 256
`;

/** One block of a `-d in_asm` log. */
interface LoggedBlock {
  readonly text: string;
  readonly symbol: string;
  readonly pcs: number[];
  readonly raws: number[];
}

/** Splits a `-d in_asm` log into its blocks. */
function parseLog(log: string): LoggedBlock[] {
  const RULE = "----------------\n";
  return log.split(RULE).slice(1).map((chunk) => {
    const lines = chunk.split("\n");
    const pcs: number[] = [], raws: number[] = [];
    for (const line of lines.slice(1)) {
      const m = /^0x([0-9a-f]{8}): {2}([0-9a-f]{4}|[0-9a-f]{8}) /.exec(line);
      if (m) {
        pcs.push(parseInt(m[1]!, 16));
        raws.push(parseInt(m[2]!, 16));
      }
    }
    return { text: RULE + chunk, symbol: lines[0]!.replace(/^IN: /, ""), pcs, raws };
  });
}

/** Assembles `body` into a program, runs it under QEMU, and returns the exit code and log. */
async function qemuLog(dir: string, body: string): Promise<{ code: number; log: string }> {
  const src = join(dir, "prog.S"), elf = join(dir, "prog.elf"), log = join(dir, "in_asm.log");
  await Deno.writeTextFile(src, SOURCE(body));
  const cc = await new Deno.Command(CC, { args: [...CFLAGS, src, "-o", elf] }).output();
  assert(cc.success, new TextDecoder().decode(cc.stderr));
  const run = await new Deno.Command(QEMU, {
    args: ["-d", "in_asm", "-D", log, elf],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return { code: run.code, log: await Deno.readTextFile(log) };
}

/** A name for the RV32C form of a 16-bit encoding, to check that the program covers them all. */
function compressedForm(c: number): string {
  const key = `${c & 3}.${c >>> 13}`;
  const rd = (c >>> 7) & 31, rs2 = (c >>> 2) & 31, bit12 = (c >>> 12) & 1;
  switch (key) {
    case "1.0":
      return rd === 0 ? "c.nop" : "c.addi";
    case "1.3":
      return rd === 2 ? "c.addi16sp" : "c.lui";
    case "1.4":
      return ((c >>> 10) & 3) < 3
        ? ["c.srli", "c.srai", "c.andi"][(c >>> 10) & 3]!
        : ["c.sub", "c.xor", "c.or", "c.and"][(c >>> 5) & 3]!;
    case "2.4":
      if (bit12 === 0) return rs2 === 0 ? "c.jr" : "c.mv";
      return rs2 !== 0 ? "c.add" : rd === 0 ? "c.ebreak" : "c.jalr";
  }
  const simple: Record<string, string> = {
    "0.0": "c.addi4spn",
    "0.2": "c.lw",
    "0.6": "c.sw",
    "1.1": "c.jal",
    "1.2": "c.li",
    "1.5": "c.j",
    "1.6": "c.beqz",
    "1.7": "c.bnez",
    "2.0": "c.slli",
    "2.2": "c.lwsp",
    "2.6": "c.swsp",
  };
  return simple[key] ?? "reserved";
}

// deno-fmt-ignore
const RV32C = [
  "c.addi4spn",
  "c.lw",
  "c.sw",
  "c.nop",
  "c.addi",
  "c.jal",
  "c.li",
  "c.addi16sp",
  "c.lui",
  "c.srli",
  "c.srai",
  "c.andi",
  "c.sub",
  "c.xor",
  "c.or",
  "c.and",
  "c.j",
  "c.beqz",
  "c.bnez",
  "c.slli",
  "c.lwsp",
  "c.jr",
  "c.mv",
  "c.ebreak",
  "c.jalr",
  "c.add",
  "c.swsp",
];

/** Runs of the programs, by name, so that the coverage test can reuse the others' runs. */
const runsByName = new Map<string, Promise<{ code: number; log: string }>>();

function runProgram(name: string, body: string): Promise<{ code: number; log: string }> {
  let run = runsByName.get(name);
  if (run === undefined) {
    run = (async () => {
      const dir = await Deno.makeTempDir({ prefix: "rvplug_disasm_" });
      try {
        return await qemuLog(dir, body);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    })();
    runsByName.set(name, run);
  }
  return run;
}

for (const { name, body, dies } of PROGRAMS) {
  Deno.test({
    name: `formatInAsmBlock() matches qemu-riscv32 -d in_asm on ${name}`,
    ignore: skipReason !== "",
    async fn() {
      const { code, log } = await runProgram(name, body);
      assertEquals(code !== 0, dies, `exit code ${code}`);
      const blocks = parseLog(log);
      assert(blocks.length > 0, "QEMU logged no blocks");
      for (const b of blocks) {
        assertEquals(formatInAsmBlock(b.raws.map((raw) => decode(raw)), b.pcs, b.symbol), b.text);
      }
      // A program that does not die must have run to its exit ecall, through every block.
      assert(dies || /ecall {19}\n\n$/.test(log), "the log does not end with the exit ecall");
    },
  });
}

Deno.test({
  name: "the qemu-riscv32 differential tests cover every instruction and RV32C form",
  ignore: skipReason !== "",
  async fn() {
    const seen = new Set<string>();
    for (const { name, body } of PROGRAMS) {
      for (const b of parseLog((await runProgram(name, body)).log)) {
        for (const raw of b.raws) {
          seen.add(decode(raw).def.name);
          if ((raw & 3) !== 3) seen.add(compressedForm(raw));
        }
      }
    }
    const expected = [...INSTRUCTIONS.map((d) => d.name), ...RV32C, "illegal"];
    assertEquals(expected.filter((n) => !seen.has(n)), []);
  },
});

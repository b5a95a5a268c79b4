import { assert, assertEquals } from "@std/assert";
import { C, type Half } from "./_test_harness.ts";
import { decode, ILLEGAL } from "./decode.ts";
import { expandCompressed } from "./rvc.ts";

const h = (v: number, digits = 8) => "0x" + (v >>> 0).toString(16).padStart(digits, "0");

/**
 * [compressed, its 32-bit expansion, compressed source, expanded source]. Both columns were
 * assembled once with GNU as 2.40 (`riscv64-unknown-elf-as -march=rv32imac`, `.option rvc` for the
 * first and `.option norvc` for the second); `.+n` is pc-relative, so both forms have one offset.
 */
const EXPANSIONS: readonly [number, number, string, string][] = [
  [0x0040, 0x00410413, "c.addi4spn s0, sp, 4", "addi s0, sp, 4"],
  [0x1ffc, 0x3fc10793, "c.addi4spn a5, sp, 1020", "addi a5, sp, 1020"],
  [0x0028, 0x00810513, "c.addi4spn a0, sp, 8", "addi a0, sp, 8"],
  [0x4188, 0x0005a503, "c.lw a0, 0(a1)", "lw a0, 0(a1)"],
  [0x5fe4, 0x07c7a483, "c.lw s1, 124(a5)", "lw s1, 124(a5)"],
  [0x4030, 0x04042603, "c.lw a2, 64(s0)", "lw a2, 64(s0)"],
  [0x4354, 0x00472683, "c.lw a3, 4(a4)", "lw a3, 4(a4)"],
  [0xc1c8, 0x00a5a223, "c.sw a0, 4(a1)", "sw a0, 4(a1)"],
  [0xdcfc, 0x06f4ae23, "c.sw a5, 124(s1)", "sw a5, 124(s1)"],
  [0xc220, 0x04862023, "c.sw s0, 64(a2)", "sw s0, 64(a2)"],
  [0x0001, 0x00000013, "c.nop", "addi zero, zero, 0"],
  [0x0505, 0x00150513, "c.addi a0, 1", "addi a0, a0, 1"],
  [0x1501, 0xfe050513, "c.addi a0, -32", "addi a0, a0, -32"],
  [0x017d, 0x01f10113, "c.addi sp, 31", "addi sp, sp, 31"],
  [0x2009, 0x002000ef, "c.jal .+2", "jal ra, .+2"],
  [0x3001, 0x801ff0ef, "c.jal .-2048", "jal ra, .-2048"],
  [0x2ffd, 0x7fe000ef, "c.jal .+2046", "jal ra, .+2046"],
  [0x2455, 0x2a4000ef, "c.jal .+0x2a4", "jal ra, .+0x2a4"],
  [0x5501, 0xfe000513, "c.li a0, -32", "addi a0, zero, -32"],
  [0x4ffd, 0x01f00f93, "c.li t6, 31", "addi t6, zero, 31"],
  [0x4781, 0x00000793, "c.li a5, 0", "addi a5, zero, 0"],
  [0x6141, 0x01010113, "c.addi16sp sp, 16", "addi sp, sp, 16"],
  [0x7101, 0xe0010113, "c.addi16sp sp, -512", "addi sp, sp, -512"],
  [0x617d, 0x1f010113, "c.addi16sp sp, 496", "addi sp, sp, 496"],
  [0x6105, 0x02010113, "c.addi16sp sp, 32", "addi sp, sp, 32"],
  [0x6121, 0x04010113, "c.addi16sp sp, 64", "addi sp, sp, 64"],
  [0x6109, 0x08010113, "c.addi16sp sp, 128", "addi sp, sp, 128"],
  [0x6111, 0x10010113, "c.addi16sp sp, 256", "addi sp, sp, 256"],
  [0x6505, 0x00001537, "c.lui a0, 1", "lui a0, 1"],
  [0x62fd, 0x0001f2b7, "c.lui t0, 31", "lui t0, 31"],
  [0x7501, 0xfffe0537, "c.lui a0, 0xfffe0", "lui a0, 0xfffe0"],
  [0x7dfd, 0xfffffdb7, "c.lui s11, 0xfffff", "lui s11, 0xfffff"],
  [0x60c1, 0x000100b7, "c.lui ra, 0x10", "lui ra, 0x10"],
  [0x8105, 0x00155513, "c.srli a0, 1", "srli a0, a0, 1"],
  [0x80fd, 0x01f4d493, "c.srli s1, 31", "srli s1, s1, 31"],
  [0x87fd, 0x41f7d793, "c.srai a5, 31", "srai a5, a5, 31"],
  [0x841d, 0x40745413, "c.srai s0, 7", "srai s0, s0, 7"],
  [0x997d, 0xfff57513, "c.andi a0, -1", "andi a0, a0, -1"],
  [0x8afd, 0x01f6f693, "c.andi a3, 31", "andi a3, a3, 31"],
  [0x9801, 0xfe047413, "c.andi s0, -32", "andi s0, s0, -32"],
  [0x8c05, 0x40940433, "c.sub s0, s1", "sub s0, s0, s1"],
  [0x8f89, 0x40a787b3, "c.sub a5, a0", "sub a5, a5, a0"],
  [0x8d3d, 0x00f54533, "c.xor a0, a5", "xor a0, a0, a5"],
  [0x8dd1, 0x00c5e5b3, "c.or a1, a2", "or a1, a1, a2"],
  [0x8ef9, 0x00e6f6b3, "c.and a3, a4", "and a3, a3, a4"],
  [0xa009, 0x0020006f, "c.j .+2", "jal zero, .+2"],
  [0xb001, 0x801ff06f, "c.j .-2048", "jal zero, .-2048"],
  [0xaffd, 0x7fe0006f, "c.j .+2046", "jal zero, .+2046"],
  [0xbffd, 0xfffff06f, "c.j .-2", "jal zero, .-2"],
  [0xab91, 0x5540006f, "c.j .+0x554", "jal zero, .+0x554"],
  [0xc009, 0x00040163, "c.beqz s0, .+2", "beq s0, zero, .+2"],
  [0xd381, 0xf00780e3, "c.beqz a5, .-256", "beq a5, zero, .-256"],
  [0xed7d, 0x0e051f63, "c.bnez a0, .+254", "bne a0, zero, .+254"],
  [0xfcfd, 0xfe049fe3, "c.bnez s1, .-2", "bne s1, zero, .-2"],
  [0xc62d, 0x06060563, "c.beqz a2, .+0x6a", "beq a2, zero, .+0x6a"],
  [0x0506, 0x00151513, "c.slli a0, 1", "slli a0, a0, 1"],
  [0x0ffe, 0x01ff9f93, "c.slli t6, 31", "slli t6, t6, 31"],
  [0x0142, 0x01011113, "c.slli sp, 16", "slli sp, sp, 16"],
  [0x4082, 0x00012083, "c.lwsp ra, 0(sp)", "lw ra, 0(sp)"],
  [0x557e, 0x0fc12503, "c.lwsp a0, 252(sp)", "lw a0, 252(sp)"],
  [0x4f92, 0x00412f83, "c.lwsp t6, 4(sp)", "lw t6, 4(sp)"],
  [0x5406, 0x06012403, "c.lwsp s0, 96(sp)", "lw s0, 96(sp)"],
  [0x8082, 0x00008067, "c.jr ra", "jalr zero, 0(ra)"],
  [0x8f82, 0x000f8067, "c.jr t6", "jalr zero, 0(t6)"],
  [0x852e, 0x00b00533, "c.mv a0, a1", "add a0, zero, a1"],
  [0x8f86, 0x00100fb3, "c.mv t6, ra", "add t6, zero, ra"],
  [0x9002, 0x00100073, "c.ebreak", "ebreak"],
  [0x9502, 0x000500e7, "c.jalr a0", "jalr ra, 0(a0)"],
  [0x9f82, 0x000f80e7, "c.jalr t6", "jalr ra, 0(t6)"],
  [0x952e, 0x00b50533, "c.add a0, a1", "add a0, a0, a1"],
  [0x917e, 0x01f10133, "c.add sp, t6", "add sp, sp, t6"],
  [0xc006, 0x00112023, "c.swsp ra, 0(sp)", "sw ra, 0(sp)"],
  [0xdfaa, 0x0ea12e23, "c.swsp a0, 252(sp)", "sw a0, 252(sp)"],
  [0xc57e, 0x09f12423, "c.swsp t6, 136(sp)", "sw t6, 136(sp)"],
];

Deno.test("expandCompressed() gives the assembler's 32-bit encoding for each instruction", () => {
  for (const [half, word, source, expanded] of EXPANSIONS) {
    assertEquals(h(expandCompressed(half)), h(word), `${source} (${h(half, 4)}) → ${expanded}`);
  }
});

Deno.test("decode() decodes a compressed instruction like its expansion, with size 2", () => {
  for (const [half, word, source] of EXPANSIONS) {
    const c = decode(half), w = decode(word);
    const fields = (i: typeof c) => [i.def.name, i.rd, i.rs1, i.rs2, i.imm];
    assertEquals(fields(c), fields(w), source);
    assertEquals([c.size, c.raw], [2, half], source);
  }
});

/** [bits, what they are]: encodings the spec reserves or RV32IMAC lacks. */
const ILLEGAL_ENCODINGS: readonly [number, string][] = [
  [0x0000, "the all-zeros half-word (defined illegal)"],
  [0x0008, "c.addi4spn with immediate 0"],
  [0x8000, "quadrant 0 funct3 4 (reserved)"],
  [0x6101, "c.addi16sp with immediate 0"],
  [0x6501, "c.lui a0 with immediate 0"],
  [0x6001, "c.lui zero with immediate 0"],
  [0x4002, "c.lwsp with rd zero"],
  [0x5072, "c.lwsp with rd zero and an offset"],
  [0x8002, "c.jr with rs1 zero"],
  [0x9c05, "c.subw s0, s1 (RV64 only)"],
  [0x9c25, "c.addw s0, s1 (RV64 only)"],
  [0x9c45, "quadrant 1 funct6 100111, funct2 10 (reserved)"],
  [0x9c65, "quadrant 1 funct6 100111, funct2 11 (reserved)"],
  [0x1502, "c.slli a0 with shamt[5] set (RV32 reserved)"],
  [0x9105, "c.srli a0 with shamt[5] set (RV32 reserved)"],
  [0x9505, "c.srai a0 with shamt[5] set (RV32 reserved)"],
  [0x2100, "c.fld fs0, 0(a0)"],
  [0x6100, "c.flw fs0, 0(a0)"],
  [0xa100, "c.fsd fs0, 0(a0)"],
  [0xe100, "c.fsw fs0, 0(a0)"],
  [0x2502, "c.fldsp fa0, 0(sp)"],
  [0x6502, "c.flwsp fa0, 0(sp)"],
  [0xa02a, "c.fsdsp fa0, 0(sp)"],
  [0xe02a, "c.fswsp fa0, 0(sp)"],
];

Deno.test("expandCompressed() rejects reserved, RV64-only and floating-point encodings", () => {
  for (const [bits, what] of ILLEGAL_ENCODINGS) {
    assertEquals(h(expandCompressed(bits)), h(0), what);
    const insn = decode(bits);
    assertEquals([insn.def, insn.size], [ILLEGAL, 2], what);
  }
});

/** [bits, 32-bit expansion, what]: hints execute as their base instruction (writing x0 or no-ops). */
const HINTS: readonly [number, number, string][] = [
  [0x0015, 0x00500013, "c.addi zero, 5 (c.nop with an immediate)"],
  [0x0501, 0x00050513, "c.addi a0, 0"],
  [0x4015, 0x00500013, "c.li zero, 5"],
  [0x6005, 0x00001037, "c.lui zero, 1"],
  [0x0006, 0x00101013, "c.slli zero, 1"],
  [0x0502, 0x00051513, "c.slli a0, 0"],
  [0x8001, 0x00045413, "c.srli s0, 0"],
  [0x8401, 0x40045413, "c.srai s0, 0"],
  [0x802a, 0x00a00033, "c.mv zero, a0"],
  [0x902a, 0x00a00033, "c.add zero, a0"],
];

Deno.test("expandCompressed() expands hints to their base instructions", () => {
  for (const [bits, word, what] of HINTS) assertEquals(h(expandCompressed(bits)), h(word), what);
});

Deno.test("expandCompressed() gives only legal 32-bit instructions for every 16-bit encoding", () => {
  let legal = 0;
  for (let bits = 0; bits < 0x10000; bits++) {
    if ((bits & 3) === 3) continue;
    const word = expandCompressed(bits);
    if (word === 0) continue;
    legal++;
    assertEquals(word & 3, 3, `${h(bits, 4)} expands to a 16-bit encoding ${h(word)}`);
    assert(decode(word).def !== ILLEGAL, `${h(bits, 4)} expands to illegal ${h(word)}`);
    assert(decode(bits).def === decode(word).def, `${h(bits, 4)} decodes unlike ${h(word)}`);
  }
  // 49152 16-bit encodings, less the illegal ones: counted from the tables of the spec
  // (RV32C without F and D), see the cases above for each reserved range.
  assertEquals(legal, EXPECTED_LEGAL);
});

/**
 * Legal RV32C integer encodings, by instruction: c.addi4spn 8*255, c.lw 2^11, c.sw 2^11,
 * c.addi/c.nop 2^11, c.jal 2^11, c.li 2^11, c.addi16sp 2^6-1, c.lui 31*(2^6-1),
 * c.srli/c.srai 2*8*32, c.andi 8*64, c.sub/xor/or/and 4*64, c.j 2^11, c.beqz/c.bnez 2*2^11,
 * c.slli 32*32, c.lwsp 31*64, c.jr 31, c.mv 32*31, c.ebreak 1, c.jalr 31, c.add 32*31, c.swsp 2^11.
 */
const EXPECTED_LEGAL = 8 * 255 + 2048 + 2048 + 2048 + 2048 + 2048 + 63 + 31 * 63 + 2 * 8 * 32 +
  8 * 64 + 4 * 64 + 2048 + 2 * 2048 + 32 * 32 + 31 * 64 + 31 + 32 * 31 + 1 + 31 + 32 * 31 + 2048;

/** [harness encoder output, GNU as 2.40 output, source]: the tests' encoders are right too. */
const ENCODER_CASES: readonly [Half, number, string][] = [
  [C.nop(), 0x0001, "c.nop"],
  [C.addi(10, -32), 0x1501, "c.addi x10, -32"],
  [C.addi(2, 31), 0x017d, "c.addi x2, 31"],
  [C.li(31, -1), 0x5ffd, "c.li x31, -1"],
  [C.lui(5, 0x1f), 0x62fd, "c.lui x5, 0x1f"],
  [C.lui(10, 0xfffe0), 0x7501, "c.lui x10, 0xfffe0"],
  [C.slli(10, 31), 0x057e, "c.slli x10, 31"],
  [C.jal(-2048), 0x3001, "c.jal .-2048"],
  [C.jal(0x2a4), 0x2455, "c.jal .+0x2a4"],
  [C.j(2046), 0xaffd, "c.j .+2046"],
  [C.j(-2), 0xbffd, "c.j .-2"],
  [C.beqz(8, -256), 0xd001, "c.beqz x8, .-256"],
  [C.bnez(15, 254), 0xeffd, "c.bnez x15, .+254"],
  [C.bnez(9, 0x6a), 0xe4ad, "c.bnez x9, .+0x6a"],
  [C.sub(8, 15), 0x8c1d, "c.sub x8, x15"],
  [C.jr(1), 0x8082, "c.jr x1"],
  [C.mv(10, 31), 0x857e, "c.mv x10, x31"],
  [C.ebreak(), 0x9002, "c.ebreak"],
  [C.jalr(5), 0x9282, "c.jalr x5"],
  [C.add(2, 31), 0x917e, "c.add x2, x31"],
  [C.lw(10, 124, 15), 0x5fe8, "c.lw x10, 124(x15)"],
  [C.lw(8, 4, 9), 0x40c0, "c.lw x8, 4(x9)"],
  [C.sw(11, 64, 8), 0xc02c, "c.sw x11, 64(x8)"],
  [C.lwsp(31, 252), 0x5ffe, "c.lwsp x31, 252(x2)"],
  [C.lwsp(1, 36), 0x5092, "c.lwsp x1, 36(x2)"],
  [C.swsp(10, 252), 0xdfaa, "c.swsp x10, 252(x2)"],
  [C.swsp(31, 68), 0xc2fe, "c.swsp x31, 68(x2)"],
];

Deno.test("harness compressed encoders match the GNU assembler", () => {
  for (const [got, want, source] of ENCODER_CASES) assertEquals(h(got.half, 4), h(want, 4), source);
});

Deno.test("C.lw() refuses a register outside x8..x15", () => {
  let error: unknown;
  try {
    C.lw(5, 0, 8);
  } catch (e) {
    error = e;
  }
  assert(error instanceof RangeError);
});

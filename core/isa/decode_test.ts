/**
 * Directed tests of illegal encodings (./decode.ts): each must raise SIGILL at its pc in both
 * engines (see ./_test_harness.ts), after the instructions before it.
 */

import { addi, c, type Case, cases, CODE } from "./_test_harness.ts";

// ---------------------------------------------------------------------------------------------
// Illegal encodings.

const ill = (what: string, word: number | ReturnType<typeof c>): Case => ({
  what,
  code: [addi(5, 0, 1), word, addi(5, 0, 2)],
  want: { fault: { kind: "ill", pc: CODE + 4, addr: CODE + 4 }, regs: { 5: 1 }, instret: 1 },
});
cases("decode", [
  ill("makes an all-ones word illegal", 0xffffffff),
  ill("makes a compressed all-zeros half-word illegal", c(0x0000)),
  ill("makes slli with shamt[5] set illegal on RV32", 0x02051513),
  ill("makes a floating-point load illegal", 0x00052007),
  ill("makes mret illegal in user mode", 0x30200073),
  ill("makes an R-type with an unknown funct7 illegal", 0x0c0002b3),
]);

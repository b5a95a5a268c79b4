/**
 * Random instruction sequences against qemu-riscv32: each program (see _random_program.ts) must
 * leave the same registers and scratch memory under qemu, rvplug's translator and rvplug's
 * interpreter, and execute the same number of instructions. Without qemu, the programs still
 * check that both engines stop in the same state wherever `maxInsns` cuts them.
 *
 * Seeds: by default a fixed base seed, so the suite is reproducible; `RVPLUG_SEED=N` sets the
 * base seed (program i uses N + i), `RVPLUG_SEED=random` draws one, and `RVPLUG_PROGRAMS=K`
 * changes the number of programs. A failure names the program's own seed: rerun it alone with
 * `RVPLUG_SEED=<seed> RVPLUG_PROGRAMS=1 deno test -A tests/differential/random_insns_test.ts`.
 */

import { assertEquals } from "@std/assert";
import { ABI_NAMES } from "../../core/cpu.ts";
import { crossAssemble } from "../_asm.ts";
import { type GuestRun, hex32, runGuest } from "../_guest.ts";
import { type QemuRun, runQemu } from "../_qemu.ts";
import { skipReason } from "../_tools.ts";
import { OUTPUT_SIZE, randomProgram, Rng } from "./_random_program.ts";

/** Fixed default base seed; any value works. */
const DEFAULT_SEED = 0x5eed2024;
/**
 * Programs per run, and items per program: about 250 instructions after the 31 `li`s, some 430
 * executed; 60 programs take about 4 s here (2 cores), most of it assembling.
 */
const DEFAULT_PROGRAMS = 60;
const ITEMS = 160;

function baseSeed(): number {
  const env = Deno.env.get("RVPLUG_SEED");
  if (env === undefined || env === "") return DEFAULT_SEED;
  if (env === "random") return crypto.getRandomValues(new Uint32Array(1))[0]!;
  const n = Number(env);
  if (!Number.isInteger(n)) {
    throw new TypeError(`Cannot parse RVPLUG_SEED "${env}": expected an integer`);
  }
  return n >>> 0;
}

function programCount(): number {
  const env = Deno.env.get("RVPLUG_PROGRAMS");
  if (env === undefined || env === "") return DEFAULT_PROGRAMS;
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`Cannot parse RVPLUG_PROGRAMS "${env}": expected a positive count`);
  }
  return n;
}

const BASE_SEED = baseSeed();
const PROGRAMS = programCount();
/** Instruction limits tried per program when comparing the engines' stopping states. */
const LIMITS_PER_PROGRAM = 4;
const SKIP_QEMU = skipReason("qemu", "gcc", "cross-gcc");
const SKIP_CROSS = skipReason("cross-gcc");

/** One program with its runs under the three engines. */
interface Trial {
  seed: number;
  source: string;
  elf: string;
  /** The qemu run, when qemu is available. */
  qemu?: QemuRun;
  translate: GuestRun;
  interp: GuestRun;
}

/** Builds and runs every program once, shared by the tests below; two at a time (2 cores). */
function runTrials(): Promise<Trial[]> {
  const seeds = Array.from({ length: PROGRAMS }, (_, i) => (BASE_SEED + i) >>> 0);
  const trials: Trial[] = [];
  let next = 0;
  const worker = async () => {
    while (next < seeds.length) {
      const seed = seeds[next++]!;
      const source = randomProgram(seed, ITEMS);
      const elf = (await crossAssemble(source))!;
      const qemu = SKIP_QEMU ? undefined : await runQemu(elf, [], { icount: true });
      trials.push({
        seed,
        source,
        elf,
        qemu,
        translate: runGuest(elf, { engine: "translate" }),
        interp: runGuest(elf, { engine: "interp" }),
      });
    }
  };
  return Promise.all([worker(), worker()]).then(() => trials.sort((a, b) => a.seed - b.seed));
}

let trials: Promise<Trial[]> | undefined;
const getTrials = () => trials ??= runTrials();

/** The program with line numbers, for failure messages. */
function listing(source: string): string {
  return source.split("\n").map((l, i) => `${String(i + 1).padStart(4)} ${l}`).join("\n");
}

/** Says where two outputs differ: registers by name, scratch memory by offset. */
function outputDiff(expected: Uint8Array, actual: Uint8Array): string[] {
  if (expected.length !== OUTPUT_SIZE) return [`qemu printed ${expected.length} bytes`];
  if (actual.length !== OUTPUT_SIZE) return [`printed ${actual.length} bytes, not ${OUTPUT_SIZE}`];
  const e = new DataView(expected.buffer, expected.byteOffset);
  const a = new DataView(actual.buffer, actual.byteOffset);
  const diffs: string[] = [];
  for (let off = 0; off < OUTPUT_SIZE; off += 4) {
    const ev = e.getInt32(off, true), av = a.getInt32(off, true);
    if (ev === av) continue;
    const where = off < 124
      ? `x${off / 4 + 1} (${ABI_NAMES[off / 4 + 1]})`
      : `scratch+${off - 124}`;
    diffs.push(`${where}: qemu ${hex32(ev)}, ours ${hex32(av)}`);
  }
  return diffs;
}

Deno.test({
  name: `Machine.run() computes what qemu-riscv32 does for random programs (seed ${BASE_SEED})`,
  ignore: SKIP_QEMU !== undefined,
  fn: async (t) => {
    for (const trial of await getTrials()) {
      await t.step(`program seed ${trial.seed}`, () => {
        const qemu = trial.qemu!;
        assertEquals(qemu.status, 0, `qemu failed:\n${qemu.stderr}`);
        for (const engine of ["translate", "interp"] as const) {
          const ours = trial[engine];
          const diffs = ours.status === 0
            ? outputDiff(qemu.stdoutBytes, ours.stdoutBytes)
            : [`exit status ${ours.status}, fault ${JSON.stringify(ours.fault)}`];
          if (diffs.length) {
            throw new Error(
              `engine "${engine}", seed ${trial.seed} differs from qemu:\n  ${diffs.join("\n  ")}` +
                `\nprogram:\n${listing(trial.source)}`,
            );
          }
        }
      });
    }
  },
});

Deno.test({
  name: `Machine.run() retires as many instructions as qemu-riscv32 executes for random ` +
    `programs (seed ${BASE_SEED})`,
  ignore: SKIP_QEMU !== undefined,
  fn: async () => {
    const counts = (await getTrials()).map((t) => ({
      seed: t.seed,
      qemu: t.qemu!.insns,
      translate: t.translate.instret,
      interp: t.interp.instret,
    }));
    const wrong = counts.filter((c) => c.translate !== c.qemu || c.interp !== c.qemu);
    assertEquals(wrong, [], "programs whose instruction counts differ");
  },
});

/** Says where two runs stopped in different states. */
function stateDiff(a: GuestRun, b: GuestRun): string[] {
  const diffs: string[] = [];
  for (let n = 1; n < 32; n++) {
    if (a.regs[n] !== b.regs[n]) {
      diffs.push(`x${n} (${ABI_NAMES[n]}): ${hex32(a.regs[n]!)} vs ${hex32(b.regs[n]!)}`);
    }
  }
  if (a.pc !== b.pc) diffs.push(`pc: ${hex32(a.pc)} vs ${hex32(b.pc)}`);
  if (a.instret !== b.instret) diffs.push(`instret: ${a.instret} vs ${b.instret}`);
  if (a.reason !== b.reason) diffs.push(`reason: ${a.reason} vs ${b.reason}`);
  return diffs;
}

Deno.test({
  name: `Machine.run() stops both engines in the same state when maxInsns cuts a random ` +
    `program (seed ${BASE_SEED})`,
  ignore: SKIP_CROSS !== undefined,
  fn: async (t) => {
    for (const trial of await getTrials()) {
      await t.step(`program seed ${trial.seed}`, () => {
        const rng = new Rng(trial.seed);
        for (let i = 0; i < LIMITS_PER_PROGRAM; i++) {
          const limit = rng.int(1, trial.interp.instret - 1);
          const translated = runGuest(trial.elf, { engine: "translate", maxInsns: limit });
          const interpreted = runGuest(trial.elf, { engine: "interp", maxInsns: limit });
          const diffs = stateDiff(translated, interpreted);
          if (translated.instret !== limit) {
            diffs.push(`instret ${translated.instret}, not ${limit}`);
          }
          if (diffs.length) {
            throw new Error(
              `seed ${trial.seed}, maxInsns ${limit}: translate vs interp:\n  ${
                diffs.join("\n  ")
              }` +
                `\nprogram:\n${listing(trial.source)}`,
            );
          }
        }
      });
    }
  },
});

Deno.test("randomProgram() returns the same program for the same seed", () => {
  assertEquals(randomProgram(42, 50), randomProgram(42, 50));
  if (randomProgram(42, 50) === randomProgram(43, 50)) throw new Error("seeds 42 and 43 agree");
});

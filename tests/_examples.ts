/**
 * The test cases of `examples/expected/` (see examples/README.md): the programs, arguments,
 * environment and input qemu-riscv32 was given, and what it printed.
 * @module
 */

import { exampleElf, REPO_ROOT, tempDir } from "./_files.ts";

/** One test case of `examples/expected/` (see examples/README.md). */
export interface ExampleCase {
  /** The case name, e.g. `segv.read`. */
  name: string;
  /** The program's path, `examples/build/<name up to its first '.'>.elf`, from the repo root. */
  elf: string;
  /** Arguments after argv[0], with `@TMP@` still in them (see {@linkcode expandArgs}). */
  args: string[];
  /** The process environment qemu was given, in file order (the guest sees it reversed). */
  env: string[];
  /** Standard input, if the case has one. */
  stdin?: Uint8Array;
  /** Expected standard output. */
  out: string;
  /** Expected standard error. */
  err: string;
  /** Expected exit status. */
  status: number;
}

function readLines(path: string): string[] | undefined {
  try {
    const text = Deno.readTextFileSync(path);
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

function readOptional(path: string): Uint8Array | undefined {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Reads every test case of `examples/expected/`, sorted by name. */
export function exampleCases(): ExampleCase[] {
  const dir = `${REPO_ROOT}/examples/expected`;
  const names = [...Deno.readDirSync(dir)]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".status"))
    .map((n) => n.slice(0, -".status".length))
    .sort();
  return names.map((name) => ({
    name,
    elf: exampleElf(name.split(".")[0]!),
    args: readLines(`${dir}/${name}.args`) ?? [],
    env: (readLines(`${dir}/${name}.env`) ?? []).filter((e) => e !== ""),
    stdin: readOptional(`${dir}/${name}.stdin`),
    out: Deno.readTextFileSync(`${dir}/${name}.out`),
    err: readOptional(`${dir}/${name}.err`) ? Deno.readTextFileSync(`${dir}/${name}.err`) : "",
    status: Number(Deno.readTextFileSync(`${dir}/${name}.status`).trim()),
  }));
}

/**
 * Replaces `@TMP@` in a case's arguments with a fresh temporary directory (one per call).
 * @param args the arguments of an {@linkcode ExampleCase}
 */
export function expandArgs(args: readonly string[]): string[] {
  if (!args.some((a) => a.includes("@TMP@"))) return [...args];
  const dir = tempDir();
  return args.map((a) => a.replaceAll("@TMP@", dir));
}

/**
 * Where the repository's test inputs are (its root, the example programs, the plugins), and
 * temporary directories that disappear when the test process ends.
 * @module
 */

/** The repository root (this file lives in `tests/`). */
export const REPO_ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The path of an example program built by `make -C examples`.
 * @param name the program's name, e.g. `hello` for `examples/build/hello.elf`
 */
export function exampleElf(name: string): string {
  return `${REPO_ROOT}/examples/build/${name}.elf`;
}

/** The example program that prints a greeting: a short guest every plugin can run. */
export const HELLO: string = exampleElf("hello");

/**
 * The URL of rvplug's plugin `plugins/<name>.ts`, to start a plugin spec with.
 * @param name the plugin's file name without `.ts`
 */
export function pluginUrl(name: string): string {
  return new URL(`../plugins/${name}.ts`, import.meta.url).href;
}

const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone, or busy: it is only a temporary directory.
    }
  }
});

/**
 * Creates a temporary directory that is removed when the test process ends. Within a test
 * process all of them have paths of the same length, so a guest given one as an argument runs
 * the same instruction count whichever it gets.
 * @param prefix the start of the directory's name
 */
export function tempDir(prefix = "rvplug_test_"): string {
  // Deno.makeTempDirSync's random suffix varies in length, so make fixed-length names under one
  // root per test process.
  if (tempDirs.length === 0) tempDirs.push(Deno.makeTempDirSync({ prefix: "rvplug_" }));
  const dir = `${tempDirs[0]}/${prefix}${crypto.randomUUID().slice(0, 8)}`;
  Deno.mkdirSync(dir);
  return dir;
}

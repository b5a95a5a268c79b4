/**
 * Loads plugins: parses `--plugin spec,key=value,...`, imports every module (a path or a URL),
 * loads the plugins they use (QPP) that were not given, links them all, then installs them,
 * each provider before its consumers. Nothing is installed unless all of them load and link.
 *
 * Loader options are arguments the loader takes for itself, out of the plugin's arguments (never
 * passed to `install`): `name=NAME` loads the plugin under another name than its file stem, to
 * load two plugins with one file name, or one module twice (each name gets its own instance of
 * the module). The sandbox's options (`sandbox=`, `trust=`, `allow-*=`, `timeout=`, `lock=`...,
 * see sandbox/options.ts) are loader options too: a sandboxed plugin is loaded by
 * {@linkcode startSandboxed} into a Worker of its own, and links and installs as the others do.
 * @module
 */

import { QppLinkError, type QppPlugin, qppPluginOf } from "../../qpp/linker.ts";
import {
  PLUGIN_API_MIN_VERSION,
  PLUGIN_API_VERSION,
  type PluginArgs,
  type PluginModule,
} from "./api.ts";
import type { PluginHost } from "./host.ts";
import type { LoaderOptions } from "./sandbox/options.ts";

/**
 * What loading plugins needs besides this module, imported on first use: mod.ts re-exports this
 * module, and a run without plugins should not load the sandbox, the `.d.ts` reader nor
 * `@std/path` (which alone costs several ms of start-up).
 */
async function loaderDeps() {
  const [
    { extname, fromFileUrl, resolve, toFileUrl },
    { parseQppDts },
    { describeImportError, missingPermission, pluginFrames },
    { sandboxed, splitLoaderOptions },
    { checkPins, projectLockProblem },
    { startSandboxed },
  ] = await Promise.all([
    import("@std/path"),
    import("../../qpp/dts.ts"),
    import("./sandbox/diagnose.ts"),
    import("./sandbox/options.ts"),
    import("./sandbox/pin.ts"),
    import("./sandbox/sandbox.ts"),
  ]);
  return {
    checkPins,
    describeImportError,
    extname,
    fromFileUrl,
    missingPermission,
    parseQppDts,
    pluginFrames,
    projectLockProblem,
    resolve,
    sandboxed,
    splitLoaderOptions,
    startSandboxed,
    toFileUrl,
  };
}

/** A `--plugin` argument, parsed. */
export interface PluginSpec {
  /** Module specifier: a URL (`file:`, `https:`, `jsr:`, `npm:`) or a path. */
  readonly specifier: string;
  /** The plugin's name: its file name without the extension, unless `name=` says otherwise. */
  readonly name: string;
  /** Its arguments, without the loader options. */
  readonly args: PluginArgs;
}

/** Arguments the loader takes for itself, never passed to the plugin. */
export const LOADER_OPTIONS: readonly string[] = ["name"];

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const PLUGIN_NAME = /^[A-Za-z_$][\w$.-]*$/;
const SEPARATOR = Deno.build.os === "windows" ? /[\\/]/ : /\//;
const SEPARATORS_AT_END = Deno.build.os === "windows" ? /[\\/]+$/ : /\/+$/;

/**
 * A plugin's default name: the stem of the file its specifier names (as `@std/path`'s basename
 * and extname give it, written out: {@linkcode parsePluginSpec} must not wait for a module).
 */
function fileStem(specifier: string): string {
  const path = isUrl(specifier)
    ? specifier.replace(/^(jsr|npm):/, "").split(/[?#]/)[0]!
    : specifier;
  const file = path.replace(SEPARATORS_AT_END, "").split(SEPARATOR).pop()!;
  const dot = file.lastIndexOf(".");
  return dot > 0 ? file.slice(0, dot) : file;
}

function isUrl(specifier: string): boolean {
  return URL_SCHEME.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier);
}

/**
 * Parses a plugin argument in QEMU's syntax: `path,key=value,key2=value2`, taking out the
 * loader options ({@linkcode LOADER_OPTIONS}).
 * @throws TypeError for an empty path, an argument without `=`, or a bad `name=`
 */
export function parsePluginSpec(text: string): PluginSpec {
  const [specifier, ...rest] = text.split(",");
  if (!specifier) throw new TypeError(`Cannot parse plugin "${text}": no module given`);
  let name = fileStem(specifier);
  const args: [string, string][] = [];
  for (const arg of rest) {
    const eq = arg.indexOf("=");
    if (eq <= 0) {
      throw new TypeError(`Cannot parse plugin argument "${arg}": expected key=value`);
    }
    const [key, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    if (key !== "name") {
      args.push([key, value]);
    } else if (!PLUGIN_NAME.test(value)) {
      throw new TypeError(
        `Cannot parse plugin name "${value}": expected letters, digits, "_", "-" or "."`,
      );
    } else {
      name = value;
    }
  }
  return { specifier, name, args };
}

/** The URL to import for a specifier: URLs as they are, paths resolved against the cwd. */
export async function moduleUrl(specifier: string): Promise<string> {
  if (isUrl(specifier)) return specifier;
  const { resolve, toFileUrl } = await loaderDeps();
  return toFileUrl(resolve(specifier)).href;
}

/** A plugin imported (in-process, or into its Worker), not yet installed. */
interface Imported {
  readonly spec: PluginSpec;
  readonly qpp: QppPlugin;
  install(): Promise<void>;
  /** Stops its Worker, if it has one, when it will not be installed. */
  close(): void;
}

/**
 * Loads, links and installs `specs` into `host`, with the plugins they use that `specs` does not
 * name, found beside their consumer or in rvplug's `plugins/`. Providers are installed before
 * their consumers, otherwise the order given is kept.
 * @throws TypeError (or a RangeError from a plugin rejecting its arguments) with a one-line
 * message naming the plugin, when a module cannot be imported or is not a plugin, two plugins
 * share a name, a used plugin is missing, linking fails, or an `install` throws
 */
export async function loadPlugins(host: PluginHost, specs: readonly PluginSpec[]): Promise<void> {
  if (specs.length === 0) return; // without loading what plugins need
  const { splitLoaderOptions } = await loaderDeps();
  // In-process and sandboxed plugins link together: a provider is installed before its
  // consumers, wherever each one runs.
  const given: [PluginSpec, LoaderOptions][] = [];
  for (const spec of specs) {
    const { args, options } = splitLoaderOptions(spec.args);
    given.push([{ ...spec, args }, options]);
  }
  const imported = await importAll(host, given, true);
  try {
    const order = host.qpp.link(imported.map((i) => i.qpp));
    const byName = new Map(imported.map((i) => [i.spec.name, i]));
    for (const p of order) await byName.get(p.name)!.install();
  } catch (e) {
    for (const i of imported) i.close();
    throw e;
  }
}

/**
 * Loads and links `specs` (with the plugins they use) without installing them: what
 * `--qpp-list` shows.
 * @returns the plugins in install order
 * @throws TypeError as {@linkcode loadPlugins} does
 */
export async function linkPlugins(
  host: PluginHost,
  specs: readonly PluginSpec[],
): Promise<QppPlugin[]> {
  const { sandboxed, splitLoaderOptions } = await loaderDeps();
  const inProcess = specs.map((spec) => ({ ...spec, args: splitLoaderOptions(spec.args).args }))
    .filter((spec, i) => !sandboxed(spec.specifier, splitLoaderOptions(specs[i]!.args).options))
    .map((spec): [PluginSpec, LoaderOptions] => [spec, splitLoaderOptions([]).options]);
  return host.qpp.link((await importAll(host, inProcess, false)).map((i) => i.qpp));
}

/** Loads, links and installs one plugin; see {@linkcode loadPlugins}. */
export function loadPlugin(host: PluginHost, spec: PluginSpec): Promise<void> {
  return loadPlugins(host, [spec]);
}

/**
 * Imports `specs`, then every plugin they use that is not loaded, transitively: in-process, or
 * with `sandboxes` into Workers of their own where their options say so.
 */
async function importAll(
  host: PluginHost,
  specs: readonly (readonly [PluginSpec, LoaderOptions])[],
  sandboxes: boolean,
): Promise<Imported[]> {
  const { checkPins, projectLockProblem, sandboxed, splitLoaderOptions } = await loaderDeps();
  const sources = new Map(host.qpp.plugins.map((p) => [p.name, p.source]));
  for (const name of host.names) if (!sources.has(name)) sources.set(name, "an earlier load");
  const urls = new Set(sources.values());
  const imported: Imported[] = [];
  const add = async (
    spec: PluginSpec,
    options: LoaderOptions,
    url: string,
    usedBy?: string,
  ) => {
    const other = sources.get(spec.name);
    if (other !== undefined) {
      throw new TypeError(
        `Cannot load plugin "${spec.name}" from "${url}": "${other}" has that name already; ` +
          `rename one with --plugin ${spec.specifier},name=OTHER_NAME`,
      );
    }
    sources.set(spec.name, url);
    if (sandboxes) {
      const refused = projectLockProblem(spec.specifier) ?? await checkPins(url, options);
      if (refused) throw new TypeError(`Cannot load plugin "${spec.specifier}": ${refused}`);
      if (sandboxed(spec.specifier, options)) {
        imported.push(await importSandboxed(host, spec, options, url));
        return;
      }
    }
    // A module imported once more under another name gets an instance of its own.
    const instanceUrl = urls.has(url) && !/^(jsr|npm):/.test(url)
      ? `${url}${url.includes("?") ? "&" : "?"}rvplug-instance=${encodeURIComponent(spec.name)}`
      : url;
    urls.add(url);
    imported.push(await importPlugin(host, spec, url, instanceUrl, usedBy));
  };
  try {
    for (const [spec, options] of specs) await add(spec, options, await moduleUrl(spec.specifier));
    // A for-of over the array sees the plugins it grows by.
    for (const consumer of imported) {
      for (const used of consumer.qpp.uses.keys()) {
        if (sources.has(used)) continue;
        const url = await findUsed(used, consumer.qpp);
        const spec = { specifier: url, name: used, args: [] };
        await add(spec, splitLoaderOptions([]).options, url, consumer.spec.name);
      }
    }
  } catch (e) {
    for (const i of imported) i.close();
    throw e;
  }
  return imported;
}

/** Starts a sandboxed plugin's Worker, imports the plugin there and reads its QPP exports. */
async function importSandboxed(
  host: PluginHost,
  spec: PluginSpec,
  options: LoaderOptions,
  url: string,
): Promise<Imported> {
  const { startSandboxed } = await loaderDeps();
  const started = await startSandboxed(host, { ...spec, url }, options);
  try {
    const qpp = await qppPluginOf(
      spec.name,
      fileStem(url),
      url,
      started.exports as Record<string, unknown>,
      () => readDts(spec.name, url),
    );
    return { spec, qpp, install: async () => void await started.install(), close: started.close };
  } catch (e) {
    started.close();
    throw e;
  }
}

/**
 * Where a used plugin that was not given is: beside its consumer (same folder or URL base, same
 * extension), else in rvplug's `plugins/`.
 * @throws TypeError naming consumer, provider and the places looked at
 */
async function findUsed(name: string, consumer: QppPlugin): Promise<string> {
  const { extname } = await loaderDeps();
  const ext = extname(new URL(consumer.source).pathname) || ".ts";
  const candidates = [
    new URL(`./${name}${ext}`, consumer.source).href,
    new URL(`../../plugins/${name}.ts`, import.meta.url).href,
  ].filter((url, i, all) => all.indexOf(url) === i);
  for (const url of candidates) if (await exists(url)) return url;
  throw new TypeError(
    `Cannot load plugin "${name}", which plugin "${consumer.name}" uses: not found at ${
      candidates.map((c) => `"${c}"`).join(" nor ")
    }`,
  );
}

async function exists(url: string): Promise<boolean> {
  const { fromFileUrl } = await loaderDeps();
  try {
    if (url.startsWith("file:")) return (await Deno.stat(fromFileUrl(url))).isFile;
    if (!/^https?:/.test(url)) return false;
    const response = await fetch(url, { method: "HEAD" });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Imports one plugin and reads what it declares for QPP. */
async function importPlugin(
  host: PluginHost,
  spec: PluginSpec,
  url: string,
  instanceUrl: string,
  usedBy: string | undefined,
): Promise<Imported> {
  const { describeImportError, missingPermission } = await loaderDeps();
  const what = usedBy === undefined ? `"${spec.specifier}"` : `"${url}" (used by "${usedBy}")`;
  const missing = missingPermission(url);
  if (missing) throw new TypeError(`Cannot load plugin ${what}: ${missing}`);
  let mod: Partial<PluginModule> & Record<string, unknown>;
  try {
    mod = await import(instanceUrl);
  } catch (e) {
    const why = await describeImportError(e instanceof Error ? e.message : String(e));
    throw new TypeError(`Cannot load plugin ${what}: ${why}`);
  }
  if (typeof mod.install !== "function") {
    throw new TypeError(`Cannot load plugin ${what}: it exports no install function`);
  }
  const version = mod.apiVersion ?? 1;
  // As QEMU: every version from the oldest still supported to the current one loads.
  if (!(version >= PLUGIN_API_MIN_VERSION && version <= PLUGIN_API_VERSION)) {
    throw new TypeError(
      `Cannot load plugin "${spec.name}": it needs plugin API version ${version}, ` +
        `rvplug supports versions ${PLUGIN_API_MIN_VERSION} to ${PLUGIN_API_VERSION}`,
    );
  }
  const qpp = await qppPluginOf(spec.name, fileStem(url), url, mod, () => readDts(spec.name, url));
  const install = () => installInProcess(host, spec, mod as PluginModule);
  return { spec, qpp, install, close: () => {} };
}

/** Reads and parses the `.d.ts` beside a provider. */
async function readDts(name: string, url: string) {
  const { fromFileUrl, parseQppDts } = await loaderDeps();
  const source = url.split(/[?#]/)[0]!.replace(/\.[cm]?[jt]sx?$/, "") + ".d.ts";
  let text: string;
  try {
    if (source.startsWith("file:")) {
      text = await Deno.readTextFile(fromFileUrl(source));
    } else if (/^https?:/.test(source)) {
      const response = await fetch(source);
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      text = await response.text();
    } else {
      throw new Error("only file: and http(s): interfaces can be read");
    }
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new TypeError(
      `Cannot load plugin "${name}": cannot read its interface "${source}": ${why}`,
    );
  }
  try {
    return { ifaces: parseQppDts(text, source), source };
  } catch (e) {
    throw new TypeError(`Cannot load plugin "${name}": ${(e as Error).message}`);
  }
}

/** Installs one plugin imported in-process. */
async function installInProcess(
  host: PluginHost,
  spec: PluginSpec,
  mod: PluginModule,
): Promise<void> {
  const { pluginFrames } = await loaderDeps();
  const api = host.createApi(spec.name);
  try {
    await mod.install(api, spec.args);
    host.qpp.installed(spec.name);
  } catch (e) {
    // A plugin rejecting its arguments says so with a TypeError or RangeError: keep the class.
    // Link errors name the plugins involved already.
    if (e instanceof QppLinkError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    const message = `Cannot install plugin "${spec.name}": ${why}${pluginFrames(e)}`;
    throw e instanceof RangeError ? new RangeError(message) : new TypeError(message);
  }
}

/**
 * Loads plugins: parses `--plugin spec,key=value,...`, imports the module (a path or a URL),
 * checks its API version and calls its `install`.
 * @module
 */

import { basename, extname, resolve, toFileUrl } from "@std/path";
import {
  PLUGIN_API_MIN_VERSION,
  PLUGIN_API_VERSION,
  type PluginArgs,
  type PluginModule,
} from "./api.ts";
import type { PluginHost } from "./host.ts";
import { loadSandboxed } from "./sandbox/sandbox.ts";
import { sandboxed, splitLoaderOptions } from "./sandbox/options.ts";
import { describeImportError, missingPermission, pluginFrames } from "./sandbox/diagnose.ts";
import { checkPins, projectLockProblem } from "./sandbox/pin.ts";

/** A `--plugin` argument, parsed. */
export interface PluginSpec {
  /** Module specifier: a URL (`file:`, `https:`, `jsr:`, `npm:`) or a path. */
  readonly specifier: string;
  /** The plugin's name: its file name without the extension. */
  readonly name: string;
  /** Its `key=value` arguments, in order. */
  readonly args: PluginArgs;
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Parses a plugin argument in QEMU's syntax: `path,key=value,key2=value2`.
 * @throws TypeError for an empty path or an argument without `=`
 */
export function parsePluginSpec(text: string): PluginSpec {
  const [specifier, ...rest] = text.split(",");
  if (!specifier) throw new TypeError(`Cannot parse plugin "${text}": no module given`);
  const args = rest.map((arg): [string, string] => {
    const eq = arg.indexOf("=");
    if (eq <= 0) {
      throw new TypeError(`Cannot parse plugin argument "${arg}": expected key=value`);
    }
    return [arg.slice(0, eq), arg.slice(eq + 1)];
  });
  const path = URL_SCHEME.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier)
    ? specifier.replace(/^(jsr|npm):/, "").split(/[?#]/)[0]
    : specifier;
  const file = basename(path);
  return { specifier, name: file.slice(0, file.length - extname(file).length), args };
}

/** The URL to import for a specifier: URLs as they are, paths resolved against the cwd. */
export function moduleUrl(specifier: string): string {
  if (URL_SCHEME.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier)) return specifier;
  return toFileUrl(resolve(specifier)).href;
}

/**
 * Imports the plugin module of `spec` and installs it into `host`.
 * @throws TypeError when the module cannot be imported, is not a plugin, or was written for
 * an API version this rvplug does not support; an error from the plugin's `install` comes back
 * with the plugin's name, as a RangeError if it was one and a TypeError otherwise
 */
export async function loadPlugin(host: PluginHost, spec: PluginSpec): Promise<void> {
  // The loader's own options (sandbox=, trust=, allow-*=) never reach the plugin.
  const { args, options } = splitLoaderOptions(spec.args);
  const url = moduleUrl(spec.specifier);
  const refused = projectLockProblem(spec.specifier) ?? await checkPins(url, options);
  if (refused) throw new TypeError(`Cannot load plugin "${spec.specifier}": ${refused}`);
  if (sandboxed(spec.specifier, options)) {
    await loadSandboxed(host, { specifier: spec.specifier, url, name: spec.name, args }, options);
    return;
  }
  const missing = missingPermission(url);
  if (missing) throw new TypeError(`Cannot load plugin "${spec.specifier}": ${missing}`);
  let mod: Partial<PluginModule>;
  try {
    mod = await import(url);
  } catch (e) {
    const why = await describeImportError(e instanceof Error ? e.message : String(e));
    throw new TypeError(`Cannot load plugin "${spec.specifier}": ${why}`);
  }
  if (typeof mod.install !== "function") {
    throw new TypeError(`Cannot load plugin "${spec.specifier}": it exports no install function`);
  }
  const version = mod.apiVersion ?? 1;
  // As QEMU: every version from the oldest still supported to the current one loads.
  if (!(version >= PLUGIN_API_MIN_VERSION && version <= PLUGIN_API_VERSION)) {
    throw new TypeError(
      `Cannot load plugin "${spec.name}": it needs plugin API version ${version}, ` +
        `rvplug supports versions ${PLUGIN_API_MIN_VERSION} to ${PLUGIN_API_VERSION}`,
    );
  }
  const api = host.createApi(spec.name);
  try {
    await mod.install(api, args);
  } catch (e) {
    // A plugin rejecting its arguments says so with a TypeError or RangeError: keep the class.
    const why = e instanceof Error ? e.message : String(e);
    const message = `Cannot install plugin "${spec.name}": ${why}${pluginFrames(e)}`;
    throw e instanceof RangeError ? new RangeError(message) : new TypeError(message);
  }
}

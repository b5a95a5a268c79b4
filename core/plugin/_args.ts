/**
 * The declarative parser of plugin arguments behind `PluginApi.parseArgs`.
 * @module
 */

import { type ArgSpec, type ArgSpecs, parseBool, type ParsedArgs, type PluginArgs } from "./api.ts";

/** `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length < 2
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** What an `int` spec accepts, in words. */
function intWords(spec: ArgSpec & { type: "int" }): string {
  const { min, max } = spec;
  const what = spec.radix === 16 ? "a hex integer" : "an integer";
  if (spec.radix !== 16 && max === undefined && (min === 0 || min === 1)) {
    return min === 1 ? "a positive integer" : "a non-negative integer";
  }
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} of ${min} or more`;
  if (max !== undefined) return `${what} of ${max} or less`;
  return what;
}

function parseValue(key: string, value: string, spec: ArgSpec): unknown {
  const refuse = (expected: string) =>
    new TypeError(`Cannot parse "${key}=${value}": expected ${expected}`);
  switch (spec.type) {
    case "bool":
      return parseBool(key, value);
    case "string":
      return value;
    case "enum":
      if (!spec.values.includes(value)) throw refuse(orList(spec.values));
      return value;
    case "custom":
      return spec.parse(value, key);
    case "int": {
      const hex = spec.radix === 16;
      const ok = hex ? /^(0x)?[0-9a-f]+$/i.test(value) : /^-?[0-9]+$/.test(value);
      const n = !ok ? NaN : hex ? parseInt(value.replace(/^0x/i, ""), 16) : Number(value);
      if (
        !Number.isSafeInteger(n) || (spec.min !== undefined && n < spec.min) ||
        (spec.max !== undefined && n > spec.max)
      ) {
        throw refuse(intWords(spec));
      }
      return n;
    }
  }
}

/**
 * Parses `args` against `spec`; see `PluginApi.parseArgs`.
 * @throws TypeError for an unknown key, a bad value or a missing required key
 */
export function parseArgs<const S extends ArgSpecs>(args: PluginArgs, spec: S): ParsedArgs<S> {
  const known = Object.keys(spec);
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) out[key] = s.multiple ? [] : s.default;
  const given = new Set<string>();
  for (const [key, value] of args) {
    const s = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (s === undefined) {
      const expected = known.length > 0 ? `expected ${orList(known)}` : "the plugin takes none";
      throw new TypeError(`Unknown argument "${key}": ${expected}`);
    }
    const v = parseValue(key, value, s);
    if (s.multiple) (out[key] as unknown[]).push(v);
    else out[key] = v;
    given.add(key);
  }
  for (const [key, s] of Object.entries(spec)) {
    if (s.required && !given.has(key)) {
      throw new TypeError(`Cannot parse the arguments: no "${key}" given`);
    }
  }
  return out as ParsedArgs<S>;
}

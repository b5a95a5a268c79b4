/**
 * Reads a provider's interface from its `.d.ts`: the entry it adds to the global `QppRegistry`,
 * with the interface version, the functions and the callbacks, and their parameter lists as
 * written. The linker checks a provider's exports against it and `--qpp-list` prints it.
 *
 * The shape read is the one every provider's `.d.ts` has:
 *
 * ```ts ignore
 * declare global {
 *   interface QppRegistry {
 *     plugin_a: {
 *       version: 1;
 *       functions: { func_1: (x: number) => number };
 *       callbacks: { on_some_event: (x: number, flag: boolean) => void };
 *     };
 *   }
 * }
 * export {};
 * ```
 * @module
 */

/** A function or callback of an interface, as its `.d.ts` declares it. */
export interface QppMember {
  /** Its name. */
  readonly name: string;
  /** The parameter list without its parentheses, e.g. `x: number, flag: boolean`. */
  readonly params: string;
  /** The return type, e.g. `number` (`void` for callbacks). */
  readonly returns: string;
  /** The number of parameters, or -1 when it varies (a rest parameter). */
  readonly arity: number;
  /** The first sentence of its doc comment, if any. */
  readonly doc?: string;
}

/** A provider's interface: one entry of `QppRegistry`. */
export interface QppInterface {
  /** The plugin name it is declared for (its key in `QppRegistry`). */
  readonly name: string;
  /** The interface version. */
  readonly version: number;
  /** The functions, in declaration order. */
  readonly functions: readonly QppMember[];
  /** The callbacks, in declaration order. */
  readonly callbacks: readonly QppMember[];
}

/**
 * Parses the `QppRegistry` entries of a `.d.ts`.
 * @param text the `.d.ts` source
 * @param source where it came from, for error messages
 * @returns the interfaces it declares, in order
 * @throws SyntaxError naming `source` when it has no `QppRegistry` or an entry has not the shape
 * `{ version: N; functions: {...}; callbacks: {...} }`
 */
export function parseQppDts(text: string, source: string): QppInterface[] {
  const { code, docs } = stripComments(text);
  const at = /\binterface\s+QppRegistry\s*\{/.exec(code);
  if (!at) throw new SyntaxError(`Cannot read "${source}": it declares no interface QppRegistry`);
  const body = block(code, at.index + at[0].length - 1, source);
  return members(body.text, source).map(([name, type]) => {
    if (!type.startsWith("{")) {
      throw new SyntaxError(
        `Cannot read "${source}": QppRegistry entry "${name}" is not an object`,
      );
    }
    const fields = new Map(members(type.slice(1, -1), source));
    const version = Number(fields.get("version"));
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new SyntaxError(
        `Cannot read "${source}": QppRegistry entry "${name}" has no numeric version`,
      );
    }
    const list = (field: "functions" | "callbacks"): QppMember[] => {
      const t = fields.get(field);
      if (t === undefined) return [];
      if (!t.startsWith("{")) {
        throw new SyntaxError(`Cannot read "${source}": ${name}.${field} is not an object type`);
      }
      return members(t.slice(1, -1), source).map(([member, sig]) => {
        const fn = signature(sig);
        if (!fn) {
          throw new SyntaxError(
            `Cannot read "${source}": ${name}.${field}.${member} is not a function type`,
          );
        }
        return { name: member, ...fn, arity: arity(fn.params), doc: docs.get(member) };
      });
    };
    return {
      name,
      version,
      functions: list("functions"),
      callbacks: list("callbacks"),
    };
  });
}

/** Blanks out comments (keeping string literals), remembering each doc comment's first line. */
function stripComments(text: string): { code: string; docs: Map<string, string> } {
  let code = "";
  const docs = new Map<string, string>();
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      const comment = text.slice(i, stop);
      const next = /^\s*([A-Za-z_$][\w$]*)\s*[:?]/.exec(text.slice(stop));
      if (comment.startsWith("/**") && next) {
        const first = comment.replace(/^\/\*\*|\*\/$/g, "").replace(/^\s*\* ?/gm, "").trim()
          .split(/(?<=\.)\s|\n\s*\n|\n@/)[0]!.replace(/\s+/g, " ");
        if (first) docs.set(next[1]!, first);
      }
      code += " ";
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      code += text.slice(i, j + 1);
      i = j + 1;
    } else {
      code += c;
      i++;
    }
  }
  return { code, docs };
}

const OPEN: Record<string, string> = { "{": "}", "(": ")", "[": "]", "<": ">" };

/** The balanced block starting at `code[start]`, including its delimiters. */
function block(code: string, start: number, source: string): { text: string; end: number } {
  const stack: string[] = [];
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < code.length && code[i] !== c;) i += code[i] === "\\" ? 2 : 1;
    } else if (c !== undefined && c in OPEN) {
      stack.push(OPEN[c]!);
    } else if (c === ">" && code[i - 1] === "=") {
      continue; // the arrow of a function type
    } else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return { text: code.slice(start + 1, i), end: i + 1 };
    }
  }
  throw new SyntaxError(`Cannot read "${source}": unbalanced "${code[start]}"`);
}

/** Splits an object type's body into `[name, type]` pairs at top-level `;` and `,`. */
function members(body: string, source: string): [string, string][] {
  const out: [string, string][] = [];
  let depth = 0, start = 0;
  const parts: string[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < body.length && body[i] !== c;) i += body[i] === "\\" ? 2 : 1;
    } else if (c === "{" || c === "(" || c === "[" || c === "<") depth++;
    else if (c === "}" || c === ")" || c === "]" || (c === ">" && body[i - 1] !== "=")) depth--;
    else if ((c === ";" || c === ",") && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  for (const part of parts.map((p) => p.trim()).filter((p) => p)) {
    const m = /^(?:readonly\s+)?([A-Za-z_$][\w$]*)\s*\??\s*:\s*([\s\S]*)$/.exec(part);
    if (!m) {
      throw new SyntaxError(
        `Cannot read "${source}": expected "name: type", found "${part.replace(/\s+/g, " ")}"`,
      );
    }
    out.push([m[1]!, m[2]!.trim().replace(/\s+/g, " ")]);
  }
  return out;
}

/** The number of parameters in a parameter list, or -1 for a rest parameter or one not read. */
function arity(params: string): number {
  if (params.includes("...")) return -1;
  try {
    return members(params, "").length;
  } catch {
    return -1; // a destructured parameter, say: run it the general way
  }
}

/** The parameters and return type of a function type `(params) => ret`, or undefined. */
function signature(type: string): { params: string; returns: string } | undefined {
  if (!type.startsWith("(")) return undefined;
  const { text, end } = block(type, 0, "");
  const rest = /^\s*=>\s*([\s\S]+)$/.exec(type.slice(end));
  return rest ? { params: text.trim().replace(/,$/, ""), returns: rest[1]!.trim() } : undefined;
}

/**
 * The QPP registry, owned by the core: it links plugins that call each other's functions and
 * register for each other's callbacks. The loader imports every plugin first, then
 * {@linkcode QppLinker.link} checks versions, interfaces and cycles and says in which order to
 * install them (providers first), then each plugin's `api.qpp` resolves what it uses once.
 *
 * Nothing here assumes that a provider runs in the same realm as its consumer beyond the one link
 * step: functions are resolved from the provider's description ({@linkcode QppPlugin.provides}),
 * and callbacks are lists the registry owns.
 * @module
 */

import { GuestExit, GuestFault } from "../core/errors.ts";
import type { QppInterface } from "./dts.ts";
import type { QppApi, QppRegOptions } from "./types.ts";

/** A function a provider exports, as the linker handles it (its types are in the `.d.ts`). */
// deno-lint-ignore no-explicit-any
export type QppFunction = (...args: any[]) => any;

/** What the linker knows of a plugin: read from its module (and its `.d.ts`) before install. */
export interface QppPlugin {
  /** The plugin's name (its file stem, or the name it was given). */
  readonly name: string;
  /** Its interface name in `QppRegistry`: its file stem. */
  readonly stem: string;
  /** Where it was loaded from. */
  readonly source: string;
  /** The plugins it uses and the interface version it needs of each (`qppUses`). */
  readonly uses: ReadonlyMap<string, number>;
  /** Its interface, when it provides one (it exports `qppVersion`). */
  readonly provides?: QppProvides;
}

/** A provider's interface: what it exports and what its `.d.ts` declares. */
export interface QppProvides {
  /** `qppVersion`. */
  readonly version: number;
  /** Its exported functions. */
  readonly functions: ReadonlyMap<string, QppFunction>;
  /** Its `.d.ts`, parsed. */
  readonly iface: QppInterface;
  /** Where its `.d.ts` was read. */
  readonly dtsSource: string;
}

/** Exports of a plugin module that are not part of its QPP interface. */
const RESERVED = new Set(["install", "apiVersion", "qppVersion", "qppUses"]);

/**
 * Reads what a plugin module declares for QPP: `qppUses`, and for a provider `qppVersion` and its
 * exported functions.
 * @param mod the module namespace
 * @param readDts reads and parses the provider's `.d.ts` (called only for a provider)
 * @throws TypeError when `qppUses` or `qppVersion` is malformed
 */
export async function qppPluginOf(
  name: string,
  stem: string,
  source: string,
  mod: Record<string, unknown>,
  readDts: () => Promise<{ ifaces: QppInterface[]; source: string }>,
): Promise<QppPlugin> {
  const uses = new Map<string, number>();
  if (mod.qppUses !== undefined) {
    if (typeof mod.qppUses !== "object" || mod.qppUses === null) {
      throw new QppLinkError(`Cannot load plugin "${name}": qppUses is not an object`);
    }
    for (const [provider, version] of Object.entries(mod.qppUses)) {
      if (!Number.isSafeInteger(version)) {
        throw new QppLinkError(
          `Cannot load plugin "${name}": qppUses.${provider} is "${version}", not a version number`,
        );
      }
      uses.set(provider, version as number);
    }
  }
  if (mod.qppVersion === undefined) return { name, stem, source, uses };
  if (!Number.isSafeInteger(mod.qppVersion)) {
    throw new QppLinkError(`Cannot load plugin "${name}": qppVersion is not a number`);
  }
  const functions = new Map<string, QppFunction>();
  for (const [key, value] of Object.entries(mod)) {
    if (!RESERVED.has(key) && typeof value === "function") functions.set(key, value as QppFunction);
  }
  const dts = await readDts();
  const iface = dts.ifaces.find((i) => i.name === stem);
  if (!iface) {
    throw new QppLinkError(
      `Cannot load plugin "${name}": "${dts.source}" declares no QppRegistry entry "${stem}"`,
    );
  }
  const provides = { version: mod.qppVersion as number, functions, iface, dtsSource: dts.source };
  return { name, stem, source, uses, provides };
}

/** A QPP link error: a plugin's uses, interface or registrations do not fit together. */
export class QppLinkError extends TypeError {
  /**
   * An error with `message`.
   * @param message one line naming the plugins involved and what is wrong
   */
  constructor(message: string) {
    super(message);
    this.name = "QppLinkError";
  }
}

/**
 * A QPP callback threw: names the plugin that registered it, the provider and the callback. The
 * plugin host reports it as a failure of the provider that ran the callback.
 */
export class QppCallbackError extends Error {
  /** The plugin whose function threw. */
  readonly consumer: string;
  /** The plugin that ran the callback. */
  readonly provider: string;
  /** The callback's name. */
  readonly callback: string;

  /**
   * An error for `consumer`'s function, registered for `provider`'s `callback`, throwing `cause`.
   * @param provider the plugin that ran the callback
   * @param callback the callback's name
   * @param consumer the plugin whose function threw
   * @param cause what it threw
   */
  constructor(provider: string, callback: string, consumer: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `callback ${provider}.${callback} registered by plugin "${consumer}" threw: ${why}`,
      { cause },
    );
    this.name = "QppCallbackError";
    this.consumer = consumer;
    this.provider = provider;
    this.callback = callback;
  }
}

/**
 * A function a plugin exports for QPP threw when another plugin called it: names both plugins and
 * the function. The plugin host reports it as a failure of the caller.
 */
export class QppCallError extends Error {
  /** The plugin whose function threw. */
  readonly provider: string;
  /** The function's name. */
  readonly fn: string;
  /** The plugin that called it. */
  readonly caller: string;

  /**
   * An error for `provider`'s function `fn`, called by `caller`, throwing `cause`.
   * @param provider the plugin whose function threw
   * @param fn the function's name
   * @param caller the plugin that called it
   * @param cause what it threw
   */
  constructor(provider: string, fn: string, caller: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${provider}.${fn}, called by plugin "${caller}", threw: ${why}`, { cause });
    this.name = "QppCallError";
    this.provider = provider;
    this.fn = fn;
    this.caller = caller;
  }
}

/** Whether an exception passes through QPP unchanged: the guest's end, or one QPP named already. */
function passes(e: unknown): boolean {
  return e instanceof GuestExit || e instanceof GuestFault || e instanceof QppCallbackError ||
    e instanceof QppCallError;
}

/**
 * `fn` wrapped so that an exception names provider, function and caller. Small arities get a
 * wrapper of their own: a fixed-arity call costs no more than the plain call.
 */
function guarded(fn: QppFunction, provider: string, name: string, caller: string): QppFunction {
  const fail = (e: unknown) => passes(e) ? e : new QppCallError(provider, name, caller, e);
  switch (fn.length) {
    case 0:
      return () => {
        try {
          return fn();
        } catch (e) {
          throw fail(e);
        }
      };
    case 1:
      return (a: unknown) => {
        try {
          return fn(a);
        } catch (e) {
          throw fail(e);
        }
      };
    case 2:
      return (a: unknown, b: unknown) => {
        try {
          return fn(a, b);
        } catch (e) {
          throw fail(e);
        }
      };
    default:
      return (...args: unknown[]) => {
        try {
          return fn(...args);
        } catch (e) {
          throw fail(e);
        }
      };
  }
}

interface Registration {
  readonly plugin: string;
  readonly fn: QppFunction;
  readonly priority: number;
}

/** One callback of a provider: the functions registered for it (replaced, never mutated). */
interface Slot {
  readonly provider: string;
  readonly name: string;
  /** Its number of parameters (-1: it varies). */
  readonly arity: number;
  created: boolean;
  regs: readonly Registration[];
}

/** The QPP registry of one machine's plugins. */
export class QppLinker {
  #plugins = new Map<string, QppPlugin>();
  /** Callback slots by provider name, then callback name. */
  #slots = new Map<string, Map<string, Slot>>();
  /** Linked function tables by consumer, then provider. */
  #handles = new Map<string, Map<string, object>>();

  /** The plugins linked so far, in install order. */
  get plugins(): QppPlugin[] {
    return [...this.#plugins.values()];
  }

  /**
   * Links `batch` with each other and with the plugins linked before: every plugin used must be
   * among them, provide an interface of the version needed, and export what its `.d.ts` declares;
   * uses must not form a cycle.
   * @returns `batch` in install order: each provider before its consumers, otherwise in the
   * order given
   * @throws TypeError naming the plugins involved and what is wrong
   */
  link(batch: readonly QppPlugin[]): QppPlugin[] {
    const all = new Map(this.#plugins);
    for (const p of batch) all.set(p.name, p);
    for (const p of batch) if (p.provides) checkExports(p, p.provides);
    for (const p of batch) {
      for (const [used, version] of p.uses) {
        const provider = all.get(used);
        if (!provider) {
          throw new QppLinkError(`Cannot link plugin "${p.name}": plugin "${used}" is not loaded`);
        }
        if (!provider.provides) {
          throw new QppLinkError(
            `Cannot link plugin "${p.name}": it uses "${used}", which has no QPP interface ` +
              `(it exports no qppVersion)`,
          );
        }
        if (provider.provides.version !== version) {
          throw new QppLinkError(
            `Cannot link plugin "${p.name}": it needs ${used} version ${version}, ` +
              `"${provider.source}" provides version ${provider.provides.version}`,
          );
        }
      }
    }
    const order = installOrder(batch, all);
    for (const p of order) {
      this.#plugins.set(p.name, p);
      const slots = new Map<string, Slot>();
      for (const cb of p.provides?.iface.callbacks ?? []) {
        slots.set(cb.name, {
          provider: p.name,
          name: cb.name,
          arity: cb.arity,
          created: false,
          regs: [],
        });
      }
      this.#slots.set(p.name, slots);
      const handles = new Map<string, object>();
      for (const used of p.uses.keys()) handles.set(used, this.#handle(p.name, all.get(used)!));
      this.#handles.set(p.name, handles);
    }
    return order;
  }

  /**
   * Checks a provider after its install: it created every callback its `.d.ts` declares.
   * @throws TypeError naming the callbacks it did not create
   */
  installed(name: string): void {
    const slots = [...this.#slots.get(name)?.values() ?? []];
    const { missing } = againstDts(
      slots.map((s) => s.name),
      slots.filter((s) => s.created).map((s) => s.name),
    );
    if (missing.length > 0) {
      const p = this.#plugins.get(name)!;
      throw new QppLinkError(
        `Cannot install plugin "${name}": "${p.provides!.dtsSource}" declares callback ` +
          `${missing.join(", ")}, which its install did not create`,
      );
    }
  }

  /** Removes every callback registration of plugin `name` (it was uninstalled or reset). */
  forget(name: string): void {
    for (const slots of this.#slots.values()) {
      for (const slot of slots.values()) slot.regs = slot.regs.filter((r) => r.plugin !== name);
    }
  }

  /** The `api.qpp` object of plugin `name`, which {@linkcode link} linked. */
  apiFor(name: string): QppApi {
    const plugin = (): QppPlugin => {
      const p = this.#plugins.get(name);
      if (!p) throw new QppLinkError(`Cannot use QPP from plugin "${name}": it was not linked`);
      return p;
    };
    const slotOf = (provider: string, cb: string, action: string): Slot => {
      const p = plugin();
      if (!p.uses.has(provider)) {
        throw new QppLinkError(
          `Cannot ${action} ${provider}.${cb} from plugin "${name}": its qppUses does not ` +
            `name "${provider}"`,
        );
      }
      const slot = this.#slots.get(provider)?.get(cb);
      if (!slot) {
        throw new QppLinkError(
          `Cannot ${action} ${provider}.${cb} from plugin "${name}": "${
            this.#plugins.get(provider)?.provides?.dtsSource
          }" declares no callback "${cb}"`,
        );
      }
      return slot;
    };
    return {
      use: (provider: string) => {
        const handle = this.#handles.get(name)?.get(provider);
        if (!handle) {
          throw new QppLinkError(
            `Cannot use plugin "${provider}" from plugin "${name}": its qppUses does not name it`,
          );
        }
        // deno-lint-ignore no-explicit-any
        return handle as any;
      },
      createCb: (self: string, cb: string) => {
        const p = plugin();
        if (self !== p.stem || !p.provides) {
          throw new QppLinkError(
            `Cannot create callback ${self}.${cb} in plugin "${name}": its interface is ` +
              (p.provides ? `"${p.stem}"` : `missing (it exports no qppVersion)`),
          );
        }
        const slot = this.#slots.get(name)!.get(cb);
        if (!slot) {
          throw new QppLinkError(
            `Cannot create callback ${self}.${cb}: "${p.provides.dtsSource}" does not declare it`,
          );
        }
        slot.created = true;
        return runner(slot, slot.arity);
      },
      regCb: (provider: string, cb: string, fn: QppFunction, options?: QppRegOptions) => {
        const slot = slotOf(provider, cb, "register for");
        if (typeof fn !== "function") {
          throw new QppLinkError(`Cannot register for ${provider}.${cb}: not a function`);
        }
        const reg = { plugin: name, fn, priority: options?.priority ?? 0 };
        const at = slot.regs.findIndex((r) => r.priority < reg.priority);
        slot.regs = at < 0
          ? [...slot.regs, reg]
          : [...slot.regs.slice(0, at), reg, ...slot.regs.slice(at)];
      },
      unregCb: (provider: string, cb: string, fn: QppFunction) => {
        const slot = slotOf(provider, cb, "unregister from");
        const at = slot.regs.findIndex((r) => r.plugin === name && r.fn === fn);
        if (at < 0) return false;
        slot.regs = slot.regs.filter((_, i) => i !== at);
        return true;
      },
    } as QppApi;
  }

  /**
   * The function table consumer `consumer` gets for `provider`: its functions as own properties;
   * reading any other name throws a TypeError naming both plugins and the name.
   */
  #handle(consumer: string, provider: QppPlugin): object {
    const missing = new Proxy(Object.create(null), {
      get(_target, key) {
        // Symbols and "then" are probes (inspection, await), not calls.
        if (typeof key === "symbol" || key === "then" || key === "toJSON") return undefined;
        throw new QppLinkError(
          `Cannot call ${provider.name}.${key} from plugin "${consumer}": "${provider.source}" ` +
            `exports no function "${key}"`,
        );
      },
    });
    const table = Object.create(missing);
    for (const [key, fn] of provider.provides!.functions) {
      const value = guarded(fn, provider.name, key, consumer);
      Object.defineProperty(table, key, { value, enumerable: true });
    }
    return Object.freeze(table);
  }
}

/**
 * The function that runs callback `slot`: each registered function in order, with the arguments.
 * Up to three parameters (`arity` from the `.d.ts`), a runner of that arity passes them on without
 * building an array on each run.
 */
function runner(slot: Slot, arity: number): QppFunction {
  const fail = (e: unknown, reg: Registration) =>
    passes(e) ? e : new QppCallbackError(slot.provider, slot.name, reg.plugin, e);
  switch (arity) {
    case 0:
      return () => {
        for (const reg of slot.regs) {
          try {
            reg.fn();
          } catch (e) {
            throw fail(e, reg);
          }
        }
      };
    case 1:
      return (a: unknown) => {
        for (const reg of slot.regs) {
          try {
            reg.fn(a);
          } catch (e) {
            throw fail(e, reg);
          }
        }
      };
    case 2:
      return (a: unknown, b: unknown) => {
        for (const reg of slot.regs) {
          try {
            reg.fn(a, b);
          } catch (e) {
            throw fail(e, reg);
          }
        }
      };
    case 3:
      return (a: unknown, b: unknown, c: unknown) => {
        for (const reg of slot.regs) {
          try {
            reg.fn(a, b, c);
          } catch (e) {
            throw fail(e, reg);
          }
        }
      };
    default:
      return (...args: unknown[]) => {
        for (const reg of slot.regs) {
          try {
            reg.fn(...args);
          } catch (e) {
            throw fail(e, reg);
          }
        }
      };
  }
}

/** Checks that a provider exports exactly the functions and version its `.d.ts` declares. */
function checkExports(p: QppPlugin, provides: QppProvides): void {
  const { iface, functions, dtsSource } = provides;
  const declared = iface.functions.map((f) => f.name);
  const problem = (what: string) =>
    new QppLinkError(`Cannot link plugin "${p.name}": ${what} (is "${dtsSource}" out of date?)`);
  if (iface.version !== provides.version) {
    throw problem(`it exports qppVersion ${provides.version}, its .d.ts says ${iface.version}`);
  }
  const { missing, extra } = againstDts(declared, functions.keys());
  if (missing.length > 0) {
    throw problem(`its .d.ts declares ${missing.join(", ")}, which it does not export`);
  }
  if (extra.length > 0) {
    throw problem(`it exports ${extra.join(", ")}, which its .d.ts does not declare`);
  }
}

/**
 * A provider's members against its `.d.ts`: the names `declared` there that `present` (what it
 * exports, or the callbacks it created) lacks, and the names present that are not declared.
 */
function againstDts(
  declared: Iterable<string>,
  present: Iterable<string>,
): { missing: string[]; extra: string[] } {
  const want = new Set(declared), have = new Set(present);
  return {
    missing: [...want].filter((name) => !have.has(name)),
    extra: [...have].filter((name) => !want.has(name)),
  };
}

/**
 * Orders `batch` so that every provider comes before its consumers (depth first, in the order
 * given), ignoring plugins linked before.
 * @throws TypeError with the path of a cycle
 */
function installOrder(batch: readonly QppPlugin[], all: Map<string, QppPlugin>): QppPlugin[] {
  const inBatch = new Set(batch.map((p) => p.name));
  const done = new Set<string>(), order: QppPlugin[] = [];
  const visit = (p: QppPlugin, path: string[]) => {
    if (done.has(p.name)) return;
    const at = path.indexOf(p.name);
    if (at >= 0) {
      throw new QppLinkError(
        `Cannot link plugins: they use each other in a cycle, ${
          [...path.slice(at), p.name].join(" -> ")
        }`,
      );
    }
    for (const used of p.uses.keys()) {
      if (inBatch.has(used)) visit(all.get(used)!, [...path, p.name]);
    }
    done.add(p.name);
    order.push(p);
  };
  for (const p of batch) visit(p, []);
  return order;
}

/**
 * The plugin-facing side of QPP (plugin-to-plugin calls and callbacks): the global
 * `QppRegistry` that each provider's `.d.ts` extends, the `api.qpp` object a plugin receives, and
 * the types that check a provider's exports against its own `.d.ts`.
 * @module
 */

// The global interface providers' .d.ts files extend: the one form that works for local and
// remote .d.ts alike (module augmentation does not reach a remote module).
/// <reference path="./registry.d.ts" />

/** Names of the QPP interfaces the importing module can see. */
export type QppName = keyof QppRegistry & string;

/** The functions of interface `N`. */
export type QppFunctions<N extends QppName> = QppRegistry[N] extends { functions: infer F } ? F
  : Record<string, never>;

/** The callbacks of interface `N`, by name. */
export type QppCallbacks<N extends QppName> = QppRegistry[N] extends { callbacks: infer C } ? C
  : Record<string, never>;

/** Names of the callbacks of interface `N`. */
export type QppCallbackName<N extends QppName> = keyof QppCallbacks<N> & string;

/** The function type of callback `C` of interface `N` (void return, as in QEMU's QPP). */
export type QppCallback<N extends QppName, C extends QppCallbackName<N>> =
  QppCallbacks<N>[C] extends (...args: infer A) => void ? (...args: A) => void : never;

/** The version of interface `N`. */
export type QppVersion<N extends QppName> = QppRegistry[N] extends { version: infer V } ? V
  : number;

/**
 * What a consumer exports as `qppUses`: each plugin it uses, with the interface version it needs.
 * The loader reads it before any plugin is installed, to load, order and link them.
 *
 * ```ts ignore
 * export const qppUses = { plugin_a: 1 } satisfies QppUses;
 * ```
 */
export type QppUses = { readonly [N in QppName]?: QppVersion<N> };

/** Options of {@linkcode QppApi.regCb}. */
export interface QppRegOptions {
  /** Higher runs first; equal priorities run in registration order. @default {0} */
  priority?: number;
}

/**
 * `api.qpp`: calls into other plugins and callbacks between plugins.
 *
 * A provider exports functions (every exported function but `install` is part of its interface),
 * `qppVersion`, and declares them in `<name>.d.ts` beside it; a consumer exports `qppUses`.
 */
export interface QppApi {
  /**
   * The functions of plugin `provider`, linked: each property is the provider's own function, so
   * a call costs a plain call. Destructure it once (`const { func_1 } = api.qpp.use("plugin_a")`).
   * @param provider a plugin named in this plugin's `qppUses`
   * @throws TypeError when `qppUses` does not name `provider`; reading a function the provider
   * does not export throws a TypeError naming both plugins and the function
   */
  use<N extends QppName>(provider: N): Readonly<QppFunctions<N>>;
  /**
   * Creates callback `cb` of this plugin (QPP_CREATE_CB) and returns the function that runs it
   * (QPP_RUN_CB): it calls every function registered for it, in priority then registration
   * order, with its arguments.
   * @param self the plugin's interface name: its file stem, as in its `.d.ts`
   * @param cb a callback its `.d.ts` declares
   * @throws TypeError when `self` is not this plugin's interface or `cb` is not declared there
   */
  createCb<N extends QppName, C extends QppCallbackName<N>>(
    self: N,
    cb: C,
  ): (...args: Parameters<QppCallback<N, C>>) => void;
  /**
   * Registers `fn` to run when plugin `provider` runs its callback `cb` (QPP_REG_CB).
   * @throws TypeError when `qppUses` does not name `provider` or its `.d.ts` declares no `cb`
   */
  regCb<N extends QppName, C extends QppCallbackName<N>>(
    provider: N,
    cb: C,
    fn: QppCallback<N, C>,
    options?: QppRegOptions,
  ): void;
  /**
   * Removes a function registered with {@linkcode regCb}.
   * @returns whether it was registered
   */
  unregCb<N extends QppName, C extends QppCallbackName<N>>(
    provider: N,
    cb: C,
    fn: QppCallback<N, C>,
  ): boolean;
}

/** Export names of a plugin module that are not part of its QPP interface. */
export type QppReservedExport = "install" | "apiVersion" | "qppVersion" | "qppUses";

/** The QPP functions a module exports: its exported functions but `install`. */
export type QppExports<M> = {
  [
    K in keyof M as K extends QppReservedExport ? never
      : M[K] extends (...args: never[]) => unknown ? K
      : never
  ]: M[K];
};

/**
 * `true` when module `M` (`typeof import("./name.ts")`) exports exactly the functions and the
 * version that interface `N` of its `.d.ts` declares, otherwise an object type saying what
 * differs. A provider checks itself with one line, which `deno check` rejects when they differ:
 *
 * ```ts ignore
 * const _qppCheck: QppCheck<"plugin_a", typeof import("./plugin_a.ts")> = true;
 * ```
 */
export type QppCheck<N extends QppName, M> = [
  Exclude<keyof QppFunctions<N>, keyof QppExports<M>>,
  Exclude<keyof QppExports<M>, keyof QppFunctions<N>>,
] extends [never, never]
  ? QppExports<M> extends QppFunctions<N>
    ? QppFunctions<N> extends QppExports<M> ? M extends { qppVersion: QppVersion<N> } ? true
      : { error: "qppVersion differs from the .d.ts version"; version: QppVersion<N> }
    : { error: "an exported function's type differs from the .d.ts"; functions: QppFunctions<N> }
  : { error: "an exported function's type differs from the .d.ts"; functions: QppFunctions<N> }
  : {
    error: "exports differ from the .d.ts";
    missing: Exclude<keyof QppFunctions<N>, keyof QppExports<M>>;
    undeclared: Exclude<keyof QppExports<M>, keyof QppFunctions<N>>;
  };

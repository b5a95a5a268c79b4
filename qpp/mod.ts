/**
 * QPP, plugin-to-plugin calls and callbacks: its public surface, which mod.ts re-exports whole:
 * the registry the core owns (it links plugins and keeps their callback lists), its errors, and
 * the types plugins use through `api.qpp`. The loader reads `.d.ts` interfaces with dts.ts.
 * @module
 */

export type { QppInterface, QppMember } from "./dts.ts";
export {
  QppCallbackError,
  QppCallError,
  type QppFunction,
  QppLinker,
  QppLinkError,
  type QppPlugin,
  type QppProvides,
} from "./linker.ts";
export type {
  QppApi,
  QppCallback,
  QppCallbackName,
  QppCallbacks,
  QppCheck,
  QppExports,
  QppFunctions,
  QppName,
  QppRegOptions,
  QppReservedExport,
  QppUses,
  QppVersion,
} from "./types.ts";

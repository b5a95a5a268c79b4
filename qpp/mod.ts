/**
 * QPP, plugin-to-plugin calls and callbacks: the registry the core owns (it links plugins and
 * keeps their callback lists), the `.d.ts` reader, and the types plugins use through `api.qpp`.
 * @module
 */

export { parseQppDts, type QppInterface, type QppMember } from "./dts.ts";
export {
  QppCallbackError,
  QppCallError,
  type QppFunction,
  QppLinker,
  QppLinkError,
  type QppPlugin,
  qppPluginOf,
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

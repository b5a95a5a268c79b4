/**
 * The callbacks plugins registered, by event: one list per event, each sorted by priority (higher
 * first) and then by the plugins' load order, so that forgetting a plugin is one loop.
 * @module
 */

import type { DisconKind, Tb, VcpuIndex } from "./api.ts";

/** A loaded plugin, as the host knows it. */
export interface Plugin {
  readonly name: string;
  /** Load order: 0 for the first plugin on the command line. */
  readonly order: number;
}

/**
 * The events of the vCPU and of translation, and the callback each one runs. Translation
 * callbacks take the blocks of one call together: one, or a region's with `ahead`.
 */
export interface Events {
  tbTrans: (tbs: readonly Tb[]) => void;
  vcpuInit: (vcpu: VcpuIndex) => void;
  vcpuExit: (vcpu: VcpuIndex) => void;
  syscall: (vcpu: VcpuIndex, num: number, ...args: number[]) => void;
  syscallReturn: (vcpu: VcpuIndex, num: number, ret: number) => void;
  syscallFilter: (vcpu: VcpuIndex, num: number, ...args: number[]) => number | undefined;
  discontinuity: (vcpu: VcpuIndex, kind: DisconKind, fromPc: number, toPc: number) => void;
  flush: () => void;
  exit: () => void;
}

/** An event's name. */
export type EventName = keyof Events;

/** One registration. */
export interface Reg<F> {
  readonly plugin: Plugin;
  readonly fn: F;
  readonly priority: number;
  /** For `tbTrans`: whether it accepts blocks before they run (may change, for a sandbox). */
  readonly ahead: () => boolean;
}

const EVENTS: readonly EventName[] = [
  "tbTrans",
  "vcpuInit",
  "vcpuExit",
  "syscall",
  "syscallReturn",
  "syscallFilter",
  "discontinuity",
  "flush",
  "exit",
];

type Lists = { [E in EventName]: Reg<Events[E]>[] };

/** The callbacks of every plugin, by event. */
export class CallbackRegistry {
  #lists = Object.fromEntries(EVENTS.map((e) => [e, []])) as unknown as Lists;

  /** The callbacks of `event`, in the order they run. */
  of<E extends EventName>(event: E): readonly Reg<Events[E]>[] {
    return this.#lists[event];
  }

  /** Whether any plugin registered for `event`. */
  has(event: EventName): boolean {
    return this.#lists[event].length > 0;
  }

  /** Adds `fn` for `event`, after the callbacks of higher or equal priority of earlier plugins. */
  add<E extends EventName>(
    event: E,
    plugin: Plugin,
    fn: Events[E],
    { priority = 0, ahead = () => false }: { priority?: number; ahead?: () => boolean } = {},
  ): void {
    const list: Reg<Events[E]>[] = this.#lists[event];
    const at = list.findIndex((r) =>
      r.priority < priority || (r.priority === priority && r.plugin.order > plugin.order)
    );
    const reg = { plugin, fn, priority, ahead };
    if (at < 0) list.push(reg);
    else list.splice(at, 0, reg);
  }

  /** Removes every callback of `plugin`. */
  forget(plugin: Plugin): void {
    for (const event of EVENTS) {
      const list: Reg<unknown>[] = this.#lists[event];
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.plugin === plugin) list.splice(i, 1);
    }
  }
}

/**
 * The entry module of a sandboxed plugin's Worker. rvplug starts the Worker on this trusted file
 * and sends it the plugin's URL: importing the plugin from here puts the plugin's whole module
 * graph under the Worker's permissions. Then it installs the plugin with the proxy API and runs
 * its callbacks as the events arrive on the ring (see _channel.ts).
 * @module
 */

/// <reference lib="deno.worker" />

import {
  type DisconKind,
  type ExecCallback,
  type GuestSymbol,
  type MemCallback,
  PLUGIN_API_MIN_VERSION,
  PLUGIN_API_VERSION,
  type PluginArgs,
  type PluginModule,
} from "../api.ts";
import {
  bump,
  Ctl,
  fromWire,
  Mail,
  postOut,
  readJson,
  Rec,
  RING_WORDS,
  type Shared,
  toWire,
  UNWIND,
  type WireError,
  writeJson,
} from "./_channel.ts";
import {
  type ApiEvent,
  createProxy,
  ExitRequest,
  type OutMessage,
  type Proxy,
  type ProxyEnv,
  type Request,
  type WireTb,
} from "./_proxy.ts";

/** The first message rvplug sends: the Worker imports the plugin, then waits for the second. */
export interface InitMessage {
  readonly url: string;
  readonly name: string;
  readonly shared: Shared;
}

/** The second message, once every plugin is linked: the Worker installs the plugin. */
export interface InstallMessage {
  readonly args: PluginArgs;
  readonly programPath: string;
  readonly code: { start: number; end: number; entry: number };
  readonly registerNames: string[];
  readonly csrNames: string[];
  readonly symbols: GuestSymbol[];
}

/** A call's JSON arguments. */
export type CallArgs =
  | { k: "tb"; tbs: WireTb[] }
  | { k: Exclude<ApiEvent, "tb" | "discon">; a?: number[] }
  | { k: "discon"; kind: DisconKind; a: number[] }
  | { k: "sync" }
  | { k: "qppcb"; id: number; a: unknown[] }
  | { k: "qppfn"; fn: string; a: unknown[] };

/** A call's answer. */
export interface Done {
  regs?: import("./_proxy.ts").WireReg[][];
  ret?: number;
  /** What a QPP function returned. */
  v?: unknown;
  /** What a QPP function or a QPP callback threw: the caller's failure, not this plugin's. */
  err?: WireError;
  exit?: number;
  fail?: true;
}

self.onmessage = (e: MessageEvent<InitMessage>) => {
  self.onmessage = null;
  start(e.data);
};

async function start(init: InitMessage): Promise<void> {
  const { shared } = init;
  const ctl = new Int32Array(shared.ctl), ring = new Int32Array(shared.ring);
  const out = new Uint8Array(shared.out);
  let dead = false, exited = false;
  const send = (msg: OutMessage) => {
    if (!postOut(ctl, out, msg)) throw new Error("closed");
  };
  /**
   * Asks rvplug and waits for its answer. Meanwhile rvplug may run a call here first (a plugin
   * this one's request reached calls back into it): each one is served as it comes.
   */
  const request = (msg: Request): unknown => {
    Atomics.store(ctl, Ctl.MailLen, writeJson(shared.mail, msg));
    Atomics.store(ctl, Ctl.Mail, Mail.Request);
    bump(ctl);
    for (;;) {
      const state = Atomics.load(ctl, Ctl.Mail);
      if (state === Mail.Response) break;
      if (state === Mail.Nested) {
        const call = readJson(shared.call, Atomics.load(ctl, Ctl.CallLen)) as CallArgs;
        finish(runCall(call));
        continue;
      }
      if (Atomics.load(ctl, Ctl.Closed)) throw new Error("closed");
      Atomics.wait(ctl, Ctl.Mail, state, 1000);
    }
    const res = readJson(shared.mail, Atomics.load(ctl, Ctl.MailLen)) as {
      v?: unknown;
      err?: WireError;
    };
    if (res.err) throw rebuild(res.err);
    return res.v;
  };
  const fail = (e: unknown, pc?: number, load?: "import" | "install") => {
    if (dead) return;
    dead = true;
    try {
      send({ t: "fail", error: toWire(e), pc, load });
    } catch {
      // closed: nobody to tell
    }
  };
  self.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    fail(ev.reason);
  });
  self.addEventListener("error", (ev) => {
    ev.preventDefault();
    fail(ev.error ?? ev.message);
  });

  let mod: Partial<PluginModule> & Record<string, unknown>;
  try {
    mod = await import(init.url);
  } catch (e) {
    return fail(e, undefined, "import");
  }
  if (typeof mod.install !== "function") {
    return fail(new TypeError("it exports no install function"), undefined, "import");
  }
  const version = mod.apiVersion ?? 1;
  if (!(version >= PLUGIN_API_MIN_VERSION && version <= PLUGIN_API_VERSION)) {
    return fail(
      new TypeError(
        `it needs plugin API version ${version}, rvplug supports versions ` +
          `${PLUGIN_API_MIN_VERSION} to ${PLUGIN_API_VERSION}`,
      ),
      undefined,
      "import",
    );
  }
  // What rvplug links: the plugins it uses, and for a provider its version and functions.
  const uses = typeof mod.qppUses === "object" && mod.qppUses !== null
    ? mod.qppUses as Record<string, number>
    : undefined;
  const functions: [string, number][] = [];
  const exported = new Map<string, (...args: unknown[]) => unknown>();
  if (mod.qppVersion !== undefined) {
    for (const [key, value] of Object.entries(mod)) {
      if (typeof value === "function" && !NOT_QPP.has(key)) {
        functions.push([key, value.length]);
        exported.set(key, value as (...args: unknown[]) => unknown);
      }
    }
  }
  const installing = new Promise<InstallMessage>((resolve) => {
    self.onmessage = (e: MessageEvent<InstallMessage>) => {
      self.onmessage = null;
      resolve(e.data);
    };
  });
  send({ t: "imported", uses, qppVersion: mod.qppVersion, functions });
  const go = await installing;

  const env: ProxyEnv = {
    name: init.name,
    version: PLUGIN_API_VERSION,
    programPath: go.programPath,
    code: go.code,
    registerNames: go.registerNames,
    csrNames: go.csrNames,
    symbols: go.symbols,
    arena: shared.arena,
    usesQpp: uses !== undefined && Object.keys(uses).length > 0,
    send,
    request,
  };
  const proxy = createProxy(env);

  /** Runs one call that needs an answer; `pc` is where a failure in it happened, if known. */
  const runCall = (call: CallArgs, pc?: number): Done => {
    const saved = env.request;
    env.request = request;
    const done: Done = {};
    try {
      if (call.k === "tb") {
        if (!dead) done.regs = proxy.tb(call.tbs, (vaddr) => (pc = vaddr));
      } else if (call.k === "qppcb" || call.k === "qppfn") {
        // What throws here fails the caller (or the provider that ran the callback), as
        // in-process: it goes back to rvplug.
        try {
          if (dead) return done;
          if (call.k === "qppcb") proxy.qppCallback(call.id, call.a);
          else done.v = exported.get(call.fn)!(...call.a);
        } catch (e) {
          if (e instanceof ExitRequest) throw e;
          done.err = e instanceof Unwind ? e.wire : toWire(e);
        }
      } else if (call.k !== "sync" && !dead) {
        const ret = call.k === "discon"
          ? proxy.event("discon", call.a, call.kind)
          : proxy.event(call.k, call.a ?? []);
        if (ret !== undefined) done.ret = ret;
      }
    } catch (e) {
      if (e instanceof ExitRequest) done.exit = e.status;
      else if (!(e instanceof Unwind)) {
        fail(e, pc);
        done.fail = true;
      }
    } finally {
      env.request = saved;
    }
    return done;
  };
  /** Runs an execution or memory callback that rvplug waits for. */
  const runSync = (op: number, at: number): Done => {
    const saved = env.request;
    env.request = request;
    const done: Done = {};
    let pc: number | undefined;
    try {
      if (op === Rec.SyncExec) {
        pc = proxy.sites[ring[(at + 1) & MASK]!]!.pc;
        if (!dead) proxy.exec(ring[(at + 1) & MASK]!);
      } else {
        const id = ring[(at + 1) & MASK]!;
        pc = proxy.sites[id]!.pc;
        if (!dead) {
          proxy.mem(id, ring[(at + 2) & MASK]!, ring[(at + 3) & MASK]!, ring[(at + 4) & MASK]!);
        }
      }
    } catch (e) {
      if (e instanceof ExitRequest) done.exit = e.status;
      else if (!(e instanceof Unwind)) {
        fail(e, pc);
        done.fail = true;
      }
    } finally {
      env.request = saved;
    }
    return done;
  };
  /** Answers the call being served. */
  const finish = (done: Done) => {
    const empty = Object.keys(done).length === 0;
    Atomics.store(ctl, Ctl.MailLen, empty ? 0 : writeJson(shared.mail, done));
    Atomics.store(ctl, Ctl.Mail, Mail.Done);
    bump(ctl);
  };
  const serveCall = (op: number, at: number) => {
    if (op === Rec.Call) {
      finish(runCall(readJson(shared.call, Atomics.load(ctl, Ctl.CallLen)) as CallArgs));
    } else finish(runSync(op, at));
  };
  try {
    await mod.install(proxy.api, go.args);
  } catch (e) {
    return fail(e, undefined, "install");
  }
  env.request = undefined;
  send({ t: "installed" });

  // Serves the events rvplug publishes until it closes the channel.
  let r = 0;
  for (;;) {
    const w = Atomics.load(ctl, Ctl.RingWrite);
    if (r === w) {
      Atomics.store(ctl, Ctl.RingRead, r);
      bump(ctl);
      if (Atomics.load(ctl, Ctl.Closed)) break;
      // rvplug wakes the Worker only when it says it sleeps, so look once more after saying so.
      Atomics.store(ctl, Ctl.Sleeping, 1);
      if (Atomics.load(ctl, Ctl.RingWrite) === w) {
        // Batches come in bursts: wait for the next one here (a cheaper wake-up), briefly, then
        // on with the event loop running, for the plugin's own asynchronous work.
        if (Atomics.wait(ctl, Ctl.RingWrite, w, SYNC_WAIT_MS) === "timed-out") {
          const res = Atomics.waitAsync(ctl, Ctl.RingWrite, w, 1000);
          if (res.async) await res.value;
        }
      }
      Atomics.store(ctl, Ctl.Sleeping, 0);
      continue;
    }
    try {
      while (r !== w) {
        r = dead || exited ? skip(ring, r, w) : drain(ring, proxy, r, w);
        if (r === w) break;
        const at = r, op = ring[at & MASK]!;
        r = (r + (op === Rec.SyncMem ? 5 : op === Rec.SyncExec ? 2 : 1)) | 0;
        Atomics.store(ctl, Ctl.RingRead, r);
        serveCall(op, at);
      }
    } catch (e) {
      // A callback run by drain threw: go on after its record.
      if (drained) r = drained.end;
      const id = drained?.site ?? -1;
      drained = undefined;
      if (e instanceof ExitRequest) {
        exited = true;
        send({ t: "exit", status: e.status });
      } else if (!(e instanceof Unwind)) fail(e, id < 0 ? undefined : proxy.sites[id]!.pc);
    }
    Atomics.store(ctl, Ctl.RingRead, r);
    bump(ctl);
  }
  self.close();
}

const MASK = RING_WORDS - 1;

/** Set when a callback that {@linkcode drain} ran threw: its site, and where its record ends. */
let drained: { site: number; end: number } | undefined;

/**
 * Runs the callbacks of the records from `r` to `end` that need no answer, up to the first that
 * does; returns where it stopped. Every event goes through this loop: a function of its own, with
 * what it uses in locals.
 */
function drain(ring: Int32Array, proxy: Proxy, r: number, end: number): number {
  const sites = proxy.sites;
  let id = -1;
  try {
    while (r !== end) {
      const at = r, op = ring[at & MASK]!;
      if (op >= 0) {
        id = op;
        r = (r + 1) | 0;
        const s = sites[op]!;
        if (s.access !== 0) proxy.exec(op);
        else {
          const fn = s.fn as ExecCallback; // a plain call: stack frames name it as written
          fn(0, s.udata);
        }
      } else if (op > Rec.SyncMem) {
        // The next record's place depends on this one's header only, not on its site: the loop
        // need not wait for the site's load.
        const h = -1 - op, words = (h >>> 4) & 3;
        r = (r + 1 + words) | 0;
        id = h >>> 6;
        const s = sites[id]!;
        // What the record does not carry, the callback does not read (see memWords).
        const vaddr = words > 0 ? ring[(at + 1) & MASK]! : 0;
        const value = words > 1 ? ring[(at + 2) & MASK]! : 0;
        if (s.access !== 0) proxy.mem(id, h & 15, vaddr, value);
        else {
          const fn = s.fn as MemCallback;
          fn(0, h & 15, vaddr >>> 0, value >>> 0, s.udata);
        }
      } else return r;
    }
  } catch (e) {
    drained = { site: id, end: r };
    throw e;
  }
  return r;
}

/**
 * As {@linkcode drain}, but without running the callbacks (the plugin failed, or exited): calls
 * are still answered.
 */
function skip(ring: Int32Array, r: number, end: number): number {
  while (r !== end) {
    const op = ring[r & MASK]!;
    if (op >= 0) r = (r + 1) | 0;
    else if (op > Rec.SyncMem) r = (r + 1 + (((-1 - op) >>> 4) & 3)) | 0;
    else return r;
  }
  return r;
}

/** How long the Worker waits for events blocking, before it lets its event loop run. */
const SYNC_WAIT_MS = 2;

/** Exports of a plugin module that are not QPP functions. */
const NOT_QPP = new Set(["install", "apiVersion", "qppVersion", "qppUses"]);

/**
 * Thrown through the plugin when rvplug answers that the run ends (the guest exits, or another
 * plugin failed) while it waits for an answer: nothing after it runs, and it is no failure here.
 */
class Unwind {
  constructor(readonly wire: WireError) {}
}

/**
 * The error rvplug answered, thrown here. Its stack is where it was thrown (another plugin's
 * frames, for a QPP call or callback), then this Worker's frames, which lead to this plugin's.
 */
function rebuild(w: WireError): unknown {
  if (w.name === UNWIND) return new Unwind(w);
  const e = fromWire({ name: w.name, message: w.message });
  const here = (e.stack ?? "").split("\n").slice(1);
  e.stack = [...(w.stack ?? `${w.name}: ${w.message}`).split("\n"), ...here].join("\n");
  return e;
}

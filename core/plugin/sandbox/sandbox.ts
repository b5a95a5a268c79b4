/**
 * Runs a plugin in its own Worker with only the Deno permissions its options grant. The plugin
 * gets the same API as in-process: rvplug registers stand-ins for its callbacks, sends their
 * events through shared memory (see _channel.ts) and applies what the plugin asks for.
 *
 * A sandboxed plugin that is denied a permission is reported in one line and detached; the guest
 * run goes on without it. One that throws or stops answering ends the run as an in-process plugin
 * that throws does ({@linkcode PluginError}, exit status 3 on the command line), except that the
 * other plugins' exit callbacks still run.
 * @module
 */

import { GuestExit, PluginError } from "../../errors.ts";
import { CSR } from "../../isa/zicsr.ts";
import type { Condition, PluginApi, Tb, TbInsn } from "../api.ts";
import { QppCallbackError, QppCallError, type QppFunction } from "../../../qpp/linker.ts";
import type { PluginHost } from "../host.ts";
import {
  BATCH_WORDS,
  Ctl,
  drainOut,
  fromWire,
  Mail,
  newShared,
  readJson,
  Rec,
  RING_WORDS,
  toWire,
  UNWIND,
  WAKE_WORDS,
  writeJson,
} from "./_channel.ts";
import type { OutMessage, Request, WireBoard, WireReg, WireTb } from "./_proxy.ts";
import type { CallArgs, Done, InitMessage, InstallMessage } from "./_worker.ts";
import { mayPrompt } from "./_reexec.ts";
import { describeImportError, missingPermission, pluginFrames } from "./diagnose.ts";
import {
  CALL_TIMEOUT_MS,
  denialOf,
  denialReport,
  LOAD_TIMEOUT_MS,
  type LoaderOptions,
  workerPermissions,
} from "./options.ts";

/** What {@linkcode loadSandboxed} needs to know of the plugin. */
export interface SandboxSpec {
  /** The specifier as the user gave it (for reports). */
  readonly specifier: string;
  /** The URL to import. */
  readonly url: string;
  readonly name: string;
  /** The plugin's own arguments (without the loader's options). */
  readonly args: ReadonlyArray<readonly [string, string]>;
}

/** A loaded sandboxed plugin. */
export interface Sandbox {
  /** Whether the plugin was detached after a denial, a failure or a hang. */
  readonly failed: boolean;
  /** Stops the Worker (done by itself at the end of the run). */
  close(): void;
}

/** Options of {@linkcode loadSandboxed}. */
export interface SandboxOptions {
  /** Receives one line per denial or failure of the plugin. @default {writes to stderr} */
  readonly report?: (line: string) => void;
}

/** A sandboxed plugin imported into its Worker, not yet installed. */
export interface SandboxStart {
  /**
   * What the plugin exports for QPP, as a module namespace would show it: `qppUses`,
   * `qppVersion`, and a provider's functions, each a synchronous call into the Worker.
   */
  readonly exports: Readonly<Record<string, unknown>>;
  /**
   * Installs the plugin into the host, once it is linked (QPP).
   * @throws TypeError (or the RangeError the plugin threw) when its `install` throws
   */
  install(): Promise<Sandbox>;
  /** Stops the Worker of a plugin that will not be installed. */
  close(): void;
}

/**
 * Loads the plugin `spec` into a new Worker with the permissions `options` grant and installs it
 * into `host`, linking it to the plugins loaded before (QPP).
 * @throws TypeError when the plugin cannot be imported (other than for a denied permission), is
 * not a plugin, does not link, or its `install` throws; a RangeError from `install` stays a
 * RangeError
 */
export async function loadSandboxed(
  host: PluginHost,
  spec: SandboxSpec,
  options: LoaderOptions,
  sandboxOptions: SandboxOptions = {},
): Promise<Sandbox> {
  const started = await startSandboxed(host, spec, options, sandboxOptions);
  try {
    const uses = started.exports.qppUses as Record<string, number> | undefined;
    const stem = new URL(spec.url).pathname.split("/").pop()!.replace(/\.[^.]*$/, "");
    host.qpp.link([{
      name: spec.name,
      stem,
      source: spec.url,
      uses: new Map(Object.entries(uses ?? {})),
    }]);
  } catch (e) {
    started.close();
    throw e;
  }
  return await started.install();
}

/**
 * Starts the Worker of the plugin `spec`, with the permissions `options` grant, and imports the
 * plugin there; {@linkcode SandboxStart.install} installs it into `host`.
 * @throws TypeError when the plugin cannot be imported (other than for a denied permission) or is
 * not a plugin
 */
export async function startSandboxed(
  host: PluginHost,
  spec: SandboxSpec,
  options: LoaderOptions,
  sandboxOptions: SandboxOptions = {},
): Promise<SandboxStart> {
  const report = sandboxOptions.report ?? reportToStderr;
  if (mayPrompt()) {
    throw new TypeError(
      `Cannot sandbox plugin "${spec.name}": on a terminal, Deno would ask you whether to grant ` +
        `what the plugin is denied; run deno with --no-prompt before mod.ts ` +
        `(deno run -A --no-prompt mod.ts ...) or set DENO_NO_PROMPT=1 (rvplug adds it by ` +
        `itself when run as mod.ts with permission to run deno)`,
    );
  }
  const missing = missingPermission(spec.url, options.grants);
  if (missing) throw new TypeError(`Cannot load plugin "${spec.specifier}": ${missing}`);
  /** The plugin's API in rvplug, made when it is installed. */
  let api: PluginApi | undefined;
  const pluginApi = () => api!; // registrations come once install began
  const shared = newShared();
  const ctl = new Int32Array(shared.ctl), ring = new Int32Array(shared.ring);
  const out = new Uint8Array(shared.out);
  const MASK = RING_WORDS - 1;
  const timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
  const loadTimeoutMs = options.timeoutMs ?? LOAD_TIMEOUT_MS;
  const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, {
    type: "module",
    deno: { permissions: workerPermissions(spec.url, options.grants) },
  });

  /**
   * The records of the batch being written, in rvplug's own memory: no other core reads them
   * meanwhile, and publishing copies them to the ring at once (events cost what their cache
   * lines' moves between the two threads cost).
   */
  const batch = new Int32Array(BATCH_WORDS + 8);
  /**
   * Words in the batch: in a typed array, not a variable of this closure, because the stand-ins
   * below run inlined per event, and an int32 element costs them less than a tagged slot.
   */
  const cursor = new Int32Array(1);
  let w = 0, dead = false, closed = false, ending = false, installed = false;
  let detached = false;
  let loadError: Error | undefined;
  let importError: string | undefined;
  let imported = false;
  let pendingExit: number | undefined;
  let exports: Record<string, unknown> = {};
  /** Serving a request of the Worker: it waits in it, so calls into it are nested (Mail.Nested). */
  let serving = 0;
  /** The end of the run (a GuestExit or PluginError) met while serving a request, to rethrow. */
  let unwinding: unknown;
  /**
   * The last QPP error (naming the plugins involved) sent to the Worker: when the plugin throws it
   * on, it passes through unchanged, as it does in-process.
   */
  let qppErrorSent: Error | undefined;
  const errorOf = (w: ReturnType<typeof toWire>): Error =>
    qppErrorSent && w.name === qppErrorSent.name && w.message === qppErrorSent.message
      ? qppErrorSent
      : fromWire(w);
  /** The plugin's failure during the run, once seen; it ends the run (see {@linkcode raise}). */
  let fatal: PluginError | undefined;
  let raised = false;
  /** The instructions of the blocks being shown to `onTbTrans`, while they are. */
  let currentInsns: TbInsn[][] = [];
  /** Whether the plugin's `onTbTrans` callbacks take blocks ahead (they tell when it changes). */
  let tbAhead = false;
  const registered = new Set<string>();
  const boards = new Map<number, Float64Array>();

  const close = () => {
    if (closed) return;
    closed = dead = true;
    Atomics.store(ctl, Ctl.Closed, 1);
    Atomics.notify(ctl, Ctl.RingWrite);
    Atomics.notify(ctl, Ctl.Mail);
    Atomics.notify(ctl, Ctl.OutRead);
    worker.terminate();
  };
  const detach = (line: string) => {
    if (dead) return;
    detached = true;
    report(line);
    close();
  };
  const failure = (m: Extract<OutMessage, { t: "fail" }>) => {
    const error = fromWire(m.error);
    const denial = denialOf(m.error.message);
    if (denial) return detach(denialReport(spec.name, spec.specifier, denial));
    if (m.load === "import" && !installed) {
      importError = m.error.message;
      close();
      return;
    }
    if (m.load && !installed) {
      const message = `Cannot install plugin "${spec.name}": ${m.error.message}${
        pluginFrames(error)
      }`;
      loadError = m.error.name === "RangeError" ? new RangeError(message) : new TypeError(message);
      close();
      return;
    }
    fail(m.pc, error);
  };
  /** Records a failure of the plugin during the run and stops its Worker. */
  const fail = (pc: number | undefined, cause: Error) => {
    if (dead) return;
    fatal = new PluginError(spec.name, pc ?? guestPc(), cause);
    close();
  };
  /** The guest's pc where the callback rvplug is running may read it. */
  const guestPc = (): number => {
    try {
      return api!.readRegister("pc");
    } catch {
      return 0;
    }
  };
  /**
   * Ends the run after a failure, once: during the run as the guest's exit with status 3 (so that
   * the other plugins' exit callbacks run), after the line naming the plugin; while the run is
   * ending already, with the PluginError, which the command line reports (status 3).
   */
  const raise = () => {
    if (!fatal || raised) return;
    raised = true;
    if (ending) throw fatal;
    report(`${fatal.message}${pluginFrames(fatal.cause)}`);
    throw new GuestExit(3);
  };
  const handleOut = () => {
    for (const msg of drainOut(ctl, out) as OutMessage[]) {
      switch (msg.t) {
        case "out":
          if (!dead) api?.outs(msg.s);
          break;
        case "reg":
          if (msg.k === "tb") tbAhead = msg.ahead ?? false;
          registerKind(msg.k);
          break;
        case "forget":
          api!.uninstall();
          registered.clear();
          api!.onExit(atExit);
          break;
        case "exit":
          pendingExit ??= msg.status;
          break;
        case "installed":
          installed = true;
          break;
        case "imported":
          imported = true;
          exports = qppExports(msg);
          break;
        case "fail":
          failure(msg);
          break;
      }
    }
    if (installed) raise();
    if (pendingExit !== undefined && installed && !ending && !dead) {
      const status = pendingExit;
      pendingExit = undefined;
      api!.exit(status);
    }
  };
  /** The module-like QPP exports of the plugin: a provider's functions call into the Worker. */
  const qppExports = (msg: Extract<OutMessage, { t: "imported" }>) => {
    const record: Record<string, unknown> = {};
    if (msg.uses !== undefined) record.qppUses = msg.uses;
    if (msg.qppVersion !== undefined) record.qppVersion = msg.qppVersion;
    for (const [fn, length] of msg.functions) {
      const stub: QppFunction = (...a: unknown[]) => {
        const done = call([Rec.Call], { k: "qppfn", fn, a });
        if (done.err) throw errorOf(done.err);
        return done.v;
      };
      // The linker wraps functions by their number of parameters.
      Object.defineProperty(stub, "length", { value: length });
      record[fn] = stub;
    }
    return record;
  };
  const qppStubs = new Map<number, (...args: unknown[]) => void>();
  const hang = (ms = timeoutMs) => {
    const why = `it did not answer within ${ms / 1000} s and was stopped ` +
      `(give it longer with --plugin ${spec.specifier},timeout=SECONDS)`;
    if (installed) return fail(undefined, new Error(why));
    loadError = new TypeError(`Cannot install plugin "${spec.name}": ${why}`);
    close();
  };
  /** Waits until `ready()`, draining the outbox meanwhile; false if the plugin was detached. */
  const waitUntil = (ready: () => boolean): boolean => {
    for (;;) {
      const seq = Atomics.load(ctl, Ctl.Seq);
      handleOut();
      if (dead) return false;
      if (ready()) return true;
      if (Atomics.wait(ctl, Ctl.Seq, seq, timeoutMs) === "timed-out") {
        hang();
        return false;
      }
    }
  };
  /** Publishes the batch; `answer`: a call follows, which the Worker must see now. */
  const publish = (answer = false) => {
    const n = cursor[0]!;
    cursor[0] = 0;
    if (dead) {
      raise();
      return;
    }
    const at = w & MASK, first = Math.min(n, RING_WORDS - at);
    ring.set(batch.subarray(0, first), at);
    if (first < n) ring.set(batch.subarray(first, n), 0);
    w = (w + n) | 0;
    Atomics.store(ctl, Ctl.RingWrite, w);
    // A Worker still draining reads this batch on; a sleeping one is woken for a call, or once
    // enough events wait.
    if (
      Atomics.load(ctl, Ctl.Sleeping) !== 0 &&
      (answer || ((w - Atomics.load(ctl, Ctl.RingRead)) | 0) >= WAKE_WORDS)
    ) Atomics.notify(ctl, Ctl.RingWrite);
    if (Atomics.load(ctl, Ctl.OutWrite) !== Atomics.load(ctl, Ctl.OutRead)) handleOut();
    if (((w - Atomics.load(ctl, Ctl.RingRead)) | 0) > RING_WORDS - 4 * BATCH_WORDS) {
      waitUntil(() => ((w - Atomics.load(ctl, Ctl.RingRead)) | 0) <= RING_WORDS / 2);
      raise();
    }
  };
  const serveRequest = () => {
    const q = readJson(shared.mail, Atomics.load(ctl, Ctl.MailLen)) as Request;
    let res: { v?: unknown; err?: ReturnType<typeof toWire> };
    serving++;
    try {
      res = { v: answer(q) };
    } catch (e) {
      // The run ends (the guest's exit, a plugin's failure): the Worker unwinds, and rvplug
      // throws it on once the Worker's call is over.
      if (e instanceof GuestExit || e instanceof PluginError) {
        unwinding ??= e;
        res = { err: { name: UNWIND, message: e.message } };
      } else {
        if (e instanceof QppCallError || e instanceof QppCallbackError) qppErrorSent = e;
        res = { err: toWire(e) };
      }
    } finally {
      serving--;
    }
    Atomics.store(ctl, Ctl.MailLen, writeJson(shared.mail, res));
    Atomics.store(ctl, Ctl.Mail, Mail.Response);
    Atomics.notify(ctl, Ctl.Mail);
  };
  const qppRunners: QppFunction[] = [];
  const answer = (q: Request): unknown => {
    const a = api!; // requests come once the plugin is installing
    switch (q.q) {
      case "rr":
        return a.readRegister(q.name);
      case "wr":
        return a.writeRegister(q.name, q.value);
      case "pc":
        return a.setPc(q.pc);
      case "rm":
        return [...a.readMemory(q.vaddr, q.len)];
      case "cs":
        return a.readCString(q.vaddr, q.max);
      case "decoded":
        return currentInsns[q.b]?.map((i) => i.decoded());
      case "wm":
        return a.writeMemory(q.vaddr, new Uint8Array(q.bytes));
      case "disas":
        return currentInsns[q.b]?.map((i) => i.disas());
      case "sym":
        return currentInsns[q.b]?.map((i) => i.symbol() ?? null);
      case "qppUse":
        return Object.keys(a.qpp.use(q.provider as never));
      case "qppCall": {
        const fns = a.qpp.use(q.provider as never) as Record<
          string,
          (...a: unknown[]) => unknown
        >;
        const fn = fns[q.fn];
        if (!fn) throw new TypeError(`QPP provider "${q.provider}" has no function "${q.fn}"`);
        return fn(...q.args);
      }
      case "qppReg": {
        const stub = (...args: unknown[]) => {
          const done = call([Rec.Call], { k: "qppcb", id: q.id, a: args });
          if (done.err) throw errorOf(done.err);
        };
        qppStubs.set(q.id, stub);
        const qpp = a.qpp as unknown as {
          regCb(p: string, c: string, f: unknown, o?: { priority?: number }): void;
        };
        return qpp.regCb(q.provider, q.cb, stub, { priority: q.priority });
      }
      case "qppUnreg": {
        const qpp = a.qpp as unknown as { unregCb(p: string, c: string, f: unknown): boolean };
        return qpp.unregCb(q.provider, q.cb, qppStubs.get(q.id));
      }
      case "qppCreate": {
        const qpp = a.qpp as unknown as { createCb(s: string, c: string): QppFunction };
        return qppRunners.push(qpp.createCb(q.self, q.cb)) - 1;
      }
      case "qppRun":
        return void qppRunners[q.id]!(...q.args);
    }
  };
  /** Runs a record that needs an answer and waits for it. */
  const call = (words: number[], args?: CallArgs): Done => {
    if (dead) {
      raise();
      return {};
    }
    if (args) Atomics.store(ctl, Ctl.CallLen, writeJson(shared.call, args));
    // The Worker waits for the answer to its request: it runs this call before that answer.
    const nested = serving > 0;
    if (nested) {
      Atomics.store(ctl, Ctl.Mail, Mail.Nested);
      Atomics.notify(ctl, Ctl.Mail);
    } else {
      for (const word of words) batch[cursor[0]!++] = word;
      publish(true);
    }
    let done: Done = {};
    const finished = waitUntil(() => {
      const state = Atomics.load(ctl, Ctl.Mail);
      if (state === Mail.Request) serveRequest();
      if (state !== Mail.Done) return false;
      const len = Atomics.load(ctl, Ctl.MailLen);
      done = len === 0 ? {} : readJson(shared.mail, len) as Done;
      Atomics.store(ctl, Ctl.Mail, nested ? Mail.Request : Mail.Idle);
      if (nested) Atomics.notify(ctl, Ctl.Mail);
      return true;
    });
    if (!finished) {
      raise();
      return {};
    }
    handleOut();
    if (unwinding !== undefined && serving === 0) {
      const e = unwinding;
      unwinding = undefined;
      throw e;
    }
    if (done.exit !== undefined && !ending) api!.exit(done.exit);
    return done;
  };

  // Stand-ins for the plugin's callbacks: the site id is their udata.
  const execStub = (_vcpu: number, id: unknown) => {
    const i = cursor[0]!;
    batch[i] = id as number;
    if ((cursor[0] = i + 1) >= BATCH_WORDS) publish();
  };
  // A memory record carries only what the callback reads (see memWords): most read nothing.
  // Their headers are memHeader(id, words, info).
  const memStub0 = (_vcpu: number, info: number, _vaddr: number, _value: number, id: unknown) => {
    const i = cursor[0]!;
    batch[i] = -1 - ((id as number) * 64 + info);
    if ((cursor[0] = i + 1) >= BATCH_WORDS) publish();
  };
  const memStub1 = (_vcpu: number, info: number, vaddr: number, _value: number, id: unknown) => {
    const i = cursor[0]!;
    batch[i] = -1 - ((id as number) * 64 + 16 + info);
    batch[i + 1] = vaddr;
    if ((cursor[0] = i + 2) >= BATCH_WORDS) publish();
  };
  const memStub2 = (_vcpu: number, info: number, vaddr: number, value: number, id: unknown) => {
    const i = cursor[0]!;
    batch[i] = -1 - ((id as number) * 64 + 32 + info);
    batch[i + 1] = vaddr;
    batch[i + 2] = value;
    if ((cursor[0] = i + 3) >= BATCH_WORDS) publish();
  };
  const memStubs = [memStub0, memStub1, memStub2] as const;
  const syncExecStub = (_vcpu: number, id: unknown) => void call([Rec.SyncExec, id as number]);
  const syncMemStub = (_vcpu: number, info: number, vaddr: number, value: number, id: unknown) =>
    void call([Rec.SyncMem, id as number, info, vaddr, value]);

  const board = ([offset, length]: WireBoard): Float64Array => {
    let sb = boards.get(offset);
    if (!sb || sb.length !== length) {
      sb = new Float64Array(shared.arena, offset, length);
      boards.set(offset, sb);
    }
    return sb;
  };
  const apply = (tb: Tb, insns: TbInsn[], r: WireReg) => {
    const target = r.at < 0 ? tb : insns[r.at];
    if (!target) throw new RangeError(`Cannot register at instruction ${r.at}: not in the block`);
    switch (r.k) {
      case "x": {
        const stub = r.sync ? syncExecStub : execStub;
        const o = { flags: r.flags, priority: r.prio };
        if (!r.cond) return target.onExec(stub, r.id, o);
        const cond: Condition = {
          op: r.cond.op,
          scoreboard: board(r.cond.sb),
          index: r.cond.i,
          imm: r.cond.imm,
        };
        return target.onExecCond(stub, cond, r.id, o);
      }
      case "a":
        return target.inlineAdd(board(r.sb), r.i, r.imm);
      case "s":
        return target.inlineStore(board(r.sb), r.i, r.imm);
      case "m":
        return (target as TbInsn).onMem(r.sync ? syncMemStub : memStubs[r.words], r.rw, r.id, {
          flags: r.flags,
          priority: r.prio,
        });
      case "mi":
        return (target as TbInsn).memInlineAdd(board(r.sb), r.i, r.imm, r.rw);
    }
  };
  /** Shows the blocks of one translation to the plugin: one round trip. */
  const onTbs = (tbs: readonly Tb[]) => {
    if (dead) return;
    currentInsns = tbs.map((tb) => Array.from({ length: tb.nInsns }, (_, k) => tb.insn(k)));
    const wire = tbs.map((tb, b): WireTb => ({
      vaddr: tb.vaddr,
      insns: currentInsns[b]!.map((i) => {
        let word = 0;
        i.bytes.forEach((byte, k) => (word |= byte << (8 * k)));
        return [i.vaddr, i.size, word];
      }),
    }));
    try {
      const done = call([Rec.Call], { k: "tb", tbs: wire });
      done.regs?.forEach((regs, b) => {
        for (const r of regs) apply(tbs[b]!, currentInsns[b]!, r);
      });
    } finally {
      currentInsns = [];
    }
  };
  const event =
    (k: Exclude<CallArgs["k"], "tb" | "discon" | "sync" | "qppcb" | "qppfn">) =>
    (_v: number, ...a: number[]) => call([Rec.Call], { k, a }).ret;
  const registerKind = (k: string) => {
    if (registered.has(k)) return;
    registered.add(k);
    const api = pluginApi();
    switch (k) {
      case "tb":
        return host.onTbTransBlocks(spec.name, onTbs, () => tbAhead);
      case "vinit":
        return api.onVcpuInit(event("vinit"));
      case "vexit":
        return api.onVcpuExit((v) => {
          ending = true;
          event("vexit")(v);
        });
      case "sys":
        return api.onSyscall(event("sys"));
      case "sysret":
        return api.onSyscallReturn(event("sysret"));
      case "filter":
        return api.onSyscallFilter(event("filter"));
      case "discon":
        return api.onDiscontinuity((_v, kind, from, to) =>
          void call([Rec.Call], { k: "discon", kind, a: [from, to] })
        );
      case "flush":
        return api.onFlush(() => void call([Rec.Call], { k: "flush" }));
    }
  };
  // At exit: run the plugin's exit callbacks (or just let it catch up), then stop the Worker.
  function atExit() {
    ending = true;
    try {
      call([Rec.Call], registered.has("exit") ? { k: "exit" } : { k: "sync" });
      raise();
    } finally {
      close();
    }
  }

  const init: InitMessage = { url: spec.url, name: spec.name, shared };
  let workerError: string | undefined;
  worker.onerror = (e) => {
    e.preventDefault();
    workerError = e.message;
  };
  try {
    worker.postMessage(init);
  } catch (e) {
    close();
    throw e;
  }
  /**
   * Serves the Worker asynchronously until `ready()` (the plugin may await, and rvplug's event
   * loop runs), or until it failed.
   */
  const serveLoad = async (ready: () => boolean) => {
    let idleSince = performance.now();
    while (!ready() && !dead) {
      const seq = Atomics.load(ctl, Ctl.Seq);
      handleOut();
      if (ready() || dead) break;
      if (Atomics.load(ctl, Ctl.Mail) === Mail.Request) {
        serveRequest();
        continue;
      }
      if (workerError !== undefined) {
        close();
        throw new TypeError(`Cannot load plugin "${spec.specifier}": ${workerError}`);
      }
      const res = Atomics.waitAsync(ctl, Ctl.Seq, seq, 100);
      const changed = res.async ? (await res.value) === "ok" : res.value !== "timed-out";
      if (changed) idleSince = performance.now();
      else if (performance.now() - idleSince > loadTimeoutMs) {
        if (!imported) {
          close();
          throw new TypeError(
            `Cannot load plugin "${spec.specifier}": its modules did not arrive within ` +
              `${loadTimeoutMs / 1000} s (a server that does not answer?)`,
          );
        }
        hang(loadTimeoutMs);
      }
    }
    if (importError !== undefined) {
      throw new TypeError(
        `Cannot load plugin "${spec.specifier}": ${await describeImportError(importError)}`,
      );
    }
    if (loadError) throw loadError;
  };
  await serveLoad(() => imported);

  const sandbox: Sandbox = {
    get failed() {
      return detached;
    },
    close,
  };
  const install = async (): Promise<Sandbox> => {
    // Denied something while loading: reported, and the run goes on without it.
    if (detached) return sandbox;
    if (dead) throw loadError ?? new TypeError(`Cannot install plugin "${spec.name}": it stopped`);
    api = host.createApi(spec.name);
    api.onExit(atExit);
    const message: InstallMessage = {
      args: spec.args,
      programPath: api.programPath,
      code: { start: api.startCode(), end: api.endCode(), entry: api.entryCode() },
      registerNames: api.registerNames(),
      csrNames: Object.keys(CSR),
      symbols: api.symbols(),
    };
    worker.postMessage(message);
    try {
      await serveLoad(() => installed);
      if (!detached) host.qpp.installed(spec.name);
    } catch (e) {
      close();
      throw e;
    }
    return sandbox;
  };
  return { exports, install, close };
}

function reportToStderr(line: string): void {
  const bytes = new TextEncoder().encode(`rvplug: ${line}\n`);
  for (let off = 0; off < bytes.length;) off += Deno.stderr.writeSync(bytes.subarray(off));
}

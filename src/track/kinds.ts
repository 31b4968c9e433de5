// What a resource is: which async_hooks types we track, how to tell whether one is
// still doing something, how to describe it to a person, and how to fix it.
import * as path from 'node:path';
import {
  addressOf,
  fdPath,
  handleOf,
  hasPeer,
  NO_HANDLE,
  ownerOf,
  pipeNameOf,
  timerState,
  workerHandleOf,
  workerPortsOf,
  type NativeHandle,
  type PublicOwner,
} from './node-internals';
import { cleanFrames, firstUserFrame, type StackHolder } from './stack';

export const KINDS = [
  'timer',
  'immediate',
  'server',
  'socket',
  'child-process',
  'worker',
  'message-port',
  'fs-watcher',
  'file-handle',
  'promise',
] as const;

/** A kind of async resource, as named in messages and in the `kinds` option. */
export type Kind = (typeof KINDS)[number];

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}


/**
 * Marks the Node timer behind a jsdom window.setInterval (jsdom re-arms a one-shot
 * timeout after each run); set by the jsdom environment, see jsdom-timers.ts.
 */
export const WINDOW_INTERVAL = Symbol('leakcheck.windowInterval');

/**
 * Marks an Immediate scheduled while another Immediate's callback ran: 'self' when that
 * callback scheduled itself again (a loop), 'other' for a different callback. Set by the
 * environment's wrapper of the test global's setImmediate (see annotations.ts); an
 * unmarked one is only known to be not yet run.
 */
export const RESCHEDULED = Symbol('leakcheck.rescheduled');

/**
 * Marks the Immediate behind a happy-dom window.requestAnimationFrame: 'loop' when it was
 * requested from another frame's callback, 'once' otherwise (see happy-dom-timers.ts).
 */
export const ANIMATION_FRAME = Symbol('leakcheck.animationFrame');

/**
 * The call a resource was made for, however deep below it: a fetch() request (Node's fetch
 * opens its socket some 30 frames below the call, past the captured stack, and does more
 * in that socket's callbacks). The environment's wrapper of the test global's fetch stamps
 * it on the call's async context; the tracker copies it to everything created there and in
 * the continuations of what was (see tracker.ts).
 */
export const CALL = Symbol('leakcheck.call');

/** A call stamped by CALL. */
export interface Call {
  /** The function as a person wrote it: `fetch`. */
  readonly api: 'fetch';
  /** The URL it asked for (without its query), if known. */
  readonly url: string | undefined;
  /** The request method when it is not GET, e.g. `POST`. */
  readonly method: string | undefined;
  /** Where it was called; already formatted, since resources that outlive the test carry it. */
  readonly stack: StackHolder;
}

/** The call a resource was made for (see CALL), if any. */
function callOf(resource: object): Call | undefined {
  return (resource as { [CALL]?: Call })[CALL];
}

/** A Node timer that repeats: Node's own setInterval, or jsdom's (a re-armed timeout). */
function isInterval(timer: object): boolean {
  return timerState(timer).repeats || (timer as NativeHandle)[WINDOW_INTERVAL] === true;
}

export { ownerOf };

/** Where and by which call a public object (a server) was created. */
export interface Creation {
  /** The call as a person wrote it, e.g. `http.createServer`. */
  readonly api: string;
  readonly stack: StackHolder;
}

/** The extra facts about a resource that only the environment knows (e.g. a watched path). */
export interface Annotations {
  pathOf(owner: object): string | undefined;
  /** Where listen() was called on a server. */
  listenStackOf(owner: object): StackHolder | undefined;
  /** Where a server was created (http/https/net.createServer), when the environment saw it. */
  creationOf?(owner: object): Creation | undefined;
  /** Anchors the locations named in descriptions; the working directory when absent. */
  readonly rootDir?: string;
}

// A worker_threads Worker's native handle (the async resource) does not point back to the
// public Worker, which holds the handle and the worker's two MessagePorts. The environment
// notes each Worker created while it is set up (noteWorker).
const workers = new WeakMap<object, object>();

/** Remembers a public Worker by its native handle, so that the handle's report can find it. */
export function noteWorker(worker: object): void {
  const handle = workerHandleOf(worker);
  if (handle !== undefined) workers.set(handle, worker);
}

/** The public Worker of a native worker handle, if the environment saw it created. */
function publicWorkerOf(handle: object): object | undefined {
  return workers.get(handle);
}

/** `file:line` of the first user frame of a stack, relative to rootDir. */
function locationOf(holder: StackHolder, rootDir: string): string | undefined {
  const frame = firstUserFrame(cleanFrames(holder));
  return frame?.file === undefined ? undefined : `${path.relative(rootDir, frame.file)}:${frame.line}`;
}

export interface ActivityOptions {
  /** Also count handles that were unref'd (they do not keep the process alive). */
  readonly includeUnref: boolean;
}

/** The window a verdict round asks about. */
export interface FinishWindow {
  /** What is left of the budget. */
  readonly withinMs: number;
  /** How long the verdict has waited so far. */
  readonly elapsedMs: number;
  /** The event loop's clock (see loopNow), if it could be read. */
  readonly now: number | undefined;
}

/**
 * How long an open socket or an interval is given to stop by itself: a client's close
 * handshake, a peer hanging up, an interval that clears itself after a few runs (jsdom's
 * requestAnimationFrame clears its interval after one frame). Short, so that a test that
 * really leaks one is still reported quickly.
 */
export const SHORT_GRACE_MS = 100;

/** What a kind is: its async_hooks types, and how to judge, describe and fix one of them. */
export interface KindSpec {
  /** The async_hooks types of this kind. */
  readonly types: readonly string[];
  /** Whether a live resource is still doing something (never called for a collected one). */
  isActive(resource: object, options: ActivityOptions): boolean;
  /**
   * Whether an active resource could still finish on its own within the window, so that
   * waiting for it is worth it. What never stops by itself (a listening server, a watcher)
   * is reported at once, without spending the retry budget.
   */
  mayFinishWithin(resource: object, window: FinishWindow): boolean;
  /** A one-line description with the facts a person needs to recognise the resource. */
  describe(resource: object, type: string, annotations: Annotations): string;
  /** How to fix it; `resource` is undefined when it could not be inspected. */
  hint(resource: object | undefined, type: string): string;
  /**
   * Native handles that belong to this resource and would only repeat it in a report:
   * a child process's stdio pipes, a worker's own MessagePorts.
   */
  parts?(resource: object): object[];
}

/**
 * A HandleWrap (server, socket, child process, worker, port, watcher): hasRef() is false
 * once closed, and the public owner drops its `_handle` synchronously on close(), before
 * the native close completes.
 */
function isHandleActive(resource: object, options: ActivityOptions, socket: boolean, unrefCounts: boolean): boolean {
  const handle = resource as NativeHandle;
  const owner = ownerOf(resource);
  const ownerHandle = handleOf(owner);
  if (ownerHandle !== NO_HANDLE && ownerHandle !== resource) {
    // A TLS socket keeps the TCP handle under its TLS wrap, not as `_handle`.
    if (!(owner?.encrypted === true && ownerHandle != null)) return false;
  }
  if (handle.hasRef?.() === true) return !socket || !isClosedUnread(handle, owner);
  if (!options.includeUnref || !unrefCounts) return false;
  // A connection Node's fetch unref'd is idle in its pool for reuse: Node's, not the test's.
  if (callOf(resource) !== undefined) return false;
  // Unref'd but maybe open: trust the public owner when there is one.
  return ownerHandle !== NO_HANDLE && ownerHandle != null;
}

/**
 * A TCP socket that finished writing and whose peer has closed the connection, but that
 * was never read to its end: Node never sees 'end', so never destroys it, and its handle
 * stays ref'd. libuv stopped reading at EOF, so it keeps nothing running (not even the
 * process alive); the kernel connection is gone (getpeername: ENOTCONN).
 */
function isClosedUnread(handle: NativeHandle, owner: PublicOwner | undefined): boolean {
  return owner?.writableFinished === true && hasPeer(handle) === false;
}

/** A timer or immediate: not cleared or run, and keeping the process alive (or any, with includeUnref). */
function isTimerActive(resource: object, options: ActivityOptions): boolean {
  if (timerState(resource).destroyed) return false;
  if ((resource as NativeHandle).hasRef?.() === true) return true;
  // Node's fetch unrefs its own timers (its clock, keep-alive timeouts): Node's, not the test's.
  return options.includeUnref && callOf(resource) === undefined;
}

const handleSpec = (unrefCounts = true): Pick<KindSpec, 'isActive'> => ({
  isActive: (resource, options) => isHandleActive(resource, options, false, unrefCounts),
});
/** It may be exiting or closing: worth the wait. */
const mayFinish = (): boolean => true;
/** close() drops the public object's handle at once: an active one is not closing. */
const neverFinishes = (): boolean => false;

const KIND_SPECS: Record<Kind, KindSpec> = {
  timer: {
    types: ['Timeout'],
    isActive: isTimerActive,
    mayFinishWithin(resource, { withinMs, elapsedMs, now }) {
      // An interval gets a short grace (it may clear itself), a timeout until it is due.
      const within = isInterval(resource) ? Math.min(withinMs, SHORT_GRACE_MS - elapsedMs) : withinMs;
      if (within <= 0) return false;
      const { armedAt, delayMs } = timerState(resource);
      if (now === undefined || armedAt === undefined) return true;
      return armedAt + delayMs <= now + within;
    },
    describe(resource) {
      const { delayMs } = timerState(resource);
      const unref = (resource as NativeHandle).hasRef?.() === false ? ' (unref’d)' : '';
      return isInterval(resource) ? `setInterval every ${delayMs} ms${unref}` : `setTimeout of ${delayMs} ms${unref}`;
    },
    hint(resource) {
      if (resource !== undefined && !isInterval(resource)) {
        return 'clearTimeout(handle) before the test ends, or await what it schedules; call .unref() if it may outlive the test';
      }
      return 'call clearInterval(handle) before the test ends, e.g. in afterEach';
    },
  },
  immediate: {
    types: ['Immediate'],
    isActive: isTimerActive,
    mayFinishWithin: mayFinish,
    describe(resource) {
      const frame = (resource as NativeHandle)[ANIMATION_FRAME];
      if (frame === 'loop') return 'requestAnimationFrame loop that keeps requesting frames';
      if (frame === 'once') return 'requestAnimationFrame callback not yet run when the test ended';
      const rescheduled = (resource as NativeHandle)[RESCHEDULED];
      if (rescheduled === 'self') return 'setImmediate that keeps re-scheduling itself';
      if (rescheduled === 'other') return 'setImmediate scheduled by another setImmediate callback, not yet run';
      return 'setImmediate not yet run when the test ended';
    },
    hint(resource) {
      const frame = resource === undefined ? undefined : (resource as NativeHandle)[ANIMATION_FRAME];
      if (frame !== undefined) return 'cancelAnimationFrame(id) before the test ends, or stop requesting frames when the animation is done';
      const rescheduled = resource === undefined ? 'self' : (resource as NativeHandle)[RESCHEDULED];
      if (rescheduled === undefined) return 'let it run before the test ends (await new Promise((resolve) => setImmediate(resolve))), or clearImmediate(handle)';
      if (rescheduled === 'other') return 'let the chain of immediates finish before the test ends (await it), or clearImmediate(handle)';
      return 'stop re-scheduling it, or clearImmediate(handle) before the test ends';
    },
  },
  server: {
    types: ['TCPSERVERWRAP', 'PIPESERVERWRAP'],
    ...handleSpec(),
    mayFinishWithin: neverFinishes,
    describe(resource, type, annotations) {
      const owner = ownerOf(resource);
      // A unix socket or named pipe has no socket address; net.Server keeps its path.
      const where = addressOf(resource as NativeHandle, 'local') ?? pipeNameOf(owner) ?? (owner && annotations.pathOf(owner));
      const listening =
        type === 'PIPESERVERWRAP' ? `pipe server listening on ${where ?? 'a pipe'}` : `TCP server listening on ${where ?? 'an unknown address'}`;
      const creation = owner && annotations.creationOf?.(owner);
      if (creation === undefined) return listening;
      const at = locationOf(creation.stack, annotations.rootDir ?? process.cwd());
      return `${listening}, created by ${creation.api}()${at ? ` at ${at}` : ''}`;
    },
    hint: () => 'await new Promise(r => server.close(r)) in afterEach/afterAll (and close its open connections)',
  },
  socket: {
    types: ['TCPWRAP', 'PIPEWRAP', 'UDPWRAP'],
    isActive: (resource, options) => isHandleActive(resource, options, true, true),
    mayFinishWithin(resource, { elapsedMs }) {
      // Closing, connecting, or within a short grace (a close handshake, a peer hanging up).
      if (elapsedMs < SHORT_GRACE_MS) return true;
      const owner = ownerOf(resource);
      if (owner === undefined) return true;
      return owner.connecting === true || owner.destroyed === true || owner.readableEnded === true || owner.writableEnded === true;
    },
    describe(resource, type) {
      const handle = resource as NativeHandle;
      if (type === 'UDPWRAP') return `UDP socket bound to ${addressOf(handle, 'local') ?? 'an unknown address'}`;
      if (type === 'PIPEWRAP') return `pipe socket${fdPath(handle.fd) ? ` on ${fdPath(handle.fd)}` : ''}`;
      const owner = ownerOf(resource);
      const peer = addressOf(handle, 'peer');
      const local = addressOf(handle, 'local');
      const tls = owner?.encrypted === true ? 'TLS' : 'TCP';
      if (owner?.server) return `${tls} connection accepted on ${local ?? '?'} from ${peer ?? '?'}`;
      const socket = peer ? `${tls} socket connected to ${peer}` : `${tls} socket (not connected)`;
      const call = callOf(resource);
      // Node's fetch keeps a socket ref'd while a request on it is in progress.
      if (call !== undefined) {
        return `${call.api}() ${call.method === undefined ? '' : `${call.method} `}request to ${call.url ?? 'its URL'} still in flight (${socket})`;
      }
      return socket;
    },
    hint(resource) {
      if (resource !== undefined && callOf(resource) !== undefined) {
        return 'await the fetch() and read its response body (await res.text(), or res.body?.cancel()), or abort it before the test ends (an AbortController passed as { signal })';
      }
      return 'call socket.end() or socket.destroy() (or close the client that owns it) before the test ends';
    },
  },
  'child-process': {
    types: ['PROCESSWRAP'],
    ...handleSpec(),
    mayFinishWithin: mayFinish,
    describe(resource) {
      const owner = ownerOf(resource);
      const cmd = owner?.spawnargs?.join(' ') ?? owner?.spawnfile ?? 'unknown command';
      return `child process ${(resource as NativeHandle).pid ?? '?'}: ${cmd}`;
    },
    hint: () => 'kill it (child.kill()) and await its "exit" event before the test ends',
    parts(resource) {
      const parts: object[] = [];
      for (const stream of ownerOf(resource)?.stdio ?? []) {
        const part = stream ? handleOf(stream) : NO_HANDLE;
        if (typeof part === 'object' && part !== null) parts.push(part);
      }
      return parts;
    },
  },
  worker: {
    types: ['WORKER'],
    ...handleSpec(),
    mayFinishWithin: mayFinish,
    describe(resource, _type, annotations) {
      const worker = publicWorkerOf(resource);
      const script = worker && annotations.pathOf(worker);
      return `worker thread ${(resource as NativeHandle).threadId ?? '?'}${script ? ` running ${script}` : ''}`;
    },
    hint: () => 'await worker.terminate() before the test ends',
    // Its own ports: the internal one and the public one behind worker.on('message'); a
    // port the user transferred is not among them.
    parts(resource) {
      const worker = publicWorkerOf(resource);
      return worker === undefined ? [] : workerPortsOf(worker);
    },
  },
  'message-port': {
    types: ['MESSAGEPORT'],
    // An unref'd port never counts: it keeps nothing alive.
    ...handleSpec(false),
    mayFinishWithin: mayFinish,
    describe: () => 'MessagePort with a message listener, never closed',
    hint: () => 'call port.close() (or remove its message listener) before the test ends',
  },
  'fs-watcher': {
    types: ['FSEVENTWRAP', 'STATWATCHER'],
    ...handleSpec(),
    mayFinishWithin: neverFinishes,
    describe(resource, type, annotations) {
      const owner = ownerOf(resource);
      const watched = owner && annotations.pathOf(owner);
      const api = type === 'STATWATCHER' ? 'fs.watchFile' : 'fs.watch';
      return watched ? `${api} on ${watched}` : `${api} watcher`;
    },
    hint: (_resource, type) =>
      type === 'STATWATCHER' ? 'call fs.unwatchFile(path) before the test ends' : 'call watcher.close() (fs.unwatchFile for fs.watchFile) before the test ends',
  },
  'file-handle': {
    types: ['FILEHANDLE'],
    isActive: (resource) => {
      const fd = (resource as NativeHandle).fd;
      return typeof fd === 'number' && fd >= 0;
    },
    mayFinishWithin: mayFinish,
    describe(resource) {
      const fd = (resource as NativeHandle).fd;
      const file = fdPath(fd);
      return `FileHandle fd ${fd ?? '?'}${file ? ` on ${file}` : ''} never closed`;
    },
    hint: () => 'await fileHandle.close() in a finally block',
  },
  promise: {
    types: ['PROMISE'],
    // Pending-ness is tracked by the promise hook, and reachability by the promise verdict.
    isActive: () => true,
    mayFinishWithin: mayFinish,
    describe: () => 'promise that never settles',
    hint: () =>
      'this promise never settles: resolve/reject it, or remove the reference that keeps it alive (module-level emitters, caches, stored resolvers)',
  },
};

// async_hooks type → kind. Every other type (TickObject, FSREQCALLBACK, WRITEWRAP,
// TCPCONNECTWRAP, DNSCHANNEL, TLSWRAP, ELDHISTOGRAM, ...) is a transient request or a
// layer over a handle we already track, and is never reported.
const KIND_OF_TYPE = new Map<string, Kind>(KINDS.flatMap((kind) => KIND_SPECS[kind].types.map((type) => [type, kind] as const)));

export function kindOfType(type: string): Kind | undefined {
  return KIND_OF_TYPE.get(type);
}

/** Whether a live resource is still doing something. */
export function isActive(kind: Kind, resource: object, options: ActivityOptions): boolean {
  return KIND_SPECS[kind].isActive(resource, options);
}

/** Whether an active resource could still finish on its own within the window (see KindSpec). */
export function mayFinishWithin(kind: Kind, resource: object, window: FinishWindow): boolean {
  return KIND_SPECS[kind].mayFinishWithin(resource, window);
}

/** A one-line description; a collected resource is named by its type. */
export function describe(kind: Kind, type: string, resource: object | undefined, annotations: Annotations): string {
  return resource === undefined ? `${type} (already collected)` : KIND_SPECS[kind].describe(resource, type, annotations);
}

export function hintFor(kind: Kind, type: string, resource: object | undefined): string {
  return KIND_SPECS[kind].hint(resource, type);
}

/** The native handles that are parts of a resource (see KindSpec.parts). */
export function partsOf(kind: Kind, resource: object): object[] {
  return KIND_SPECS[kind].parts?.(resource) ?? [];
}

/** The two ends of a TCP connection, as `host:port`, and whether a server accepted it. */
export function connectionOf(resource: object): { local?: string; peer?: string; accepted: boolean } {
  const handle = resource as NativeHandle;
  return { local: addressOf(handle, 'local'), peer: addressOf(handle, 'peer'), accepted: ownerOf(resource)?.server != null };
}

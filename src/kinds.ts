// What a resource is: which async_hooks types we track, how to tell whether one is
// still doing something, how to describe it to a person, and how to fix it.
import { Socket as UdpSocket } from 'node:dgram';
import { readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { cleanFrames, firstUserFrame, frameLocation } from './stack';
import type { StackHolder } from './tracker';

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

// async_hooks type → kind. Every other type (TickObject, FSREQCALLBACK, WRITEWRAP,
// TCPCONNECTWRAP, DNSCHANNEL, TLSWRAP, ELDHISTOGRAM, ...) is a transient request or a
// layer over a handle we already track, and is never reported.
const KIND_OF_TYPE = new Map<string, Kind>([
  ['Timeout', 'timer'],
  ['Immediate', 'immediate'],
  ['TCPSERVERWRAP', 'server'],
  ['PIPESERVERWRAP', 'server'],
  ['TCPWRAP', 'socket'],
  ['PIPEWRAP', 'socket'],
  ['UDPWRAP', 'socket'],
  ['PROCESSWRAP', 'child-process'],
  ['WORKER', 'worker'],
  ['MESSAGEPORT', 'message-port'],
  ['FSEVENTWRAP', 'fs-watcher'],
  ['STATWATCHER', 'fs-watcher'],
  ['FILEHANDLE', 'file-handle'],
  ['PROMISE', 'promise'],
]);

export function kindOfType(type: string): Kind | undefined {
  return KIND_OF_TYPE.get(type);
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
export function callOf(resource: object): Call | undefined {
  return (resource as { [CALL]?: Call })[CALL];
}

function isInterval(handle: HandleLike): boolean {
  return typeof handle._repeat === 'number' || handle[WINDOW_INTERVAL] === true;
}

/** The loose shape of the objects async_hooks hands us; every field is optional. */
interface HandleLike {
  hasRef?: () => unknown;
  fd?: number;
  pid?: number;
  threadId?: number;
  _destroyed?: boolean;
  _repeat?: number | null;
  _idleTimeout?: number;
  getsockname?: (out: Record<string, unknown>) => unknown;
  getpeername?: (out: Record<string, unknown>) => unknown;
  [key: symbol]: unknown;
}

interface OwnerLike {
  // `_handle` is read through handleOf() only.
  spawnargs?: string[];
  spawnfile?: string;
  encrypted?: boolean;
  server?: unknown;
  _pipeName?: string;
  stdio?: Array<OwnerLike | null>;
}

// Node keeps some facts of its objects under private symbols, found by their description
// (each description here is read off objects of one class only), then cached.
const privateSymbols = new Map<string, symbol>();
function privateField(target: object, description: string): unknown {
  let symbol = privateSymbols.get(description);
  if (symbol === undefined) {
    symbol = Object.getOwnPropertySymbols(target).find((s) => s.description === description);
    if (symbol === undefined) return undefined;
    privateSymbols.set(description, symbol);
  }
  return (target as Record<symbol, unknown>)[symbol];
}

/** The public object (Socket, Server, ChildProcess, FSWatcher) of a native handle. */
export function ownerOf(resource: object): OwnerLike | undefined {
  const owner = privateField(resource, 'owner_symbol');
  return typeof owner === 'object' && owner !== null ? (owner as OwnerLike) : undefined;
}

const NO_HANDLE = Symbol('no _handle');

/**
 * The owner's current native handle, or NO_HANDLE when it has none we can read. Public
 * owners drop it synchronously on close(), before the native close completes.
 */
function handleOf(owner: OwnerLike | undefined): unknown {
  if (owner === undefined) return NO_HANDLE;
  if (owner instanceof UdpSocket) return udpHandleOf(owner);
  return '_handle' in owner ? (owner as { _handle?: unknown })._handle : NO_HANDLE;
}

// dgram's Socket has a `_handle` too, but reading it prints a deprecation warning
// (DEP0112) in the user's run: read the handle from its state object instead.
function udpHandleOf(socket: object): unknown {
  const state = privateField(socket, 'state symbol');
  return typeof state === 'object' && state !== null && 'handle' in state ? (state as { handle: unknown }).handle : NO_HANDLE;
}

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
// public Worker, which holds the handle and the worker's two MessagePorts under private
// symbols. The environment notes each Worker created while it is set up (noteWorker).
const workers = new WeakMap<object, object>();

/** Remembers a public Worker by its native handle, so that the handle's report can find it. */
export function noteWorker(worker: object): void {
  const handle = privateField(worker, 'kHandle');
  if (typeof handle === 'object' && handle !== null) workers.set(handle, worker);
}

/** The public Worker of a native worker handle, if the environment saw it created. */
export function publicWorkerOf(handle: object): object | undefined {
  return workers.get(handle);
}

/** `file:line` of the first user frame of a stack, relative to rootDir. */
function locationOf(holder: StackHolder, rootDir: string): string | undefined {
  const frame = firstUserFrame(cleanFrames(holder));
  const at = frame === undefined ? undefined : frameLocation(frame);
  return at === undefined ? undefined : `${path.relative(rootDir, at.file)}:${at.line}`;
}

export interface ActivityOptions {
  /** Also count handles that were unref'd (they do not keep the process alive). */
  readonly includeUnref: boolean;
}

/**
 * Whether a live resource is still doing something. `resource` is never undefined here:
 * a collected resource is gone by definition.
 */
export function isActive(kind: Kind, resource: object, options: ActivityOptions): boolean {
  const handle = resource as HandleLike;
  switch (kind) {
    case 'timer':
    case 'immediate':
      if (handle._destroyed === true) return false;
      if (handle.hasRef?.() === true) return true;
      // Node's fetch unrefs its own timers (its clock, keep-alive timeouts): Node's, not the test's.
      return options.includeUnref && callOf(resource) === undefined;
    case 'file-handle':
      return typeof handle.fd === 'number' && handle.fd >= 0;
    case 'promise':
      // Pending-ness is tracked by the promise hook, not read off the object.
      return true;
    default: {
      // HandleWrap-based: hasRef() is false once closed. The public owner drops its
      // `_handle` synchronously on close(), before the native close completes.
      const owner = ownerOf(resource);
      const ownerHandle = handleOf(owner);
      if (ownerHandle !== NO_HANDLE && ownerHandle !== resource) {
        // A TLS socket keeps the TCP handle under its TLS wrap, not as `_handle`.
        if (!(owner?.encrypted === true && ownerHandle != null)) return false;
      }
      if (handle.hasRef?.() === true) return kind !== 'socket' || !isClosedUnread(handle, owner);
      if (!options.includeUnref || kind === 'message-port') return false;
      // A connection Node's fetch unref'd is idle in its pool for reuse: Node's, not the test's.
      if (callOf(resource) !== undefined) return false;
      // Unref'd but maybe open: trust the public owner when there is one.
      return ownerHandle !== NO_HANDLE && ownerHandle != null;
    }
  }
}

/**
 * A TCP socket that finished writing and whose peer has closed the connection, but that
 * was never read to its end: Node never sees 'end', so never destroys it, and its handle
 * stays ref'd. libuv stopped reading at EOF, so it keeps nothing running (not even the
 * process alive); the kernel connection is gone (getpeername: ENOTCONN).
 */
function isClosedUnread(handle: HandleLike, owner: OwnerLike | undefined): boolean {
  if ((owner as { writableFinished?: boolean } | undefined)?.writableFinished !== true) return false;
  if (typeof handle.getpeername !== 'function') return false;
  try {
    const code = handle.getpeername.call(handle, {});
    return typeof code === 'number' && code !== 0;
  } catch {
    return false;
  }
}

/** The event loop's clock, as timers read it (`_idleStart` is on this clock). */
export function loopNow(): number | undefined {
  const probe = setTimeout(() => undefined, 0) as unknown as HandleLike & { _idleStart?: number };
  clearTimeout(probe as unknown as NodeJS.Timeout);
  return probe._idleStart;
}

interface StreamOwnerLike {
  connecting?: boolean;
  destroyed?: boolean;
  readableEnded?: boolean;
  writableEnded?: boolean;
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

/**
 * Whether an active resource could still finish on its own within the window, so that
 * waiting for it is worth it: a timeout due by then, an immediate, a socket (closing,
 * connecting, or for a short grace), an interval (for a short grace, if it runs in it), a
 * child process, worker or port (it may be exiting or closing), a file handle. A listening
 * server or a watcher never stops by itself: a test that leaks only those is reported at
 * once, without spending the retry budget.
 */
export function mayFinishWithin(kind: Kind, resource: object, window: FinishWindow): boolean {
  const handle = resource as HandleLike & { _idleStart?: number };
  const { withinMs, elapsedMs, now } = window;
  switch (kind) {
    case 'timer': {
      const within = isInterval(handle) ? Math.min(withinMs, SHORT_GRACE_MS - elapsedMs) : withinMs;
      if (within <= 0) return false;
      if (now === undefined || typeof handle._idleStart !== 'number') return true;
      return handle._idleStart + (handle._idleTimeout ?? 0) <= now + within;
    }
    case 'socket': {
      if (elapsedMs < SHORT_GRACE_MS) return true;
      const owner = ownerOf(resource) as StreamOwnerLike | undefined;
      if (owner === undefined) return true;
      return owner.connecting === true || owner.destroyed === true || owner.readableEnded === true || owner.writableEnded === true;
    }
    case 'server':
    case 'fs-watcher':
      // close() drops the public object's handle at once: an active one is not closing.
      return false;
    default:
      return true;
  }
}

function address(handle: HandleLike, method: 'getsockname' | 'getpeername'): string | undefined {
  const fn = handle[method];
  if (typeof fn !== 'function') return undefined;
  const out: Record<string, unknown> = {};
  try {
    fn.call(handle, out);
  } catch {
    return undefined;
  }
  if (typeof out.address !== 'string') return undefined;
  const host = out.family === 'IPv6' ? `[${out.address}]` : out.address;
  return out.port === undefined ? host : `${host}:${String(out.port)}`;
}

function fdPath(fd: number | undefined): string | undefined {
  if (typeof fd !== 'number' || fd < 0 || process.platform !== 'linux') return undefined;
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** The two ends of a TCP connection, as `host:port`, and whether a server accepted it. */
export function connectionOf(resource: object): { local?: string; peer?: string; accepted: boolean } {
  const handle = resource as HandleLike;
  return { local: address(handle, 'getsockname'), peer: address(handle, 'getpeername'), accepted: ownerOf(resource)?.server != null };
}

/** A one-line description with the facts a person needs to recognise the resource. */
export function describe(kind: Kind, type: string, resource: object | undefined, annotations: Annotations): string {
  if (resource === undefined) return `${type} (already collected)`;
  const handle = resource as HandleLike;
  const owner = ownerOf(resource);
  switch (kind) {
    case 'timer': {
      const ms = handle._idleTimeout ?? 0;
      const repeat = isInterval(handle);
      const unref = handle.hasRef?.() === false ? ' (unref’d)' : '';
      return repeat ? `setInterval every ${ms} ms${unref}` : `setTimeout of ${ms} ms${unref}`;
    }
    case 'immediate': {
      const rescheduled = handle[RESCHEDULED];
      if (rescheduled === 'self') return 'setImmediate that keeps re-scheduling itself';
      if (rescheduled === 'other') return 'setImmediate scheduled by another setImmediate callback, not yet run';
      return 'setImmediate not yet run when the test ended';
    }
    case 'server': {
      // A unix socket or named pipe has no socket address; net.Server keeps its path.
      const where = address(handle, 'getsockname') ?? owner?._pipeName ?? (owner && annotations.pathOf(owner));
      const listening =
        type === 'PIPESERVERWRAP' ? `pipe server listening on ${where ?? 'a pipe'}` : `TCP server listening on ${where ?? 'an unknown address'}`;
      const creation = owner && annotations.creationOf?.(owner);
      if (creation === undefined) return listening;
      const at = locationOf(creation.stack, annotations.rootDir ?? process.cwd());
      return `${listening}, created by ${creation.api}()${at ? ` at ${at}` : ''}`;
    }
    case 'socket': {
      if (type === 'UDPWRAP') return `UDP socket bound to ${address(handle, 'getsockname') ?? 'an unknown address'}`;
      if (type === 'PIPEWRAP') return `pipe socket${fdPath(handle.fd) ? ` on ${fdPath(handle.fd)}` : ''}`;
      const peer = address(handle, 'getpeername');
      const local = address(handle, 'getsockname');
      const tls = owner?.encrypted === true ? 'TLS' : 'TCP';
      if (owner?.server) return `${tls} connection accepted on ${local ?? '?'} from ${peer ?? '?'}`;
      const socket = peer ? `${tls} socket connected to ${peer}` : `${tls} socket (not connected)`;
      const call = callOf(resource);
      // Node's fetch keeps a socket ref'd while a request on it is in progress.
      if (call !== undefined) {
        return `${call.api}() ${call.method === undefined ? '' : `${call.method} `}request to ${call.url ?? 'its URL'} still in flight (${socket})`;
      }
      return socket;
    }
    case 'child-process': {
      const cmd = owner?.spawnargs?.join(' ') ?? owner?.spawnfile ?? 'unknown command';
      return `child process ${handle.pid ?? '?'}: ${cmd}`;
    }
    case 'worker': {
      const worker = publicWorkerOf(resource);
      const script = worker && annotations.pathOf(worker);
      return `worker thread ${handle.threadId ?? '?'}${script ? ` running ${script}` : ''}`;
    }
    case 'message-port':
      return 'MessagePort with a message listener, never closed';
    case 'fs-watcher': {
      const path = owner && annotations.pathOf(owner);
      const api = type === 'STATWATCHER' ? 'fs.watchFile' : 'fs.watch';
      return path ? `${api} on ${path}` : `${api} watcher`;
    }
    case 'file-handle': {
      const path = fdPath(handle.fd);
      return `FileHandle fd ${handle.fd ?? '?'}${path ? ` on ${path}` : ''} never closed`;
    }
    case 'promise':
      return 'promise that never settles';
  }
}

const HINTS: Record<Kind, string> = {
  timer: 'call clearInterval(handle) before the test ends, e.g. in afterEach',
  immediate: 'stop re-scheduling it, or clearImmediate(handle) before the test ends',
  server: 'await new Promise(r => server.close(r)) in afterEach/afterAll (and close its open connections)',
  socket: 'call socket.end() or socket.destroy() (or close the client that owns it) before the test ends',
  'child-process': 'kill it (child.kill()) and await its "exit" event before the test ends',
  worker: 'await worker.terminate() before the test ends',
  'message-port': 'call port.close() (or remove its message listener) before the test ends',
  'fs-watcher': 'call watcher.close() (fs.unwatchFile for fs.watchFile) before the test ends',
  'file-handle': 'await fileHandle.close() in a finally block',
  promise:
    'this promise never settles: resolve/reject it, or remove the reference that keeps it alive (module-level emitters, caches, stored resolvers)',
};

export function hintFor(kind: Kind, type: string, resource: object | undefined): string {
  if (kind === 'immediate' && resource !== undefined) {
    const rescheduled = (resource as HandleLike)[RESCHEDULED];
    if (rescheduled === undefined) return 'let it run before the test ends (await new Promise((resolve) => setImmediate(resolve))), or clearImmediate(handle)';
    if (rescheduled === 'other') return 'let the chain of immediates finish before the test ends (await it), or clearImmediate(handle)';
  }
  if (kind === 'timer' && resource !== undefined && !isInterval(resource as HandleLike)) {
    return 'clearTimeout(handle) before the test ends, or await what it schedules; call .unref() if it may outlive the test';
  }
  if (type === 'STATWATCHER') return 'call fs.unwatchFile(path) before the test ends';
  if (kind === 'socket' && resource !== undefined && callOf(resource) !== undefined) {
    return 'await the fetch() and read its response body (await res.text(), or res.body?.cancel()), or abort it before the test ends (an AbortController passed as { signal })';
  }
  return HINTS[kind];
}

/**
 * Native handles that belong to another reported resource and would only repeat it:
 * a child process's stdio pipes, a worker's own MessagePorts (the internal one and the
 * public one behind worker.on('message'); a port the user transferred is not among them).
 */
export function partOf(parent: object): object[] {
  const parts: object[] = [];
  const worker = publicWorkerOf(parent);
  if (worker !== undefined) {
    for (const field of ['kPort', 'kPublicPort']) {
      const port = privateField(worker, field);
      if (typeof port === 'object' && port !== null) parts.push(port);
    }
    return parts;
  }
  const owner = ownerOf(parent);
  for (const stream of owner?.stdio ?? []) {
    const part = stream ? handleOf(stream) : NO_HANDLE;
    if (typeof part === 'object' && part !== null) parts.push(part);
  }
  return parts;
}

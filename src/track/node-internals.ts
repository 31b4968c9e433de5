// Every read of Node's undocumented state, in one place. async_hooks hands out native
// handles whose public facts (is it closed, where is it connected, which Socket or
// ChildProcess owns it) Node keeps in underscore fields and private symbols. Each read
// here tolerates the field being gone: a Node release that renames one makes a
// description vaguer or a verdict more cautious, never a crash. The tests of kinds
// exercise each one on the running Node.
import { Socket as UdpSocket } from 'node:dgram';
import { readlinkSync } from 'node:fs';

/** The loose shape of the native handles async_hooks hands us; every field is optional. */
export interface NativeHandle {
  hasRef?: () => unknown;
  fd?: number;
  pid?: number;
  threadId?: number;
  getsockname?: (out: Record<string, unknown>) => unknown;
  getpeername?: (out: Record<string, unknown>) => unknown;
  [key: symbol]: unknown;
}

/** The public object (Socket, Server, ChildProcess, FSWatcher) of a native handle, loosely. */
export interface PublicOwner {
  spawnargs?: string[];
  spawnfile?: string;
  encrypted?: boolean;
  server?: unknown;
  connecting?: boolean;
  destroyed?: boolean;
  readableEnded?: boolean;
  writableEnded?: boolean;
  writableFinished?: boolean;
  stdio?: Array<PublicOwner | null>;
}

// Node keeps some facts of its objects under private symbols, found by their description
// on an object of one class, then cached per class: two classes may use two symbols of the
// same description (Worker's and FileHandle's `kHandle`).
const privateSymbols = new Map<string, symbol>();
function privateField(target: object, className: string, description: string): unknown {
  const key = `${className} ${description}`;
  let symbol = privateSymbols.get(key);
  if (symbol === undefined) {
    symbol = Object.getOwnPropertySymbols(target).find((s) => s.description === description);
    if (symbol === undefined) return undefined;
    privateSymbols.set(key, symbol);
  }
  return (target as Record<symbol, unknown>)[symbol];
}

const asObject = (value: unknown): object | undefined => (typeof value === 'object' && value !== null ? value : undefined);

/** The public object of a native handle (`owner_symbol`). */
export function ownerOf(resource: object): PublicOwner | undefined {
  return asObject(privateField(resource, 'handle', 'owner_symbol')) as PublicOwner | undefined;
}

/** The owner has no native handle we can read. */
export const NO_HANDLE = Symbol('no _handle');

/**
 * The owner's current native handle (`_handle`), or NO_HANDLE when it has none we can read.
 * Public owners drop it synchronously on close(), before the native close completes.
 */
export function handleOf(owner: PublicOwner | undefined): unknown {
  if (owner === undefined) return NO_HANDLE;
  // dgram's Socket has a `_handle` too, but reading it prints a deprecation warning
  // (DEP0112) in the user's run: read the handle from its state object instead.
  if (owner instanceof UdpSocket) {
    const state = asObject(privateField(owner, 'dgram.Socket', 'state symbol'));
    return state !== undefined && 'handle' in state ? (state as { handle: unknown }).handle : NO_HANDLE;
  }
  return '_handle' in owner ? (owner as { _handle?: unknown })._handle : NO_HANDLE;
}

/**
 * The native TCP handle under a public net.Socket, which async_hooks tracks: its `_handle`,
 * or for a TLS socket the TCP handle its TLS wrap is layered on (`_parent`).
 */
export function tcpHandleOf(socket: object): object | undefined {
  const wrap = asObject(handleOf(socket as PublicOwner));
  return asObject((wrap as { _parent?: unknown } | undefined)?._parent) ?? wrap;
}

/** What a Node timer (Timeout) keeps about itself. */
export interface TimerState {
  /** Cleared, or ran and will not run again. */
  readonly destroyed: boolean;
  /** A setInterval (Node's own: jsdom's intervals are marked separately). */
  readonly repeats: boolean;
  /** Its delay in ms. */
  readonly delayMs: number;
  /** When it was last armed, on the event loop's clock (see loopNow). */
  readonly armedAt: number | undefined;
}

export function timerState(timer: object): TimerState {
  const t = timer as { _destroyed?: boolean; _repeat?: number | null; _idleTimeout?: number; _idleStart?: number };
  return {
    destroyed: t._destroyed === true,
    repeats: typeof t._repeat === 'number',
    delayMs: t._idleTimeout ?? 0,
    armedAt: typeof t._idleStart === 'number' ? t._idleStart : undefined,
  };
}

/** The event loop's clock, as timers read it (a probe timer's arming time). */
export function loopNow(): number | undefined {
  const probe = setTimeout(() => undefined, 0);
  clearTimeout(probe);
  return timerState(probe).armedAt;
}

/** The callback an Immediate will run (`_onImmediate`). */
export function immediateCallback(immediate: object): unknown {
  return (immediate as { _onImmediate?: unknown })._onImmediate;
}

/** A socket handle's own or peer address as `host:port` (the native getsockname/getpeername). */
export function addressOf(handle: NativeHandle, which: 'local' | 'peer'): string | undefined {
  const fn = which === 'local' ? handle.getsockname : handle.getpeername;
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

/** Whether the kernel still has a peer for this socket handle (getpeername succeeds). */
export function hasPeer(handle: NativeHandle): boolean | undefined {
  if (typeof handle.getpeername !== 'function') return undefined;
  try {
    const code = handle.getpeername.call(handle, {});
    return typeof code === 'number' ? code === 0 : undefined;
  } catch {
    return undefined;
  }
}

/** A pipe server's path (`_pipeName`): a unix socket has no socket address. */
export function pipeNameOf(owner: PublicOwner | undefined): string | undefined {
  const name = (owner as { _pipeName?: unknown } | undefined)?._pipeName;
  return typeof name === 'string' ? name : undefined;
}

/** What a file descriptor is open on (Linux only). */
export function fdPath(fd: number | undefined): string | undefined {
  if (typeof fd !== 'number' || fd < 0 || process.platform !== 'linux') return undefined;
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** A worker_threads Worker's native handle (`kHandle`): the async resource of kind worker. */
export function workerHandleOf(worker: object): object | undefined {
  return asObject(privateField(worker, 'Worker', 'kHandle'));
}

/** A worker's own MessagePorts (`kPort`, `kPublicPort`): parts of it, not leaks of their own. */
export function workerPortsOf(worker: object): object[] {
  return ['kPort', 'kPublicPort'].map((field) => asObject(privateField(worker, 'Worker', field))).filter((port) => port !== undefined);
}

/** The native handle of an fs.promises FileHandle (`kHandle`), which async_hooks reports. */
export function fileHandleOf(fileHandle: object): object | undefined {
  return asObject(privateField(fileHandle, 'FileHandle', 'kHandle'));
}

// Facts Node does not keep on a handle but a person needs in a report: the path an
// fs.watch/fs.watchFile watcher watches, where a server's listen() was called (with a
// host, Node creates the handle in a later callback whose stack has no user frame), where
// a server was created, which public Worker a worker handle belongs to, and whether an
// Immediate was scheduled from an Immediate's callback, and which fetch() call a socket
// was opened for (Node opens it too deep below the call for its stack to show the
// user's line). Recorded by wrapping those
// functions while an environment is set up; the wrappers return exactly what the
// originals return, and are put back in teardown only where they are still in place.
import { executionAsyncResource } from 'node:async_hooks';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { types } from 'node:util';
import workerThreads from 'node:worker_threads';
import { noteWorker, RESCHEDULED, type Annotations, type Call, type Creation } from './kinds';
import { materialize } from './stack';
import { runCall, type StackHolder } from './tracker';

const paths = new WeakMap<object, string>();
const listenStacks = new WeakMap<object, StackHolder>();
const creations = new WeakMap<object, Creation>();
let installs = 0;
let captureStack: (() => StackHolder) | undefined;

/** A property replaced by a wrapper, and how to put the original back. */
interface Patch {
  restore(): void;
}
let patches: Patch[] = [];

/**
 * Replaces the function `target[key]` with `make(original)` and returns how to put it
 * back; restoring leaves a later replacement alone. Nothing to undo when it is no function.
 */
function patch<T extends object, K extends keyof T>(target: T, key: K, make: (original: T[K]) => T[K]): Patch {
  const original = target[key];
  if (typeof original !== 'function') return { restore: () => undefined };
  const wrapper = make(original);
  target[key] = wrapper;
  return {
    restore: () => {
      // Someone (a test, a mocking library) replaced it after us: theirs stays.
      if (target[key] === wrapper) target[key] = original;
    },
  };
}

function note(target: unknown, file: unknown): void {
  if (typeof target === 'object' && target !== null && (typeof file === 'string' || file instanceof URL)) {
    paths.set(target, String(file instanceof URL ? file.pathname : file));
  }
}

export const annotations: Annotations = {
  pathOf: (owner) => paths.get(owner),
  listenStackOf: (owner) => listenStacks.get(owner),
  creationOf: (owner) => creations.get(owner),
};

/** The annotations, with the project's rootDir for the locations they name. */
export function annotationsFor(rootDir: string): Annotations {
  return { ...annotations, rootDir };
}

type CreateServer = (...args: unknown[]) => unknown;

function noteCreation(api: string): (original: CreateServer) => CreateServer {
  return (original) =>
    function (this: unknown, ...args: unknown[]): unknown {
      const server = original.apply(this, args);
      if (captureStack && typeof server === 'object' && server !== null) creations.set(server, { api, stack: captureStack() });
      return server;
    };
}

/** `capture` records stacks in the current test context's realm (see stack.ts). */
export function installAnnotations(capture: () => StackHolder): void {
  captureStack = capture;
  if (installs++ > 0) return;
  patches = [
    patch(net.Server.prototype, 'listen', (listen) =>
      function (this: net.Server, ...args: unknown[]) {
        if (captureStack) listenStacks.set(this, captureStack());
        return (listen as (...a: unknown[]) => net.Server).apply(this, args);
      } as typeof listen,
    ),
    patch(fs, 'watch', (watch) =>
      function (this: unknown, ...args: Parameters<typeof fs.watch>) {
        const watcher = watch.apply(this, args);
        note(watcher, args[0]);
        return watcher;
      } as typeof fs.watch,
    ),
    patch(fs, 'watchFile', (watchFile) =>
      function (this: unknown, ...args: Parameters<typeof fs.watchFile>) {
        const watcher = (watchFile as (...a: unknown[]) => unknown).apply(this, args);
        note(watcher, args[0]);
        return watcher;
      } as typeof fs.watchFile,
    ),
    // http.createServer and https.createServer call their own Server, not net's: each is
    // wrapped. express's app.listen() goes through http.createServer.
    patch(http, 'createServer', noteCreation('http.createServer') as (o: typeof http.createServer) => typeof http.createServer),
    patch(https, 'createServer', noteCreation('https.createServer') as (o: typeof https.createServer) => typeof https.createServer),
    patch(net, 'createServer', noteCreation('net.createServer') as (o: typeof net.createServer) => typeof net.createServer),
    // A Proxy, not a subclass: `instanceof Worker`, statics and subclassing keep working.
    patch(workerThreads, 'Worker', (Worker) => {
      const proxy: typeof Worker = new Proxy(Worker, {
        construct(target, args: unknown[], newTarget: new (...a: unknown[]) => object) {
          const worker = Reflect.construct(target, args, newTarget === proxy ? target : newTarget) as object;
          noteWorker(worker);
          // With { eval: true } the first argument is code, not a script.
          const options = args[1] as { eval?: unknown } | undefined;
          if (options?.eval !== true) note(worker, args[0]);
          return worker;
        },
      });
      return proxy;
    }),
  ];
}

export function uninstallAnnotations(): void {
  if (--installs > 0) return;
  for (const entry of patches.reverse()) entry.restore();
  patches = [];
  captureStack = undefined;
}

type Scheduled = { [RESCHEDULED]?: 'self' | 'other'; _onImmediate?: unknown };

/**
 * Wraps the test global's setImmediate to mark an Immediate scheduled from another
 * Immediate's callback (see RESCHEDULED), so a report can tell a loop from a one-shot
 * immediate not yet run. Returns the undo, which leaves a later replacement alone.
 */
export function markImmediates(global: object): () => void {
  const target = global as { setImmediate?: unknown };
  return patch(target, 'setImmediate', (original) => {
    const schedule = original as (callback: unknown, ...args: unknown[]) => Scheduled;
    const probe = schedule(() => undefined);
    clearImmediate(probe as unknown as NodeJS.Immediate);
    const Immediate = (probe as object).constructor;
    const wrapper = function (this: unknown, callback: unknown, ...args: unknown[]): Scheduled {
      const immediate = schedule.call(this, callback, ...args);
      const running = executionAsyncResource() as Scheduled;
      if (running instanceof Immediate && typeof immediate === 'object' && immediate !== null) {
        immediate[RESCHEDULED] = running._onImmediate === callback ? 'self' : 'other';
      }
      return immediate;
    };
    // Node's setImmediate has a promisified form (util.promisify.custom): keep it.
    Object.defineProperties(wrapper, Object.getOwnPropertyDescriptors(original));
    return wrapper;
  }).restore;
}

/** A URL as a report shows it: without its query and fragment, which may hold secrets. */
function shownUrl(url: string): string {
  let shown: string;
  try {
    const parsed = new URL(url);
    shown = `${parsed.origin}${parsed.pathname}${parsed.search || parsed.hash ? '?…' : ''}`;
  } catch {
    shown = url.replace(/[?#][\s\S]*$/, '?…');
  }
  return shown.length > 200 ? `${shown.slice(0, 199)}…` : shown;
}

/**
 * What a fetch() call asks for, read without side effects: only strings, URLs and
 * Requests, and a `method` that is a plain data property of the options (fetch reads them
 * itself; a getter or a Proxy trap must not run twice).
 */
function fetchTarget(input: unknown, init: unknown): Pick<Call, 'url' | 'method'> {
  let url: string | undefined;
  let method: unknown;
  if (typeof input === 'string') url = input;
  else if (typeof input === 'object' && input !== null && !types.isProxy(input)) {
    if (input instanceof URL) url = input.href;
    else if (typeof Request === 'function' && input instanceof Request) {
      url = input.url;
      method = input.method;
    }
  }
  if (typeof init === 'object' && init !== null && !types.isProxy(init)) {
    const own = Object.getOwnPropertyDescriptor(init, 'method');
    if (own !== undefined && 'value' in own) method = own.value;
  }
  const verb = typeof method === 'string' ? method.toUpperCase() : undefined;
  return { url: url === undefined ? undefined : shownUrl(url), method: verb === 'GET' ? undefined : verb };
}

/**
 * Wraps the test global's fetch so that what each call creates carries the call (see
 * CALL): Node's fetch opens its socket about 30 frames below the call and does more in that
 * socket's callbacks, so no creation stack reaches the user's line. One stack per call,
 * formatted at once (it is carried by sockets that may outlive the test; see materialize);
 * the call itself runs unchanged and its result is returned as is. Returns the undo, which
 * leaves a later replacement alone. Nothing to do where there is no fetch (jsdom).
 */
export function traceFetch(global: object): () => void {
  const target = global as { fetch?: unknown };
  return patch(target, 'fetch', (original) => {
    const fetch = original as (this: unknown, ...args: unknown[]) => unknown;
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      const capture = captureStack;
      if (capture === undefined) return fetch.apply(this, args);
      let call: Call;
      try {
        call = { api: 'fetch', ...fetchTarget(args[0], args[1]), stack: capture() };
        materialize(call.stack);
      } catch {
        return fetch.apply(this, args); // whatever failed, the call itself must not
      }
      return runCall(call, () => fetch.apply(this, args));
    };
    // Its name and length, as the original's.
    Object.defineProperties(wrapper, Object.getOwnPropertyDescriptors(original));
    return wrapper;
  }).restore;
}

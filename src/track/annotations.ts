// Facts Node does not keep on a handle but a person needs in a report: the path an
// fs.watch/fs.watchFile watcher watches, where a server's listen() was called (with a
// host, Node creates the handle in a later callback whose stack has no user frame), where
// a server was created, which public Worker a worker handle belongs to, and whether an
// Immediate was scheduled from an Immediate's callback, and which fetch() call a socket
// was opened for (Node opens it too deep below the call for its stack to show the
// user's line). Recorded by wrapping those functions (see patches.ts) while an environment
// is set up; the wrappers return exactly what the originals return.
import { executionAsyncResource } from 'node:async_hooks';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { types } from 'node:util';
import workerThreads from 'node:worker_threads';
import { noteWorker, RESCHEDULED, type Annotations, type Call, type Creation } from './kinds';
import { SharedPatches, type Patches } from './patches';
import { immediateCallback } from './node-internals';
import { materialize, type StackHolder } from './stack';
import { runCall } from './tracker';

const paths = new WeakMap<object, string>();
const listenStacks = new WeakMap<object, StackHolder>();
const creations = new WeakMap<object, Creation>();
/**
 * The stack capturer of the environment set up last; unset once none is (the wrappers then
 * only pass calls on). Its stacks are read at once (see materialize): each is kept as long
 * as the server, socket or call it describes, which may outlive the test by far, and a stack
 * not yet read holds every frame's receiver (a response, and its listeners' promises).
 */
let captureStack: (() => StackHolder) | undefined;

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

/**
 * Records where each server's listen() is called, with no frame of ours in any stack: a
 * wrapper around listen() would be on the stack when Node creates the server's handle, and
 * the first frame Jest shows for it (`--detectOpenHandles` printed `at Server.listen
 * (…/build/track/annotations.js)`). So listen stays Node's own function, and the stack is
 * taken when it is looked up on a server (`server.listen(...)`, express's app.listen), from a
 * getter on the prototype that returns it. Assigning `listen` (a mocking library, another
 * patch) works as before: it defines a plain property, ours is then out of the way.
 * Returns the undo, which leaves a later patch of the prototype alone.
 */
function noteListenCalls(): () => void {
  const prototype = net.Server.prototype;
  const original = Object.getOwnPropertyDescriptor(prototype, 'listen');
  if (original === undefined || (original.get === undefined && typeof original.value !== 'function')) return () => undefined;
  // Another copy of this package (an outer environment) may have put its own getter there.
  const lookUp = original.get ?? ((): unknown => original.value);
  const accessor: PropertyDescriptor = {
    configurable: true,
    enumerable: original.enumerable ?? false,
    get(this: unknown) {
      if (captureStack && typeof this === 'object' && this !== null && this !== prototype) listenStacks.set(this, captureStack());
      return lookUp.call(this);
    },
    set(this: unknown, value: unknown) {
      if (typeof this !== 'object' || this === null) return;
      Object.defineProperty(this, 'listen', { value, writable: true, configurable: true, enumerable: this === prototype ? accessor.enumerable : true });
    },
  };
  Object.defineProperty(prototype, 'listen', accessor);
  return () => {
    const current = Object.getOwnPropertyDescriptor(prototype, 'listen');
    if (current?.get === accessor.get) Object.defineProperty(prototype, 'listen', original);
  };
}

// Node's modules are shared by every environment in the worker: patched once for all of them.
const nodeModules = new SharedPatches((patches) => {
  // Added first, so undone last: once nothing is patched, nothing is captured either.
  patches.add(() => {
    captureStack = undefined;
  });
  patches.add(noteListenCalls());
  patches.patch(fs, 'watch', (watch) =>
    function (this: unknown, ...args: Parameters<typeof fs.watch>) {
      const watcher = watch.apply(this, args);
      note(watcher, args[0]);
      return watcher;
    } as typeof fs.watch,
  );
  patches.patch(fs, 'watchFile', (watchFile) =>
    function (this: unknown, ...args: Parameters<typeof fs.watchFile>) {
      const watcher = (watchFile as (...a: unknown[]) => unknown).apply(this, args);
      note(watcher, args[0]);
      return watcher;
    } as typeof fs.watchFile,
  );
  // http.createServer and https.createServer call their own Server, not net's: each is
  // wrapped. express's app.listen() goes through http.createServer.
  patches.patch(http, 'createServer', noteCreation('http.createServer') as (o: typeof http.createServer) => typeof http.createServer);
  patches.patch(https, 'createServer', noteCreation('https.createServer') as (o: typeof https.createServer) => typeof https.createServer);
  patches.patch(net, 'createServer', noteCreation('net.createServer') as (o: typeof net.createServer) => typeof net.createServer);
  // A Proxy, not a subclass: `instanceof Worker`, statics and subclassing keep working.
  patches.patch(workerThreads, 'Worker', (Worker) => {
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
  });
});

/**
 * Starts annotating Node's servers, watchers and workers; `patches` gets the undo.
 * `capture` records stacks in the current test context's realm (see stack.ts).
 */
export function installAnnotations(capture: () => StackHolder, patches: Patches): void {
  captureStack = () => {
    const stack = capture();
    materialize(stack);
    return stack;
  };
  nodeModules.use(patches);
}

type Scheduled = { [RESCHEDULED]?: 'self' | 'other' };

/**
 * Wraps the test global's setImmediate to mark an Immediate scheduled from another
 * Immediate's callback (see RESCHEDULED), so a report can tell a loop from a one-shot
 * immediate not yet run, until `patches` is undone.
 */
export function markImmediates(global: object, patches: Patches): void {
  const target = global as { setImmediate?: unknown };
  patches.patch(target, 'setImmediate', (original) => {
    const schedule = original as (callback: unknown, ...args: unknown[]) => Scheduled;
    const probe = schedule(() => undefined);
    clearImmediate(probe as unknown as NodeJS.Immediate);
    const Immediate = (probe as object).constructor;
    const wrapper = function (this: unknown, callback: unknown, ...args: unknown[]): Scheduled {
      const immediate = schedule.call(this, callback, ...args);
      const running = executionAsyncResource() as Scheduled;
      if (running instanceof Immediate && typeof immediate === 'object' && immediate !== null) {
        immediate[RESCHEDULED] = immediateCallback(running) === callback ? 'self' : 'other';
      }
      return immediate;
    };
    // Node's setImmediate has a promisified form (util.promisify.custom): keep it.
    Object.defineProperties(wrapper, Object.getOwnPropertyDescriptors(original));
    return wrapper;
  });
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
 * socket's callbacks, so no creation stack reaches the user's line. One stack per call
 * (read at once: sockets carry it, see captureStack);
 * the call itself runs unchanged and its result is returned as is, until `patches` is
 * undone. Nothing to do where there is no fetch (jsdom).
 */
export function traceFetch(global: object, patches: Patches): void {
  const target = global as { fetch?: unknown };
  patches.patch(target, 'fetch', (original) => {
    const fetch = original as (this: unknown, ...args: unknown[]) => unknown;
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      const capture = captureStack;
      if (capture === undefined) return fetch.apply(this, args);
      let call: Call;
      try {
        call = { api: 'fetch', ...fetchTarget(args[0], args[1]), stack: capture() };
      } catch {
        return fetch.apply(this, args); // whatever failed, the call itself must not
      }
      return runCall(call, () => fetch.apply(this, args));
    };
    // Its name and length, as the original's.
    Object.defineProperties(wrapper, Object.getOwnPropertyDescriptors(original));
    return wrapper;
  });
}

// Facts Node does not keep on a handle but a person needs in a report: the path an
// fs.watch/fs.watchFile watcher watches, and where a server's listen() was called (with a
// host, Node creates the handle in a later callback whose stack has no user frame).
// Recorded by wrapping those functions while an environment is set up; the wrappers
// return exactly what the originals return.
import fs from 'node:fs';
import net from 'node:net';
import type { Annotations } from './kinds';
import type { StackHolder } from './tracker';

const paths = new WeakMap<object, string>();
const listenStacks = new WeakMap<object, StackHolder>();
let installs = 0;
let originals: { watch: typeof fs.watch; watchFile: typeof fs.watchFile; listen: typeof net.Server.prototype.listen } | undefined;
let captureStack: (() => StackHolder) | undefined;

function note(target: unknown, file: unknown): void {
  if (typeof target === 'object' && target !== null && (typeof file === 'string' || file instanceof URL)) {
    paths.set(target, String(file instanceof URL ? file.pathname : file));
  }
}

export const annotations: Annotations = {
  pathOf: (owner) => paths.get(owner),
  listenStackOf: (owner) => listenStacks.get(owner),
};

/** `capture` records stacks in the current test context's realm (see stack.ts). */
export function installAnnotations(capture: () => StackHolder): void {
  captureStack = capture;
  if (installs++ > 0) return;
  const watch = fs.watch;
  const watchFile = fs.watchFile;
  const listen = net.Server.prototype.listen;
  originals = { watch, watchFile, listen };
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    if (captureStack) listenStacks.set(this, captureStack());
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
  fs.watch = function (this: unknown, ...args: Parameters<typeof fs.watch>) {
    const watcher = watch.apply(this, args);
    note(watcher, args[0]);
    return watcher;
  } as typeof fs.watch;
  fs.watchFile = function (this: unknown, ...args: Parameters<typeof fs.watchFile>) {
    const watcher = (watchFile as (...a: unknown[]) => unknown).apply(this, args);
    note(watcher, args[0]);
    return watcher;
  } as typeof fs.watchFile;
}

export function uninstallAnnotations(): void {
  if (--installs > 0 || originals === undefined) return;
  fs.watch = originals.watch;
  fs.watchFile = originals.watchFile;
  net.Server.prototype.listen = originals.listen;
  originals = undefined;
  captureStack = undefined;
}

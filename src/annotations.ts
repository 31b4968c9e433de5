// Facts Node does not keep on a handle but a person needs in a report: the path an
// fs.watch/fs.watchFile watcher watches. Recorded by wrapping those two functions while
// an environment is set up; the wrappers return exactly what the originals return.
import fs from 'node:fs';
import type { Annotations } from './kinds';

const paths = new WeakMap<object, string>();
let installs = 0;
let originals: { watch: typeof fs.watch; watchFile: typeof fs.watchFile } | undefined;

function note(target: unknown, file: unknown): void {
  if (typeof target === 'object' && target !== null && (typeof file === 'string' || file instanceof URL)) {
    paths.set(target, String(file instanceof URL ? file.pathname : file));
  }
}

export const annotations: Annotations = {
  pathOf: (owner) => paths.get(owner),
};

export function installAnnotations(): void {
  if (installs++ > 0) return;
  const watch = fs.watch;
  const watchFile = fs.watchFile;
  originals = { watch, watchFile };
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
  originals = undefined;
}

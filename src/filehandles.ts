// FileHandles (fs.promises.open). Node creates a FileHandle's native handle in a libuv
// callback, outside any async context: async_hooks sees it with no owner and no user stack.
// So while an environment is set up, fs.promises.open is wrapped to hand each call's
// result to the tracker, which charges it to the caller. The wrapper returns exactly what
// the original returns.
import { promises as fsPromises } from 'node:fs';
import { fileHandleOf } from './node-internals';

/** Told about every fs.promises.open call, synchronously, in the caller's async context. */
export type OpenListener = (opened: Promise<unknown>) => void;

const listeners = new Set<OpenListener>();
let original: typeof fsPromises.open | undefined;

/** Starts telling `listener` about fs.promises.open calls; returns the function that stops. */
export function onFileHandleOpen(listener: OpenListener): () => void {
  listeners.add(listener);
  if (original === undefined) {
    const open = fsPromises.open;
    original = open;
    fsPromises.open = function (this: unknown, ...args: Parameters<typeof open>) {
      const opened = open.apply(this, args);
      for (const notify of listeners) notify(opened);
      return opened;
    } as typeof open;
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0 || original === undefined) return;
    fsPromises.open = original;
    original = undefined;
  };
}

/** The native handle (async_hooks type FILEHANDLE) behind a public FileHandle. */
export function nativeFileHandle(fileHandle: unknown): object | undefined {
  return typeof fileHandle === 'object' && fileHandle !== null ? fileHandleOf(fileHandle) : undefined;
}

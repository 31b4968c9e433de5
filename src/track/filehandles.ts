// FileHandles (fs.promises.open). Node creates a FileHandle's native handle in a libuv
// callback, outside any async context: async_hooks sees it with no owner and no user stack.
// So while an environment is set up, fs.promises.open is wrapped (see patches.ts) to hand
// each call's result to the tracker, which charges it to the caller. The wrapper returns
// exactly what the original returns.
import { promises as fsPromises } from 'node:fs';
import { fileHandleOf } from './node-internals';
import { SharedPatches, type Patches } from './patches';

/** Told about every fs.promises.open call, synchronously, in the caller's async context. */
export type OpenListener = (opened: Promise<unknown>) => void;

const listeners = new Set<OpenListener>();

// fs.promises is the worker's, shared by every environment: wrapped once for all of them.
const wrappedOpen = new SharedPatches((patches) =>
  patches.patch(fsPromises, 'open', (open) =>
    function (this: unknown, ...args: Parameters<typeof open>) {
      const opened = open.apply(this, args);
      for (const notify of listeners) notify(opened);
      return opened;
    } as typeof open,
  ),
);

/** Tells `listener` about fs.promises.open calls until `patches` is undone. */
export function onFileHandleOpen(listener: OpenListener, patches: Patches): void {
  wrappedOpen.use(patches);
  // Added after the wrapper's release, so removed before it (undone last first).
  listeners.add(listener);
  patches.add(() => {
    listeners.delete(listener);
  });
}

/** The native handle (async_hooks type FILEHANDLE) behind a public FileHandle. */
export function nativeFileHandle(fileHandle: unknown): object | undefined {
  return typeof fileHandle === 'object' && fileHandle !== null ? fileHandleOf(fileHandle) : undefined;
}

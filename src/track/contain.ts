// Containment: what is done to a leaked handle once its leak is reported, so that the worker
// can exit without --forceExit and later tests of the file are not disturbed by it. Timers
// and immediates are stopped ('stop'): an interval would otherwise keep running its callback
// into later tests. Every other handle is only unref'd, never closed: the user's own
// afterAll may still close it, and a server, socket or child closed under its feet would
// turn that into a second, unrelated failure. Nothing here ever throws.
import { clearImmediate, clearTimeout } from 'node:timers';
import type { Contain } from '../config/options';
import type { Kind } from './kinds';
import { ownerOf } from './node-internals';

type Unreffable = { unref?: () => unknown };

/** Unrefs a handle through its public object (Socket, Server, ChildProcess, FSWatcher), or the native handle itself. */
function unref(resource: object): void {
  const owner = ownerOf(resource) as Unreffable | undefined;
  if (typeof owner?.unref === 'function') owner.unref();
  else if (typeof (resource as Unreffable).unref === 'function') (resource as Unreffable).unref?.();
}

/** Contains one reported resource (see the top); returns the error when it could not. */
export function contain(kind: Kind, resource: object, how: Exclude<Contain, 'off'>): unknown {
  try {
    if (how === 'stop' && kind === 'timer') clearTimeout(resource as NodeJS.Timeout);
    else if (how === 'stop' && kind === 'immediate') clearImmediate(resource as NodeJS.Immediate);
    else if (kind !== 'promise' && kind !== 'file-handle') unref(resource);
    return undefined;
  } catch (error) {
    return error;
  }
}

// jsdom builds window.setInterval on a one-shot Node setTimeout that it re-arms after every
// run, so the Node timer behind a leaked interval looks like a timeout. While a jsdom
// environment is set up, the Node timers jsdom creates for window intervals (the first one
// and every re-arm) are marked, so the report names setInterval. jsdom calls this realm's
// global setTimeout, which is wrapped for that (see patches.ts); the wrapper returns what
// the original does.
import { executionAsyncResource } from 'node:async_hooks';
import { promisify } from 'node:util';
import { WINDOW_INTERVAL } from './kinds';
import { likeOriginal, SharedPatches, type Patches } from './patches';

type Marked = { [WINDOW_INTERVAL]?: boolean };
type TimerFunction = (this: unknown, ...args: unknown[]) => unknown;

/** The window timer function being called right now, if any (the calls are synchronous). */
let calling: 'setTimeout' | 'setInterval' | undefined;

// jsdom re-arms an interval from inside the previous timer's callback, with a function of
// its own named `task`; a window.setTimeout called there is told apart by `calling`.
function isRearm(callback: unknown): boolean {
  return (
    typeof callback === 'function' &&
    callback.name === 'task' &&
    (executionAsyncResource() as Marked)[WINDOW_INTERVAL] === true
  );
}

// This realm's global is the worker's, shared by every jsdom environment: wrapped once for all of them.
const realmSetTimeout = new SharedPatches((patches) => {
  const realm = globalThis as { setTimeout: unknown };
  patches.patch(realm, 'setTimeout', (nodeSetTimeout) => {
    const marking = function (this: unknown, ...args: unknown[]): unknown {
      const timer = (nodeSetTimeout as TimerFunction).apply(this, args);
      if (calling === 'setInterval' || (calling === undefined && isRearm(args[0]))) {
        if (typeof timer === 'object' && timer !== null) (timer as Marked)[WINDOW_INTERVAL] = true;
      }
      return timer;
    };
    // util.promisify(setTimeout) must keep resolving with its value argument.
    Object.defineProperty(marking, promisify.custom, { value: (nodeSetTimeout as { [promisify.custom]?: unknown })[promisify.custom] });
    return marking;
  });
});

function noting(name: 'setTimeout' | 'setInterval', fn: TimerFunction): TimerFunction {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const previous = calling;
    calling = name;
    try {
      return fn.apply(this, args);
    } finally {
      calling = previous;
    }
  };
  return likeOriginal(wrapper, fn);
}

/**
 * Marks the interval timers of `window` until `patches` is undone.
 * Jest's fake timers installed later replace (and then restore) these wrappers as usual.
 */
export function markWindowIntervals(window: object, patches: Patches): void {
  const timers = window as { setTimeout?: unknown; setInterval?: unknown };
  if (typeof timers.setTimeout !== 'function' || typeof timers.setInterval !== 'function') return;
  realmSetTimeout.use(patches);
  patches.patch(timers, 'setTimeout', (fn) => noting('setTimeout', fn as TimerFunction));
  patches.patch(timers, 'setInterval', (fn) => noting('setInterval', fn as TimerFunction));
}

// The verdict: which of an owner's resources are leaks. Like goleak, retry with backoff for
// a bounded time, so that handles already closing and timers about to fire are not leaks;
// an owner with nothing pending pays no wait. A pending promise is only a leak when it
// survives a garbage collection: one that nothing references is garbage, not a leak.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ResourceRecord } from './tracker';

export interface VerdictOptions {
  /** Total time to wait for resources to finish on their own; 0 = no waiting. */
  readonly timeoutMs: number;
  /** Whether the record's resource is still doing something; false also forgets it. */
  isActive(record: ResourceRecord): boolean;
  /** Whether any of these active records could still finish on its own within `withinMs`. */
  anyMayFinishWithin(records: readonly ResourceRecord[], withinMs: number): boolean;
}

let gcFunction: (() => void) | undefined;
/** A full garbage collection, without asking the user to pass --expose-gc. */
export function collectGarbage(): void {
  if (gcFunction === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    }
  }
  gcFunction();
}

// Real timers of this realm: the test's fake timers live in the test context only.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function activeOf(records: Iterable<ResourceRecord>, options: VerdictOptions): ResourceRecord[] {
  const active: ResourceRecord[] = [];
  for (const record of records) if (options.isActive(record)) active.push(record);
  return active;
}

/**
 * Waits until none of `records()` (asked anew each round: a resource may arm another) is
 * active, the budget is spent, or nothing active could still finish on its own in time;
 * returns those still active. Pending promises are re-checked after a garbage collection
 * (at most twice: when only promises remain, and once more when the budget is spent).
 */
export async function findLeaks(records: () => Iterable<ResourceRecord>, options: VerdictOptions): Promise<ResourceRecord[]> {
  const start = Date.now();
  let delay = 1;
  let collectedSince = false;
  for (;;) {
    let active = activeOf(records(), options);
    const onlyPromises = active.length > 0 && active.every((r) => r.kind === 'promise');
    const spent = Date.now() - start >= options.timeoutMs;
    if (onlyPromises && (!collectedSince || spent)) {
      // WeakRefs dereferenced in this job keep their targets alive until it ends.
      await nextMacrotask();
      collectGarbage();
      collectedSince = true;
      active = activeOf(records(), options);
    }
    if (active.length === 0) return [];
    const left = options.timeoutMs - (Date.now() - start);
    if (left <= 0) return active;
    // Nothing left that could stop by itself in time (intervals, servers, ...): waiting
    // would only delay the report. While a handle is leaking, pending promises are not
    // reported (they are its symptoms), so only the handles decide.
    const handles = active.filter((record) => record.kind !== 'promise');
    const deciding = handles.length > 0 ? handles : active;
    if (!options.anyMayFinishWithin(deciding, left)) return active;
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, 100);
    if (!onlyPromises) collectedSince = false;
  }
}

// The handle verdict: which of a test's handles are leaks. Like goleak, retry with backoff
// for a bounded time, so that handles already closing and timers about to fire are not
// leaks; an owner with nothing active pays no wait. Pending promises are judged separately,
// once per file (promise-verdict.ts).
import type { ResourceRecord } from './tracker';

export interface VerdictOptions {
  /** Total time to wait for resources to finish on their own; 0 = no waiting. */
  readonly timeoutMs: number;
  /** Whether the record's resource is still doing something. */
  isActive(record: ResourceRecord): boolean;
  /**
   * Whether any of these active records could still finish on its own within `withinMs`;
   * `elapsedMs` is how long the verdict has waited so far.
   */
  anyMayFinishWithin(records: readonly ResourceRecord[], withinMs: number, elapsedMs: number): boolean;
}

// Real timers of this realm: the test's fake timers live in the test context only.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until none of `records()` (asked anew each round: a resource may arm another) is
 * active, the budget is spent, or nothing active could still finish on its own in time;
 * returns those still active.
 */
export async function findLeaks(records: () => Iterable<ResourceRecord>, options: VerdictOptions): Promise<ResourceRecord[]> {
  const start = Date.now();
  let delay = 1;
  for (;;) {
    const active: ResourceRecord[] = [];
    for (const record of records()) if (options.isActive(record)) active.push(record);
    if (active.length === 0) return [];
    const elapsed = Date.now() - start;
    const left = options.timeoutMs - elapsed;
    // Nothing left that could stop by itself in time (a listening server, an interval
    // nobody clears, ...): waiting would only delay the report.
    if (left <= 0 || !options.anyMayFinishWithin(active, left, elapsed)) return active;
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, 100);
  }
}

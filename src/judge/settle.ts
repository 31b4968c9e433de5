// The settle stage of the handle verdict: which of an owner's handles are still doing
// something once they had their chance to stop. Like goleak, retry with backoff for a
// bounded time, so that handles already closing and timers about to fire are not leaks;
// an owner with nothing active pays no wait. Liveness only: what is reported, and how, is
// decided by the stages after it. Pending promises settle separately, once per file
// (promise-verdict.ts).
import { sleep, turns } from './wait';

export interface SettleOptions<R> {
  /** Total time to wait for resources to finish on their own; 0 = no waiting. */
  readonly timeoutMs: number;
  /** Whether the record's resource is still doing something. Throws when it cannot be inspected. */
  isActive(record: R): boolean;
  /**
   * Whether an active record is worth waiting for at all (not ignored or allowed: the
   * filter stage's answer). Asked once per record, and only for active ones.
   */
  matters(record: R): boolean;
  /**
   * Whether any of these active records could still finish on its own within `withinMs`;
   * `elapsedMs` is how long the wait has lasted so far.
   */
  anyMayFinishWithin(records: readonly R[], withinMs: number, elapsedMs: number): boolean;
  /**
   * Elapsed times (ms) at which anyMayFinishWithin may turn false for lack of time, such as
   * the end of a kind's short grace: a wait ends there rather than overshooting it, so that
   * a real leak is reported as soon as its grace is over.
   */
  readonly checkpointsMs?: readonly number[];
}

export interface Settled<R> {
  /** Still active after the wait (uninspectable ones included). */
  readonly active: R[];
  /** Active records whose resource could not be inspected, with the error: reported as such. */
  readonly uninspectable: ReadonlyMap<R, unknown>;
  /** Records found inactive, or not worth waiting for: done with. */
  readonly dismissed: R[];
}

/**
 * Turns of the event loop given to what just stopped before the rest is judged: a socket
 * closes in the loop's close phase, after it was destroyed, and its 'close' listeners may
 * clear what is left (ws clears the 30 s timer guarding its close handshake there). At
 * most LAST_CALLBACK_ROUNDS times a settle: an owner whose resources keep coming and going
 * would otherwise hold back the report of one that never stops until the budget is spent.
 */
const LAST_CALLBACK_TURNS = 2;
const LAST_CALLBACK_ROUNDS = 3;

/**
 * Waits until none of `collect()` (asked anew each round: a resource may arm another) is
 * active, the budget is spent, or nothing active could still finish on its own in time.
 * A record once found inactive stays so (a cleared timer, a closed socket).
 */
export async function settle<R extends object>(collect: () => Iterable<R>, options: SettleOptions<R>): Promise<Settled<R>> {
  const start = Date.now();
  const dismissed: R[] = [];
  const done = new WeakSet<R>();
  const mattering = new WeakSet<R>();
  const uninspectable = new Map<R, unknown>();
  let delay = 1;
  let lastCallbackRounds = 0;
  for (;;) {
    const active: R[] = [];
    const dismissedBefore = dismissed.length;
    for (const record of collect()) {
      if (done.has(record)) continue;
      let live = true;
      if (!uninspectable.has(record)) {
        try {
          live = options.isActive(record);
        } catch (error) {
          // A resource that cannot be inspected (a throwing getter, a monkey-patched handle)
          // is reported as such; the others are judged normally.
          uninspectable.set(record, error);
        }
      }
      if (live && !mattering.has(record)) {
        if (options.matters(record)) mattering.add(record);
        else live = false;
      }
      if (!live) {
        done.add(record);
        dismissed.push(record);
        uninspectable.delete(record);
      } else active.push(record);
    }
    if (active.length === 0) return { active, uninspectable, dismissed };
    const elapsed = Date.now() - start;
    const left = options.timeoutMs - elapsed;
    // Nothing left that could stop by itself in time (a listening server, an interval
    // nobody clears, ...): waiting would only delay the report. An uninspectable resource
    // is never expected to.
    const inspectable = active.filter((record) => !uninspectable.has(record));
    if (left <= 0) return { active, uninspectable, dismissed };
    if (!options.anyMayFinishWithin(inspectable, left, elapsed)) {
      // Unless something stopped since the last look: its last callbacks may stop the rest.
      if (dismissed.length === dismissedBefore || lastCallbackRounds++ === LAST_CALLBACK_ROUNDS) return { active, uninspectable, dismissed };
      await turns(LAST_CALLBACK_TURNS);
      continue;
    }
    const checkpoint = options.checkpointsMs?.find((at) => at > elapsed);
    await sleep(Math.min(delay, left, checkpoint === undefined ? left : checkpoint - elapsed));
    delay = Math.min(delay * 2, 100);
  }
}

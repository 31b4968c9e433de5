// Jest's modern fake timers create no async resources, so a pending fake timer is not a
// real leak and is not reported by default. With the `fakeTimers` option, the fake clock's
// scheduling functions are instrumented each time fake timers are switched on, so that a
// fake timer still pending when its test ends is reported with where it was scheduled.
import { patch, type Patches } from './patches';
import type { StackHolder } from './stack';
import type { Owner } from './tracker';

/** The parts of @sinonjs/fake-timers' clock we use. */
interface FakeTimer {
  id: number;
  delay?: number;
  interval?: number;
  immediate?: boolean;
}

export interface FakeClock {
  /** A Map in @sinonjs/fake-timers 15 (Jest 30), a plain object before (Jest 29). */
  timers?: Map<number, FakeTimer> | Record<string, FakeTimer>;
  [method: string]: unknown;
}

/** The parts of @jest/fake-timers' ModernFakeTimers we use. */
export interface ModernFakeTimersLike {
  useFakeTimers(...args: unknown[]): void;
  _clock?: FakeClock;
  _fakingTime?: boolean;
}

export interface PendingFakeTimer {
  readonly description: string;
  readonly stack: StackHolder;
}

const SCHEDULERS = ['setTimeout', 'setInterval', 'setImmediate'] as const;

/** A fake timer's id: a number, or an object with `id` (v10) or a numeric primitive value (v15). */
function timerId(timer: unknown): number | undefined {
  if (typeof timer === 'number') return timer;
  if (typeof timer !== 'object' || timer === null) return undefined;
  const id = (timer as { id?: unknown }).id;
  if (typeof id === 'number') return id;
  try {
    const primitive = Number(timer);
    return Number.isNaN(primitive) ? undefined : primitive;
  } catch {
    return undefined;
  }
}

interface Scheduled {
  readonly owner: Owner;
  readonly stack: StackHolder;
}

export class FakeTimerWatch {
  /** Per clock (a new one per useFakeTimers), fake timer id → who scheduled it, and where. */
  private readonly scheduled = new WeakMap<FakeClock, Map<number, Scheduled>>();

  constructor(
    private readonly fakeTimers: ModernFakeTimersLike,
    private readonly currentOwner: () => Owner | null | undefined,
    private readonly captureStack: () => StackHolder,
  ) {}

  /** Instruments every clock the environment's fake timers install from now until `patches` is undone. */
  install(patches: Patches): void {
    const fakeTimers = this.fakeTimers;
    patches.patch(fakeTimers, 'useFakeTimers', (useFakeTimers) => (...args: unknown[]) => {
      useFakeTimers.apply(fakeTimers, args);
      if (fakeTimers._clock) this.instrument(fakeTimers._clock);
    });
  }

  private instrument(clock: FakeClock): void {
    if (this.scheduled.has(clock)) return;
    const byId = new Map<number, Scheduled>();
    this.scheduled.set(clock, byId);
    for (const method of SCHEDULERS) {
      // A Proxy, not a wrapper: the clock keeps bookkeeping (hadOwnProperty) on the function
      // itself. Never put back: a clock is Jest's for one useFakeTimers() and dropped with its
      // proxies; keeping an undo would keep every clock (and its timers' callbacks) alive.
      patch(clock, method, (original) =>
        typeof original !== 'function'
          ? original
          : new Proxy(original, {
              apply: (target, thisArg, args: unknown[]): unknown => {
                const timer: unknown = Reflect.apply(target, thisArg, args);
                const owner = this.currentOwner();
                const id = timerId(timer);
                if (owner && typeof id === 'number') byId.set(id, { owner, stack: this.captureStack() });
                return timer;
              },
            }),
      );
    }
  }

  /**
   * Forgets what a judged owner scheduled: each entry holds a creation stack, which must
   * not keep alive what the test made (see materialize in stack.ts).
   */
  forget(owner: Owner): void {
    const clock = this.fakeTimers._clock;
    const byId = clock === undefined ? undefined : this.scheduled.get(clock);
    if (byId === undefined) return;
    for (const [id, scheduled] of byId) if (scheduled.owner === owner) byId.delete(id);
  }

  /** Fake timers `owner` scheduled that are still pending on the installed clock. */
  pendingFor(owner: Owner): PendingFakeTimer[] {
    const clock = this.fakeTimers._clock;
    // Switched back to real timers: the fake clock is gone and its timers will never run.
    if (!this.fakeTimers._fakingTime || clock === undefined) return [];
    const byId = this.scheduled.get(clock);
    if (byId === undefined) return [];
    const pending: PendingFakeTimer[] = [];
    const timers = clock.timers instanceof Map ? [...clock.timers.values()] : Object.values(clock.timers ?? {});
    for (const timer of timers) {
      const scheduled = byId.get(timer.id);
      if (scheduled?.owner !== owner) continue;
      const what = timer.immediate
        ? 'fake setImmediate'
        : timer.interval !== undefined
          ? `fake setInterval every ${timer.interval} ms`
          : `fake setTimeout of ${timer.delay ?? 0} ms`;
      pending.push({ description: `${what} still pending (Jest fake timers)`, stack: scheduled.stack });
    }
    return pending;
  }
}

export const FAKE_TIMER_HINT =
  'run it (jest.runOnlyPendingTimers() / jest.advanceTimersByTime()) or clear it (clearTimeout, jest.clearAllTimers()) before the test ends';

/**
 * The @sinonjs/fake-timers clock installed on a global right now, if any: Jest's own or one
 * the test installed itself. An installed clock replaces `setTimeout` with a function that
 * carries the clock as `.clock`.
 */
export function installedClock(global: object): FakeClock | undefined {
  try {
    const clock = (global as { setTimeout?: { clock?: unknown } }).setTimeout?.clock;
    return typeof clock === 'object' && clock !== null && typeof (clock as FakeClock).tick === 'function' ? (clock as FakeClock) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Drops the pending timers of fake clocks once every test and hook of the file has run:
 * they can never fire, and a job awaiting one is what a pending fake timer is, not a
 * promise leak (reported as a timer with the `fakeTimers` option, like Jest's own).
 */
export function releaseClocks(clocks: Iterable<FakeClock>): void {
  for (const clock of clocks) {
    try {
      // reset(): the clock's own way to drop every timer and job (its timer heap too).
      if (typeof clock.reset === 'function') (clock.reset as () => void)();
    } catch {
      // A clock we cannot reset keeps its timers; its promises are then judged as they are.
    }
  }
}

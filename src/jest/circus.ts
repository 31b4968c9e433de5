// Jest-circus glue: runs every test function and hook in its owner's async context.
// jest-circus has no hook around a test's execution, so the functions themselves are
// wrapped when the run starts (before concurrent tests are started).
import type { Circus } from '@jest/types';
import { likeOriginal, type Patches } from '../track/patches';
import { withoutOwnFrames } from '../track/stack';

type AnyFn = Circus.TestFn | Circus.HookFn;

const WRAPPED = Symbol('leakcheck.wrapped');

export interface Wrapping {
  /** The owner context to run a test's function in. */
  forTest(test: Circus.TestEntry): (fn: () => unknown) => unknown;
  /** The owner context for a hook: per test for each-hooks, the file for all-hooks. */
  forHook(hook: Circus.Hook): (fn: () => unknown) => unknown;
}

function wrap(original: AnyFn, run: (fn: () => unknown) => unknown): AnyFn {
  if ((original as { [WRAPPED]?: boolean })[WRAPPED]) return original;
  // Generator functions are run by jest through `co`, which a plain wrapper would break.
  if (original.constructor?.name === 'GeneratorFunction') return original;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    let result: unknown;
    try {
      result = run(() => (original as (...a: unknown[]) => unknown).apply(this, args));
    } catch (error) {
      throw withoutOwnFrames(error);
    }
    // Registered before jest-circus awaits the result, so it runs first.
    if (isThenable(result)) result.then(undefined, withoutOwnFrames);
    return result;
  };
  // jest-circus passes `done` only to functions that declare a parameter.
  Object.defineProperty(likeOriginal(wrapped, original), WRAPPED, { value: true });
  return wrapped as AnyFn;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Where Jest 30 keeps jest-circus's event handlers, on the test global (Jest 29 in a closure). */
const EVENT_HANDLERS = Symbol.for('EVENT_HANDLERS');

/**
 * Runs jest-circus's own async event handlers through `asOwn` (the detector's own work:
 * nothing they create is recorded). Each call makes a promise, for every event: two per
 * `test()`, `describe()` and hook definition at module scope, where they were charged to
 * the file and used up its creation stacks (a leak further down the file had none).
 * Handlers never run the user's code: jest-circus calls tests and hooks itself. Only Jest
 * 30 exposes the list; idempotent, so it can be called as soon as handlers are added.
 */
export function runJestHandlersAsOwn(global: object, asOwn: (fn: () => unknown) => unknown, patches: Patches): void {
  const handlers = (global as Record<symbol, unknown>)[EVENT_HANDLERS];
  if (!Array.isArray(handlers)) return;
  handlers.forEach((handler: unknown, index) => {
    if (typeof handler !== 'function' || (handler as { [WRAPPED]?: true })[WRAPPED] || handler.constructor?.name !== 'AsyncFunction') return;
    patches.patch(handlers as unknown[] as Array<(...args: unknown[]) => unknown>, index, (original) => {
      const own = function (this: unknown, ...args: unknown[]): unknown {
        return asOwn(() => Reflect.apply(original, this, args));
      };
      Object.defineProperty(likeOriginal(own, original), WRAPPED, { value: true });
      return own;
    });
  });
}

/** Wraps every test and hook under `block`, recursively. Idempotent. */
export function wrapDescribeBlock(block: Circus.DescribeBlock, wrapping: Wrapping): void {
  for (const hook of block.hooks) hook.fn = wrap(hook.fn, wrapping.forHook(hook)) as Circus.HookFn;
  for (const child of block.children) {
    if (child.type === 'describeBlock') wrapDescribeBlock(child, wrapping);
    else child.fn = wrap(child.fn, wrapping.forTest(child)) as Circus.TestFn;
  }
}

interface ExpectWithIdentity {
  getState?: () => { currentTestIdentity?: () => unknown };
}

/**
 * The test an each-hook is running for. Jest 30 runs concurrent tests' hooks concurrently
 * and exposes the test of the current async context through expect's state; older
 * versions run hooks one test at a time, so the circus state says it.
 */
export function currentTest(global: object, state: Circus.State | undefined): Circus.TestEntry | undefined {
  const expect = (global as { expect?: ExpectWithIdentity }).expect;
  const identity = expect?.getState?.().currentTestIdentity?.();
  if (identity && typeof identity === 'object' && (identity as { type?: string }).type === 'test') {
    return identity as Circus.TestEntry;
  }
  return state?.currentlyRunningTest ?? undefined;
}

/** "describe › test" as Jest prints it. */
export function testName(test: Circus.TestEntry): string {
  const names: string[] = [test.name];
  for (let block = test.parent; block && block.parent; block = block.parent) names.unshift(block.name);
  return names.join(' › ');
}

/** Every test of the file by full name: 'ran' when it ran, 'skipped' when skipped, filtered out or todo. */
export function testRuns(state: Circus.State): Map<string, 'ran' | 'skipped'> {
  const runs = new Map<string, 'ran' | 'skipped'>();
  const visit = (block: Circus.DescribeBlock): void => {
    for (const child of block.children) {
      if (child.type === 'describeBlock') visit(child);
      else if (child.status === 'done') runs.set(testName(child), 'ran');
      else if (!runs.has(testName(child))) runs.set(testName(child), 'skipped');
    }
  };
  visit(state.rootDescribeBlock);
  return runs;
}

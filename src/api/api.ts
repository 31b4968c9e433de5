// The test-side API: the `leakcheck` object the environment puts on each test file's
// global (and that `jest-environment-leakcheck/globals` exports). It finds the calling test
// the way the tracker attributes resources: through the owner of the current async
// context, so it works in concurrent tests and in code a test started.
import * as path from 'node:path';
import { isKind, KINDS, type Kind } from '../track/kinds';
import type { IgnoreRule } from '../config/options';
import type { Policy } from '../judge/policy';
import { cleanFrames } from '../track/stack';
import { Owner, type Tracker } from '../track/tracker';
import { checkRule, listOf } from '../config/validate';

export interface Leakcheck {
  /**
   * This test's leaks are not reported (only those of the given kinds, when kinds are given).
   * Call it inside a test or its beforeEach/afterEach hooks; it lasts for this test only.
   */
  allow(...kinds: Kind[]): void;
  /** Adds an ignore rule (same shape as in the config) for the rest of this test file. */
  ignore(rule: IgnoreRule): void;
  /**
   * Everything alive in this test file right now — and whatever it creates later — is the
   * baseline and never reported (only resources of the given kinds, when kinds are given).
   * Resources created after the call are still checked.
   */
  ignoreCurrent(...kinds: Kind[]): void;
}

/** Marks the real API object, across module registries and realms. */
export const API_BRAND = Symbol.for('jest-environment-leakcheck.api');

/** What the API needs from the session of its test file. */
export interface ApiHost {
  readonly policy: Policy;
  /** The file's owner (module scope, beforeAll, afterAll). */
  readonly file: Owner;
  /** The project's rootDir, for locations in messages. */
  readonly rootDir: string;
  /** The test context's Error: thrown errors belong to the test's realm. */
  readonly RealmError: ErrorConstructor;
  /** Undefined when nothing is tracked in this file (mode 'off', @leakcheck-allow). */
  tracker(): Tracker | undefined;
  /** The owners of the tests currently running. */
  testOwners(): Iterable<Owner>;
  /** Whether the tests have started, i.e. module scope and describe blocks are over. */
  running(): boolean;
}

const ALLOW_WHERE =
  'leakcheck.allow() may only be called inside a test or its beforeEach/afterEach hooks, where it accepts the leaks of that test';
const ALLOW_ELSEWHERE =
  'To accept leaks for a whole file, use the @leakcheck-allow docblock pragma; for resources created outside tests, leakcheck.ignoreCurrent() or leakcheck.ignore(rule).';

export function createApi(host: ApiHost): Leakcheck {
  // Read once, now: a test may delete or replace Error.captureStackTrace later, and the API
  // must still throw its own errors and name its callers.
  const RealmError = host.RealmError;
  const captureStackTrace: ((target: object, at: (...args: never[]) => unknown) => void) | undefined =
    typeof RealmError.captureStackTrace === 'function' ? RealmError.captureStackTrace.bind(RealmError) : undefined;

  const fail = (message: string, at: (...args: never[]) => unknown): never => {
    const error = new RealmError(message);
    error.name = 'LeakcheckError';
    // Starts the stack at the user's call, so Jest shows a code frame there.
    try {
      captureStackTrace?.(error, at);
    } catch {
      // A stack is a nicety: the error itself is what the caller must see.
    }
    throw error;
  };

  const callerOf = (at: (...args: never[]) => unknown): string => {
    const holder: { stack?: string } = {};
    try {
      captureStackTrace?.(holder, at);
    } catch {
      return 'unknown location';
    }
    const frame = cleanFrames(holder)[0];
    return frame?.file === undefined ? 'unknown location' : `${path.relative(host.rootDir, frame.file)}:${frame.line}`;
  };

  /** Kind names from arguments, lenient about an array (`allow(['timer', 'promise'])`: the intent is clear). */
  const kindsOf = (args: readonly unknown[], call: string, at: (...args: never[]) => unknown): Kind[] => {
    const list: unknown[] = args.flat();
    const unknown = list.filter((k) => !isKind(k));
    if (unknown.length > 0) {
      fail(
        `${call} takes kind names, each one of ${listOf(KINDS)}, but received ${unknown.map((k) => JSON.stringify(k) ?? String(k)).join(', ')}.`,
        at,
      );
    }
    return list as Kind[];
  };

  let baseline: Owner | undefined;

  const api: Leakcheck = {
    allow(...kinds: Kind[]): void {
      const list = kindsOf(kinds, 'leakcheck.allow()', api.allow);
      if (!host.running()) fail(`${ALLOW_WHERE}; it was called at module scope or in a describe block. ${ALLOW_ELSEWHERE}`, api.allow);
      const tracker = host.tracker();
      if (tracker === undefined) return; // nothing is checked in this file
      const owner = tracker.currentOwner();
      if (owner instanceof Owner && owner.scope === 'test') {
        // Called after its test was judged (from something the test left running): nothing to allow.
        if (!owner.closed) host.policy.allow(owner, list);
        return;
      }
      const where = owner === host.file ? 'in a beforeAll or afterAll hook (or in code one of them started)' : 'outside any test';
      fail(`${ALLOW_WHERE}; it was called ${where}. ${ALLOW_ELSEWHERE}`, api.allow);
    },

    ignore(rule: IgnoreRule): void {
      const problems: string[] = [];
      const checked = checkRule(rule, 'rule', problems);
      if (checked === undefined) fail(`leakcheck.ignore(rule) received an invalid rule:\n\n${problems.join('\n\n')}`, api.ignore);
      else host.policy.addRule(checked, `leakcheck.ignore() at ${callerOf(api.ignore)}`);
    },

    ignoreCurrent(...kinds: Kind[]): void {
      const list = kindsOf(kinds, 'leakcheck.ignoreCurrent()', api.ignoreCurrent);
      const only = list.length === 0 ? undefined : new Set(list);
      const tracker = host.tracker();
      if (tracker === undefined) return;
      // At module scope before the first test or hook is defined, the file has not yet
      // adopted this context and what it created: adopt it now, as a definition would.
      if (!host.running() && tracker.currentOwner() === undefined) tracker.adoptCurrentContext(host.file);
      if (baseline === undefined) {
        baseline = new Owner('file', 'leakcheck.ignoreCurrent() baseline', new Set());
        baseline.close();
      }
      for (const owner of [host.file, ...host.testOwners()]) {
        for (const record of owner.all()) if (only === undefined || only.has(record.kind)) tracker.transfer(record, baseline);
      }
    },
  };
  Object.defineProperty(api, API_BRAND, { value: true });
  return Object.freeze(api);
}

/** Puts the API on the test file's global as `leakcheck`. */
export function installApi(global: object, api: Leakcheck): void {
  Object.defineProperty(global, 'leakcheck', { value: api, configurable: true, writable: true, enumerable: false });
}

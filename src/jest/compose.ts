// `withLeakcheck(Base)`: any Jest test environment with the leak check added. The shipped
// environments are this mixin over Jest's own (environment.ts, jsdom.ts, happy-dom.js), and
// a user's own environment (a database in setup(), a third-party one) gets the same check.
//
// Order, chosen so the base keeps its own semantics:
// - setup(): the base's first, then the check starts. What the base's setup creates (a
//   pool, a server, a container) exists before tracking starts: never charged to anyone.
// - teardown(): the check stops first, then the base's (as Jest's own environments need:
//   their teardown disposes of the fake timers and the global the check reads).
// - handleTestEvent(): the base's first, then the check's, so a base that cleans up on
//   `test_done` has done so before the test is judged. What the base's handler creates is
//   the environment's, never a test's (it runs as the detector's own work). When the base's
//   handler returns a promise, the check runs after it settles, except for the events
//   jest-circus dispatches synchronously and never awaits (test and hook definitions): the
//   check must see them in the test file's own context, so it runs at once.
// - getVmContext(), exportConditions(), the fake timers, the global: the base's, untouched.
import type { EnvironmentContext, JestEnvironment, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import { Patches } from '../track/patches';
import { isThenable } from './circus';
import { createSession, tearDown } from './create-session';
import { instrumentGlobal } from './instrument';
import type { Session } from './session';
import { warnOnVersionMismatch } from './versions';

/** A Jest test environment class: what `testEnvironment` names. */
export type EnvironmentConstructor = abstract new (config: JestEnvironmentConfig, context: EnvironmentContext) => JestEnvironment;

/** What `withLeakcheck` accepts: the class, or a module object exporting it as `default` or `TestEnvironment`. */
export type EnvironmentModule<B extends EnvironmentConstructor> = B | { readonly default: B } | { readonly TestEnvironment: B };

/** What withLeakcheck adds to the base's type: handleTestEvent, as a method a subclass can override and reach through super. */
export interface LeakcheckHandler {
  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void>;
}

/** `Base` with the leak check: the base's statics and instance, handleTestEvent, and a constructor like Jest's. */
export type WithLeakcheck<B extends EnvironmentConstructor> = Omit<B, 'prototype'> & {
  new (config: JestEnvironmentConfig, context: EnvironmentContext): InstanceType<B> & LeakcheckHandler;
  readonly prototype: InstanceType<B> & LeakcheckHandler;
};

/** Set on every class withLeakcheck made: applying it again returns the class as it is. */
const LEAKCHECKED = Symbol.for('jest-environment-leakcheck.leakchecked');

/** Events jest-circus dispatches with dispatchSync: a handler's promise is never awaited. */
const SYNC_EVENTS: ReadonlySet<string> = new Set(['start_describe_definition', 'finish_describe_definition', 'add_hook', 'add_test', 'error']);

/** The methods the mixin calls on the base, read without the base's own typing. */
interface BaseMethods {
  setup(): Promise<void>;
  teardown(): Promise<void>;
  handleTestEvent?(event: Circus.Event, state: Circus.State): void | Promise<void>;
}

/** The base's instance as the mixin sees it: Jest's environment, with handleTestEvent a method (reachable through super). */
interface BaseInstance extends Omit<JestEnvironment, 'setup' | 'teardown' | 'handleTestEvent'>, BaseMethods {}

type Concrete = new (config: JestEnvironmentConfig, context: EnvironmentContext) => BaseInstance;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `a function that is not a class${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'object') return `an object with the keys ${JSON.stringify(Object.keys(value))}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The environment class in `input`: the class itself, or a CommonJS/ESM module object exporting it. */
export function environmentClassOf<B extends EnvironmentConstructor>(input: EnvironmentModule<B>): B {
  const candidates: unknown[] = [input];
  if (typeof input === 'object' && input !== null) {
    const module = input as { default?: unknown; TestEnvironment?: unknown };
    candidates.unshift(module.default, module.TestEnvironment);
    // A CommonJS module compiled from ESM and then imported as ESM: { default: { default: Class } }.
    const inner = module.default as { default?: unknown; TestEnvironment?: unknown } | undefined;
    if (typeof inner === 'object' && inner !== null) candidates.push(inner.default, inner.TestEnvironment);
  }
  for (const candidate of candidates) {
    if (typeof candidate === 'function' && typeof (candidate as { prototype?: { setup?: unknown } }).prototype?.setup === 'function') return candidate as B;
  }
  throw new TypeError(
    'jest-environment-leakcheck: withLeakcheck(Base) needs a Jest test environment class (with setup() and teardown()), ' +
      'or a module whose `default` or `TestEnvironment` export is one (e.g. withLeakcheck(require("jest-environment-node"))), ' +
      `but instead received: ${describeValue(input)}`,
  );
}

/** Whether `Base` already has the check (a shipped environment, or a class withLeakcheck made). */
function isLeakchecked(Base: EnvironmentConstructor): boolean {
  return (Base as unknown as { [LEAKCHECKED]?: boolean })[LEAKCHECKED] === true;
}

/**
 * Runs the base's handler, then the check's (see the order at the top). The base's error,
 * thrown or rejected, is the base's to report: the check still sees the event, then it is
 * passed on as it was.
 */
function afterBase(event: Circus.Event, base: () => void | Promise<void>, check: () => void | Promise<void>): void | Promise<void> {
  let result: void | Promise<void>;
  try {
    result = base();
  } catch (error) {
    const checked = check();
    if (checked === undefined) throw error;
    return checked.then(() => {
      throw error;
    });
  }
  if (!isThenable(result)) return check();
  if (SYNC_EVENTS.has(event.name)) {
    void check();
    return result;
  }
  return Promise.resolve(result).then(check, async (error: unknown) => {
    await check();
    throw error;
  });
}

/**
 * `Base` with the leak check added: a subclass calling the base's constructor, setup(),
 * teardown() and handleTestEvent() (see the order above). Accepts the class or a module
 * object exporting it (`default` or `TestEnvironment`), CommonJS or ESM. Applied to a class
 * that already has the check, returns it unchanged.
 */
export function withLeakcheck<B extends EnvironmentConstructor>(Base: EnvironmentModule<B>): WithLeakcheck<B> {
  const BaseClass = environmentClassOf(Base);
  if (isLeakchecked(BaseClass)) return BaseClass as unknown as WithLeakcheck<B>;
  const Concrete = BaseClass as unknown as Concrete;

  class Leakchecked extends Concrete {
    /** Every function patched for this environment (its global's, Node's, Jest's fake timers'), undone in teardown. */
    readonly #patches = new Patches();
    readonly #session: Session;
    /** The base's handleTestEvent when it is an instance field (an arrow function), which would hide this class's. */
    readonly #baseHandler: BaseMethods['handleTestEvent'];

    constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
      super(config, context);
      const own = Object.getOwnPropertyDescriptor(this, 'handleTestEvent');
      if (own !== undefined && typeof own.value === 'function' && Reflect.deleteProperty(this, 'handleTestEvent')) {
        this.#baseHandler = own.value as BaseMethods['handleTestEvent'];
      }
      this.#session = createSession(this, config, context, this.#patches);
      warnOnVersionMismatch(BaseClass, context.console);
    }

    override async setup(): Promise<void> {
      await super.setup();
      instrumentGlobal(this.global, this.#patches);
      this.#session.setup();
    }

    override async teardown(): Promise<void> {
      tearDown(this.#session, this.#patches);
      await super.teardown();
    }

    override handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
      const base = this.#baseHandler ?? super.handleTestEvent;
      const session = this.#session;
      const check = (): void | Promise<void> => session.handleTestEvent(event, state);
      if (typeof base !== 'function') return check();
      return afterBase(event, () => session.asEnvironment(() => base.call(this, event, state)), check);
    }
  }

  Object.defineProperty(Leakchecked, LEAKCHECKED, { value: true });
  // Shown in Jest's messages and stacks: the base's name, marked.
  Object.defineProperty(Leakchecked, 'name', { value: `Leakcheck(${BaseClass.name || 'Environment'})` });
  return Leakchecked as unknown as WithLeakcheck<B>;
}

// The jsdom flavour (`testEnvironment: 'leakcheck/jsdom'`): jest-environment-jsdom with the
// same leak check as the node flavour. jsdom's window timers are built on Node timers, so
// the async hook sees them like any other; their intervals are marked as such for reports.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import JSDOMEnvironment from 'jest-environment-jsdom';
import { traceFetch } from '../track/annotations';
import { createSession, tearDown } from './environment';
import { markWindowIntervals } from '../track/jsdom-timers';
import { Patches } from '../track/patches';
import type { Session } from './session';

export default class LeakcheckJsdomEnvironment extends JSDOMEnvironment {
  private readonly leakcheck: Session;
  /** Every function patched for this environment (the window's, Node's, Jest's fake timers'), undone in teardown. */
  private readonly patches = new Patches();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.leakcheck = createSession(this, config, context, this.patches);
  }

  override async setup(): Promise<void> {
    await super.setup();
    markWindowIntervals(this.global, this.patches);
    // jsdom has no fetch today (then this does nothing); if the window has one, it is traced.
    traceFetch(this.global, this.patches);
    this.leakcheck.setup();
  }

  override async teardown(): Promise<void> {
    // Before Jest's own teardown, as ever: it disposes of the fake timers and closes the window.
    tearDown(this.leakcheck, this.patches);
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
    return this.leakcheck.handleTestEvent(event, state);
  }
}

export { LeakcheckJsdomEnvironment, LeakcheckJsdomEnvironment as TestEnvironment };

// The jsdom flavour (`testEnvironment: 'leakcheck/jsdom'`): jest-environment-jsdom with the
// same leak check as the node flavour. jsdom's window timers are built on Node timers, so
// the async hook sees them like any other; their intervals are marked as such for reports.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import JSDOMEnvironment from 'jest-environment-jsdom';
import { traceFetch } from './annotations';
import { createSession } from './environment';
import { markWindowIntervals } from './jsdom-timers';
import type { Session } from './session';

export default class LeakcheckJsdomEnvironment extends JSDOMEnvironment {
  private readonly leakcheck: Session;
  private unmarkIntervals: (() => void) | undefined;
  private untraceFetch: (() => void) | undefined;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.leakcheck = createSession(this, config, context);
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.unmarkIntervals = markWindowIntervals(this.global);
    // jsdom has no fetch today (then this does nothing); if the window has one, it is traced.
    this.untraceFetch = traceFetch(this.global);
    this.leakcheck.setup();
  }

  override async teardown(): Promise<void> {
    this.leakcheck.teardown();
    this.unmarkIntervals?.();
    this.untraceFetch?.();
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
    return this.leakcheck.handleTestEvent(event, state);
  }
}

export { LeakcheckJsdomEnvironment, LeakcheckJsdomEnvironment as TestEnvironment };

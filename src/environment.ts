// The Jest glue: jest-environment-node with a leak check around every test.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';
import { annotations } from './annotations';
import type { ModernFakeTimersLike } from './fake-timers';
import { resolvePolicy } from './policy';
import { Session } from './session';

/** Creates the leak-check session for an environment; shared by the node and jsdom flavours. */
export function createSession(
  environment: { readonly global: object; readonly fakeTimersModern: object | null; readonly moduleMocker: { clearAllMocks(): void } | null },
  config: JestEnvironmentConfig,
  context: EnvironmentContext,
): Session {
  // Throws a jest-validate style error for bad options: the file fails before any test runs.
  const policy = resolvePolicy(config.projectConfig, context);
  return new Session(
    {
      global: environment.global,
      testPath: context.testPath,
      rootDir: config.projectConfig.rootDir,
      console: context.console,
      annotations,
      fakeTimers: environment.fakeTimersModern as ModernFakeTimersLike | null,
      moduleMocker: environment.moduleMocker,
    },
    policy.options,
    policy,
  );
}

export default class LeakcheckEnvironment extends NodeEnvironment {
  private readonly leakcheck: Session;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.leakcheck = createSession(this, config, context);
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.leakcheck.setup();
  }

  override async teardown(): Promise<void> {
    this.leakcheck.teardown();
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
    return this.leakcheck.handleTestEvent(event, state);
  }
}

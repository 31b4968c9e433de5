// The Jest glue: jest-environment-node with a leak check around every test.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus, Config } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';
import { annotationsFor, markImmediates, traceFetch } from './annotations';
import type { ModernFakeTimersLike } from './fake-timers';
import { resolvePolicy } from './policy';
import { Session } from './session';
import { optionsAsWritten } from './validate';

/** Creates the leak-check session for an environment; shared by the node and jsdom flavours. */
export function createSession(
  environment: { readonly global: object; readonly fakeTimersModern: object | null; readonly moduleMocker: { clearAllMocks(): void } | null },
  config: JestEnvironmentConfig,
  context: EnvironmentContext,
): Session {
  // Throws a jest-validate style error for bad options: the file fails before any test runs.
  const policy = resolvePolicy(withOptionsAsWritten(config.projectConfig), context);
  return new Session(
    {
      global: environment.global,
      testPath: context.testPath,
      rootDir: config.projectConfig.rootDir,
      console: context.console,
      annotations: annotationsFor(config.projectConfig.rootDir),
      fakeTimers: environment.fakeTimersModern as ModernFakeTimersLike | null,
      moduleMocker: environment.moduleMocker,
    },
    policy.options,
    policy,
  );
}

/** The project config with `leakcheck` as the user wrote it, where JSON changed it on the way to this worker. */
function withOptionsAsWritten(projectConfig: Config.ProjectConfig): Config.ProjectConfig {
  const options = projectConfig.testEnvironmentOptions as { leakcheck?: unknown } | undefined;
  if (options === undefined || !('leakcheck' in options)) return projectConfig;
  const leakcheck = optionsAsWritten(projectConfig.rootDir, options.leakcheck);
  if (leakcheck === options.leakcheck) return projectConfig;
  return { ...projectConfig, testEnvironmentOptions: { ...options, leakcheck } };
}

export default class LeakcheckEnvironment extends NodeEnvironment {
  private readonly leakcheck: Session;
  private unmarkImmediates: (() => void) | undefined;
  private untraceFetch: (() => void) | undefined;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.leakcheck = createSession(this, config, context);
  }

  override async setup(): Promise<void> {
    await super.setup();
    this.unmarkImmediates = markImmediates(this.global);
    this.untraceFetch = traceFetch(this.global);
    this.leakcheck.setup();
  }

  override async teardown(): Promise<void> {
    this.leakcheck.teardown();
    this.unmarkImmediates?.();
    this.untraceFetch?.();
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
    return this.leakcheck.handleTestEvent(event, state);
  }
}

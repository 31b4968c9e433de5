// The Jest glue: jest-environment-node with a leak check around every test.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus, Config } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';
import { annotationsFor, markImmediates, traceFetch } from '../track/annotations';
import type { ModernFakeTimersLike } from '../track/fake-timers';
import { Patches } from '../track/patches';
import type { StackHolder } from '../track/stack';
import { resolvePolicy } from '../judge/policy';
import { Session } from './session';
import { optionsAsWritten } from '../config/validate';

/**
 * Creates the leak-check session for an environment; shared by the node and jsdom flavours.
 * `patches` is the environment's cleanup list: the session's patches go there too. An
 * environment may define `captureStack` (see Host.captureStack) as a method: it is read
 * here, in the constructor, before a subclass's own fields exist.
 */
export function createSession(
  environment: {
    readonly global: object;
    readonly fakeTimersModern: object | null;
    readonly moduleMocker: { clearAllMocks(): void } | null;
    captureStack?(frames?: number): StackHolder;
  },
  config: JestEnvironmentConfig,
  context: EnvironmentContext,
  patches: Patches,
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
      patches,
      captureStack: environment.captureStack?.bind(environment),
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

/**
 * Undoes an environment's patches after its session is torn down. A patch that cannot be
 * put back is told on stderr: Jest's console for the file is closed by now, and logging
 * there would fail the run.
 */
export function tearDown(session: Session, patches: Patches): void {
  try {
    session.teardown();
  } finally {
    patches.undo((error) => process.emitWarning(`jest-environment-leakcheck: a patched function could not be put back: ${String(error)}`));
  }
}

export default class LeakcheckEnvironment extends NodeEnvironment {
  private readonly leakcheck: Session;
  /** Every function patched for this environment (its global's, Node's, Jest's fake timers'), undone in teardown. */
  private readonly patches = new Patches();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.leakcheck = createSession(this, config, context, this.patches);
  }

  override async setup(): Promise<void> {
    await super.setup();
    markImmediates(this.global, this.patches);
    traceFetch(this.global, this.patches);
    this.leakcheck.setup();
  }

  override async teardown(): Promise<void> {
    // Before Jest's own teardown, as ever: it disposes of the fake timers and the global.
    tearDown(this.leakcheck, this.patches);
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
    return this.leakcheck.handleTestEvent(event, state);
  }
}

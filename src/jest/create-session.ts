// One leak-check session per environment instance: options resolved (and validated) from
// the project config, the host the session needs read off the environment.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Config } from '@jest/types';
import { annotationsFor } from '../track/annotations';
import type { ModernFakeTimersLike } from '../track/fake-timers';
import type { Patches } from '../track/patches';
import type { StackHolder } from '../track/stack';
import { resolvePolicy } from '../judge/policy';
import { optionsAsWritten } from '../config/validate';
import { Session, type MockRegistry } from './session';

/** What the session reads off the environment it is added to (any Jest environment has these). */
export interface SessionEnvironment {
  readonly global: object;
  readonly fakeTimersModern?: object | null;
  readonly moduleMocker?: MockRegistry | null;
  captureStack?(frames?: number): StackHolder;
}

/**
 * Creates the leak-check session for an environment. `patches` is the environment's cleanup
 * list: the session's patches go there too. An environment may define `captureStack` (see
 * Host.captureStack) as a method: it is read here, in the constructor, before a subclass's
 * own fields exist.
 */
export function createSession(environment: SessionEnvironment, config: JestEnvironmentConfig, context: EnvironmentContext, patches: Patches): Session {
  // Throws a jest-validate style error for bad options: the file fails before any test runs.
  const policy = resolvePolicy(withOptionsAsWritten(config.projectConfig), context);
  return new Session(
    {
      global: environment.global,
      testPath: context.testPath,
      rootDir: config.projectConfig.rootDir,
      console: context.console,
      annotations: annotationsFor(config.projectConfig.rootDir),
      fakeTimers: (environment.fakeTimersModern ?? null) as ModernFakeTimersLike | null,
      moduleMocker: environment.moduleMocker ?? null,
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

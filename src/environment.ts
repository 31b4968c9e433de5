// The Jest glue: jest-environment-node with a leak check around every test.
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import type { Circus } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';
import { annotations, installAnnotations, uninstallAnnotations } from './annotations';
import { resolveOptions } from './policy';
import { Session } from './session';

/** Creates the leak-check session for an environment; shared by the node and jsdom flavours. */
export function createSession(global: object, config: JestEnvironmentConfig, context: EnvironmentContext): Session {
  const options = resolveOptions(config.projectConfig, context.docblockPragmas);
  return new Session({ global, testPath: context.testPath, console: context.console, annotations }, options);
}

export default class LeakcheckEnvironment extends NodeEnvironment {
  private readonly leakcheck: Session;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.leakcheck = createSession(this.global, config, context);
  }

  override async setup(): Promise<void> {
    await super.setup();
    installAnnotations();
    this.leakcheck.setup();
  }

  override async teardown(): Promise<void> {
    this.leakcheck.teardown();
    uninstallAnnotations();
    await super.teardown();
  }

  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
    return this.leakcheck.handleTestEvent(event, state);
  }
}

// The few Jest types the public declarations name, as every consumer can resolve them: the
// environment's constructor arguments derived from the jest-environment-node the user has
// (a required peer, so the Jest 29 or 30 types, whichever is installed), the rest described
// by what the package needs of them. scripts/build-types.js resolves '@jest/environment',
// '@jest/types' and '@jest/test-result' here when it bundles the declarations, so a
// consumer never needs those packages (pnpm without hoisting does not give them one). A name
// missing here fails that build: add it, derived from a peer or described structurally.
import type NodeEnvironment from 'jest-environment-node';

type NodeEnvironmentArguments = ConstructorParameters<typeof NodeEnvironment>;

export type JestEnvironmentConfig = NodeEnvironmentArguments[0];
export type EnvironmentContext = NodeEnvironmentArguments[1];

export declare namespace Config {
  type ProjectConfig = JestEnvironmentConfig['projectConfig'];
  type GlobalConfig = JestEnvironmentConfig['globalConfig'];
}

// jest-circus's events and state: Jest passes its own; a subclass's handleTestEvent(event:
// Circus.Event, state: Circus.State) from @jest/types overrides this one (method parameters
// are compared both ways).
export declare namespace Circus {
  interface Event {
    readonly name: string;
  }
  type State = object;
}

// What Jest passes a reporter.
export type TestResult = object;
export type AggregatedResult = object;

// What an environment class's instances have (withLeakcheck's base), described by what Jest
// calls on them: any environment built for Jest 29 or 30 fits.
export interface JestEnvironment {
  readonly global: object;
  readonly fakeTimers: object | null;
  readonly fakeTimersModern: object | null;
  readonly moduleMocker: object | null;
  getVmContext(): object | null;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  handleTestEvent?(event: Circus.Event, state: Circus.State): void | Promise<void>;
  exportConditions?(): Array<string>;
}

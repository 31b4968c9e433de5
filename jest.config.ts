import type { Config } from 'jest';

// The project's own tests: TypeScript through ts-jest. Fixture projects, examples and
// benchmarks are run by the tests (spawned), never collected directly. They run under the
// environment they test (built by `npm test` first): the project's own suite is leak-free.
// globalSetup rebuilds build/ when a source is newer, so `npx jest test/x.test.ts` after an
// edit never runs the fixtures against a stale build.
const config: Config = {
  testEnvironment: '<rootDir>/build/index.js',
  globalSetup: '<rootDir>/test/global-setup.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/fixtures/'],
  modulePathIgnorePatterns: ['<rootDir>/test/fixtures/', '<rootDir>/examples/', '<rootDir>/bench/', '<rootDir>/build/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testTimeout: 120_000,
};

export default config;

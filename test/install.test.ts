import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { packForTests } from './helpers/install';
import { installFromRegistry, MANAGERS, type Manager } from './helpers/registry';
import { failureText, FIXTURES, JEST_VERSIONS, runJestIn, type JestRun, type JestVersion } from './helpers/run-jest';

// The tarball installed from the registry as users install it (README "Install": the
// package and jest-environment-node of their Jest's major), with npm, pnpm (default and
// hoist=false) and Yarn 1, on Jest 29 and 30: one install per manager and Jest, reused by
// every assertion. The project's own Jest runs a leaking and a clean test; a TypeScript
// consumer importing every entry type-checks with skipLibCheck: false (under every
// moduleResolution where a package sees only what it declares, pnpm hoist=false, and under
// node16 elsewhere). Needs the npm registry; nothing is skipped without it.
const PROJECT_FILES = path.join(FIXTURES, 'installed');
const SETUP_TIMEOUT_MS = 420_000;
const RESOLUTIONS: Record<Manager, readonly string[]> = {
  npm: ['node16'],
  pnpm: ['node16'],
  'pnpm hoist=false': ['node10', 'node16', 'bundler'],
  'yarn 1': ['node16'],
};

const tarball = packForTests();

/** The version of `name` that the package itself resolves (as a peer) from its installed location. */
function resolvedFromPackage(project: string, name: string): string {
  const packageDir = realpathSync(path.join(project, 'node_modules/jest-environment-leakcheck'));
  const manifest = require.resolve(`${name}/package.json`, { paths: [packageDir] });
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

const cases = MANAGERS.flatMap((manager) => JEST_VERSIONS.map((jest) => [manager, jest] as const));

describe.each(cases)('installed with %s, Jest %i', (manager: Manager, jest: JestVersion) => {
  let project: string;
  let node: JestRun;
  beforeAll(() => {
    project = installFromRegistry(manager, jest, tarball.packed.tarball);
    tarball.projects.push(project);
    cpSync(PROJECT_FILES, project, { recursive: true });
    node = runJestIn(path.join(project, 'node'), { bin: path.join(project, 'node_modules/jest/bin/jest.js') });
  }, SETUP_TIMEOUT_MS);

  test(`the package resolves Jest ${jest}'s own jest and jest-environment-node (peers)`, () => {
    expect(resolvedFromPackage(project, 'jest-environment-node')).toMatch(new RegExp(`^${jest}\\.`));
    expect(resolvedFromPackage(project, 'jest')).toMatch(new RegExp(`^${jest}\\.`));
  });

  test('a leaking test fails at its line, its clean twin passes, and the reporter counts the leak', () => {
    expect(node.test('leaks an interval').status).toBe('failed');
    expect(failureText(node.test('leaks an interval'))).toContain('[timer] setInterval every 1000 ms');
    expect(failureText(node.test('leaks an interval'))).toMatch(/leak\.test\.js:2:3/);
    expect(node.test('clears its interval')).toMatchObject({ status: 'passed', failureMessages: [] });
    expect(node.test('fails its own assertion').status).toBe('failed');
    expect(node.stderr).toMatch(/leakcheck: 1 leaked resource \(timer\) failed 1 test\./);
  });

  test.each(RESOLUTIONS[manager])('a TypeScript consumer of every entry type-checks with skipLibCheck: false (moduleResolution %s)', (resolution) => {
    const tsc = path.join(project, 'node_modules/typescript/bin/tsc');
    const child = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: path.join(project, 'types'), encoding: 'utf8', timeout: 120_000 });
    expect(`${child.stdout}${child.stderr}`).toBe('');
    expect(child.status).toBe(0);
  });
});

// The `jest-environment-leakcheck/globals` entry in native ESM (Jest's
// --experimental-vm-modules) and its TypeScript types under every module resolution.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURES, ROOT, failureText, runJest, JEST_VERSIONS } from './helpers/run-jest';

describe.each(JEST_VERSIONS)('native ESM on Jest %i', (jest) => {
  test('import { leakcheck } from "jest-environment-leakcheck/globals" is the global object, and works', () => {
    const run = runJest('options-esm', { jest, env: { NODE_OPTIONS: '--experimental-vm-modules' } });
    expect(run.test('esm: the imported leakcheck is the global one')).toMatchObject({ status: 'passed', failureMessages: [] });
    const leaking = run.test('esm: without allow() the leak is reported');
    expect(leaking.status).toBe('failed');
    expect(failureText(leaking)).toContain('[timer] setInterval every 4002 ms');
  });
});

describe('TypeScript', () => {
  test.each(['node10', 'node16', 'bundler'])('the entries resolve with precise types (moduleResolution %s)', (resolution) => {
    const tsc = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(FIXTURES, 'options-ts', `tsconfig.${resolution}.json`)],
      { encoding: 'utf8' },
    );
    // api.test.ts also holds @ts-expect-error lines: loose (any) types would fail them.
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});

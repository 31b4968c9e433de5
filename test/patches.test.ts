// Issue 9: whatever the detector patches while an environment is set up (Node's servers,
// watchers, file handles and workers, the test global's fetch and setImmediate, jsdom's
// window timers and this realm's setTimeout, Jest's fake timers) is back after teardown,
// file after file in one process, and a patch someone made after ours is left alone. The
// fixture's environments record what they found (see fixtures/patches/restore-check.js).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expectFailedWith, expectPassed, JEST_VERSIONS, runJest, type JestRun } from './helpers/run-jest';

interface Found {
  readonly patched: boolean;
  readonly restored: boolean;
  readonly theirsSurvived?: boolean;
}

const NODE_MODULES = [
  'net.Server.prototype.listen',
  'net.createServer',
  'http.createServer',
  'https.createServer',
  'fs.watch',
  'fs.watchFile',
  'fs.promises.open',
  'worker_threads.Worker',
];
/** What each flavour patches; every other watched function must be left as it is. */
const PATCHED: Record<string, readonly string[]> = {
  node: [...NODE_MODULES, 'global.fetch', 'global.setImmediate', 'fakeTimersModern.useFakeTimers'],
  jsdom: [...NODE_MODULES, 'globalThis.setTimeout', 'global.setTimeout', 'global.setInterval', 'fakeTimersModern.useFakeTimers'],
};
const THEIRS = ['net.Server.prototype.listen', 'fs.promises.open', 'global.setImmediate'];

describe.each(JEST_VERSIONS)('patches (Jest %i)', (jest) => {
  let run: JestRun;
  let found: Record<string, Record<string, Found>>;
  beforeAll(() => {
    const out = mkdtempSync(path.join(tmpdir(), 'leakcheck-patches-'));
    try {
      // In band: every environment of the run in one process, one after another.
      run = runJest('patches', { jest, args: ['--runInBand'], env: { LEAKCHECK_PATCHES_OUT: out } });
      found = Object.fromEntries(
        readdirSync(out).map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(path.join(out, file), 'utf8')) as Record<string, Found>]),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('every environment wrote what it found', () => {
    expect(Object.keys(found).sort()).toEqual(['jsdom-uses.test.js', 'node-later-patch.test.js', 'node-uses.test.js']);
    expect(run.numRuntimeErrorTestSuites).toBe(0);
  });

  test('the tests using what was patched pass, on node and jsdom', () => {
    const uses = run.files.filter((file) => file.name.endsWith('uses.test.js'));
    expect(uses).toHaveLength(2);
    for (const file of uses) {
      expect(file.assertionResults).toHaveLength(5);
      for (const result of file.assertionResults) expect(result).toMatchObject({ status: 'passed', failureMessages: [] });
    }
  });

  test.each([
    ['node', 'uses.test.js'],
    ['jsdom', 'uses.test.js'],
  ])('%s: what was patched during the tests is back after teardown, and nothing else was touched', (flavour, file) => {
    const checks = found[`${flavour}-${file}`];
    const patched = Object.keys(checks).filter((name) => checks[name].patched);
    expect(patched.sort()).toEqual([...PATCHED[flavour]].sort());
    for (const [name, check] of Object.entries(checks)) expect({ name, restored: check.restored }).toEqual({ name, restored: true });
  });

  test('a patch made after ours survives teardown; everything else is put back', () => {
    const checks = found['node-later-patch.test.js'];
    for (const [name, check] of Object.entries(checks)) {
      expect({ name, patched: check.patched }).toEqual({ name, patched: PATCHED.node.includes(name) });
      if (THEIRS.includes(name)) expect({ name, theirsSurvived: check.theirsSurvived }).toEqual({ name, theirsSurvived: true });
      else expect({ name, restored: check.restored }).toEqual({ name, restored: true });
    }
  });

  test('with a patch made over ours, calls still work and leaks are still found and located', () => {
    expectPassed(run, 'patches net.Server.prototype.listen, fs.promises.open and setImmediate after the detector');
    expectPassed(run, 'theirs work, with the detector underneath');
    expectFailedWith(run, 'a leak is still found and located', '[timer] setInterval every 1000 ms', /later-patch\.test\.js:40:12\)/);
  });
});

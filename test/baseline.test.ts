// The baseline of known leaks, end to end with real Jest and the `leakcheck` command: a
// missing file, writing it, a clean run, a new leak, a leak beyond its count, a fixed leak
// reported stale, strictBaseline, pruning, a malformed file; the same file from two workers
// and from warn mode.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LeakReportDocument } from '../src/report/json';
import { failureText, FIXTURES, JEST_VERSIONS, jestBin, ROOT, runJestIn, type JestRun, type JestVersion } from './helpers/run-jest';

const CLI = path.join(ROOT, 'bin/leakcheck.js');

/** The fixture copied to a temporary folder, where the package resolves as a user's would. */
function copyFixture(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `leakcheck-${name}-`));
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(ROOT, path.join(dir, 'node_modules/jest-environment-leakcheck'), 'dir');
  return dir;
}

interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function leakcheck(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 90_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env } });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function baselineCommand(dir: string, jest: JestVersion, extra: readonly string[] = [], jestArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): CliRun {
  return leakcheck(dir, ['baseline', ...extra, '--jest', jestBin(jest), '--', '--forceExit', ...jestArgs], env);
}

const readBaseline = (dir: string): unknown => JSON.parse(readFileSync(path.join(dir, 'leakcheck-baseline.json'), 'utf8'));

/** What the fixture leaks with no variable set. */
const WRITTEN = {
  version: 1,
  leaks: {
    'api.test.js': {
      '(outside any test)': { timer: 1 },
      'users › starts a poller': { timer: 1 },
      'users › waits forever': { promise: 1 },
    },
    'jobs.test.js': { 'schedules jobs': { timer: 2 } },
  },
};

describe.each(JEST_VERSIONS)('the baseline of known leaks on Jest %s', (jest) => {
  let dir: string;
  const run = (env: NodeJS.ProcessEnv = {}, args: readonly string[] = []): JestRun => runJestIn(dir, { jest, env, args }, 'baseline');

  beforeAll(() => {
    dir = copyFixture('baseline');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('a missing baseline fails each file, naming the path and the command that creates it, in full once', () => {
    const result = run();
    expect(result.numRuntimeErrorTestSuites).toBe(3);
    const messages = result.files.map((f) => f.message);
    const full = messages.filter((m) => m.includes('The baseline file leakcheck-baseline.json (testEnvironmentOptions.leakcheck.baseline) does not exist'));
    expect(full).toHaveLength(1);
    expect(full[0]).toContain('npx leakcheck baseline');
    expect(messages.filter((m) => m.includes('The same error was shown in full for the first test file that met it in this run.'))).toHaveLength(2);
  });

  test('`leakcheck baseline` writes the leaks the suite has now: counts per test file, test and kind, sorted', () => {
    const cli = baselineCommand(dir, jest);
    expect(cli.status).toBe(0);
    expect(cli.stderr).toContain('leakcheck (baseline): leakcheck-baseline.json: 5 known leaks in 4 tests (4 entries added, 0 removed).');
    expect(readBaseline(dir)).toEqual(WRITTEN);
    // Stable formatting: sorted keys, two spaces, a final newline.
    const text = readFileSync(path.join(dir, 'leakcheck-baseline.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify(WRITTEN, null, 2)}\n`);
  });

  test('with the baseline, known leaks do not fail: each is one line, the summary counts them as known', () => {
    const result = run();
    expect(result.numFailedTests).toBe(0);
    expect(result.numRuntimeErrorTestSuites).toBe(0);
    expect(result.stderr).toContain('leakcheck (baseline): "users › starts a poller": 1 known leak (timer), listed in the baseline; not failing.');
    expect(result.stderr).toContain('leakcheck (baseline): outside any test: 1 known leak (timer), listed in the baseline; not failing.');
    expect(result.stderr).toContain('leakcheck (baseline): 5 leaked resources (timer ×4, promise) known, not failing.');
    expect(result.stderr).not.toContain('stale');
  });

  test('known leaks are only unref\'d, a new one is stopped: the run exits by itself (no --forceExit)', () => {
    const result = runJestIn(dir, { jest, env: { NEW_LEAK: '1' }, forceExit: false, timeoutMs: 60_000 }, 'baseline');
    expect(result.signal).toBeNull();
    expect(result.test('users is clean').status).toBe('failed');
    expect(result.test('users starts a poller').status).toBe('passed');
  });

  test('a new leak fails, and so does a leak beyond a test\'s known count, saying what the baseline knew', () => {
    const result = run({ NEW_LEAK: '1', MORE: '1' });
    expect(result.test('users is clean').status).toBe('failed');
    expect(failureText(result.test('users is clean'))).toContain('[timer] setTimeout of 60000 ms');
    const beyond = failureText(result.test('schedules jobs'));
    expect(result.test('schedules jobs').status).toBe('failed');
    expect(beyond).toContain('leakcheck: 1 async resource created by this test is still alive after it finished.');
    expect(beyond).toContain('(2 timer leaks known, 3 now): only the leaks beyond its count fail.');
    expect(result.test('users starts a poller').status).toBe('passed');
    expect(result.stderr).toContain('leakcheck: 2 leaked resources (timer ×2) failed 2 tests.');
    expect(result.stderr).toContain('leakcheck (baseline): 5 leaked resources (timer ×4, promise) known, not failing.');
  });

  test('a fixed leak is reported stale with the command that prunes it; strictBaseline fails its file; --prune removes it', () => {
    const fixed = run({ FIX_TIMER: '1' });
    expect(fixed.numFailedTests).toBe(0);
    expect(fixed.numRuntimeErrorTestSuites).toBe(0);
    expect(fixed.stderr).toContain('leakcheck (baseline): 1 baseline entry is stale (1 known leak no longer happens); remove it with: npx leakcheck baseline --prune');
    expect(fixed.stderr).toContain('  api.test.js › users › starts a poller: timer 1 → 0');

    const strict = run({ FIX_TIMER: '1', STRICT: '1' });
    expect(strict.file('api.test.js').status).toBe('failed');
    expect(strict.file('api.test.js').message).toContain('the baseline leakcheck-baseline.json lists 1 entry this file no longer needs (known → now):');
    // Once, with a frame at the stale entry's line of the baseline (Jest shows its code frame).
    expect(strict.file('api.test.js').message.match(/timer 1 → 0/g)).toHaveLength(1);
    expect(strict.file('api.test.js').message).toContain('at leakcheck-baseline.json:9:9');
    expect(strict.file('jobs.test.js').status).toBe('passed');

    // Skipping the file's tests judges nothing: no entry of theirs is stale.
    const filtered = run({ FIX_TIMER: '1', STRICT: '1' }, ['--testNamePattern', 'schedules']);
    expect(filtered.numRuntimeErrorTestSuites).toBe(0);
    expect(filtered.stderr).not.toContain('stale');

    const pruned = baselineCommand(dir, jest, ['--prune'], [], { FIX_TIMER: '1', NEW_LEAK: '1' });
    expect(pruned.status).toBe(0);
    expect(pruned.stderr).toContain('leakcheck-baseline.json: 4 known leaks in 3 tests (0 entries added, 1 removed).');
    // --prune adds nothing: the new leak of "is clean" is not in it.
    expect(readBaseline(dir)).toEqual({
      version: 1,
      leaks: { ...WRITTEN.leaks, 'api.test.js': { '(outside any test)': { timer: 1 }, 'users › waits forever': { promise: 1 } } },
    });
    const after = run({ FIX_TIMER: '1', STRICT: '1' });
    expect(after.numRuntimeErrorTestSuites).toBe(0);
    expect(after.numFailedTests).toBe(0);
  });

  test('a malformed baseline fails the files naming its line and what was expected, and is never overwritten by a run', () => {
    const file = path.join(dir, 'leakcheck-baseline.json');
    const text = `{\n  "version": 1,\n  "leaks": {\n    "api.test.js": {\n      "users › waits forever": { "promise": 0 }\n    }\n  }\n}\n`;
    writeFileSync(file, text);
    const result = run();
    expect(result.numRuntimeErrorTestSuites).toBe(3);
    expect(result.files.map((f) => f.message).join('\n')).toContain('leakcheck-baseline.json:5: expected a whole number of promise leaks, 1 or more, found 0.');
    expect(readFileSync(file, 'utf8')).toBe(text);
    writeFileSync(file, '{\n  "version": 1,\n  "leaks": {,\n}\n');
    expect(run().files.map((f) => f.message).join('\n')).toMatch(/leakcheck-baseline\.json:3: not valid JSON/);
  });
});

describe('the baseline file does not depend on how the run was made', () => {
  const jest = JEST_VERSIONS[0];
  test.each([
    ['--maxWorkers=2', ['--maxWorkers=2'], {}],
    ['warn mode (LEAKCHECK_MODE=warn)', [], { LEAKCHECK_MODE: 'warn' }],
  ] as const)('written the same with %s', (_name, jestArgs, env) => {
    const dir = copyFixture('baseline');
    try {
      const cli = baselineCommand(dir, jest, [], jestArgs, env);
      expect(cli.status).toBe(0);
      expect(readBaseline(dir)).toEqual(WRITTEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('from the JSON reports of two shards (`--from`), the same as from one run', () => {
    const dir = copyFixture('baseline');
    try {
      // Adopting in a sharded CI: an empty baseline, each shard's report, one baseline from all.
      writeFileSync(path.join(dir, 'leakcheck-baseline.json'), '{ "version": 1, "leaks": {} }\n');
      const reports = ['1/2', '2/2'].map((shard, i) => {
        const out = path.join(dir, `leaks-${i + 1}.json`);
        runJestIn(dir, { jest, args: [`--shard=${shard}`], env: { LEAKCHECK_OUT: out } }, 'baseline');
        return out;
      });
      const documents = reports.map((file) => JSON.parse(readFileSync(file, 'utf8')) as LeakReportDocument);
      expect(documents.map((d) => d.files.length)).toEqual([expect.any(Number), expect.any(Number)]);
      expect(documents[0].files.length + documents[1].files.length).toBe(3);
      const cli = leakcheck(dir, ['baseline', '--from', reports[0], '--from', reports[1]]);
      expect(cli.status).toBe(0);
      expect(readBaseline(dir)).toEqual(WRITTEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

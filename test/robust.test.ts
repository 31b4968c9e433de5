// The same fixture under the ways Jest runs tests: parallel workers, in band, retries,
// --bail, and Jest 29. A leak is reported once: never again by a later test or the file.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURES, ROOT, failureText, runJest, type AssertionResult, type JestRun } from './helpers/run-jest';

/** What every run of the fixture must show, whatever runs it. */
const EXPECTED: Record<string, { status: 'passed' | 'failed'; report?: RegExp[] }> = {
  'leaks on the first attempt only': { status: 'passed' },
  'leaks on every attempt': { status: 'failed', report: [/\[timer\] setInterval every 1000 ms\n/, /retry\.test\.js:10:3\)/] },
  'passes after the retried tests': { status: 'passed' },
  'leaks a re-arming timeout and a server': {
    status: 'failed',
    report: [
      /2 async resources created by this test are still alive/,
      /\[server\] TCP server listening on 127\.0\.0\.1:\d+, created by net\.createServer\(\) at reported-once\.test\.js:8\n/,
      /\[timer\] setTimeout of 10 ms\n/,
      // One failure: the server's listen() is the stack (and the code frame), the timer's line is in the message.
      /Created at reported-once\.test\.js:6:21\n/,
      /reported-once\.test\.js:9:\d+\)/,
    ],
  },
  'runs while the earlier leaks are still alive': { status: 'passed' },
  'also runs while the earlier leaks are still alive': { status: 'passed' },
  'leaks a child process in another file': {
    status: 'failed',
    report: [/1 async resource created by this test/, /\[child-process\] child process \d+: sleep 30\n/, /plain\.test\.js:4:3\)/],
  },
  'clean test in another file': { status: 'passed' },
};

function expectSameOutcomes(run: JestRun): void {
  expect(run.files).toHaveLength(3);
  for (const [name, expected] of Object.entries(EXPECTED)) {
    const result = run.test(name);
    expect({ name, status: result.status }).toEqual({ name, status: expected.status });
    if (expected.status === 'passed') expect(result.failureMessages).toEqual([]);
    for (const pattern of expected.report ?? []) expect(failureText(result)).toMatch(pattern);
  }
  // What a test leaked is never charged to the file as well.
  for (const file of run.files) expect(file.message).not.toContain('outside any test');
  expect(run.stderr).not.toContain('internal error');
  expect(run.exitCode).toBe(1);
}

const invocations = (result: AssertionResult): number | undefined => (result as AssertionResult & { invocations?: number }).invocations;

describe('with parallel workers (--maxWorkers=2)', () => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('robust', { args: ['--maxWorkers=2'] });
  });

  test('every test has its expected outcome and report', () => {
    expectSameOutcomes(run);
  });

  test('jest.retryTimes: a leak on the first attempt only passes on retry; a leak on every attempt fails, reported once', () => {
    // Two invocations: the first attempt failed, and the only reason it could fail is its leak.
    expect(invocations(run.test('leaks on the first attempt only'))).toBe(2);
    const always = run.test('leaks on every attempt');
    expect(invocations(always)).toBe(2);
    // The last attempt reports its own interval, not the first attempt's again.
    expect(failureText(always)).toContain('1 async resource created by this test');
    expect(invocations(run.test('passes after the retried tests'))).toBe(1);
  });
});

describe('in band (--runInBand)', () => {
  test('every test has its expected outcome and report', () => {
    expectSameOutcomes(runJest('robust', { args: ['--runInBand'] }));
  });
});

describe('under Jest 29', () => {
  test('every test has its expected outcome and report', () => {
    expectSameOutcomes(runJest('robust', { jest: 29, args: ['--maxWorkers=2'] }));
  });
});

describe('with --bail', () => {
  // Jest exits on bail before writing --json results: read its human-readable output.
  test('Jest stops after the first failing file, which shows its leak report', () => {
    const child = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--ci', '--forceExit', '--no-cache', '--bail', '--runInBand'],
      { cwd: path.join(FIXTURES, 'robust'), encoding: 'utf8', timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
    );
    expect(child.signal).toBeNull();
    expect(child.status).toBe(1);
    expect(child.stderr).toMatch(/Test Suites: 1 failed, 1 of 3 total/);
    expect(child.stderr).toMatch(/leakcheck: \d async resources? created by this test (is|are) still alive/);
    expect(child.stderr).toMatch(/\[(timer|server|child-process)\] /);
    expect(child.stderr).not.toContain('internal error');
  });
});

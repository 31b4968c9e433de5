import { expectFailedWith, expectPassed, JEST_VERSIONS, runJest, type JestRun } from './helpers/run-jest';

// A leaky run exits on its own (the `contain` option, test/fixtures/contain): without
// --forceExit, a run whose leaks were reported ends by itself, a reported interval no longer
// fires into the next test, and whatever an opt-out let through is left exactly as it was.
describe.each(JEST_VERSIONS.flatMap((jest) => ['--runInBand', '--maxWorkers=2'].map((workers) => [jest, workers] as const)))(
  'containment (Jest %i, %s)',
  (jest, workers) => {
    let run: JestRun;
    beforeAll(() => {
      run = runJest('contain', { jest, args: [workers], forceExit: false, timeoutMs: 60_000 });
    });

    test('the run exits by itself, without --forceExit, and Jest never waits for it', () => {
      expect(run.signal).toBeNull();
      expect(run.exitCode).toBe(1);
      expect(run.stderr).not.toContain('did not exit one second after the test run has completed');
      expect(run.stderr).not.toContain('failed to exit gracefully');
    });

    test('the leaks were reported as usual', () => {
      expectFailedWith(run, 'leaks an interval and a server', '[timer] setInterval every 5 ms', '[server] TCP server listening on 127.0.0.1:', /stopped\.test\.js:9:3/);
    });

    test('a reported interval does not fire into the next test', () => {
      expectPassed(run, 'the next test does not see the interval fire');
    });

    test("in mode 'warn' it is only unref'd: the test passes and the interval keeps running", () => {
      expectPassed(run, 'leaks an interval, warned');
      expectPassed(run, 'the interval still fires, unref’d');
    });

    test.each([
      ['leakcheck.allow()', 'the allowed interval still fires, still ref’d'],
      ['an ignore rule', 'the ignored interval still fires, still ref’d'],
    ])('what %s let through is untouched', (_optOut, name) => {
      expectPassed(run, name);
    });

    test.each([
      ['@leakcheck-allow timer', 'allowed-docblock.test.js'],
      ['@leakcheck-mode off', 'mode-off.test.js'],
    ])('%s: the file’s interval is untouched', (_optOut, file) => {
      const result = run.file(file);
      expect(result.status).toBe('passed');
      expect(result.assertionResults.every((t) => t.status === 'passed')).toBe(true);
    });

    test("contain: 'off' reports the leak and leaves it as it was", () => {
      expectFailedWith(run, 'leaks an interval, not contained', '[timer] setInterval every 5 ms');
      const next = run.file('contain-off.test.js').assertionResults.find((t) => t.title === 'the interval still fires, still ref’d');
      expect(next).toMatchObject({ status: 'passed', failureMessages: [] });
    });
  },
);

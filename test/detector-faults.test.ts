import { failureText, runJest, type JestRun } from './helpers/run-jest';

// A bug in the detector must never crash a run, hang it, or change another test's result.
describe('detector faults and test.failing', () => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('detector-faults');
  });

  // The fixture's environment injects a throwing stack capture (Host.captureStack).
  test('a failing async hook is reported once as a warning and every test keeps its own result', () => {
    expect(run.test('a passing test that creates a timer still passes')).toMatchObject({ status: 'passed', failureMessages: [] });
    const failing = run.test('a failing test still fails with its own message');
    expect(failing.status).toBe('failed');
    expect(failureText(failing)).toContain('Expected: "something else"');
    expect(failureText(failing)).not.toContain('leakcheck');
    expect(run.test('a later test still runs and passes').status).toBe('passed');
    expect(run.test('servers and file handles still work')).toMatchObject({ status: 'passed', failureMessages: [] });
    // The warning's own lines (a code frame below it may quote the source line that prints it).
    const warnings = run.stderr.split('\n').filter((line) => /^\s*jest-environment-leakcheck: internal error/.test(line)).length;
    expect(warnings).toBe(1);
    expect(run.stderr).toContain('sabotaged stack capture');
  });

  test('the leak of a test.failing test fails the file instead of counting as its expected failure', () => {
    expect(run.test('a test.failing that fails and leaks does not turn green through its leak').status).toBe('passed');
    expect(run.test('its neighbour passes').status).toBe('passed');
    const file = run.file('failing.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain('In test.failing "a test.failing that fails and leaks does not turn green through its leak"');
    expect(file.message).toContain('[timer] setInterval every 1000 ms');
  });

  test('a handle a test creates right after it returns (listen() with a host) is its own leak', () => {
    const result = run.test('starts a server without waiting for it to listen');
    expect(result.status).toBe('failed');
    expect(failureText(result)).toMatch(/\[server\] TCP server listening on 127\.0\.0\.1:\d+, created by net\.createServer\(\) at late\.test\.js:\d+\n/);
    // The listen() line: the stack is taken when listen is read (see annotations.ts), so the column is the "." before it.
    expect(failureText(result)).toMatch(/late\.test\.js:7:21/);
  });

  test('a handle created by a test after it was judged (after a slow untracked request) fails the file, naming the test', () => {
    for (const name of ['starts a server once a slow computation is done', 'a test after it is not blamed', 'an allowed test is not blamed later either']) {
      expect(run.test(name)).toMatchObject({ status: 'passed', failureMessages: [] });
    }
    const file = run.file('late.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toMatch(
      /\[server\] TCP server listening on 127\.0\.0\.1:\d+, created by net\.createServer\(\) at late\.test\.js:\d+, created by test "starts a server once a slow computation is done" after it had finished/,
    );
    expect(file.message).toMatch(/late\.test\.js:15:23/);
    // Reported once, in the file's failure (the file's message also holds its tests' failures).
    expect(file.message.match(/\[server\][^\n]*after it had finished/g)).toHaveLength(1);
  });
});

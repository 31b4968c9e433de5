// Options set per file (Jest's @jest-environment-options docblock) and this package's own
// pragmas (@leakcheck-allow, @leakcheck-mode), one fixture file per case.
import { outputOf } from './helpers/console-output';
import { expectFailedWith, expectPassed, runJest, type JestRun } from './helpers/run-jest';

describe('per-file options and pragmas', () => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('options-files');
  });

  const passes = (name: string): void => expectPassed(run, name);
  const failsWith = (name: string, ...texts: Array<string | RegExp>): string => expectFailedWith(run, name, ...texts);

  test("mode 'warn': leaks of tests and of the file are printed on the file's console; everything passes", () => {
    passes('warn mode: a leaking test passes and its leak is printed');
    expect(run.file('warn.test.js').status).toBe('passed');
    const output = outputOf(run, 'warn.test.js');
    expect(output).toContain('leakcheck (warn): warn mode: a leaking test passes and its leak is printed: 1 async resource created by this test');
    expect(output).toContain('[timer] setInterval every 3002 ms');
    expect(output).toContain('created outside any test');
    expect(output).toContain('[timer] setInterval every 3001 ms');
    expect(output).toMatch(/warn\.test\.js:7:3/);
    // The warning is the detector's, not a line of it: no stack of the detector's own code.
    expect(output).not.toMatch(/session\.js/);
  });

  test("mode 'off': nothing is checked, nothing printed, and the API calls are harmless no-ops", () => {
    passes('off mode: nothing is checked, and the API calls are accepted');
    expect(run.file('off.test.js').status).toBe('passed');
    expect(outputOf(run, 'off.test.js')).not.toContain('leakcheck');
  });

  test('timeoutMs 0 is strict: a 50 ms timer still pending at the end is a leak; its cleared twin passes', () => {
    failsWith('timeoutMs 0: a short timer still pending when the test ends is a leak', '[timer] setTimeout of 50 ms');
    passes('timeoutMs 0: a cleared timer is fine');
  });

  test("includeUnref: an unref'd interval is reported", () => {
    failsWith("includeUnref: an unref'd interval is reported", '[timer] setInterval every 3005 ms (unref’d)');
  });

  test('kinds: only the listed kinds are checked', () => {
    const text = failsWith('kinds: only the listed kinds are checked', '[server] TCP server listening on');
    expect(text).not.toContain('[timer]');
    expect(text).not.toContain('[promise]');
  });

  test('verbose: a rule that never matched in the file is hinted at the end of the file; a rule that matched is not', () => {
    passes('verbose: a rule that matched stays quiet, one that never matched is hinted at');
    const output = outputOf(run, 'verbose.test.js');
    expect(output).toContain(
      'leakcheck: ignore rule { module: "never-used-module" } (testEnvironmentOptions.leakcheck.ignore[1]) matched no leftover resource in this file.',
    );
    expect(output).not.toContain('usedRule');
  });

  test('fakeTimers is accepted as a boolean option, and rejected otherwise', () => {
    passes('fakeTimers is a known boolean option');
    const file = run.file('bad-fake-timers.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain('Option "leakcheck.fakeTimers" must be a boolean (true or false), but instead received:\n        "modern"');
  });

  test('@leakcheck-allow: nothing in the file is checked, module scope included', () => {
    passes('@leakcheck-allow: nothing in this file is checked');
    expect(run.file('allow-file.test.js').status).toBe('passed');
  });

  test('@leakcheck-allow timer, promise: those kinds pass, others are still reported', () => {
    passes('@leakcheck-allow timer, promise: those kinds pass');
    const text = failsWith('@leakcheck-allow timer, promise: other kinds are still reported', '[server] TCP server listening on');
    expect(text).not.toContain('[timer]');
  });

  test('bad pragmas stop the file before any test, with one message naming each', () => {
    const file = run.file('bad-pragma.test.js');
    expect(file.status).toBe('failed');
    expect(file.assertionResults).toHaveLength(0);
    expect(file.message).toContain('● Validation Error:');
    expect(file.message).toContain('jest-environment-leakcheck found invalid options in the @leakcheck pragmas of bad-pragma.test.js (3 problems):');
    expect(file.message).toContain('Pragma "@leakcheck-allow" must be followed by nothing (the whole file is unchecked) or by kinds');
    expect(file.message).toContain('"tmer"\n      Did you mean "timer"?');
    expect(file.message).toContain('Unknown pragma "@leakcheck-alow" with value "" was found. Did you mean "@leakcheck-allow"?');
    expect(file.message).toContain('Pragma "@leakcheck-mode" must be followed by one of "fail", "warn" or "off", but instead received:\n        "loud"');
    expect(file.message).not.toMatch(/^\s+at /m);
  });

  test('bad options in @jest-environment-options are reported as coming from that docblock', () => {
    const file = run.file('bad-docblock-options.test.js');
    expect(file.status).toBe('failed');
    expect(file.assertionResults).toHaveLength(0);
    expect(file.message).toContain(
      'jest-environment-leakcheck found invalid options in the "leakcheck" object of the @jest-environment-options docblock of bad-docblock-options.test.js (2 problems):',
    );
    expect(file.message).toContain('Option "leakcheck.timeoutMs" must be a number of milliseconds from 0 (strict: no waiting) to 60000, but instead received:\n        "fast"');
    expect(file.message).toContain('Unknown option "leakcheck.mod" with value "warn" was found. Did you mean "mode"?');
  });

  test('bad options and bad pragmas together: one message for both', () => {
    const file = run.file('bad-both.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain(
      'found invalid options in the "leakcheck" object of the @jest-environment-options docblock of bad-both.test.js and in the @leakcheck pragmas of bad-both.test.js (2 problems):',
    );
    expect(file.message).toContain('Option "leakcheck" must be an object with any of the options "kinds", "ignore", "timeoutMs", "mode", "includeUnref", "fakeTimers", "verbose", "retainers", "baseline", "strictBaseline" and "contain", but instead received:\n        "strict"');
    expect(file.message).toContain('"everything"');
  });
});

// A Jest config with bad leakcheck options: every test file fails before any test runs,
// with one jest-validate style message that names every bad option, its value and what is
// allowed — and no stack trace.
import { runJest, type JestRun } from './helpers/run-jest';

describe('invalid testEnvironmentOptions.leakcheck', () => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('options-invalid');
  });

  test('every file fails before any of its tests runs', () => {
    expect(run.files).toHaveLength(2);
    for (const file of run.files) {
      expect(file.status).toBe('failed');
      expect(file.assertionResults).toHaveLength(0);
      expect(file.message).not.toContain('a test ran despite the invalid config');
    }
    expect(run.exitCode).toBe(1);
  });

  /** The one file whose message has the whole error (the first to meet it); the other's refers to it. */
  const full = (): string => {
    const messages = run.files.map((f) => f.message);
    const shown = messages.filter((m) => !m.includes('The same error was shown in full for the first test file that met it in this run.'));
    expect(shown).toHaveLength(1);
    return shown[0];
  };

  test('the whole error once (the same in every file), a one-line reference to it in the other file', () => {
    expect(full()).toContain('(16 problems)');
    expect(run.files.filter((f) => f.message.includes('The same error was shown in full'))).toHaveLength(1);
  });

  test('one message in the style of jest-validate, without a stack trace', () => {
    const message = full();
    expect(message).toContain('● Test suite failed to run');
    expect(message).toContain('● Validation Error:');
    expect(message).toContain('jest-environment-leakcheck found invalid options in testEnvironmentOptions.leakcheck of the Jest config (16 problems):');
    expect(message).toContain('Configuration Documentation:');
    expect(message).not.toMatch(/^\s+at /m);
    expect(message.match(/● Validation Error/g)).toHaveLength(1);
  });

  // Each bad option: its name, its value, and what is allowed.
  test.each([
    ['an unknown kind', 'Option "leakcheck.kinds[1]" must be one of the kinds "timer", "immediate", "server", "socket", "child-process", "worker", "message-port", "fs-watcher", "file-handle" or "promise", but instead received:\n        "timers"\n      Did you mean "timer"?'],
    ['an unknown rule field', 'Unknown ignore rule field "leakcheck.ignore[0].modul" with value "pg-pool" was found. Did you mean "module"?\n      Allowed: "kind", "module", "function", "file" and "stack".'],
    ['an empty rule', 'Option "leakcheck.ignore[1]" must be an object with at least one of "kind", "module", "function", "file" or "stack", e.g. { "module": "pg-pool" } or { "kind": "timer", "function": "startHeartbeat" }, but instead received:\n        {}'],
    ['an invalid glob', 'Option "leakcheck.ignore[2].file" must be a glob relative to rootDir, such as "src/legacy/**", but instead received:\n        "src/[legacy"\n      It is not a valid glob: Missing closing: "]"'],
    ['a rule that is not an object', 'Option "leakcheck.ignore[3]" must be an object with at least one of "kind", "module", "function", "file" or "stack", e.g. { "module": "pg-pool" } or { "kind": "timer", "function": "startHeartbeat" }, but instead received:\n        "pg-pool"'],
    ['an unknown kind in a rule', 'Option "leakcheck.ignore[4].kind" must be one of the kinds "timer"'],
    ['a path as a module name', 'Option "leakcheck.ignore[4].module" must be a package name such as "pg-pool" or "@scope/name", but instead received:\n        "lib/pool.js"'],
    ['a malformed function name', 'Option "leakcheck.ignore[5].function" must be a function name such as "startHeartbeat" or "Pool.connect", but instead received:\n        "start heartbeat()"'],
    ['an empty stack text', 'Option "leakcheck.ignore[5].stack" must be a non-empty string to look for in the creation stack, but instead received:\n        ""'],
    ['a negative timeout', 'Option "leakcheck.timeoutMs" must be a number of milliseconds from 0 (strict: no waiting) to 60000, but instead received:\n        -1'],
    ['an unknown mode', 'Option "leakcheck.mode" must be one of "fail", "warn" or "off", but instead received:\n        "warning"'],
    ['a string for a boolean', 'Option "leakcheck.includeUnref" must be a boolean (true or false), but instead received:\n        "yes"'],
    ['a number for a boolean', 'Option "leakcheck.fakeTimers" must be a boolean (true or false), but instead received:\n        1'],
    ['null for a boolean', 'Option "leakcheck.verbose" must be a boolean (true or false), but instead received:\n        null'],
    ['an object for a boolean', 'Option "leakcheck.retainers" must be a boolean (true or false), but instead received:\n        {"depth": 3}'],
    ['an unknown option', 'Unknown option "leakcheck.timeout" with value 100 was found. Did you mean "timeoutMs"?\n      Allowed: "kinds", "ignore", "timeoutMs", "mode", "includeUnref", "fakeTimers", "verbose", "retainers", "baseline", "strictBaseline" and "contain".'],
  ])('names %s', (_, text) => {
    expect(full()).toContain(text);
  });
});

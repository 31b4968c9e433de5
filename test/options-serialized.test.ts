// Config values JSON cannot hold (a RegExp, Infinity, a function) are shown as written,
// also with parallel workers, which receive the config from Jest as JSON; and a timeout
// above the limit is rejected, naming the limit.
import { runJest, type JestRun } from './helpers/run-jest';

const STACK = 'Option "leakcheck.ignore[0].stack" must be a non-empty string to look for in the creation stack, but instead received:\n        /foo/\n      It is not JSON: with parallel workers it would arrive as {}.';
const TIMEOUT = 'Option "leakcheck.timeoutMs" must be a number of milliseconds from 0 (strict: no waiting) to 60000, but instead received:\n        Infinity\n      It is not JSON: with parallel workers it would arrive as null.';
const FUNCTION = 'Unknown option "leakcheck.onLeak" with value onLeak() {} was found.';

const REFERENCE = 'The same error was shown in full for the first test file that met it in this run.';

/**
 * The messages that show the options error in full: at least one. The same error is shown in
 * full once per run (once per worker without the summary reporter); other files refer to it.
 */
function fullMessages(files: JestRun['files']): string[] {
  for (const file of files) expect(file.assertionResults).toHaveLength(0);
  const full = files.map((f) => f.message).filter((m) => !m.includes(REFERENCE));
  expect(full.length).toBeGreaterThanOrEqual(1);
  return full;
}

function expectFaithful(run: JestRun): void {
  expect(run.files).toHaveLength(3);
  for (const message of fullMessages(['first.test.js', 'second.test.js'].map((name) => run.file(name)))) {
    expect(message).toContain('jest-environment-leakcheck found invalid options in testEnvironmentOptions.leakcheck of the Jest config (3 problems):');
    expect(message).toContain(STACK);
    expect(message).toContain(TIMEOUT);
    expect(message).toContain(FUNCTION);
    expect(message).not.toMatch(/received:\n\s+(\{\}|null)\n/);
  }
}

test('with parallel workers, the values are shown as written and the function-valued option is an error', () => {
  expectFaithful(runJest('options-serialized', { args: ['--maxWorkers=2'] }));
});

test('in band, the same message', () => {
  expectFaithful(runJest('options-serialized', { args: ['--runInBand'] }));
});

test('a config the worker cannot read again: the message says the value is as received, and what it may have been', () => {
  const run = runJest('options-serialized', { args: ['--maxWorkers=2', '--config', 'renamed.config.js', 'first.test.js', 'second.test.js'] });
  expect(run.files).toHaveLength(2);
  for (const message of fullMessages(run.files)) {
    expect(message).toContain(
      'Option "leakcheck.ignore[0].stack" must be a non-empty string to look for in the creation stack, but instead received:\n        {}\n      This is the value as this Jest worker received it: if it was written as a RegExp, a function, a Map, a Set or a class instance, JSON turned it into {}.',
    );
    expect(message).toContain(
      'Option "leakcheck.timeoutMs" must be a number of milliseconds from 0 (strict: no waiting) to 60000, but instead received:\n        null\n      This is the value as this Jest worker received it: if it was written as Infinity, -Infinity or NaN, JSON turned it into null.',
    );
  }
});

test('timeoutMs above 60000 is rejected, naming the limit (every wait is bounded)', () => {
  const run = runJest('options-serialized', { args: ['--runInBand', 'huge-timeout.test.js'] });
  const { message, assertionResults } = run.file('huge-timeout.test.js');
  expect(assertionResults).toHaveLength(0);
  expect(message).toContain(
    'Option "leakcheck.timeoutMs" must be a number of milliseconds from 0 (strict: no waiting) to 60000, but instead received:\n        1000000000',
  );
});

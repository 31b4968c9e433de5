// Ignore rules from the Jest config (testEnvironmentOptions.leakcheck.ignore), each field
// against a leak it matches and a neighbouring one it must not; and how per-file
// overrides combine with them.
import { outputOf } from './helpers/console-output';
import { expectFailedWith, expectPassed, runJest, type JestRun } from './helpers/run-jest';

describe('ignore rules in the config', () => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('options-ignore');
  });

  const passes = (name: string): void => expectPassed(run, name);
  const failsWith = (name: string, ...texts: Array<string | RegExp>): string => expectFailedWith(run, name, ...texts);

  test('module: code inside node_modules/<module> is ignored, scoped names too; other modules are reported', () => {
    passes('module a timer created inside node_modules/fake-pool is ignored');
    passes('module a scoped package is matched by its full name');
    failsWith('module a module no rule names is reported', '[timer] setInterval every 2003 ms');
  });

  test('function: a frame of that function is ignored; a neighbouring function is reported', () => {
    passes('function a timer created by startHeartbeat is ignored');
    failsWith('function a neighbouring function in the same file is reported', '[timer] setInterval every 2008 ms');
  });

  test('file: a glob relative to rootDir; files outside it are reported', () => {
    passes('file a timer created in src/legacy/** is ignored');
    failsWith('file a timer created in src/current is reported', '[timer] setInterval every 2006 ms');
  });

  test('stack: a substring of the creation stack', () => {
    passes('stack a creation stack containing the text is ignored');
  });

  test('fields are AND-ed: the kind narrows the module and function rules', () => {
    passes('fields combine with AND kind timer + module fake-redis: its timer is ignored');
    failsWith('fields combine with AND kind timer + module fake-redis: its server is reported', '[server] TCP server listening on');
    const text = failsWith(
      'fields combine with AND a list of kinds: the server is ignored, the timer from the same function is reported',
      '[timer] setInterval every 2010 ms',
    );
    expect(text).not.toContain('[server]');
  });

  test('a file whose @jest-environment-options sets "leakcheck" replaces the config object, ignore rules included', () => {
    failsWith('the config ignore rules do not apply when the docblock replaces leakcheck', '[timer] setInterval every 2001 ms');
  });

  test('@leakcheck-mode warn keeps the config ignore rules and prints the other leaks', () => {
    passes('@leakcheck-mode warn: the config ignore rules still apply, and other leaks are printed');
    const output = outputOf(run, 'mode-pragma.test.js');
    expect(output).toContain('leakcheck (warn):');
    expect(output).toContain('[timer] setInterval every 2003 ms');
    expect(output).not.toContain('2001 ms');
  });
});

// The test-side API end to end: leakcheck.allow(), .ignore(), .ignoreCurrent() and the
// globals module, on Jest 30 and Jest 29.
import { expectFailedWith, expectPassed, runJest, type JestRun, JEST_VERSIONS } from './helpers/run-jest';

const ALLOW_WHERE = 'leakcheck.allow() may only be called inside a test or its beforeEach/afterEach hooks';

describe.each(JEST_VERSIONS)('test-side API on Jest %i', (jest) => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('options-api', { jest });
  });

  const passes = (name: string): void => expectPassed(run, name);
  const failsWith = (name: string, ...texts: Array<string | RegExp>): string => expectFailedWith(run, name, ...texts);

  describe('allow()', () => {
    test('allow() with no kinds accepts every leak of the test', () => {
      passes('allow() accepts every leak of this test');
      passes('allow() can come after the leak, anywhere in the test');
      passes('allow() from inside a callback the test started');
    });

    test('allow(kinds) accepts only those kinds; the others still fail the test', () => {
      const text = failsWith('allow(kinds) accepts only those kinds', '[server] TCP server listening on 127.0.0.1:');
      expect(text).not.toContain('[timer]');
      expect(text).not.toContain('[promise]');
      expect(text).toContain("To accept them: call leakcheck.allow('server') in this test");
    });

    test('allow() in beforeEach or afterEach covers the test', () => {
      passes('in beforeEach allowed by its beforeEach');
      passes('in afterEach allowed by its afterEach');
    });

    test('an opt-out lasts one test, and what the opted-out test left running is never blamed on later tests', () => {
      passes('an opted-out test leaks a busy interval');
      passes('the next test is not blamed for what the opted-out test left running');
      const text = failsWith('the opt-out does not carry over: this test leaks without allow()', '[timer] setInterval every 1002 ms');
      expect(text).not.toContain('setTimeout of 5000 ms');
    });

    test("the opted-out test's leftovers are not blamed on the file either", () => {
      expect(run.file('allow.test.js').message).not.toContain('created outside any test');
    });

    test('concurrent tests: allow() applies to the test whose async context calls it', () => {
      passes('concurrent: the test that allows');
      failsWith('concurrent: the test that does not allow', '[timer] setInterval every 1003 ms');
    });

    test('allow() in beforeAll throws an error that says where it may be called', () => {
      failsWith(
        'in beforeAll a test under a beforeAll that calls allow()',
        ALLOW_WHERE,
        'it was called in a beforeAll or afterAll hook',
        '@leakcheck-allow docblock pragma',
      );
    });

    test('allow() at module scope fails the file before any test, saying where it may be called', () => {
      const file = run.file('module-scope.test.js');
      expect(file.status).toBe('failed');
      expect(file.assertionResults).toHaveLength(0);
      expect(file.message).toContain(`${ALLOW_WHERE}, where it accepts the leaks of that test; it was called at module scope or in a describe block`);
      expect(file.message).toMatch(/module-scope\.test\.js:1:\d+/);
    });

    test('allow() with an unknown kind names it and the kinds there are', () => {
      failsWith('allow() with an unknown kind', 'leakcheck.allow() takes kind names, each one of "timer", "immediate"', 'but received "tmer"');
    });
  });

  describe('ignore(rule)', () => {
    test('a rule added at module scope silences matching leaks; a neighbouring function still fails', () => {
      passes('a leak matching a rule added at module scope passes');
      failsWith('a neighbouring function not in the rule still fails', '[timer] setInterval every 1004 ms');
    });

    test('a rule added inside a test applies from then on, for the rest of the file', () => {
      failsWith('before its rule is added, lateHelper leaks', '[timer] setInterval every 1000 ms');
      passes('ignore() inside a test adds a rule for the rest of the file');
      passes('later tests keep the rule');
    });

    test('a bad rule throws one message naming each bad field', () => {
      failsWith(
        'ignore() with a bad rule',
        'leakcheck.ignore(rule) received an invalid rule',
        'Unknown ignore rule field "rule.modul" with value "pg" was found. Did you mean "module"?',
        'Option "rule.kind" must be one of the kinds "timer"',
        'Did you mean "timer"?',
      );
    });
  });

  describe('ignoreCurrent()', () => {
    test('at module scope: what exists before is the baseline (with what it creates later); what comes after is checked', () => {
      const file = run.file('ignore-current.test.js');
      passes('the baseline, and what it creates later, is never reported');
      expect(file.status).toBe('failed');
      expect(file.message).toContain('created outside any test');
      expect(file.message).toContain('[timer] setInterval every 1006 ms');
      expect(file.message).not.toContain('1005 ms');
      expect(file.message).not.toContain('every 5 ms');
      expect(file.message).not.toContain('setTimeout of 5000 ms');
      expect(file.message).not.toContain('[promise]');
    });

    test('a pending promise of the baseline: what it creates once a test settles it is the baseline’s, its promises watched or not', () => {
      const watched = runJest('options-api', { jest, env: { JEST_LEAKCHECK_WATCH_PROMISES: 'always' }, files: ['ignore-current-promise.test.js'] });
      for (const each of [run, watched]) {
        expectPassed(each, 'what a baseline promise creates once a test settles it is the baseline’s too');
        expect(each.file('ignore-current-promise.test.js').status).toBe('passed');
      }
    });

    test('in a test: everything alive at the call (the test’s and the file’s) is the baseline', () => {
      const text = failsWith('in a test: what is alive at the call is the baseline, what comes after is checked', '[timer] setInterval every 1008 ms');
      expect(text).not.toContain('1007 ms');
      failsWith('later tests are still checked', '[timer] setInterval every 1010 ms');
      expect(run.file('ignore-current-in-test.test.js').message).not.toContain('1009 ms');
    });
  });

  describe('jest-environment-leakcheck/globals', () => {
    test('gives the very object the environment put on the global, also after resetModules', () => {
      passes('the globals module gives the global leakcheck object');
      passes('it is the same object after jest.resetModules()');
    });

    test('outside the environment it loads, and each call says how to set the environment', () => {
      passes('outside the environment, the globals module loads and every call explains the setup');
    });
  });
});

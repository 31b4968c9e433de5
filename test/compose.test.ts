import { expectFailedWith, expectPassed, JEST_VERSIONS, runJest, type JestRun } from './helpers/run-jest';
import { outputOf } from './helpers/console-output';

// The leak check added to environments a user already has (test/fixtures/compose, each file
// names its environment in its docblock): withLeakcheck over a user's jest-environment-node
// subclass with a database opened in setup() and its own handleTestEvent, over jsdom (a
// module object), over happy-dom (an ES module environment), a subclass of the shipped
// environment calling super, and the leakcheck/happy-dom flavour.
const VERSION_WARNING = 'jest-environment-leakcheck: this test environment is built on';

describe.each(JEST_VERSIONS)('your own environment (Jest %i)', (jest) => {
  let run: JestRun;
  beforeAll(() => {
    // Under Jest 29, Jest 29's own jsdom environment (the repo installs it as an alias).
    run = runJest('compose', { jest, env: jest === 29 ? { LEAKCHECK_JSDOM: 'jest-environment-jsdom29' } : {} });
  });

  describe('withLeakcheck over a user environment with a database opened in setup()', () => {
    test('a test using the database passes: what setup() opened is never charged to a test', () => {
      expectPassed(run, 'queries the environment database without leaking');
    });

    test("the base's handleTestEvent still sees every event, its async test_done awaited before the next test", () => {
      expectPassed(run, 'sees the events of the base environment');
    });

    test("what setup() and the base's handler opened is not charged to the file either", () => {
      const file = run.file('db.test.js');
      expect(file.message).not.toContain('created outside any test');
    });

    test("a leak of the test's own is reported at the user's line", () => {
      expectFailedWith(run, 'leaks an interval of its own', '1 async resource created by this test', '[timer] setInterval every 1000 ms', /db\.test\.js:17:3/);
    });

    test('a connection the test opens through the environment is the test’s', () => {
      expectFailedWith(run, 'leaks a connection it opened through the environment', /\[socket\] TCP socket connected to 127\.0\.0\.1:\d+/, /db\.test\.js:21:\d+/);
    });
  });

  describe('a subclass of LeakcheckEnvironment, overriding handleTestEvent and calling super', () => {
    test('passes a clean test; the server its setup() opened after super.setup() is not charged', () => {
      expectPassed(run, 'calls the environment api without leaking');
      expect(run.file('subclass.test.js').message).not.toContain('created outside any test');
    });

    test("reports a leak at the user's line", () => {
      expectFailedWith(run, 'leaks a long timeout', '[timer] setTimeout of 60000 ms', /subclass\.test\.js:10:3/);
    });

    test('its own handler ran for every test', () => {
      expectPassed(run, 'its handler saw the tests before');
    });
  });

  describe.each([
    ['withLeakcheck(require(jest-environment-jsdom))', 'jsdom.test.js', /jsdom\.test\.js:10:10/],
    ['withLeakcheck over happy-dom, in an ES module environment', 'happy-dom-mixin.test.js', /happy-dom-mixin\.test\.js:11:10/],
  ])('%s', (_title, file, line) => {
    test('a clean DOM test passes', () => {
      expect(run.file(file).assertionResults.find((t) => t.title === 'uses the DOM without leaking')).toMatchObject({ status: 'passed', failureMessages: [] });
    });

    test("a leaked window interval is reported as one, at the user's line", () => {
      const leaking = run.file(file).assertionResults.find((t) => t.title === 'leaks a window interval');
      expect(leaking?.status).toBe('failed');
      const text = leaking?.failureMessages.join('\n') ?? '';
      expect(text).toContain('[timer] setInterval every 1000 ms');
      expect(text).toMatch(line);
    });
  });

  describe('the leakcheck/happy-dom flavour', () => {
    const inFlavour = (title: string) => run.file('happy-dom-flavour.test.js').assertionResults.find((t) => t.title === title);

    test.each([
      ['leaks a window interval', '[timer] setInterval every 1000 ms', /happy-dom-flavour\.test\.js:9:10/],
      ['leaks a timeout', '[timer] setTimeout of 5000 ms', /happy-dom-flavour\.test\.js:13:10/],
      // happy-dom's animation frames are Node immediates: named as frames, not as setImmediate.
      ['leaks an animation loop', '[immediate] requestAnimationFrame loop that keeps requesting frames', /happy-dom-flavour\.test\.js:17:23/],
    ])('%s: named and shown at the user’s line', (title, description, line) => {
      const result = inFlavour(title);
      expect(result?.status).toBe('failed');
      const text = result?.failureMessages.join('\n') ?? '';
      expect(text).toContain(description);
      expect(text).toMatch(line);
    });

    test('the animation loop gets the cancelAnimationFrame hint', () => {
      expect(inFlavour('leaks an animation loop')?.failureMessages.join('\n')).toContain('cancelAnimationFrame(id)');
    });

    test.each(['runs in happy-dom', 'an animation frame that ran and stopped is fine', 'cancels its animation loop', 'clears its interval'])('clean twin passes: %s', (title) => {
      expect(inFlavour(title)).toMatchObject({ status: 'passed', failureMessages: [] });
    });
  });

  test('no environment here is from another Jest major: no version warning', () => {
    if (jest === 29) {
      // The repo's jest-environment-node is 30's (see below): only the files on other bases are checked.
      for (const file of ['jsdom.test.js', 'happy-dom-flavour.test.js', 'happy-dom-mixin.test.js']) expect(outputOf(run, file)).not.toContain(VERSION_WARNING);
    } else {
      expect(run.stderr).not.toContain(VERSION_WARNING);
    }
  });
});

// The repo's own layout is the mismatch a user gets from npm with jest@29: jest-environment-node
// hoisted at 30 next to Jest 29 (the package resolves the top-level one).
test('on Jest 29 with jest-environment-node 30, a warning says so, once, naming what to install', () => {
  const run = runJest('compose', { jest: 29, files: ['db.test.js', 'subclass.test.js'], args: ['--runInBand'] });
  const warnings = run.stderr.split(VERSION_WARNING).length - 1;
  expect(warnings).toBe(1);
  expect(run.stderr).toContain('built on jest-environment-node 30.');
  expect(run.stderr).toMatch(/the running Jest is 29\.\d+\.\d+/);
  expect(run.stderr).toContain('npm install --save-dev jest-environment-node@29');
  // A warning only: the verdicts are the same.
  expectPassed(run, 'queries the environment database without leaking');
  expectFailedWith(run, 'leaks an interval of its own', '[timer] setInterval every 1000 ms');
});

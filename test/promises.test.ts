import { expectFailedWith, failureText, runJest, type JestRun, PROMISE_WATCHING } from './helpers/run-jest';

// Issue 4: promises that never settle, reported one per suspended chain.
describe.each(PROMISE_WATCHING)('promise leaks (Jest %i, promises %s)', (jest, _watching, env) => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('promises', { jest, env });
  });

  const failsWith = (name: string, ...texts: Array<string | RegExp>): string => expectFailedWith(run, name, ...texts);

  test('a hung async function is reported once, as the function, with the await site and the call site', () => {
    failsWith(
      'hung async function on a module-level emitter',
      '1 async resource created by this test is still alive after it finished.',
      "[promise] async function waitForReady, suspended at await once(bus, 'ready') (hung.test.ts:9)",
      'this promise never settles: resolve/reject it, or remove the reference that keeps it alive',
      /at .*hung\.test\.ts:13:/, // the call site, in the .ts source through source maps
    );
    expect(run.test('hung async function on a module-level emitter').failureMessages).toHaveLength(1);
  });

  test('a deferred parked in a module-level cache', () => {
    failsWith('pending deferred parked in a module-level cache', '[promise] new Promise created at hung.test.ts:17 is never resolved or rejected');
  });

  test('a stored resolver: the promise and its .then are one leak', () => {
    failsWith('stored resolver that is never called', '[promise] new Promise created at hung.test.ts:21 is never resolved or rejected');
    expect(run.test('stored resolver that is never called').failureMessages).toHaveLength(1);
  });

  test('an unreachable never-settling promise and thousands of settled ones are clean', () => {
    expect(run.test('unreachable never-settling promise is garbage, not a leak')).toMatchObject({ status: 'passed', failureMessages: [] });
    expect(run.test('thousands of settled promises are clean')).toMatchObject({ status: 'passed', failureMessages: [] });
    expect(run.test('an awaited and resolved waiter is clean')).toMatchObject({ status: 'passed', failureMessages: [] });
  });

  test('Promise.race with a losing timer reports the timer, not the promise', () => {
    failsWith('Promise.race with a losing timer: the timer is the leak', '[timer] setTimeout of 60000 ms');
    expect(failureText(run.test('Promise.race with a losing timer: the timer is the leak'))).not.toContain('[promise]');
  });

  test('promises across beforeEach/afterEach belong to the test they ran for', () => {
    expect(run.test('a promise created in beforeEach and settled in afterEach is clean').status).toBe('passed');
    failsWith('is charged to the test it ran for', '[promise] once() called at hooks.test.js:20 never settles');
  });

  test('test.concurrent: only the leaking test is charged', () => {
    failsWith(
      'concurrent A leaks a promise after overlapping with B',
      '[promise] async function hangForever, suspended at await once(bus, label) (concurrent.test.js:6)',
    );
    expect(run.test('concurrent B is clean while A is running')).toMatchObject({ status: 'passed', failureMessages: [] });
  });

  test('allow() and ignore rules work for promises, and nothing is blamed on the next test', () => {
    expect(run.test('a test may allow its promise leaks').status).toBe('passed');
    expect(run.test('an ignore rule silences a promise by function').status).toBe('passed');
    expect(run.test('the next test is not blamed for them').status).toBe('passed');
    expect(run.file('optout.test.js').status).toBe('passed');
  });

  test('a module-scope promise leak fails the file, not the test', () => {
    expect(run.test('a test next to a module-scope promise leak passes').status).toBe('passed');
    const file = run.file('module-scope.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain('created outside any test (module scope, beforeAll or afterAll)');
    expect(file.message).toContain('[promise] once() called at module-scope.test.js:4 never settles');
  });
});

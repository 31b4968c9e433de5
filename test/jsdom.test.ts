import { failureText, runJest, type JestRun } from './helpers/run-jest';

// `testEnvironment: 'leakcheck/jsdom'`: jsdom's window timers are Node timers underneath
// (an interval is a timeout jsdom re-arms after each run); they are caught and named.
describe('jsdom flavour', () => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('jsdom');
  });

  test('tests run in jsdom, with its own timer functions', () => {
    expect(run.test('runs in jsdom with its own timers')).toMatchObject({ status: 'passed', failureMessages: [] });
  });

  test.each([
    ['leaks a slow interval', '[timer] setInterval every 1000 ms', /timers\.test\.js:10:3/],
    // Re-armed by jsdom several times before the verdict: still named, still at the user's line.
    ['leaks a fast interval', '[timer] setInterval every 5 ms', /timers\.test\.js:14:3/],
    ['leaks a timeout', '[timer] setTimeout of 5000 ms', /timers\.test\.js:18:10/],
    // A one-shot timeout armed from an interval's callback is not mistaken for a re-arm.
    ['leaks a timeout armed by an interval that stopped', '[timer] setTimeout of 5000 ms', /timers\.test\.js:51:5/],
  ])('%s: fails naming the timer and its creation line', (name, description, line) => {
    const result = run.test(name);
    expect(result.status).toBe('failed');
    const text = failureText(result);
    expect(text).toContain('1 async resource created by this test is still alive after it finished.');
    expect(text).toContain(description);
    expect(text).toMatch(line);
  });

  test('an interval gets the clearInterval hint', () => {
    expect(failureText(run.test('leaks a fast interval'))).toContain('clearInterval(handle)');
  });

  test.each([
    'clears its interval',
    'clears its interval after it ran',
    'leaves a short timeout that fires within the budget',
    'uses the DOM without leaking',
    'a pending fake interval is not a real leak',
    'requestAnimationFrame runs once and stops',
  ])('clean twin passes: %s', (name) => {
    expect(run.test(name)).toMatchObject({ status: 'passed', failureMessages: [] });
  });

  test('an interval left running by beforeAll fails the file, not its test', () => {
    expect(run.test('passes while its file leaks from beforeAll')).toMatchObject({ status: 'passed' });
    const file = run.file('hooks.test.js');
    expect(file.status).toBe('failed');
    expect(file.message).toContain('created outside any test');
    expect(file.message).toContain('[timer] setInterval every 5 ms');
    expect(file.message).toMatch(/hooks\.test\.js:3:10/);
  });
});

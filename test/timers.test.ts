import { failureText, runJest, type JestRun } from './helpers/run-jest';

describe('timers', () => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('timers');
  });

  test('a leaked interval fails its test, naming the kind and the creation line', () => {
    const result = run.test('leaks an interval');
    expect(result.status).toBe('failed');
    expect(failureText(result)).toContain('1 async resource created by this test is still alive after it finished.');
    expect(failureText(result)).toContain('[timer] setInterval every 1000 ms');
    expect(failureText(result)).toMatch(/timers\.test\.js:2:3/);
  });

  test.each(['clears its interval', 'unrefs its interval', 'leaves a short timeout that fires within the budget'])(
    'clean twin passes: %s',
    (name) => {
      expect(run.test(name)).toMatchObject({ status: 'passed', failureMessages: [] });
    },
  );
});

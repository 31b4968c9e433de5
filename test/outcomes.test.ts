// A leak next to the test's own outcome: failures, timeouts, concurrent tests, fake timers.
import { failureText, runJest, type JestRun } from './helpers/run-jest';

let run: JestRun;
beforeAll(() => {
  run = runJest('outcomes');
});

test('a test that fails and leaks shows its own failure first, then the leak', () => {
  const result = run.test('fails and leaks');
  expect(result.status).toBe('failed');
  expect(result.failureMessages).toHaveLength(2);
  const [own, leak] = result.failureMessages;
  expect(own).toContain('Expected: 3');
  expect(leak).toContain('[timer] setInterval every 1000 ms');
  expect(leak).toMatch(/fail-and-timeout\.test\.js:2:3\)/);
});

test('a failing test’s own stack does not show the detector’s wrapper frames', () => {
  const own = run.test('fails and leaks').failureMessages[0];
  expect(own).toMatch(/fail-and-timeout\.test\.js:3:17\)/);
  expect(own).not.toMatch(/Tracker\.runAs|[/\\]build[/\\](circus|session|tracker)\.js/);
});

test('a test that times out and leaks reports the timeout, then the leak', () => {
  const result = run.test('times out and leaks');
  expect(result.status).toBe('failed');
  const text = failureText(result);
  expect(text).toContain('Exceeded timeout of 200 ms');
  expect(text).toContain('[timer] setInterval every 1000 ms');
  expect(text).toMatch(/fail-and-timeout\.test\.js:7:3\)/);
  expect(text.indexOf('Exceeded timeout')).toBeLessThan(text.indexOf('[timer]'));
});

test('a failing test without leaks gets no leak report', () => {
  const result = run.test('fails without leaking');
  expect(result.status).toBe('failed');
  expect(failureText(result)).not.toContain('leakcheck');
});

test('overlapping concurrent tests are each charged only with their own leaks', () => {
  const a = failureText(run.test('concurrent A leaks a timeout'));
  expect(a).toContain('1 async resource created by this test');
  expect(a).toContain('[timer] setTimeout of 60000 ms');
  expect(a).toMatch(/concurrent\.test\.js:6:3\)/);
  expect(a).not.toContain('setInterval');

  const b = failureText(run.test('concurrent B leaks an interval'));
  expect(b).toContain('1 async resource created by this test');
  expect(b).toContain('[timer] setInterval every 1000 ms');
  expect(b).toMatch(/concurrent\.test\.js:12:3\)/);
  expect(b).not.toContain('setTimeout');

  expect(run.test('concurrent C is clean')).toMatchObject({ status: 'passed', failureMessages: [] });
  expect(run.file('concurrent.test.js').message).not.toContain('outside any test');
});

test('pending Jest fake timers are not leaks', () => {
  expect(run.test('a pending fake timer is not a leak')).toMatchObject({ status: 'passed', failureMessages: [] });
  expect(run.test('fake timers left installed with pending timers are not leaks')).toMatchObject({
    status: 'passed',
    failureMessages: [],
  });
});

test('a real timer next to fake ones is a leak, and only it', () => {
  const captured = failureText(run.test('a real timer next to fake ones is a leak'));
  expect(captured).toContain('1 async resource created by this test');
  expect(captured).toContain('[timer] setInterval every 1000 ms');
  expect(captured).toMatch(/fake-timers\.test\.js:12:3\)/);

  const notFaked = failureText(run.test('doNotFake keeps a real timer that is a leak'));
  expect(notFaked).toContain('1 async resource created by this test');
  expect(notFaked).toContain('[timer] setInterval every 2000 ms');
  expect(notFaked).toMatch(/fake-timers\.test\.js:19:3\)/);
});

test('identical leaks (same kind, same creation stack) are shown once with a count', () => {
  const result = run.test('leaks three intervals from one line');
  expect(result.failureMessages).toHaveLength(1);
  expect(result.failureMessages[0]).toContain('3 async resources created by this test are still alive after it finished.');
  expect(result.failureMessages[0]).toContain('[timer] setInterval every 1000 ms (×3)');
  expect(result.failureMessages[0]).toMatch(/grouping\.test\.js:2:31\)/);
});

test('a test\'s leaks are one failure: at most five groups, each at its own line, then a count of the rest', () => {
  const messages = run.test('leaks at seven places').failureMessages;
  expect(messages).toHaveLength(1);
  const [message] = messages;
  expect(message.match(/leakcheck:/g)).toHaveLength(1);
  expect(message).toContain('7 async resources created by this test are still alive after it finished.');
  for (let i = 0; i < 5; i++) {
    expect(message).toContain(`[timer] setTimeout of ${60_001 + i} ms`);
    expect(message).toContain(`Created at grouping.test.js:${6 + i}:3\n`);
  }
  expect(message).not.toContain('setTimeout of 60006 ms');
  expect(message).toContain('…and 2 more leaked resources not shown.');
  // The stack, and so the code frame, is the first group's.
  expect(message).toMatch(/\n\s+at \S+ \(.*grouping\.test\.js:6:3\)/);
});

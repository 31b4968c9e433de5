// Attribution through hooks: beforeEach/afterEach work belongs to the test it ran for;
// beforeAll/afterAll and module-scope work belongs to the file.
import { failureText, runJest, type JestRun } from './helpers/run-jest';

let run: JestRun;
beforeAll(() => {
  run = runJest('hooks');
});

test('a beforeEach leak is charged to each test it ran for, at the hook’s line', () => {
  for (const name of ['first test under the leaky beforeEach', 'second test under the leaky beforeEach']) {
    const result = run.test(name);
    expect(result.status).toBe('failed');
    expect(failureText(result)).toContain('1 async resource created by this test is still alive');
    expect(failureText(result)).toContain('[timer] setInterval every 1000 ms');
    expect(failureText(result)).toMatch(/each\.test\.js:4:5\)/);
  }
});

test('an afterEach leak is charged to the test it ran after', () => {
  const result = run.test('test followed by a leaky afterEach');
  expect(result.status).toBe('failed');
  expect(failureText(result)).toContain('[timer] setTimeout of 60000 ms');
  expect(failureText(result)).toMatch(/each\.test\.js:25:5\)/);
});

test('a beforeEach/afterEach pair that cleans up is clean', () => {
  expect(run.test('runs between a beforeEach and the afterEach that cleans up')).toMatchObject({ status: 'passed', failureMessages: [] });
  // Each-hook leaks are the tests’ business, never the file’s.
  expect(run.file('each.test.js').message).not.toContain('outside any test');
});

test('beforeAll/afterAll pairs that clean up leave the file and its tests clean', () => {
  const file = run.file('all-clean.test.js');
  expect(file.status).toBe('passed');
  expect(file.message).toBe('');
  expect(file.assertionResults.map((t) => t.status)).toEqual(['passed', 'passed']);
});

test('a beforeAll leak fails the file, naming the leak and its line, while its tests pass', () => {
  const file = run.file('before-all-leak.test.js');
  expect(file.status).toBe('failed');
  expect(file.message).toContain(
    '1 async resource created outside any test (module scope, beforeAll or afterAll) is still alive after the last afterAll.',
  );
  expect(file.message).toMatch(/\[server\] TCP server listening on 127\.0\.0\.1:\d+/);
  expect(file.message).toMatch(/before-all-leak\.test\.js:6:\d+\)/);
  expect(run.test('passes despite the beforeAll leak').status).toBe('passed');
  expect(run.test('also passes despite the beforeAll leak').status).toBe('passed');
});

test('a module-scope leak fails the file, while its test passes', () => {
  const file = run.file('module-leak.test.js');
  expect(file.status).toBe('failed');
  expect(file.message).toContain('created outside any test');
  expect(file.message).toContain('[timer] setInterval every 1000 ms');
  expect(file.message).toMatch(/module-leak\.test\.js:2:1\)/);
  expect(run.test('passes despite the module-scope leak').status).toBe('passed');
});

test('an afterAll leak fails the file', () => {
  const file = run.file('after-all-leak.test.js');
  expect(file.status).toBe('failed');
  expect(file.message).toContain('[timer] setTimeout of 60000 ms');
  expect(file.message).toMatch(/after-all-leak\.test\.js:3:3\)/);
  expect(run.test('passes before the leaky afterAll').status).toBe('passed');
});

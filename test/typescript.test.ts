// A TypeScript test through ts-jest: the creation stack is source-mapped to the .ts lines.
import { failureText, runJest, type JestRun } from './helpers/run-jest';

let run: JestRun;
beforeAll(() => {
  run = runJest('typescript');
});

test('a leak in a .ts test points at the .ts line, not the compiled one', () => {
  const result = run.test('leaks an interval from TypeScript');
  expect(result.status).toBe('failed');
  const text = failureText(result);
  expect(text).toContain('[timer] setInterval every 1000 ms');
  // Line 10 in the source; the compiled JavaScript has the call on another line.
  expect(text).toMatch(/leak\.test\.ts:10:50\)/);
  expect(text).toMatch(/leak\.test\.ts:15:\d+\)/);
});

test('its clean twin passes', () => {
  expect(run.test('stops its poller in TypeScript')).toMatchObject({ status: 'passed', failureMessages: [] });
});

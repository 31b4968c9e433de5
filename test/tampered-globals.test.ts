// What a test does to its realm's Error (replace it, delete captureStackTrace, set
// stackTraceLimit to 0, make prepareStackTrace throw, freeze it) costs no test its result,
// and later leaks are still found and located.
import { expectFailedWith, expectPassed, runJest, type JestRun } from './helpers/run-jest';

let run: JestRun;
beforeAll(() => {
  run = runJest('tampered-globals');
});

// Each with the line its leak is created at.
const CASES: Array<[file: string, tamper: string, leak: string, clean: string, line: number]> = [
  ['error-subclass', 'replaces global.Error with a subclass', 'leaks a timer after Error was replaced', 'clean test after Error was replaced', 6],
  ['error-function', 'replaces global.Error with a plain function', 'leaks a timer after Error was replaced', 'clean test after Error was replaced', 6],
  ['capture-deleted', 'deletes Error.captureStackTrace', 'leaks a timer after captureStackTrace was deleted', 'clean test after captureStackTrace was deleted', 6],
  ['limit-zero', 'sets Error.stackTraceLimit to 0', 'leaks a timer after stackTraceLimit was set to 0', 'clean test after stackTraceLimit was set to 0', 6],
  ['prepare-throws', 'makes Error.prepareStackTrace throw', 'leaks a timer after prepareStackTrace was made to throw', 'clean test after prepareStackTrace was made to throw', 8],
  ['frozen-error', 'freezes Error (stackTraceLimit becomes read-only)', 'leaks a timer after Error was frozen', 'clean test after Error was frozen', 6],
];

test('every file keeps its results: no "Test suite failed to run", no internal error', () => {
  expect(run.files).toHaveLength(CASES.length);
  expect(run.numRuntimeErrorTestSuites).toBe(0);
  for (const file of run.files) expect(file.message).not.toContain('Test suite failed to run');
  expect(run.stderr).not.toContain('internal error');
});

describe.each(CASES)('%s', (file, tamper, leak, clean, line) => {
  test('the tampering test and the clean test pass; the leak is reported with its line', () => {
    expect(run.file(`${file}.test.js`).assertionResults.map((r) => r.title)).toEqual(expect.arrayContaining([tamper, leak, clean]));
    for (const name of [tamper, clean]) expect(run.file(`${file}.test.js`).assertionResults.find((r) => r.title === name)).toMatchObject({ status: 'passed' });
    const result = run.file(`${file}.test.js`).assertionResults.find((r) => r.title === leak);
    expect(result?.status).toBe('failed');
    const text = result?.failureMessages.join('\n') ?? '';
    expect(text).toContain('[timer] setInterval every 1000 ms');
    expect(text).toMatch(new RegExp(`${file}\\.test\\.js:${line}:3\\)`));
  });
});

test('the leakcheck API still works after Error.captureStackTrace was deleted', () => {
  expectPassed(run, 'the leakcheck API still works after captureStackTrace was deleted');
  expectFailedWith(run, 'leaks a timer after captureStackTrace was deleted', '[timer]');
});

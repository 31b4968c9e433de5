// The records channel between the environments and the summary reporter.
import { existsSync, readdirSync } from 'node:fs';
import { closeRun, firstInRun, openRun, receiveRecords, RECORDS_DIR_ENV, sendRecords, type FileRecords } from '../../src/report/channel';

const saved = process.env[RECORDS_DIR_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[RECORDS_DIR_ENV];
  else process.env[RECORDS_DIR_ENV] = saved;
});

const sent: FileRecords = {
  version: 1,
  testPath: '/project/a b/ü.test.js',
  mode: 'warn',
  records: [],
  tests: { 'a test': 'ran', 'a skipped one': 'skipped' },
  baseline: { path: '/project/leakcheck-baseline.json', strict: true, stale: [{ testFile: 'a b/ü.test.js', testName: 'a test', kind: 'timer', known: 2, now: 1 }] },
  unusedRules: ['{ module: "pg" } (testEnvironmentOptions.leakcheck.ignore[0])'],
};

test('a run directory named in the environment; a file sent there is received once, then gone', () => {
  const dir = openRun();
  expect(process.env[RECORDS_DIR_ENV]).toBe(dir);
  sendRecords(sent);
  // Written under a temporary name and renamed: nothing half-written is left behind.
  expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  expect(receiveRecords(dir, sent.testPath)).toEqual(sent);
  expect(receiveRecords(dir, sent.testPath)).toBeUndefined();
  closeRun(dir);
  expect(existsSync(dir)).toBe(false);
  expect(process.env[RECORDS_DIR_ENV]).toBeUndefined();
});

test('without a reporter (no variable), nothing is written', () => {
  delete process.env[RECORDS_DIR_ENV];
  expect(() => sendRecords(sent)).not.toThrow();
});

test('a file whose environment sent nothing is undefined', () => {
  const dir = openRun();
  expect(receiveRecords(dir, '/project/other.test.js')).toBeUndefined();
  closeRun(dir);
});

test('firstInRun: true once per key across the run directory, then false; per process without one', () => {
  const dir = openRun();
  expect(firstInRun('options error A')).toBe(true);
  expect(firstInRun('options error A')).toBe(false);
  expect(firstInRun('options error B')).toBe(true);
  closeRun(dir);
  delete process.env[RECORDS_DIR_ENV];
  expect(firstInRun('options error C')).toBe(true);
  expect(firstInRun('options error C')).toBe(false);
});

// The baseline file's format, its application to one file's records, and its update from a run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Allowance } from '../../src/baseline/allowance';
import { FILE_SCOPE, formatBaseline, parseBaseline } from '../../src/baseline/format';
import { updateBaselines } from '../../src/baseline/update';
import type { LeakReportDocument } from '../../src/report/json';
import type { LeakRecord } from '../../src/report/report';
import { aRecord } from '../helpers/records';

const record = aRecord();

describe('the baseline file', () => {
  test('formatted with sorted keys at every level and empty entries dropped; parsed back the same', () => {
    const text = formatBaseline({ version: 1, leaks: { 'b.test.js': { z: { timer: 1, promise: 2 }, a: { socket: 0 } }, 'a.test.js': {} } });
    expect(text).toBe('{\n  "version": 1,\n  "leaks": {\n    "b.test.js": {\n      "z": {\n        "promise": 2,\n        "timer": 1\n      }\n    }\n  }\n}\n');
    expect(parseBaseline(text, 'x.json')).toEqual({ version: 1, leaks: { 'b.test.js': { z: { promise: 2, timer: 1 } } } });
  });

  test.each([
    ['{ "version": 2, "leaks": {} }', 'x.json:1: expected "version": 1 (a baseline written by `npx leakcheck baseline`), found 2.'],
    ['{\n "version": 1,\n "leaks": []\n}', 'x.json:3: expected an object of test files, found [].'],
    ['{\n "version": 1,\n "leaks": {\n  "a.test.js": {\n   "t": { "timr": 1 }\n  }\n }\n}', 'x.json:5: expected a kind of leaked resource (such as "timer" or "promise"), found "timr".'],
    ['{\n "version": 1,\n "leaks": {\n  "a.test.js": {\n   "t": { "timer": 1.5 }\n  }\n }\n}', 'x.json:5: expected a whole number of timer leaks, 1 or more, found 1.5.'],
    ['{\n "version": 1,\n "leaks": {},\n "extra": true\n}', 'x.json:4: expected only the keys "version" and "leaks", found "extra".'],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseBaseline(text, 'x.json')).toThrow(message);
  });
});

describe('Allowance', () => {
  test('known leaks are marked; a group crossing the count is split; counts are consumed across deliveries', () => {
    const allowance = new Allowance({ t: { timer: 3 } });
    expect(allowance.apply([{ ...record, count: 2 }])).toEqual([{ ...record, count: 2, baselined: true }]);
    expect(allowance.apply([{ ...record, count: 2 }, { ...record, kind: 'promise' }])).toEqual([
      { ...record, count: 1, baselined: true },
      { ...record, count: 1 },
      { ...record, kind: 'promise' },
    ]);
  });

  test('stale: entries leaked less than known, for tests that ran or no longer exist; skipped tests and files that ran nothing are kept', () => {
    const allowance = new Allowance({ ran: { timer: 2 }, skipped: { timer: 1 }, gone: { socket: 1 }, [FILE_SCOPE]: { timer: 1 } });
    allowance.apply([{ ...record, testName: 'ran' }]);
    expect(allowance.stale('a.test.js', new Map([['ran', 'ran'], ['skipped', 'skipped']] as const))).toEqual([
      { testFile: 'a.test.js', testName: 'ran', kind: 'timer', known: 2, now: 1 },
      { testFile: 'a.test.js', testName: 'gone', kind: 'socket', known: 1, now: 0 },
      { testFile: 'a.test.js', testName: null, kind: 'timer', known: 1, now: 0 },
    ]);
    expect(allowance.stale('a.test.js', new Map([['ran', 'skipped']] as const))).toEqual([]);
  });
});

describe('updateBaselines', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'leakcheck-update-'));
    writeFileSync(path.join(dir, 'a.test.js'), '');
    writeFileSync(path.join(dir, 'b.test.js'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const document = (records: LeakRecord[]): LeakReportDocument => ({
    version: 1,
    tool: 'jest-environment-leakcheck',
    totals: { failing: 0, failingByKind: {}, warned: 0, warnedByKind: {}, baselined: 0, baselinedByKind: {}, testsWithLeaks: 0, filesWithLeaks: 0, checkedFiles: 1, uncheckedFiles: 0, staleEntries: 0 },
    records,
    files: [{ testFile: 'a.test.js', mode: 'fail', tests: { t: 'ran', new: 'ran', skipped: 'skipped' }, baseline: 'base.json', strictBaseline: false }],
    stale: [],
  });
  const before = { version: 1 as const, leaks: { 'a.test.js': { t: { timer: 2 }, skipped: { socket: 1 }, renamed: { timer: 1 } }, 'b.test.js': { other: { timer: 1 } }, 'deleted.test.js': { x: { timer: 1 } } } };
  const read = (): unknown => JSON.parse(readFileSync(path.join(dir, 'base.json'), 'utf8'));

  test('write: what leaks now for the tests that ran; skipped tests and files not run are kept; deleted files and renamed tests go', () => {
    writeFileSync(path.join(dir, 'base.json'), formatBaseline(before));
    const writes = updateBaselines(document([{ ...record, testName: 'new', kind: 'promise' }, { ...record, testName: null, scope: 'file' }]), dir, 'write');
    expect(read()).toEqual({ version: 1, leaks: { 'a.test.js': { [FILE_SCOPE]: { timer: 1 }, new: { promise: 1 }, skipped: { socket: 1 } }, 'b.test.js': { other: { timer: 1 } } } });
    expect(writes).toEqual([{ file: 'base.json', leaks: 4, tests: 4, added: 2, removed: 3, changed: true }]);
  });

  test('prune: counts only go down, nothing is added', () => {
    writeFileSync(path.join(dir, 'base.json'), formatBaseline(before));
    updateBaselines(document([{ ...record, testName: 't' }, { ...record, testName: 'new' }]), dir, 'prune');
    expect(read()).toEqual({ version: 1, leaks: { 'a.test.js': { t: { timer: 1 }, skipped: { socket: 1 } }, 'b.test.js': { other: { timer: 1 } } } });
  });

  test('a malformed baseline is not overwritten', () => {
    writeFileSync(path.join(dir, 'base.json'), '{ "version": 1, "leaks": [] }');
    expect(() => updateBaselines(document([]), dir, 'write')).toThrow('base.json:1: expected an object of test files, found [].');
    expect(readFileSync(path.join(dir, 'base.json'), 'utf8')).toBe('{ "version": 1, "leaks": [] }');
  });
});
